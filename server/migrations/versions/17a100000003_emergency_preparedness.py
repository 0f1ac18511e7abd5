"""emergency preparedness: plans, drills, fire checks, supplies (issue #17)

Revision ID: 17a100000003
Revises: 17a100000002
Create Date: 2026-12-07 17:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import server.database


# revision identifiers, used by Alembic.
revision = '17a100000003'
down_revision = '17a100000002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('drill_schedule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('scenario', sa.Enum('fire', 'earthquake', 'infectious_disease', 'food_poisoning', 'stampede', 'violent_intrusion', 'missing_child', 'extreme_weather', name='planscenario', native_enum=False, length=24), nullable=False),
    sa.Column('planned_on', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('scheduled_by_id', sa.Integer(), nullable=True),
    sa.Column('scheduled_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_drill_schedule_centre_id_centre')),
    sa.ForeignKeyConstraint(['scheduled_by_id'], ['user_account.id'], name=op.f('fk_drill_schedule_scheduled_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drill_schedule'))
    )
    with op.batch_alter_table('drill_schedule', schema=None) as batch_op:
        batch_op.create_index('ix_drill_schedule_centre_on', ['centre_id', 'planned_on'], unique=False)
    op.create_table('emergency_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('scenario', sa.Enum('fire', 'earthquake', 'infectious_disease', 'food_poisoning', 'stampede', 'violent_intrusion', 'missing_child', 'extreme_weather', name='planscenario', native_enum=False, length=24), nullable=False),
    sa.Column('created_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_emergency_plan_centre_id_centre')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_emergency_plan')),
    sa.UniqueConstraint('centre_id', 'scenario', name=op.f('uq_emergency_plan_centre_id_scenario'))
    )
    op.create_table('fire_certificate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('issuer', sa.String(length=120), nullable=False),
    sa.Column('number', sa.String(length=60), nullable=True),
    sa.Column('file_sha256', sa.String(length=64), nullable=True),
    sa.Column('file_type', sa.String(length=40), nullable=True),
    sa.Column('file_size', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_fire_certificate_centre_id_centre')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_fire_certificate_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fire_certificate'))
    )
    with op.batch_alter_table('fire_certificate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fire_certificate_centre_id'), ['centre_id'], unique=False)
    op.create_table('fire_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('checked_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('checked_by_id', sa.Integer(), nullable=True),
    sa.Column('checker_name', sa.String(length=60), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=True),
    sa.Column('recorded_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_fire_check_centre_id_centre')),
    sa.ForeignKeyConstraint(['checked_by_id'], ['user_account.id'], name=op.f('fk_fire_check_checked_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fire_check'))
    )
    with op.batch_alter_table('fire_check', schema=None) as batch_op:
        batch_op.create_index('ix_fire_check_centre_checked_at', ['centre_id', 'checked_at'], unique=False)
    op.create_table('isolation_room_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('has_room', sa.Boolean(), nullable=False),
    sa.Column('location', sa.String(length=120), nullable=True),
    sa.Column('checked_on', sa.Date(), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_isolation_room_record_centre_id_centre')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_isolation_room_record_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_isolation_room_record'))
    )
    with op.batch_alter_table('isolation_room_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_isolation_room_record_centre_id'), ['centre_id'], unique=False)
    op.create_table('supply_minimum',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('masks', 'disinfectant', 'hand_sanitiser', 'thermometers', 'gloves', 'gowns', 'face_shields', name='supplykind', native_enum=False, length=24), nullable=False),
    sa.Column('minimum', sa.Integer(), nullable=False),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.Column('set_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_supply_minimum_centre_id_centre')),
    sa.ForeignKeyConstraint(['set_by_id'], ['user_account.id'], name=op.f('fk_supply_minimum_set_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supply_minimum'))
    )
    with op.batch_alter_table('supply_minimum', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supply_minimum_centre_id'), ['centre_id'], unique=False)
    op.create_table('supply_movement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('masks', 'disinfectant', 'hand_sanitiser', 'thermometers', 'gloves', 'gowns', 'face_shields', name='supplykind', native_enum=False, length=24), nullable=False),
    sa.Column('movement', sa.Enum('received', 'used', 'counted', name='movementkind', native_enum=False, length=16), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('balance', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_supply_movement_centre_id_centre')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_supply_movement_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supply_movement'))
    )
    with op.batch_alter_table('supply_movement', schema=None) as batch_op:
        batch_op.create_index('ix_supply_movement_centre_kind', ['centre_id', 'kind', 'id'], unique=False)
    op.create_table('drill',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('schedule_id', sa.Integer(), nullable=True),
    sa.Column('scenario', sa.Enum('fire', 'earthquake', 'infectious_disease', 'food_poisoning', 'stampede', 'violent_intrusion', 'missing_child', 'extreme_weather', name='planscenario', native_enum=False, length=24), nullable=False),
    sa.Column('held_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('children_count', sa.Integer(), nullable=False),
    sa.Column('evacuation_s', sa.Integer(), nullable=True),
    sa.Column('duration_min', sa.Integer(), nullable=False),
    sa.Column('problems', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_drill_centre_id_centre')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_drill_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['schedule_id'], ['drill_schedule.id'], name=op.f('fk_drill_schedule_id_drill_schedule')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drill')),
    sa.UniqueConstraint('schedule_id', name=op.f('uq_drill_schedule_id'))
    )
    with op.batch_alter_table('drill', schema=None) as batch_op:
        batch_op.create_index('ix_drill_centre_held_at', ['centre_id', 'held_at'], unique=False)
    op.create_table('emergency_plan_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('version_no', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('responsible_roles', sa.JSON(), nullable=False),
    sa.Column('change_note', sa.String(length=300), nullable=True),
    sa.Column('file_sha256', sa.String(length=64), nullable=True),
    sa.Column('file_name', sa.String(length=120), nullable=True),
    sa.Column('file_size', sa.Integer(), nullable=True),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_emergency_plan_version_centre_id_centre')),
    sa.ForeignKeyConstraint(['plan_id'], ['emergency_plan.id'], name=op.f('fk_emergency_plan_version_plan_id_emergency_plan')),
    sa.ForeignKeyConstraint(['published_by_id'], ['user_account.id'], name=op.f('fk_emergency_plan_version_published_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_emergency_plan_version')),
    sa.UniqueConstraint('plan_id', 'version_no', name=op.f('uq_emergency_plan_version_plan_id_version_no'))
    )
    with op.batch_alter_table('emergency_plan_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_emergency_plan_version_centre_id'), ['centre_id'], unique=False)
    op.create_table('fire_check_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('check_id', sa.Integer(), nullable=False),
    sa.Column('item', sa.Enum('extinguishers', 'hydrants', 'alarms', 'evacuation_signs', 'emergency_lights', 'exits_clear', name='fireitem', native_enum=False, length=24), nullable=False),
    sa.Column('is_ok', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['check_id'], ['fire_check.id'], name=op.f('fk_fire_check_item_check_id_fire_check')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fire_check_item')),
    sa.UniqueConstraint('check_id', 'item', name=op.f('uq_fire_check_item_check_id_item'))
    )
    with op.batch_alter_table('fire_check_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fire_check_item_check_id'), ['check_id'], unique=False)
    op.create_table('drill_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('drill_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=300), nullable=False),
    sa.Column('owner_staff_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('created_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_drill_action_centre_id_centre')),
    sa.ForeignKeyConstraint(['drill_id'], ['drill.id'], name=op.f('fk_drill_action_drill_id_drill')),
    sa.ForeignKeyConstraint(['owner_staff_id'], ['staff.id'], name=op.f('fk_drill_action_owner_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drill_action'))
    )
    with op.batch_alter_table('drill_action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_drill_action_centre_id'), ['centre_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_drill_action_drill_id'), ['drill_id'], unique=False)
    op.create_table('drill_participant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('drill_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['drill_id'], ['drill.id'], name=op.f('fk_drill_participant_drill_id_drill')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_drill_participant_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drill_participant')),
    sa.UniqueConstraint('drill_id', 'staff_id', name=op.f('uq_drill_participant_drill_id_staff_id'))
    )
    with op.batch_alter_table('drill_participant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_drill_participant_drill_id'), ['drill_id'], unique=False)
    op.create_table('emergency_plan_read',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('read_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_emergency_plan_read_centre_id_centre')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_emergency_plan_read_staff_id_staff')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_emergency_plan_read_user_id_user_account')),
    sa.ForeignKeyConstraint(['version_id'], ['emergency_plan_version.id'], name=op.f('fk_emergency_plan_read_version_id_emergency_plan_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_emergency_plan_read')),
    sa.UniqueConstraint('version_id', 'staff_id', name=op.f('uq_emergency_plan_read_version_id_staff_id'))
    )
    with op.batch_alter_table('emergency_plan_read', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_emergency_plan_read_centre_id'), ['centre_id'], unique=False)
    op.create_table('drill_action_done',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['drill_action.id'], name=op.f('fk_drill_action_done_action_id_drill_action')),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_drill_action_done_centre_id_centre')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_drill_action_done_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drill_action_done')),
    sa.UniqueConstraint('action_id', name=op.f('uq_drill_action_done_action_id'))
    )


def downgrade():
    op.drop_table('drill_action_done')
    with op.batch_alter_table('emergency_plan_read', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_emergency_plan_read_centre_id'))
    op.drop_table('emergency_plan_read')
    with op.batch_alter_table('drill_participant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_drill_participant_drill_id'))
    op.drop_table('drill_participant')
    with op.batch_alter_table('drill_action', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_drill_action_drill_id'))
        batch_op.drop_index(batch_op.f('ix_drill_action_centre_id'))
    op.drop_table('drill_action')
    with op.batch_alter_table('fire_check_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fire_check_item_check_id'))
    op.drop_table('fire_check_item')
    with op.batch_alter_table('emergency_plan_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_emergency_plan_version_centre_id'))
    op.drop_table('emergency_plan_version')
    with op.batch_alter_table('drill', schema=None) as batch_op:
        batch_op.drop_index('ix_drill_centre_held_at')
    op.drop_table('drill')
    with op.batch_alter_table('supply_movement', schema=None) as batch_op:
        batch_op.drop_index('ix_supply_movement_centre_kind')
    op.drop_table('supply_movement')
    with op.batch_alter_table('supply_minimum', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supply_minimum_centre_id'))
    op.drop_table('supply_minimum')
    with op.batch_alter_table('isolation_room_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_isolation_room_record_centre_id'))
    op.drop_table('isolation_room_record')
    with op.batch_alter_table('fire_check', schema=None) as batch_op:
        batch_op.drop_index('ix_fire_check_centre_checked_at')
    op.drop_table('fire_check')
    with op.batch_alter_table('fire_certificate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fire_certificate_centre_id'))
    op.drop_table('fire_certificate')
    op.drop_table('emergency_plan')
    with op.batch_alter_table('drill_schedule', schema=None) as batch_op:
        batch_op.drop_index('ix_drill_schedule_centre_on')
    op.drop_table('drill_schedule')
