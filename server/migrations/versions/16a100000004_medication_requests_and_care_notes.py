"""medication requests and care notes (issue #16)

Revision ID: 16a100000004
Revises: 16a100000003
Create Date: 2026-12-07 14:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import server.database


# revision identifiers, used by Alembic.
revision = '16a100000004'
down_revision = '16a100000003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('care_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=True),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.Enum('note', 'observation', name='notekind', native_enum=False, length=16), nullable=False),
    sa.Column('domain', sa.String(length=40), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('shared_with_family', sa.Boolean(), nullable=False),
    sa.Column('written_by_id', sa.Integer(), nullable=True),
    sa.Column('amends_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('recorded_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['amends_id'], ['care_note.id'], name=op.f('fk_care_note_amends_id_care_note')),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_care_note_centre_id_centre')),
    sa.ForeignKeyConstraint(['child_id'], ['child.id'], name=op.f('fk_care_note_child_id_child')),
    sa.ForeignKeyConstraint(['room_id'], ['room.id'], name=op.f('fk_care_note_room_id_room')),
    sa.ForeignKeyConstraint(['written_by_id'], ['user_account.id'],
                            name=op.f('fk_care_note_written_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_note')),
    sa.UniqueConstraint('amends_id', name=op.f('uq_care_note_amends_id'))
    )
    with op.batch_alter_table('care_note', schema=None) as batch_op:
        batch_op.create_index('ix_care_note_child_day', ['centre_id', 'child_id', 'day'], unique=False)

    op.create_table('medication_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('drug', sa.String(length=120), nullable=False),
    sa.Column('dose', sa.Numeric(precision=10, scale=3), nullable=False),
    sa.Column('dose_unit', sa.String(length=20), nullable=False),
    sa.Column('route', sa.String(length=40), nullable=False),
    sa.Column('times', sa.JSON(), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.Column('window_minutes', sa.Integer(), nullable=False),
    sa.Column('max_doses_per_day', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('amends_consent_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('started_by', sa.Enum('staff', 'guardian', name='requestsource', native_enum=False, length=16),
              nullable=False),
    sa.Column('requested_by_contact_id', sa.Integer(), nullable=True),
    sa.Column('created_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['amends_consent_id'], ['medication_consent.id'], ondelete='SET NULL',
                            name=op.f('fk_medication_request_amends_consent_id_medication_consent')),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_medication_request_centre_id_centre')),
    sa.ForeignKeyConstraint(['child_id'], ['child.id'], name=op.f('fk_medication_request_child_id_child')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                            name=op.f('fk_medication_request_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['requested_by_contact_id'], ['contact.id'],
                            name=op.f('fk_medication_request_requested_by_contact_id_contact')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_medication_request'))
    )
    with op.batch_alter_table('medication_request', schema=None) as batch_op:
        batch_op.create_index('ix_medication_request_child', ['centre_id', 'child_id'], unique=False)

    op.create_table('medication_request_decline',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['by_id'], ['user_account.id'],
                            name=op.f('fk_medication_request_decline_by_id_user_account')),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_medication_request_decline_centre_id_centre')),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'],
                            name=op.f('fk_medication_request_decline_contact_id_contact')),
    sa.ForeignKeyConstraint(['request_id'], ['medication_request.id'],
                            name=op.f('fk_medication_request_decline_request_id_medication_request')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_medication_request_decline')),
    sa.UniqueConstraint('request_id', name=op.f('uq_medication_request_decline_request_id'))
    )

    # Consents signed before this revision were signed on the room tablet; from now on a guardian signs a request.
    with op.batch_alter_table('medication_consent', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('signed_via', sa.Enum('phone', 'tablet', name='signingchannel',
                                                            native_enum=False, length=16),
                                      nullable=False, server_default='tablet'))
        batch_op.create_foreign_key(batch_op.f('fk_medication_consent_request_id_medication_request'),
                                    'medication_request', ['request_id'], ['id'])
        batch_op.create_unique_constraint(batch_op.f('uq_medication_consent_request_id'), ['request_id'])


def downgrade():
    with op.batch_alter_table('medication_consent', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_medication_consent_request_id'), type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_medication_consent_request_id_medication_request'),
                                 type_='foreignkey')
        batch_op.drop_column('signed_via')
        batch_op.drop_column('request_id')

    op.drop_table('medication_request_decline')
    with op.batch_alter_table('medication_request', schema=None) as batch_op:
        batch_op.drop_index('ix_medication_request_child')

    op.drop_table('medication_request')
    with op.batch_alter_table('care_note', schema=None) as batch_op:
        batch_op.drop_index('ix_care_note_child_day')

    op.drop_table('care_note')
