"""pipl consents (issue #16)

Revision ID: 16a100000003
Revises: 16a100000002
Create Date: 2026-12-07 14:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import server.database


# revision identifiers, used by Alembic.
revision = '16a100000003'
down_revision = '16a100000002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('consent_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Enum('data_processing', 'photos', name='consentpurpose', native_enum=False, length=20),
              nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('text_zh', sa.Text(), nullable=False),
    sa.Column('text_en', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.Column('published_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_consent_document_centre_id_centre')),
    sa.ForeignKeyConstraint(['published_by_id'], ['user_account.id'],
                            name=op.f('fk_consent_document_published_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_document')),
    sa.UniqueConstraint('centre_id', 'purpose', 'version', name=op.f('uq_consent_document_centre_id_purpose_version'))
    )
    with op.batch_alter_table('consent_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_document_centre_id'), ['centre_id'], unique=False)

    op.create_table('consent_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Enum('data_processing', 'photos', name='consentpurpose', native_enum=False, length=20),
              nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('decision', sa.Enum('given', 'withdrawn', name='consentchoice', native_enum=False, length=12),
              nullable=False),
    sa.Column('at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('method', sa.Enum('portal', 'paper', name='consentmethod', native_enum=False, length=8),
              nullable=False),
    sa.Column('signed_name', sa.String(length=60), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_consent_decision_centre_id_centre')),
    sa.ForeignKeyConstraint(['child_id'], ['child.id'], name=op.f('fk_consent_decision_child_id_child')),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], name=op.f('fk_consent_decision_contact_id_contact')),
    sa.ForeignKeyConstraint(['document_id'], ['consent_document.id'],
                            name=op.f('fk_consent_decision_document_id_consent_document')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'],
                            name=op.f('fk_consent_decision_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_decision'))
    )
    with op.batch_alter_table('consent_decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_decision_centre_id'), ['centre_id'], unique=False)
        batch_op.create_index('ix_consent_decision_child_purpose_at', ['child_id', 'purpose', 'at'], unique=False)


def downgrade():
    with op.batch_alter_table('consent_decision', schema=None) as batch_op:
        batch_op.drop_index('ix_consent_decision_child_purpose_at')
        batch_op.drop_index(batch_op.f('ix_consent_decision_centre_id'))
    op.drop_table('consent_decision')
    with op.batch_alter_table('consent_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_document_centre_id'))
    op.drop_table('consent_document')
