"""office centre closures and child leaving

Revision ID: a7c1d2e3f4b5
Revises: f2b3c4d5e6a7
Create Date: 2026-12-07 08:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import server.database


# revision identifiers, used by Alembic.
revision = 'a7c1d2e3f4b5'
down_revision = 'f2b3c4d5e6a7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('child', schema=None) as batch_op:
        batch_op.add_column(sa.Column('left_reason', sa.Enum('graduated', 'transferred', 'withdrawn', 'other',
                                                             name='leavereason', native_enum=False, length=16),
                                      nullable=True))
        batch_op.add_column(sa.Column('left_note', sa.String(length=200), nullable=True))

    op.create_table('centre_closure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=100), nullable=False),
    sa.Column('withdraws_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_centre_closure_centre_id_centre')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'],
                            name=op.f('fk_centre_closure_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['withdraws_id'], ['centre_closure.id'],
                            name=op.f('fk_centre_closure_withdraws_id_centre_closure')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_centre_closure'))
    )
    with op.batch_alter_table('centre_closure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_centre_closure_centre_id'), ['centre_id'], unique=False)


def downgrade():
    with op.batch_alter_table('centre_closure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_centre_closure_centre_id'))
    op.drop_table('centre_closure')
    with op.batch_alter_table('child', schema=None) as batch_op:
        batch_op.drop_column('left_note')
        batch_op.drop_column('left_reason')
