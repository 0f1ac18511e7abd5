"""staff files credentials roster training

Revision ID: b8d2e3f4a5c6
Revises: a7c1d2e3f4b5
Create Date: 2026-12-07 08:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import server.database


# revision identifiers, used by Alembic.
revision = 'b8d2e3f4a5c6'
down_revision = 'a7c1d2e3f4b5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('staff_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('original_name', sa.String(length=120), nullable=False),
    sa.Column('uploaded_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_staff_document_centre_id_centre')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_staff_document_staff_id_staff')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'],
                            name=op.f('fk_staff_document_uploaded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_document')),
    sa.UniqueConstraint('staff_id', 'sha256', name=op.f('uq_staff_document_staff_id_sha256'))
    )
    with op.batch_alter_table('staff_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_document_centre_id'), ['centre_id'], unique=False)

    op.create_table('staff_credential',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('type_code', sa.String(length=40), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('issuer', sa.String(length=120), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('level', sa.String(length=40), nullable=True),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('amends_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('recorded_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['amends_id'], ['staff_credential.id'],
                            name=op.f('fk_staff_credential_amends_id_staff_credential')),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_staff_credential_centre_id_centre')),
    sa.ForeignKeyConstraint(['document_id'], ['staff_document.id'],
                            name=op.f('fk_staff_credential_document_id_staff_document')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'],
                            name=op.f('fk_staff_credential_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_staff_credential_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_credential')),
    sa.UniqueConstraint('amends_id', name=op.f('uq_staff_credential_amends_id'))
    )
    with op.batch_alter_table('staff_credential', schema=None) as batch_op:
        batch_op.create_index('ix_staff_credential_staff', ['centre_id', 'staff_id'], unique=False)

    op.create_table('staff_shift',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('starts_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_staff_shift_centre_id_centre')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'],
                            name=op.f('fk_staff_shift_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['room_id'], ['room.id'], name=op.f('fk_staff_shift_room_id_room')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_staff_shift_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_shift'))
    )
    with op.batch_alter_table('staff_shift', schema=None) as batch_op:
        batch_op.create_index('ix_staff_shift_day', ['centre_id', 'day'], unique=False)

    op.create_table('staff_shift_cancellation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('shift_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['by_id'], ['user_account.id'],
                            name=op.f('fk_staff_shift_cancellation_by_id_user_account')),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_staff_shift_cancellation_centre_id_centre')),
    sa.ForeignKeyConstraint(['shift_id'], ['staff_shift.id'],
                            name=op.f('fk_staff_shift_cancellation_shift_id_staff_shift')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_shift_cancellation')),
    sa.UniqueConstraint('shift_id', name=op.f('uq_staff_shift_cancellation_shift_id'))
    )


def downgrade():
    op.drop_table('staff_shift_cancellation')
    with op.batch_alter_table('staff_shift', schema=None) as batch_op:
        batch_op.drop_index('ix_staff_shift_day')
    op.drop_table('staff_shift')
    with op.batch_alter_table('staff_credential', schema=None) as batch_op:
        batch_op.drop_index('ix_staff_credential_staff')
    op.drop_table('staff_credential')
    with op.batch_alter_table('staff_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_document_centre_id'))
    op.drop_table('staff_document')
