"""safeguarding concerns (issue #17)

Revision ID: 17a100000002
Revises: 17a100000001
Create Date: 2026-12-07 17:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import server.database


# revision identifiers, used by Alembic.
revision = '17a100000002'
down_revision = '17a100000001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('safeguarding_lead',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('designated_by_id', sa.Integer(), nullable=True),
    sa.Column('designated_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_safeguarding_lead_centre_id_centre')),
    sa.ForeignKeyConstraint(['designated_by_id'], ['user_account.id'], name=op.f('fk_safeguarding_lead_designated_by_id_user_account')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_safeguarding_lead_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safeguarding_lead'))
    )
    with op.batch_alter_table('safeguarding_lead', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_safeguarding_lead_centre_id'), ['centre_id'], unique=False)

    op.create_table('safeguarding_inspector_scope',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=False),
    sa.Column('grant_expires_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('granted_by_id', sa.Integer(), nullable=True),
    sa.Column('granted_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_safeguarding_inspector_scope_centre_id_centre')),
    sa.ForeignKeyConstraint(['granted_by_id'], ['user_account.id'], name=op.f('fk_safeguarding_inspector_scope_granted_by_id_user_account')),
    sa.ForeignKeyConstraint(['membership_id'], ['membership.id'], name=op.f('fk_safeguarding_inspector_scope_membership_id_membership')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safeguarding_inspector_scope')),
    sa.UniqueConstraint('membership_id', 'grant_expires_at', name=op.f('uq_safeguarding_inspector_scope_membership_id'))
    )
    op.create_table('safeguarding_lead_revocation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_safeguarding_lead_revocation_centre_id_centre')),
    sa.ForeignKeyConstraint(['lead_id'], ['safeguarding_lead.id'], name=op.f('fk_safeguarding_lead_revocation_lead_id_safeguarding_lead')),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['user_account.id'], name=op.f('fk_safeguarding_lead_revocation_revoked_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safeguarding_lead_revocation')),
    sa.UniqueConstraint('lead_id', name=op.f('uq_safeguarding_lead_revocation_lead_id'))
    )
    op.create_table('safeguarding_concern',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.Enum('abuse', 'neglect', 'corporal_punishment', 'other', name='concerncategory', native_enum=False, length=24), nullable=False),
    sa.Column('noticed_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('account', sa.Text(), nullable=False),
    sa.Column('immediate_actions', sa.Text(), nullable=False),
    sa.Column('raised_by_id', sa.Integer(), nullable=True),
    sa.Column('raised_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_safeguarding_concern_centre_id_centre')),
    sa.ForeignKeyConstraint(['child_id'], ['child.id'], name=op.f('fk_safeguarding_concern_child_id_child')),
    sa.ForeignKeyConstraint(['raised_by_id'], ['user_account.id'], name=op.f('fk_safeguarding_concern_raised_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safeguarding_concern'))
    )
    with op.batch_alter_table('safeguarding_concern', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_safeguarding_concern_centre_id'), ['centre_id'], unique=False)

    op.create_table('safeguarding_amendment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('concern_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.Enum('noticed_at', 'category', 'account', 'immediate_actions', name='amendedfield', native_enum=False, length=24), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('amended_by_id', sa.Integer(), nullable=True),
    sa.Column('amended_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['amended_by_id'], ['user_account.id'], name=op.f('fk_safeguarding_amendment_amended_by_id_user_account')),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_safeguarding_amendment_centre_id_centre')),
    sa.ForeignKeyConstraint(['concern_id'], ['safeguarding_concern.id'], name=op.f('fk_safeguarding_amendment_concern_id_safeguarding_concern')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safeguarding_amendment'))
    )
    with op.batch_alter_table('safeguarding_amendment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_safeguarding_amendment_concern_id'), ['concern_id'], unique=False)

    op.create_table('safeguarding_involved_staff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('concern_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('managers', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_safeguarding_involved_staff_centre_id_centre')),
    sa.ForeignKeyConstraint(['concern_id'], ['safeguarding_concern.id'], name=op.f('fk_safeguarding_involved_staff_concern_id_safeguarding_concern')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_safeguarding_involved_staff_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safeguarding_involved_staff'))
    )
    with op.batch_alter_table('safeguarding_involved_staff', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_safeguarding_involved_staff_concern_id'), ['concern_id'], unique=False)

    op.create_table('safeguarding_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('concern_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('internal_review', 'police_report', 'authority_report', 'guardian_informed', 'guardian_not_informed', 'staff_suspended', 'staff_barred', 'staff_retrained', 'note', 'closed', name='stepkind', native_enum=False, length=24), nullable=False),
    sa.Column('done_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('done_by', sa.String(length=80), nullable=False),
    sa.Column('agency', sa.Enum('police', 'health_commission', 'education', 'civil_affairs', name='agency', native_enum=False, length=24), nullable=True),
    sa.Column('reference', sa.String(length=80), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('ban_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ban_id'], ['banned_person.id'], name=op.f('fk_safeguarding_step_ban_id_banned_person')),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_safeguarding_step_centre_id_centre')),
    sa.ForeignKeyConstraint(['concern_id'], ['safeguarding_concern.id'], name=op.f('fk_safeguarding_step_concern_id_safeguarding_concern')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_safeguarding_step_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_safeguarding_step_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safeguarding_step'))
    )
    with op.batch_alter_table('safeguarding_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_safeguarding_step_concern_id'), ['concern_id'], unique=False)


def downgrade():
    with op.batch_alter_table('safeguarding_step', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_safeguarding_step_concern_id'))

    op.drop_table('safeguarding_step')
    with op.batch_alter_table('safeguarding_involved_staff', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_safeguarding_involved_staff_concern_id'))

    op.drop_table('safeguarding_involved_staff')
    with op.batch_alter_table('safeguarding_amendment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_safeguarding_amendment_concern_id'))

    op.drop_table('safeguarding_amendment')
    with op.batch_alter_table('safeguarding_concern', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_safeguarding_concern_centre_id'))

    op.drop_table('safeguarding_concern')
    op.drop_table('safeguarding_lead_revocation')
    op.drop_table('safeguarding_inspector_scope')
    with op.batch_alter_table('safeguarding_lead', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_safeguarding_lead_centre_id'))

    op.drop_table('safeguarding_lead')
