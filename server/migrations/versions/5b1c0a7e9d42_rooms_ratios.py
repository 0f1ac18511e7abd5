"""rooms: moves, live status, timeline, ratio violations

Revision ID: 5b1c0a7e9d42
Revises: 6e37b6553d14, d9272100029b
Create Date: 2026-11-24 09:00:00

"""
from alembic import op
import sqlalchemy as sa

import server.database


# revision identifiers, used by Alembic.
revision = '5b1c0a7e9d42'
down_revision = ('6e37b6553d14', 'd9272100029b')  # also merges the two heads of #7
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ratio_violation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('ratio', 'class_size', name='violationkind', native_enum=False, length=16), nullable=False),
    sa.Column('rule_id', sa.String(length=48), nullable=False),
    sa.Column('opened_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', server.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('most_children', sa.Integer(), nullable=False),
    sa.Column('fewest_caregivers', sa.Integer(), nullable=False),
    sa.Column('child_ids', sa.JSON(), nullable=False),
    sa.Column('staff_ids', sa.JSON(), nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['alert_id'], ['alert.id'], name=op.f('fk_ratio_violation_alert_id_alert')),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_ratio_violation_centre_id_centre')),
    sa.ForeignKeyConstraint(['room_id'], ['room.id'], name=op.f('fk_ratio_violation_room_id_room')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ratio_violation'))
    )
    op.create_index('ix_ratio_violation_centre_opened', 'ratio_violation', ['centre_id', 'opened_at'], unique=False)
    op.create_table('room_status',
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('children', sa.Integer(), nullable=False),
    sa.Column('caregivers', sa.Integer(), nullable=False),
    sa.Column('cap', sa.Integer(), nullable=False),
    sa.Column('headroom', sa.Integer(), nullable=False),
    sa.Column('caregivers_needed', sa.Integer(), nullable=False),
    sa.Column('ratio_rule_id', sa.String(length=48), nullable=False),
    sa.Column('over_cap', sa.Boolean(), nullable=False),
    sa.Column('under_staffed', sa.Boolean(), nullable=False),
    sa.Column('child_ids', sa.JSON(), nullable=False),
    sa.Column('staff_ids', sa.JSON(), nullable=False),
    sa.Column('updated_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_room_status_centre_id_centre')),
    sa.ForeignKeyConstraint(['room_id'], ['room.id'], name=op.f('fk_room_status_room_id_room')),
    sa.PrimaryKeyConstraint('room_id', name=op.f('pk_room_status'))
    )
    op.create_index(op.f('ix_room_status_centre_id'), 'room_status', ['centre_id'], unique=False)
    op.create_table('room_status_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('children', sa.Integer(), nullable=False),
    sa.Column('caregivers', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_room_status_log_centre_id_centre')),
    sa.ForeignKeyConstraint(['room_id'], ['room.id'], name=op.f('fk_room_status_log_room_id_room')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_room_status_log'))
    )
    op.create_index(op.f('ix_room_status_log_centre_id'), 'room_status_log', ['centre_id'], unique=False)
    op.create_index('ix_room_status_log_room_at', 'room_status_log', ['room_id', 'at'], unique=False)
    op.create_table('room_move',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('child_id', sa.Integer(), nullable=True),
    sa.Column('room_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Enum('room', 'break', 'off_floor', name='movereason', native_enum=False, length=16), nullable=False),
    sa.Column('at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_room_move_centre_id_centre')),
    sa.ForeignKeyConstraint(['child_id'], ['child.id'], name=op.f('fk_room_move_child_id_child')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_room_move_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['room_id'], ['room.id'], name=op.f('fk_room_move_room_id_room')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_room_move_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_room_move'))
    )
    op.create_index('ix_room_move_centre_at', 'room_move', ['centre_id', 'at'], unique=False)


def downgrade():
    op.drop_index('ix_room_move_centre_at', table_name='room_move')
    op.drop_table('room_move')
    op.drop_index('ix_room_status_log_room_at', table_name='room_status_log')
    op.drop_index(op.f('ix_room_status_log_centre_id'), table_name='room_status_log')
    op.drop_table('room_status_log')
    op.drop_index(op.f('ix_room_status_centre_id'), table_name='room_status')
    op.drop_table('room_status')
    op.drop_index('ix_ratio_violation_centre_opened', table_name='ratio_violation')
    op.drop_table('ratio_violation')
