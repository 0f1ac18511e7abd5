"""incidents: the 表9 injury register (issue #17)

Revision ID: 17a100000001
Revises: 16a100000004
Create Date: 2026-12-07 17:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import server.database


# revision identifiers, used by Alembic.
revision = '17a100000001'
down_revision = '16a100000004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('incident_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=True),
    sa.Column('place', sa.String(length=120), nullable=True),
    sa.Column('injury_type', sa.String(length=32), nullable=False),
    sa.Column('body_regions', sa.JSON(), nullable=False),
    sa.Column('cause', sa.Text(), nullable=False),
    sa.Column('first_aid', sa.Text(), nullable=False),
    sa.Column('treatment', sa.Enum('none', 'clinic', 'hospital', name='treatment', native_enum=False, length=16), nullable=False),
    sa.Column('treatment_place', sa.String(length=120), nullable=True),
    sa.Column('guardian_told_at', server.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('guardian_told_how', sa.Enum('phone', 'in_person', 'notice', name='toldby', native_enum=False, length=16), nullable=True),
    sa.Column('guardian_told_by_id', sa.Integer(), nullable=True),
    sa.Column('witness_id', sa.Integer(), nullable=True),
    sa.Column('cctv_camera', sa.String(length=80), nullable=True),
    sa.Column('cctv_from', server.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cctv_until', server.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('on_duty', sa.JSON(), nullable=False),
    sa.Column('created_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_incident_report_centre_id_centre')),
    sa.ForeignKeyConstraint(['child_id'], ['child.id'], name=op.f('fk_incident_report_child_id_child')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_incident_report_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['guardian_told_by_id'], ['staff.id'], name=op.f('fk_incident_report_guardian_told_by_id_staff')),
    sa.ForeignKeyConstraint(['room_id'], ['room.id'], name=op.f('fk_incident_report_room_id_room')),
    sa.ForeignKeyConstraint(['witness_id'], ['staff.id'], name=op.f('fk_incident_report_witness_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_report'))
    )
    op.create_index('ix_incident_report_centre_at', 'incident_report', ['centre_id', 'occurred_at'], unique=False)
    op.create_index(op.f('ix_incident_report_child_id'), 'incident_report', ['child_id'], unique=False)
    op.create_table('incident_signature',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('reporter', 'witness', name='signerrole', native_enum=False, length=16), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('signed_with', sa.Enum('pin', 'password', 'system', name='signedwith', native_enum=False, length=16), nullable=False),
    sa.Column('signed_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_incident_signature_centre_id_centre')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_incident_signature_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['report_id'], ['incident_report.id'], name=op.f('fk_incident_signature_report_id_incident_report')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_incident_signature_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_signature')),
    sa.UniqueConstraint('report_id', 'role', name=op.f('uq_incident_signature_report_id_role'))
    )
    op.create_index(op.f('ix_incident_signature_report_id'), 'incident_signature', ['report_id'], unique=False)
    op.create_table('incident_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_incident_review_centre_id_centre')),
    sa.ForeignKeyConstraint(['notice_id'], ['guardian_notice.id'], name=op.f('fk_incident_review_notice_id_guardian_notice')),
    sa.ForeignKeyConstraint(['report_id'], ['incident_report.id'], name=op.f('fk_incident_review_report_id_incident_report')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['user_account.id'], name=op.f('fk_incident_review_reviewed_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_review')),
    sa.UniqueConstraint('report_id', name=op.f('uq_incident_review_report_id'))
    )
    op.create_table('incident_amendment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=40), nullable=False),
    sa.Column('old_value', sa.JSON(), nullable=True),
    sa.Column('new_value', sa.JSON(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('amended_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('amended_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['amended_by_id'], ['user_account.id'], name=op.f('fk_incident_amendment_amended_by_id_user_account')),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_incident_amendment_centre_id_centre')),
    sa.ForeignKeyConstraint(['report_id'], ['incident_report.id'], name=op.f('fk_incident_amendment_report_id_incident_report')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_amendment'))
    )
    op.create_index(op.f('ix_incident_amendment_report_id'), 'incident_amendment', ['report_id'], unique=False)
    op.create_table('incident_cctv_retention',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('recorded_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_incident_cctv_retention_centre_id_centre')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_incident_cctv_retention_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_cctv_retention'))
    )
    op.create_index('ix_incident_cctv_retention_centre', 'incident_cctv_retention', ['centre_id', 'recorded_at'], unique=False)


def downgrade():
    op.drop_index('ix_incident_cctv_retention_centre', table_name='incident_cctv_retention')
    op.drop_table('incident_cctv_retention')
    op.drop_index(op.f('ix_incident_amendment_report_id'), table_name='incident_amendment')
    op.drop_table('incident_amendment')
    op.drop_table('incident_review')
    op.drop_index(op.f('ix_incident_signature_report_id'), table_name='incident_signature')
    op.drop_table('incident_signature')
    op.drop_index(op.f('ix_incident_report_child_id'), table_name='incident_report')
    op.drop_index('ix_incident_report_centre_at', table_name='incident_report')
    op.drop_table('incident_report')
