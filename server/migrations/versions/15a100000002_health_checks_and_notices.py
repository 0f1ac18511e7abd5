"""health checks and notices

Revision ID: 15a100000002
Revises: 15a100000001
Create Date: 2026-12-07 11:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import server.database


# revision identifiers, used by Alembic.
revision = '15a100000002'
down_revision = '15a100000001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('guardian_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('created_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_guardian_notice_centre_id_centre')),
    sa.ForeignKeyConstraint(['child_id'], ['child.id'], name=op.f('fk_guardian_notice_child_id_child')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                            name=op.f('fk_guardian_notice_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guardian_notice'))
    )
    with op.batch_alter_table('guardian_notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_guardian_notice_centre_id'), ['centre_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_guardian_notice_child_id'), ['child_id'], unique=False)

    op.create_table('guardian_notice_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('delivered_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_guardian_notice_delivery_centre_id_centre')),
    sa.ForeignKeyConstraint(['notice_id'], ['guardian_notice.id'],
                            name=op.f('fk_guardian_notice_delivery_notice_id_guardian_notice')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guardian_notice_delivery')),
    sa.UniqueConstraint('notice_id', name=op.f('uq_guardian_notice_delivery_notice_id'))
    )

    op.create_table('health_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('morning', 'noon', 'observation', name='checkkind', native_enum=False, length=16),
              nullable=False),
    sa.Column('at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('source', sa.Enum('tablet', 'kiosk', name='checksource', native_enum=False, length=8), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=True),
    sa.Column('temperature', sa.Numeric(precision=3, scale=1), nullable=True),
    sa.Column('hands_mouth_eyes_ok', sa.Boolean(), nullable=False),
    sa.Column('skin_ok', sa.Boolean(), nullable=True),
    sa.Column('spirits_ok', sa.Boolean(), nullable=True),
    sa.Column('asked_ok', sa.Boolean(), nullable=True),
    sa.Column('dangerous_objects_found', sa.Boolean(), nullable=True),
    sa.Column('findings', sa.Text(), nullable=False),
    sa.Column('result', sa.Enum('normal', 'abnormal', 'pending', name='checkstatus', native_enum=False, length=16),
              nullable=False),
    sa.Column('to_observation_room', sa.Boolean(), nullable=False),
    sa.Column('checked_by_id', sa.Integer(), nullable=True),
    sa.Column('completes_id', sa.Integer(), nullable=True),
    sa.Column('amends_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('recorded_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_health_check_centre_id_centre')),
    sa.ForeignKeyConstraint(['child_id'], ['child.id'], name=op.f('fk_health_check_child_id_child')),
    sa.ForeignKeyConstraint(['room_id'], ['room.id'], name=op.f('fk_health_check_room_id_room')),
    sa.ForeignKeyConstraint(['device_id'], ['device.id'], name=op.f('fk_health_check_device_id_device')),
    sa.ForeignKeyConstraint(['checked_by_id'], ['user_account.id'],
                            name=op.f('fk_health_check_checked_by_id_user_account')),
    sa.ForeignKeyConstraint(['completes_id'], ['health_check.id'],
                            name=op.f('fk_health_check_completes_id_health_check')),
    sa.ForeignKeyConstraint(['amends_id'], ['health_check.id'], name=op.f('fk_health_check_amends_id_health_check')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_health_check')),
    sa.UniqueConstraint('amends_id', name=op.f('uq_health_check_amends_id'))
    )
    with op.batch_alter_table('health_check', schema=None) as batch_op:
        batch_op.create_index('ix_health_check_centre_on', ['centre_id', 'on'], unique=False)
        batch_op.create_index('ix_health_check_child_on', ['child_id', 'on'], unique=False)
        batch_op.create_index(batch_op.f('ix_health_check_completes_id'), ['completes_id'], unique=False)

    op.create_table('health_follow_up_closure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('check_id', sa.Integer(), nullable=False),
    sa.Column('at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_health_follow_up_closure_centre_id_centre')),
    sa.ForeignKeyConstraint(['check_id'], ['health_check.id'],
                            name=op.f('fk_health_follow_up_closure_check_id_health_check')),
    sa.ForeignKeyConstraint(['by_id'], ['user_account.id'], name=op.f('fk_health_follow_up_closure_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_health_follow_up_closure')),
    sa.UniqueConstraint('check_id', name=op.f('uq_health_follow_up_closure_check_id'))
    )


def downgrade():
    op.drop_table('health_follow_up_closure')
    with op.batch_alter_table('health_check', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_health_check_completes_id'))
        batch_op.drop_index('ix_health_check_child_on')
        batch_op.drop_index('ix_health_check_centre_on')
    op.drop_table('health_check')
    op.drop_table('guardian_notice_delivery')
    with op.batch_alter_table('guardian_notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_guardian_notice_child_id'))
        batch_op.drop_index(batch_op.f('ix_guardian_notice_centre_id'))
    op.drop_table('guardian_notice')
