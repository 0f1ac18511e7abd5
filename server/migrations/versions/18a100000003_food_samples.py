"""food samples (issue #18)

Revision ID: 18a100000003
Revises: 18a100000002
Create Date: 2026-12-07 20:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

import server.database


# revision identifiers, used by Alembic.
revision = '18a100000003'
down_revision = '18a100000002'
branch_labels = None
depends_on = None


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, server.database.UTCDateTime(timezone=True), nullable=nullable)


def _fk(name: str, table: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.Integer(), sa.ForeignKey(f'{table}.id'), nullable=nullable)


def upgrade():
    op.create_table(
        'food_sample',
        sa.Column('id', sa.Integer(), primary_key=True),
        _fk('centre_id', 'centre'),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('meal', sa.Enum('breakfast', 'morning_snack', 'lunch', 'afternoon_snack', 'dinner', name='meal',
                                  native_enum=False, length=16), nullable=False),
        sa.Column('dish', sa.String(80), nullable=False),
        sa.Column('weight_g', sa.Integer(), nullable=False),
        _time('sealed_at'),
        sa.Column('fridge', sa.String(48), nullable=False),
        sa.Column('sampled_by', sa.String(80), nullable=False),
        _time('recorded_at'),
        _fk('recorded_by_id', 'user_account', nullable=True),
    )
    op.create_index('ix_food_sample_centre_day', 'food_sample', ['centre_id', 'day'])
    op.create_table(
        'food_sample_amendment',
        sa.Column('id', sa.Integer(), primary_key=True),
        _fk('centre_id', 'centre'),
        _fk('sample_id', 'food_sample'),
        sa.Column('field', sa.String(16), nullable=False),
        sa.Column('old_value', sa.JSON(), nullable=True),
        sa.Column('new_value', sa.JSON(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        _time('amended_at'),
        _fk('amended_by_id', 'user_account', nullable=True),
        sa.Column('amended_by', sa.String(80), nullable=False),
    )
    op.create_index('ix_food_sample_amendment_sample_id', 'food_sample_amendment', ['sample_id'])
    op.create_table(
        'food_sample_disposal',
        sa.Column('id', sa.Integer(), primary_key=True),
        _fk('centre_id', 'centre'),
        _fk('sample_id', 'food_sample'),
        _time('disposed_at'),
        sa.Column('disposed_by', sa.String(80), nullable=False),
        _fk('disposed_by_id', 'user_account', nullable=True),
        sa.UniqueConstraint('sample_id'),
    )


def downgrade():
    op.drop_table('food_sample_disposal')
    op.drop_index('ix_food_sample_amendment_sample_id', table_name='food_sample_amendment')
    op.drop_table('food_sample_amendment')
    op.drop_index('ix_food_sample_centre_day', table_name='food_sample')
    op.drop_table('food_sample')
