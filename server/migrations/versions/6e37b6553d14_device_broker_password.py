"""device broker password

Revision ID: 6e37b6553d14
Revises: ec9d4eeb090c
Create Date: 2026-11-24 08:21:49.769932

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6e37b6553d14'
down_revision = 'ec9d4eeb090c'
branch_labels = None
depends_on = None


def upgrade():
    # Mosquitto `$7$` hash of the device token; NULL for devices enrolled before MQTT (they re-enrol to use it).
    op.add_column('device', sa.Column('broker_password_hash', sa.String(length=160), nullable=True))


def downgrade():
    with op.batch_alter_table('device', schema=None) as batch_op:
        batch_op.drop_column('broker_password_hash')
