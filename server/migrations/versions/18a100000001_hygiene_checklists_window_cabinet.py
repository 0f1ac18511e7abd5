"""hygiene checklists window cabinet (issue #18)

Revision ID: 18a100000001
Revises: 17a100000004
Create Date: 2026-12-07 20:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

import server.database


# revision identifiers, used by Alembic.
revision = '18a100000001'
down_revision = '17a100000004'
branch_labels = None
depends_on = None


def _enum(name: str, length: int, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=length)


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, server.database.UTCDateTime(timezone=True), nullable=nullable)


def _fk(name: str, table: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.Integer(), sa.ForeignKey(f'{table}.id'), nullable=nullable)


def upgrade():
    op.create_table(
        'hygiene_check',
        sa.Column('id', sa.Integer(), primary_key=True),
        _fk('centre_id', 'centre'),
        _fk('room_id', 'room'),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('item', _enum('checkitem', 16, 'ventilation', 'surfaces', 'toys', 'towels_cups', 'toilets',
                                'tableware', 'uv_lamp'), nullable=False),
        sa.Column('done', sa.Boolean(), nullable=False),
        sa.Column('minutes', sa.Integer(), nullable=True),
        _time('started_at', nullable=True),
        sa.Column('method', _enum('tablewaremethod', 16, 'boil', 'steam', 'cabinet'), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        _fk('amends_id', 'hygiene_check', nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        _fk('staff_id', 'staff', nullable=True),
        sa.Column('by_name', sa.String(120), nullable=False),
        _time('recorded_at'),
        _fk('recorded_by_id', 'user_account', nullable=True),
    )
    op.create_index('ix_hygiene_check_room_day', 'hygiene_check', ['room_id', 'day'])
    op.create_index('ix_hygiene_check_centre_day', 'hygiene_check', ['centre_id', 'day'])
    op.create_index('ix_hygiene_check_amends_id', 'hygiene_check', ['amends_id'])
    op.create_table(
        'hygiene_signature',
        sa.Column('id', sa.Integer(), primary_key=True),
        _fk('centre_id', 'centre'),
        _fk('room_id', 'room'),
        sa.Column('day', sa.Date(), nullable=False),
        _fk('staff_id', 'staff'),
        sa.Column('by_name', sa.String(120), nullable=False),
        sa.Column('signed_with', _enum('signedwith', 16, 'pin', 'password', 'system'), nullable=False),
        _time('signed_at'),
        _fk('recorded_by_id', 'user_account', nullable=True),
        sa.UniqueConstraint('room_id', 'day'),
    )
    op.create_index('ix_hygiene_signature_centre_id', 'hygiene_signature', ['centre_id'])
    op.create_table(
        'hygiene_window_event',
        sa.Column('id', sa.Integer(), primary_key=True),
        _fk('centre_id', 'centre'),
        _fk('device_pk', 'device', nullable=True),
        sa.Column('input', sa.String(64), nullable=False),
        _fk('room_id', 'room'),
        sa.Column('state', sa.String(8), nullable=False),
        _time('at'),
        _time('received_at'),
        sa.UniqueConstraint('device_pk', 'input', 'at', 'state'),
    )
    op.create_index('ix_hygiene_window_event_centre_id', 'hygiene_window_event', ['centre_id'])
    op.create_index('ix_hygiene_window_event_room_at', 'hygiene_window_event', ['room_id', 'at'])
    op.create_table(
        'hygiene_cabinet_event',
        sa.Column('id', sa.Integer(), primary_key=True),
        _fk('centre_id', 'centre'),
        _fk('device_pk', 'device', nullable=True),
        sa.Column('input', sa.String(64), nullable=False),
        sa.Column('location', sa.String(32), nullable=False),
        _fk('room_id', 'room', nullable=True),
        sa.Column('state', sa.String(8), nullable=False),
        _time('at'),
        _time('received_at'),
        sa.Column('detail', sa.JSON(), nullable=True),
        sa.UniqueConstraint('device_pk', 'input', 'at', 'state'),
    )
    op.create_index('ix_hygiene_cabinet_event_centre_at', 'hygiene_cabinet_event', ['centre_id', 'at'])


def downgrade():
    op.drop_table('hygiene_cabinet_event')
    op.drop_table('hygiene_window_event')
    op.drop_table('hygiene_signature')
    op.drop_table('hygiene_check')
