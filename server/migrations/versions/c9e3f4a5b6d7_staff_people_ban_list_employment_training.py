"""staff people ban list employment training

Revision ID: c9e3f4a5b6d7
Revises: b8d2e3f4a5c6
Create Date: 2026-12-07 08:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import server.database


# revision identifiers, used by Alembic.
revision = 'c9e3f4a5b6d7'
down_revision = 'b8d2e3f4a5c6'
branch_labels = None
depends_on = None

ROLES = ('director', 'caregiver', 'health', 'kitchen', 'security', 'teacher')


def upgrade():
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('id_number', sa.String(length=18), nullable=True))
        batch_op.create_index(batch_op.f('ix_staff_id_number'), ['id_number'], unique=False)

    op.create_table('banned_person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('source', sa.Enum('court', 'police', 'authority', 'other_source', name='bansource', native_enum=False,
                                length=16), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('is_lifetime', sa.Boolean(), nullable=False),
    sa.Column('until', sa.Date(), nullable=True),
    sa.Column('lifts_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_banned_person_centre_id_centre')),
    sa.ForeignKeyConstraint(['lifts_id'], ['banned_person.id'], name=op.f('fk_banned_person_lifts_id_banned_person')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'],
                            name=op.f('fk_banned_person_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_banned_person')),
    sa.UniqueConstraint('lifts_id', name=op.f('uq_banned_person_lifts_id'))
    )
    with op.batch_alter_table('banned_person', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_banned_person_centre_id'), ['centre_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_banned_person_id_number'), ['id_number'], unique=False)

    op.create_table('staff_employment_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('hire', 'role', 'home_room', 'manager', 'exit', name='employmenteventkind',
                              native_enum=False, length=16), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('role', sa.Enum(*ROLES, name='staffrole', native_enum=False, length=16), nullable=True),
    sa.Column('home_room_id', sa.Integer(), nullable=True),
    sa.Column('manager_id', sa.Integer(), nullable=True),
    sa.Column('left_on', sa.Date(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_staff_employment_event_centre_id_centre')),
    sa.ForeignKeyConstraint(['home_room_id'], ['room.id'], name=op.f('fk_staff_employment_event_home_room_id_room')),
    sa.ForeignKeyConstraint(['manager_id'], ['staff.id'], name=op.f('fk_staff_employment_event_manager_id_staff')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'],
                            name=op.f('fk_staff_employment_event_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_staff_employment_event_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_employment_event'))
    )
    with op.batch_alter_table('staff_employment_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_employment_event_centre_id'), ['centre_id'], unique=False)
        batch_op.create_index('ix_staff_employment_event_staff_on', ['staff_id', 'effective_on'], unique=False)

    op.create_table('training_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.Enum('pre_service', 'skills', 'ethics', 'law', 'safety', 'emergency', 'other',
                                  name='trainingcategory', native_enum=False, length=16), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('hours', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('provider', sa.String(length=120), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('certificate_no', sa.String(length=60), nullable=True),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.Enum('manual', 'drill', name='trainingsource', native_enum=False, length=16),
              nullable=False),
    sa.Column('source_ref', sa.String(length=64), nullable=True),
    sa.Column('amends_id', sa.Integer(), nullable=True),
    sa.Column('is_withdrawn', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['amends_id'], ['training_entry.id'], name=op.f('fk_training_entry_amends_id_training_entry')),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_training_entry_centre_id_centre')),
    sa.ForeignKeyConstraint(['document_id'], ['staff_document.id'],
                            name=op.f('fk_training_entry_document_id_staff_document')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'],
                            name=op.f('fk_training_entry_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_training_entry_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_entry')),
    sa.UniqueConstraint('amends_id', name=op.f('uq_training_entry_amends_id'))
    )
    with op.batch_alter_table('training_entry', schema=None) as batch_op:
        batch_op.create_index('ix_training_entry_centre_held_on', ['centre_id', 'held_on'], unique=False)
        batch_op.create_index('ix_training_entry_staff_id', ['staff_id'], unique=False)

    # Every person already on file gets a history: their hire (and their exit, if recorded).
    op.execute(
        "INSERT INTO staff_employment_event (centre_id, staff_id, kind, effective_on, role, home_room_id, "
        "recorded_at) SELECT centre_id, id, 'hire', hired_on, role, home_room_id, created_at FROM staff"
    )
    op.execute(
        "INSERT INTO staff_employment_event (centre_id, staff_id, kind, effective_on, left_on, recorded_at) "
        "SELECT centre_id, id, 'exit', left_on, left_on, created_at FROM staff WHERE left_on IS NOT NULL"
    )


def downgrade():
    with op.batch_alter_table('training_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_training_entry_staff_id')
        batch_op.drop_index('ix_training_entry_centre_held_on')
    op.drop_table('training_entry')
    with op.batch_alter_table('staff_employment_event', schema=None) as batch_op:
        batch_op.drop_index('ix_staff_employment_event_staff_on')
        batch_op.drop_index(batch_op.f('ix_staff_employment_event_centre_id'))
    op.drop_table('staff_employment_event')
    with op.batch_alter_table('banned_person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_banned_person_id_number'))
        batch_op.drop_index(batch_op.f('ix_banned_person_centre_id'))
    op.drop_table('banned_person')
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_id_number'))
        batch_op.drop_column('id_number')
