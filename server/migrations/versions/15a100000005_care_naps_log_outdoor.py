"""care naps log outdoor

Revision ID: 15a100000005
Revises: 15a100000004
Create Date: 2026-12-07 11:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import server.database


# revision identifiers, used by Alembic.
revision = '15a100000005'
down_revision = '15a100000004'
branch_labels = None
depends_on = None


def _fk(table, column, target):
    return sa.ForeignKeyConstraint([column], [f'{target}.id'], name=op.f(f'fk_{table}_{column}_{target}'))


def upgrade():
    op.create_table('care_nap',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('started_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('recorded_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    _fk('care_nap', 'centre_id', 'centre'),
    _fk('care_nap', 'child_id', 'child'),
    _fk('care_nap', 'room_id', 'room'),
    _fk('care_nap', 'recorded_by_id', 'user_account'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_nap'))
    )
    with op.batch_alter_table('care_nap', schema=None) as batch_op:
        batch_op.create_index('ix_care_nap_child', ['centre_id', 'child_id', 'started_at'], unique=False)
        batch_op.create_index('ix_care_nap_day', ['centre_id', 'day'], unique=False)

    op.create_table('care_nap_end',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('nap_id', sa.Integer(), nullable=False),
    sa.Column('at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    _fk('care_nap_end', 'centre_id', 'centre'),
    _fk('care_nap_end', 'nap_id', 'care_nap'),
    _fk('care_nap_end', 'by_id', 'user_account'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_nap_end')),
    sa.UniqueConstraint('nap_id', name=op.f('uq_care_nap_end_nap_id'))
    )

    op.create_table('care_nap_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('nap_id', sa.Integer(), nullable=False),
    sa.Column('at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('position', sa.Enum('back', 'side', 'stomach', name='sleepposition', native_enum=False, length=16),
              nullable=False),
    sa.Column('breathing_ok', sa.Boolean(), nullable=False),
    sa.Column('colour_ok', sa.Boolean(), nullable=False),
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('recorded_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('checked_by_id', sa.Integer(), nullable=True),
    _fk('care_nap_check', 'centre_id', 'centre'),
    _fk('care_nap_check', 'nap_id', 'care_nap'),
    _fk('care_nap_check', 'checked_by_id', 'user_account'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_nap_check'))
    )
    with op.batch_alter_table('care_nap_check', schema=None) as batch_op:
        batch_op.create_index('ix_care_nap_check_nap', ['nap_id', 'at'], unique=False)

    op.create_table('care_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('meal', 'bottle', 'water', 'diaper', 'toilet', name='carekind', native_enum=False,
                              length=16), nullable=False),
    sa.Column('at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ml', sa.Integer(), nullable=True),
    sa.Column('share_eaten', sa.Enum('none', 'little', 'half', 'most', 'all', name='shareeaten', native_enum=False,
                                     length=16), nullable=True),
    sa.Column('allergen_codes', sa.JSON(), nullable=False),
    sa.Column('diaper_kind', sa.Enum('wet', 'soiled', 'both', 'dry', name='diaperkind', native_enum=False,
                                     length=16), nullable=True),
    sa.Column('abnormal', sa.Boolean(), nullable=False),
    sa.Column('abnormal_note', sa.Text(), nullable=True),
    sa.Column('allergy_acknowledged', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('amends_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('recorded_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    _fk('care_entry', 'centre_id', 'centre'),
    _fk('care_entry', 'child_id', 'child'),
    _fk('care_entry', 'room_id', 'room'),
    _fk('care_entry', 'amends_id', 'care_entry'),
    _fk('care_entry', 'recorded_by_id', 'user_account'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_entry')),
    sa.UniqueConstraint('amends_id', name=op.f('uq_care_entry_amends_id'))
    )
    with op.batch_alter_table('care_entry', schema=None) as batch_op:
        batch_op.create_index('ix_care_entry_child', ['centre_id', 'child_id', 'at'], unique=False)

    op.create_table('care_outdoor_spell',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('started_at', server.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('recorded_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    _fk('care_outdoor_spell', 'centre_id', 'centre'),
    _fk('care_outdoor_spell', 'room_id', 'room'),
    _fk('care_outdoor_spell', 'recorded_by_id', 'user_account'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_outdoor_spell'))
    )
    with op.batch_alter_table('care_outdoor_spell', schema=None) as batch_op:
        batch_op.create_index('ix_care_outdoor_spell_day', ['centre_id', 'day'], unique=False)

    op.create_table('care_outdoor_exemption',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=True),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('recorded_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    _fk('care_outdoor_exemption', 'centre_id', 'centre'),
    _fk('care_outdoor_exemption', 'room_id', 'room'),
    _fk('care_outdoor_exemption', 'recorded_by_id', 'user_account'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_outdoor_exemption'))
    )
    with op.batch_alter_table('care_outdoor_exemption', schema=None) as batch_op:
        batch_op.create_index('ix_care_outdoor_exemption_day', ['centre_id', 'day'], unique=False)


def downgrade():
    for table, indexes in (('care_outdoor_exemption', ('ix_care_outdoor_exemption_day',)),
                           ('care_outdoor_spell', ('ix_care_outdoor_spell_day',)),
                           ('care_entry', ('ix_care_entry_child',)),
                           ('care_nap_check', ('ix_care_nap_check_nap',)),
                           ('care_nap_end', ()),
                           ('care_nap', ('ix_care_nap_day', 'ix_care_nap_child'))):
        if indexes:
            with op.batch_alter_table(table, schema=None) as batch_op:
                for index in indexes:
                    batch_op.drop_index(index)
        op.drop_table(table)
