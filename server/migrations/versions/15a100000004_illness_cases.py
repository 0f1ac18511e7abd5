"""illness cases

Revision ID: 15a100000004
Revises: 15a100000003
Create Date: 2026-12-07 11:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import server.database


# revision identifiers, used by Alembic.
revision = '15a100000004'
down_revision = '15a100000003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('illness_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=True),
    sa.Column('disease', sa.String(length=80), nullable=False),
    sa.Column('infectious', sa.Boolean(), nullable=False),
    sa.Column('onset_on', sa.Date(), nullable=False),
    sa.Column('reported_on', sa.Date(), nullable=False),
    sa.Column('reported_to', sa.String(length=120), nullable=False),
    sa.Column('excluded_from', sa.Date(), nullable=True),
    sa.Column('excluded_until', sa.Date(), nullable=True),
    sa.Column('amends_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('recorded_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['amends_id'], ['illness_case.id'], name=op.f('fk_illness_case_amends_id_illness_case')),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_illness_case_centre_id_centre')),
    sa.ForeignKeyConstraint(['child_id'], ['child.id'], name=op.f('fk_illness_case_child_id_child')),
    sa.ForeignKeyConstraint(['class_id'], ['room.id'], name=op.f('fk_illness_case_class_id_room')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'],
                            name=op.f('fk_illness_case_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_illness_case')),
    sa.UniqueConstraint('amends_id', name=op.f('uq_illness_case_amends_id'))
    )
    with op.batch_alter_table('illness_case', schema=None) as batch_op:
        batch_op.create_index('ix_illness_case_centre_onset', ['centre_id', 'onset_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_illness_case_child_id'), ['child_id'], unique=False)

    op.create_table('illness_return_certificate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('issuer', sa.String(length=120), nullable=False),
    sa.Column('recorded_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['illness_case.id'],
                            name=op.f('fk_illness_return_certificate_case_id_illness_case')),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_illness_return_certificate_centre_id_centre')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'],
                            name=op.f('fk_illness_return_certificate_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_illness_return_certificate')),
    sa.UniqueConstraint('case_id', name=op.f('uq_illness_return_certificate_case_id'))
    )
    with op.batch_alter_table('illness_return_certificate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_illness_return_certificate_centre_id'), ['centre_id'], unique=False)


def downgrade():
    with op.batch_alter_table('illness_return_certificate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_illness_return_certificate_centre_id'))
    op.drop_table('illness_return_certificate')
    with op.batch_alter_table('illness_case', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_illness_case_child_id'))
        batch_op.drop_index('ix_illness_case_centre_onset')
    op.drop_table('illness_case')
