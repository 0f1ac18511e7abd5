"""idempotent requests

Revision ID: 15a100000001
Revises: c9e3f4a5b6d7
Create Date: 2026-12-07 11:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import server.database


# revision identifiers, used by Alembic.
revision = '15a100000001'
down_revision = 'c9e3f4a5b6d7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('idempotent_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('request_sha256', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('body', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', server.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'key', name='uq_idempotent_request_user_key')
    )
    with op.batch_alter_table('idempotent_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idempotent_request_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_idempotent_request_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('idempotent_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idempotent_request_user_id'))
        batch_op.drop_index(batch_op.f('ix_idempotent_request_created_at'))

    op.drop_table('idempotent_request')
