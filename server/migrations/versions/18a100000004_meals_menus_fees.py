"""meals menus fees (issue #18)

Revision ID: 18a100000004
Revises: 18a100000003
Create Date: 2026-12-07 20:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

import server.database


# revision identifiers, used by Alembic.
revision = '18a100000004'
down_revision = '18a100000003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('meal_menu_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('week_of', sa.Date(), nullable=False),
    sa.Column('version_no', sa.Integer(), nullable=False),
    sa.Column('change_note', sa.String(length=300), nullable=True),
    sa.Column('created_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', server.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('publisher_name', sa.String(length=60), nullable=True),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_meal_menu_version_centre_id_centre')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_meal_menu_version_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['published_by_id'], ['user_account.id'], name=op.f('fk_meal_menu_version_published_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meal_menu_version')),
    sa.UniqueConstraint('centre_id', 'week_of', 'version_no', name=op.f('uq_meal_menu_version_centre_id_week_of_version_no'))
    )
    with op.batch_alter_table('meal_menu_version', schema=None) as batch_op:
        batch_op.create_index('ix_meal_menu_version_week', ['centre_id', 'week_of'], unique=False)
    op.create_table('meal_menu_dish',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('meal', sa.Enum('breakfast', 'morning_snack', 'lunch', 'afternoon_snack', 'dinner', name='meal', native_enum=False, length=16), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('ingredients', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_meal_menu_dish_centre_id_centre')),
    sa.ForeignKeyConstraint(['version_id'], ['meal_menu_version.id'], name=op.f('fk_meal_menu_dish_version_id_meal_menu_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meal_menu_dish'))
    )
    with op.batch_alter_table('meal_menu_dish', schema=None) as batch_op:
        batch_op.create_index('ix_meal_menu_dish_version', ['version_id', 'day'], unique=False)
    op.create_table('meal_fee_publication',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('version_no', sa.Integer(), nullable=False),
    sa.Column('income_fen', sa.Integer(), nullable=False),
    sa.Column('spending_fen', sa.Integer(), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=True),
    sa.Column('published_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('publisher_name', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_meal_fee_publication_centre_id_centre')),
    sa.ForeignKeyConstraint(['published_by_id'], ['user_account.id'], name=op.f('fk_meal_fee_publication_published_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meal_fee_publication')),
    sa.UniqueConstraint('centre_id', 'month', 'version_no', name=op.f('uq_meal_fee_publication_centre_id_month_version_no'))
    )
    with op.batch_alter_table('meal_fee_publication', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meal_fee_publication_centre_id'), ['centre_id'], unique=False)


def downgrade():
    with op.batch_alter_table('meal_fee_publication', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meal_fee_publication_centre_id'))
    op.drop_table('meal_fee_publication')
    with op.batch_alter_table('meal_menu_dish', schema=None) as batch_op:
        batch_op.drop_index('ix_meal_menu_dish_version')
    op.drop_table('meal_menu_dish')
    with op.batch_alter_table('meal_menu_version', schema=None) as batch_op:
        batch_op.drop_index('ix_meal_menu_version_week')
    op.drop_table('meal_menu_version')
