"""emergencies amendments (issue #17): drill and fire-check amendments, drill cancellations

Revision ID: 18a100000005
Revises: 18a100000004
Create Date: 2026-12-07 20:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

import server.database


# revision identifiers, used by Alembic.
revision = '18a100000005'
down_revision = '18a100000004'
branch_labels = None
depends_on = None


def _amendment(table, parent_column, parent_table):
    """An amendment table: one corrected field of a parent record, before and after, why, who and when."""
    op.create_table(table,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column(parent_column, sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=40), nullable=False),
    sa.Column('old_value', sa.JSON(), nullable=True),
    sa.Column('new_value', sa.JSON(), nullable=True),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('amended_by_id', sa.Integer(), nullable=True),
    sa.Column('amended_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['amended_by_id'], ['user_account.id'], name=op.f(f'fk_{table}_amended_by_id_user_account')),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f(f'fk_{table}_centre_id_centre')),
    sa.ForeignKeyConstraint([parent_column], [f'{parent_table}.id'],
                            name=op.f(f'fk_{table}_{parent_column}_{parent_table}')),
    sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}'))
    )
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f'ix_{table}_centre_id'), ['centre_id'], unique=False)
        batch_op.create_index(batch_op.f(f'ix_{table}_{parent_column}'), [parent_column], unique=False)


def upgrade():
    _amendment('drill_amendment', 'drill_id', 'drill')
    _amendment('fire_check_amendment', 'check_id', 'fire_check')
    op.create_table('drill_schedule_cancellation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('schedule_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('cancelled_by_id', sa.Integer(), nullable=True),
    sa.Column('cancelled_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cancelled_by_id'], ['user_account.id'],
                            name=op.f('fk_drill_schedule_cancellation_cancelled_by_id_user_account')),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_drill_schedule_cancellation_centre_id_centre')),
    sa.ForeignKeyConstraint(['schedule_id'], ['drill_schedule.id'],
                            name=op.f('fk_drill_schedule_cancellation_schedule_id_drill_schedule')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drill_schedule_cancellation')),
    sa.UniqueConstraint('schedule_id', name=op.f('uq_drill_schedule_cancellation_schedule_id'))
    )
    with op.batch_alter_table('drill_schedule_cancellation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_drill_schedule_cancellation_centre_id'), ['centre_id'], unique=False)
    # 17a100000002 named the scope's two-column unique constraint after its first column only: the model's name.
    with op.batch_alter_table('safeguarding_inspector_scope', schema=None) as batch_op:
        batch_op.drop_constraint('uq_safeguarding_inspector_scope_membership_id', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_safeguarding_inspector_scope_membership_id_grant_expires_at'),
                                          ['membership_id', 'grant_expires_at'])


def downgrade():
    with op.batch_alter_table('safeguarding_inspector_scope', schema=None) as batch_op:
        batch_op.drop_constraint('uq_safeguarding_inspector_scope_membership_id_grant_expires_at', type_='unique')
        batch_op.create_unique_constraint('uq_safeguarding_inspector_scope_membership_id',
                                          ['membership_id', 'grant_expires_at'])
    with op.batch_alter_table('drill_schedule_cancellation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_drill_schedule_cancellation_centre_id'))
    op.drop_table('drill_schedule_cancellation')
    for table, parent_column in (('fire_check_amendment', 'check_id'), ('drill_amendment', 'drill_id')):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_{parent_column}'))
            batch_op.drop_index(batch_op.f(f'ix_{table}_centre_id'))
        op.drop_table(table)
