"""live emergencies: timeline, roll call, follow-ups (issue #17)

Revision ID: 17a100000004
Revises: 17a100000003
Create Date: 2026-12-07 17:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import server.database


# revision identifiers, used by Alembic.
revision = '17a100000004'
down_revision = '17a100000003'
branch_labels = None
depends_on = None


def _enum(name: str, length: int, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=length)


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, server.database.UTCDateTime(timezone=True), nullable=nullable)


def _user(name: str) -> sa.Column:
    return sa.Column(name, sa.Integer(), sa.ForeignKey('user_account.id'), nullable=True)


def _centre() -> sa.Column:
    return sa.Column('centre_id', sa.Integer(), sa.ForeignKey('centre.id'), nullable=False)


def _emergency() -> sa.Column:
    return sa.Column('emergency_id', sa.Integer(), sa.ForeignKey('emergency.id'), nullable=False)


def upgrade():
    op.create_table(
        'emergency',
        sa.Column('id', sa.Integer(), primary_key=True),
        _centre(),
        sa.Column('kind', _enum('emergencykind', 16, 'fire', 'earthquake', 'intrusion', 'missing_child', 'medical',
                                'environment', 'other'), nullable=False),
        sa.Column('source', _enum('emergencysource', 16, 'smoke', 'panic', 'environment', 'rollcall', 'manual'),
                  nullable=False),
        sa.Column('summary', sa.Text(), nullable=False),
        _time('opened_at'),
        _user('opened_by_id'),
    )
    op.create_index('ix_emergency_centre_opened', 'emergency', ['centre_id', 'opened_at'])
    op.create_table(
        'emergency_alert_link',
        sa.Column('id', sa.Integer(), primary_key=True),
        _centre(),
        _emergency(),
        sa.Column('alert_id', sa.Integer(), sa.ForeignKey('alert.id'), nullable=False),
        _time('linked_at'),
        sa.UniqueConstraint('alert_id'),
    )
    op.create_index('ix_emergency_alert_link_emergency_id', 'emergency_alert_link', ['emergency_id'])
    op.create_table(
        'emergency_timeline_entry',
        sa.Column('id', sa.Integer(), primary_key=True),
        _centre(),
        _emergency(),
        sa.Column('kind', _enum('timelinekind', 20, 'opened', 'joined', 'note', 'child_missing', 'person_found',
                                'rollcall_complete', 'notified', 'closed'), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('detail', sa.JSON(), nullable=False),
        _time('at'),
        _user('by_id'),
    )
    op.create_index('ix_emergency_timeline_at', 'emergency_timeline_entry', ['emergency_id', 'at'])
    op.create_table(
        'emergency_rollcall_entry',
        sa.Column('id', sa.Integer(), primary_key=True),
        _centre(),
        _emergency(),
        sa.Column('person_kind', _enum('personkind', 8, 'child', 'staff'), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('room_id', sa.Integer(), sa.ForeignKey('room.id'), nullable=True),
        sa.Column('status', _enum('tickstatus', 8, 'present', 'missing', 'cleared'), nullable=False),
        _time('at'),
        _user('by_id'),
    )
    op.create_index('ix_emergency_rollcall_emergency', 'emergency_rollcall_entry', ['emergency_id', 'id'])
    op.create_table(
        'emergency_notice',
        sa.Column('id', sa.Integer(), primary_key=True),
        _centre(),
        _emergency(),
        sa.Column('template', _enum('noticetemplate', 12, 'all_safe', 'collect', 'free_text'), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('children', sa.Integer(), nullable=False),
        _time('sent_at'),
        _user('sent_by_id'),
    )
    op.create_index('ix_emergency_notice_emergency_id', 'emergency_notice', ['emergency_id'])
    op.create_table(
        'emergency_close_out',
        sa.Column('id', sa.Integer(), primary_key=True),
        _centre(),
        _emergency(),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.Column('all_clear', sa.Boolean(), nullable=False),
        _time('closed_at'),
        _user('closed_by_id'),
        sa.UniqueConstraint('emergency_id'),
    )
    op.create_table(
        'emergency_review',
        sa.Column('id', sa.Integer(), primary_key=True),
        _centre(),
        _emergency(),
        sa.Column('what_happened', sa.Text(), nullable=False),
        sa.Column('what_worked', sa.Text(), nullable=False),
        sa.Column('what_to_change', sa.Text(), nullable=False),
        _time('reviewed_at'),
        _user('reviewed_by_id'),
        sa.UniqueConstraint('emergency_id'),
    )
    op.create_table(
        'emergency_follow_up',
        sa.Column('id', sa.Integer(), primary_key=True),
        _centre(),
        _emergency(),
        sa.Column('what', sa.Text(), nullable=False),
        sa.Column('owner_staff_id', sa.Integer(), sa.ForeignKey('staff.id'), nullable=True),
        sa.Column('due_on', sa.Date(), nullable=False),
        _time('created_at'),
        _user('created_by_id'),
    )
    op.create_index('ix_emergency_follow_up_emergency_id', 'emergency_follow_up', ['emergency_id'])
    op.create_table(
        'emergency_follow_up_done',
        sa.Column('id', sa.Integer(), primary_key=True),
        _centre(),
        sa.Column('follow_up_id', sa.Integer(), sa.ForeignKey('emergency_follow_up.id'), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        _time('done_at'),
        _user('done_by_id'),
        sa.UniqueConstraint('follow_up_id'),
    )


def downgrade():
    op.drop_table('emergency_follow_up_done')
    op.drop_index('ix_emergency_follow_up_emergency_id', table_name='emergency_follow_up')
    op.drop_table('emergency_follow_up')
    op.drop_table('emergency_review')
    op.drop_table('emergency_close_out')
    op.drop_index('ix_emergency_notice_emergency_id', table_name='emergency_notice')
    op.drop_table('emergency_notice')
    op.drop_index('ix_emergency_rollcall_emergency', table_name='emergency_rollcall_entry')
    op.drop_table('emergency_rollcall_entry')
    op.drop_index('ix_emergency_timeline_at', table_name='emergency_timeline_entry')
    op.drop_table('emergency_timeline_entry')
    op.drop_index('ix_emergency_alert_link_emergency_id', table_name='emergency_alert_link')
    op.drop_table('emergency_alert_link')
    op.drop_index('ix_emergency_centre_opened', table_name='emergency')
    op.drop_table('emergency')
