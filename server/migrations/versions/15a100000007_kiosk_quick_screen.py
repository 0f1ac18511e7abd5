"""kiosk quick screen

Revision ID: 15a100000007
Revises: 15a100000006
Create Date: 2026-12-07 11:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import server.database


# revision identifiers, used by Alembic.
revision = '15a100000007'
down_revision = '15a100000006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('kiosk_screen_setting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('skip_allowed', sa.Boolean(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_kiosk_screen_setting_centre_id_centre')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'],
                            name=op.f('fk_kiosk_screen_setting_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kiosk_screen_setting'))
    )
    with op.batch_alter_table('kiosk_screen_setting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kiosk_screen_setting_centre_id'), ['centre_id'], unique=False)


def downgrade():
    with op.batch_alter_table('kiosk_screen_setting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kiosk_screen_setting_centre_id'))

    op.drop_table('kiosk_screen_setting')
