"""health profile

Revision ID: 15a100000003
Revises: 15a100000002
Create Date: 2026-12-07 11:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import server.database


# revision identifiers, used by Alembic.
revision = '15a100000003'
down_revision = '15a100000002'
branch_labels = None
depends_on = None


def _recorded(table):
    return [
        sa.Column('recorded_at', server.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'],
                                name=op.f(f'fk_{table}_recorded_by_id_user_account')),
        sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f(f'fk_{table}_centre_id_centre')),
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}')),
    ]


def _child(table):
    return [sa.Column('child_id', sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(['child_id'], ['child.id'], name=op.f(f'fk_{table}_child_id_child'))]


def _amends(table):
    return [sa.Column('amends_id', sa.Integer(), nullable=True),
            sa.Column('reason', sa.Text(), nullable=True),
            sa.ForeignKeyConstraint(['amends_id'], [f'{table}.id'], name=op.f(f'fk_{table}_amends_id_{table}')),
            sa.UniqueConstraint('amends_id', name=op.f(f'uq_{table}_amends_id'))]


def upgrade():
    t = 'health_allergy'
    op.create_table(t,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    *_child(t),
    sa.Column('allergen', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.Enum('food', 'drug', 'other', name='allergenkind', native_enum=False, length=8),
              nullable=False),
    sa.Column('severity', sa.Enum('mild', 'moderate', 'severe', name='allergyseverity', native_enum=False,
                                  length=12), nullable=False),
    sa.Column('reaction', sa.Text(), nullable=False),
    sa.Column('recorded_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    *_amends(t),
    *_recorded(t),
    )
    with op.batch_alter_table(t, schema=None) as batch_op:
        batch_op.create_index('ix_health_allergy_child', ['centre_id', 'child_id'], unique=False)

    t = 'health_condition'
    op.create_table(t,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    *_child(t),
    sa.Column('condition', sa.String(length=120), nullable=False),
    sa.Column('found_on', sa.Date(), nullable=False),
    sa.Column('plan', sa.Text(), nullable=False),
    sa.Column('managed_by', sa.String(length=60), nullable=False),
    *_amends(t),
    *_recorded(t),
    )
    with op.batch_alter_table(t, schema=None) as batch_op:
        batch_op.create_index('ix_health_condition_child', ['centre_id', 'child_id'], unique=False)

    t = 'health_condition_closure'
    op.create_table(t,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('condition_id', sa.Integer(), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['condition_id'], ['health_condition.id'],
                            name=op.f('fk_health_condition_closure_condition_id_health_condition')),
    sa.UniqueConstraint('condition_id', name=op.f('uq_health_condition_closure_condition_id')),
    *_recorded(t),
    )

    t = 'health_entry_exam'
    op.create_table(t,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    *_child(t),
    sa.Column('examined_on', sa.Date(), nullable=False),
    sa.Column('vaccination_checked', sa.Boolean(), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('examined_by', sa.String(length=120), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    *_amends(t),
    *_recorded(t),
    )
    with op.batch_alter_table(t, schema=None) as batch_op:
        batch_op.create_index('ix_health_entry_exam_child', ['centre_id', 'child_id'], unique=False)

    t = 'health_growth_measurement'
    op.create_table(t,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    *_child(t),
    sa.Column('measured_on', sa.Date(), nullable=False),
    sa.Column('height_cm', sa.Numeric(precision=5, scale=1), nullable=True),
    sa.Column('weight_kg', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('head_cm', sa.Numeric(precision=5, scale=1), nullable=True),
    sa.Column('recumbent', sa.Boolean(), nullable=True),
    sa.Column('measured_by', sa.String(length=60), nullable=False),
    *_amends(t),
    *_recorded(t),
    )
    with op.batch_alter_table(t, schema=None) as batch_op:
        batch_op.create_index('ix_health_growth_child', ['centre_id', 'child_id'], unique=False)


def downgrade():
    for t, index in (('health_growth_measurement', 'ix_health_growth_child'),
                     ('health_entry_exam', 'ix_health_entry_exam_child'), ('health_condition_closure', None),
                     ('health_condition', 'ix_health_condition_child'), ('health_allergy', 'ix_health_allergy_child')):
        if index:
            with op.batch_alter_table(t, schema=None) as batch_op:
                batch_op.drop_index(index)
        op.drop_table(t)
