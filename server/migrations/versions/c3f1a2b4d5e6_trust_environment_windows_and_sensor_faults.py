"""trust environment windows and sensor faults

A series keeps the verdict of its newest window (insufficient data is neither an exceedance nor OK); a stuck
sensor's run of equal readings is kept as no data; an exceedance it produced is withdrawn by an appended row.

Revision ID: c3f1a2b4d5e6
Revises: 5b1c0a7e9d42
Create Date: 2026-12-07 05:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import server.database


# revision identifiers, used by Alembic.
revision = 'c3f1a2b4d5e6'
down_revision = '5b1c0a7e9d42'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('env_series', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verdict', sa.String(length=20), nullable=True))

    op.create_table('env_stuck_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('point', sa.String(length=48), nullable=False),
    sa.Column('quantity', sa.String(length=16), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('started_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recognised_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('fault_alert_id', sa.Integer(), nullable=True),
    sa.Column('ended_at', server.database.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_env_stuck_run_centre_id_centre')),
    sa.ForeignKeyConstraint(['fault_alert_id'], ['alert.id'], name=op.f('fk_env_stuck_run_fault_alert_id_alert')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_env_stuck_run'))
    )
    with op.batch_alter_table('env_stuck_run', schema=None) as batch_op:
        batch_op.create_index('ix_env_stuck_run_series', ['centre_id', 'point', 'quantity', 'started_at'],
                              unique=False)

    op.create_table('env_exceedance_withdrawal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('exceedance_id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('fault', sa.String(length=16), nullable=False),
    sa.Column('stuck_run_id', sa.Integer(), nullable=True),
    sa.Column('withdrawn_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_env_exceedance_withdrawal_centre_id_centre')),
    sa.ForeignKeyConstraint(['exceedance_id'], ['env_exceedance.id'],
                            name=op.f('fk_env_exceedance_withdrawal_exceedance_id_env_exceedance')),
    sa.ForeignKeyConstraint(['stuck_run_id'], ['env_stuck_run.id'],
                            name=op.f('fk_env_exceedance_withdrawal_stuck_run_id_env_stuck_run')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_env_exceedance_withdrawal')),
    sa.UniqueConstraint('exceedance_id', name=op.f('uq_env_exceedance_withdrawal_exceedance_id'))
    )


def downgrade():
    op.drop_table('env_exceedance_withdrawal')
    with op.batch_alter_table('env_stuck_run', schema=None) as batch_op:
        batch_op.drop_index('ix_env_stuck_run_series')

    op.drop_table('env_stuck_run')
    with op.batch_alter_table('env_series', schema=None) as batch_op:
        batch_op.drop_column('verdict')
