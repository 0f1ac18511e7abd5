"""hygiene uv lamp (issue #18)

Revision ID: 18a100000002
Revises: 18a100000001
Create Date: 2026-12-07 20:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

import server.database


# revision identifiers, used by Alembic.
revision = '18a100000002'
down_revision = '18a100000001'
branch_labels = None
depends_on = None


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, server.database.UTCDateTime(timezone=True), nullable=nullable)


def _fk(name: str, table: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.Integer(), sa.ForeignKey(f'{table}.id'), nullable=nullable)


def upgrade():
    op.create_table(
        'hygiene_uv_request',
        sa.Column('id', sa.Integer(), primary_key=True),
        _fk('centre_id', 'centre'),
        _fk('room_id', 'room'),
        sa.Column('minutes', sa.Integer(), nullable=False),
        _fk('stops_id', 'hygiene_uv_request', nullable=True),
        _fk('requested_by_id', 'user_account', nullable=True),
        _time('requested_at'),
        _time('expires_at'),
    )
    op.create_index('ix_hygiene_uv_request_centre_id', 'hygiene_uv_request', ['centre_id'])
    op.create_index('ix_hygiene_uv_request_room', 'hygiene_uv_request', ['room_id', 'requested_at'])
    op.create_table(
        'hygiene_uv_event',
        sa.Column('id', sa.Integer(), primary_key=True),
        _fk('centre_id', 'centre'),
        _fk('room_id', 'room'),
        _fk('device_pk', 'device'),
        sa.Column('event_key', sa.String(64), nullable=False),
        sa.Column('lamp', sa.String(40), nullable=False),
        sa.Column('state', sa.String(8), nullable=False),
        sa.Column('reason', sa.String(24), nullable=True),
        _fk('request_id', 'hygiene_uv_request', nullable=True),
        sa.Column('minutes', sa.Integer(), nullable=True),
        sa.Column('children_present', sa.Integer(), nullable=True),
        _time('last_motion_at', nullable=True),
        _time('at'),
        _time('received_at'),
        sa.UniqueConstraint('device_pk', 'event_key'),
    )
    op.create_index('ix_hygiene_uv_event_centre_id', 'hygiene_uv_event', ['centre_id'])
    op.create_index('ix_hygiene_uv_event_room', 'hygiene_uv_event', ['room_id', 'at'])


def downgrade():
    op.drop_index('ix_hygiene_uv_event_room', table_name='hygiene_uv_event')
    op.drop_index('ix_hygiene_uv_event_centre_id', table_name='hygiene_uv_event')
    op.drop_table('hygiene_uv_event')
    op.drop_index('ix_hygiene_uv_request_room', table_name='hygiene_uv_request')
    op.drop_index('ix_hygiene_uv_request_centre_id', table_name='hygiene_uv_request')
    op.drop_table('hygiene_uv_request')
