"""medication

Revision ID: 15a100000006
Revises: 15a100000005
Create Date: 2026-12-07 11:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import server.database


# revision identifiers, used by Alembic.
revision = '15a100000006'
down_revision = '15a100000005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('medication_signature',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_medication_signature_centre_id_centre')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                            name=op.f('fk_medication_signature_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_medication_signature')),
    sa.UniqueConstraint('centre_id', 'sha256', name=op.f('uq_medication_signature_centre_id_sha256'))
    )

    op.create_table('medication_consent',
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
    sa.Column('signed_by_contact_id', sa.Integer(), nullable=False),
    sa.Column('signed_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('signature_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('amends_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('recorded_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['amends_id'], ['medication_consent.id'],
                            name=op.f('fk_medication_consent_amends_id_medication_consent')),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_medication_consent_centre_id_centre')),
    sa.ForeignKeyConstraint(['child_id'], ['child.id'], name=op.f('fk_medication_consent_child_id_child')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'],
                            name=op.f('fk_medication_consent_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['signature_id'], ['medication_signature.id'],
                            name=op.f('fk_medication_consent_signature_id_medication_signature')),
    sa.ForeignKeyConstraint(['signed_by_contact_id'], ['contact.id'],
                            name=op.f('fk_medication_consent_signed_by_contact_id_contact')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_medication_consent')),
    sa.UniqueConstraint('amends_id', name=op.f('uq_medication_consent_amends_id'))
    )
    with op.batch_alter_table('medication_consent', schema=None) as batch_op:
        batch_op.create_index('ix_medication_consent_child', ['centre_id', 'child_id'], unique=False)

    op.create_table('medication_consent_withdrawal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('consent_id', sa.Integer(), nullable=False),
    sa.Column('at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['by_id'], ['user_account.id'],
                            name=op.f('fk_medication_consent_withdrawal_by_id_user_account')),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'],
                            name=op.f('fk_medication_consent_withdrawal_centre_id_centre')),
    sa.ForeignKeyConstraint(['consent_id'], ['medication_consent.id'],
                            name=op.f('fk_medication_consent_withdrawal_consent_id_medication_consent')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_medication_consent_withdrawal')),
    sa.UniqueConstraint('consent_id', name=op.f('uq_medication_consent_withdrawal_consent_id'))
    )

    op.create_table('medication_dose',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('consent_id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('drug', sa.String(length=120), nullable=False),
    sa.Column('dose', sa.Numeric(precision=10, scale=3), nullable=False),
    sa.Column('dose_unit', sa.String(length=20), nullable=False),
    sa.Column('route', sa.String(length=40), nullable=False),
    sa.Column('given_by_id', sa.Integer(), nullable=False),
    sa.Column('witnessed_by_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('recorded_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_medication_dose_centre_id_centre')),
    sa.ForeignKeyConstraint(['child_id'], ['child.id'], name=op.f('fk_medication_dose_child_id_child')),
    sa.ForeignKeyConstraint(['consent_id'], ['medication_consent.id'],
                            name=op.f('fk_medication_dose_consent_id_medication_consent')),
    sa.ForeignKeyConstraint(['given_by_id'], ['staff.id'], name=op.f('fk_medication_dose_given_by_id_staff')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'],
                            name=op.f('fk_medication_dose_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['witnessed_by_id'], ['staff.id'],
                            name=op.f('fk_medication_dose_witnessed_by_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_medication_dose'))
    )
    with op.batch_alter_table('medication_dose', schema=None) as batch_op:
        batch_op.create_index('ix_medication_dose_centre_at', ['centre_id', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_medication_dose_child_id'), ['child_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_medication_dose_consent_id'), ['consent_id'], unique=False)


def downgrade():
    with op.batch_alter_table('medication_dose', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_medication_dose_consent_id'))
        batch_op.drop_index(batch_op.f('ix_medication_dose_child_id'))
        batch_op.drop_index('ix_medication_dose_centre_at')

    op.drop_table('medication_dose')
    op.drop_table('medication_consent_withdrawal')
    with op.batch_alter_table('medication_consent', schema=None) as batch_op:
        batch_op.drop_index('ix_medication_consent_child')

    op.drop_table('medication_consent')
    op.drop_table('medication_signature')
