"""families messages ratings complaints (issue #16)

Revision ID: 16a100000002
Revises: 16a100000001
Create Date: 2026-12-07 14:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import server.database


# revision identifiers, used by Alembic.
revision = '16a100000002'
down_revision = '16a100000001'
branch_labels = None
depends_on = None


def upgrade():
    side = sa.Enum('family', 'staff', name='messageside', native_enum=False, length=8)
    op.create_table('family_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=True),
    sa.Column('side', side, nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_family_message_centre_id_centre')),
    sa.ForeignKeyConstraint(['child_id'], ['child.id'], name=op.f('fk_family_message_child_id_child')),
    sa.ForeignKeyConstraint(['room_id'], ['room.id'], name=op.f('fk_family_message_room_id_room')),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_family_message_author_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_family_message'))
    )
    with op.batch_alter_table('family_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_family_message_centre_id'), ['centre_id'], unique=False)
        batch_op.create_index('ix_family_message_child_at', ['child_id', 'created_at'], unique=False)

    op.create_table('family_message_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('original_name', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_family_message_attachment_centre_id_centre')),
    sa.ForeignKeyConstraint(['message_id'], ['family_message.id'],
                            name=op.f('fk_family_message_attachment_message_id_family_message')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_family_message_attachment'))
    )
    with op.batch_alter_table('family_message_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_family_message_attachment_message_id'), ['message_id'], unique=False)

    op.create_table('family_message_read',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('side', side, nullable=False),
    sa.Column('read_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_family_message_read_centre_id_centre')),
    sa.ForeignKeyConstraint(['message_id'], ['family_message.id'],
                            name=op.f('fk_family_message_read_message_id_family_message')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_family_message_read_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_family_message_read')),
    sa.UniqueConstraint('message_id', 'user_id', name=op.f('uq_family_message_read_message_id_user_id'))
    )

    op.create_table('rating_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('respondent_key', sa.String(length=64), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_rating_response_centre_id_centre')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rating_response')),
    sa.UniqueConstraint('centre_id', 'month', 'respondent_key',
                        name=op.f('uq_rating_response_centre_id_month_respondent_key'))
    )

    op.create_table('complaint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('family_child_id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=True),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('filed_by_id', sa.Integer(), nullable=True),
    sa.Column('category', sa.String(length=24), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('received_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_complaint_centre_id_centre')),
    sa.ForeignKeyConstraint(['family_child_id'], ['child.id'], name=op.f('fk_complaint_family_child_id_child')),
    sa.ForeignKeyConstraint(['child_id'], ['child.id'], name=op.f('fk_complaint_child_id_child')),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], name=op.f('fk_complaint_contact_id_contact')),
    sa.ForeignKeyConstraint(['filed_by_id'], ['user_account.id'], name=op.f('fk_complaint_filed_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint'))
    )
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_centre_id'), ['centre_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_family_child_id'), ['family_child_id'], unique=False)

    op.create_table('complaint_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('answered_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_complaint_answer_centre_id_centre')),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], name=op.f('fk_complaint_answer_complaint_id_complaint')),
    sa.ForeignKeyConstraint(['answered_by_id'], ['user_account.id'],
                            name=op.f('fk_complaint_answer_answered_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_answer')),
    sa.UniqueConstraint('complaint_id', name=op.f('uq_complaint_answer_complaint_id'))
    )

    op.create_table('complaint_closure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.Column('closed_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_complaint_closure_centre_id_centre')),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], name=op.f('fk_complaint_closure_complaint_id_complaint')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['user_account.id'],
                            name=op.f('fk_complaint_closure_closed_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_closure')),
    sa.UniqueConstraint('complaint_id', name=op.f('uq_complaint_closure_complaint_id'))
    )


def downgrade():
    op.drop_table('complaint_closure')
    op.drop_table('complaint_answer')
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_family_child_id'))
        batch_op.drop_index(batch_op.f('ix_complaint_centre_id'))
    op.drop_table('complaint')
    op.drop_table('rating_response')
    op.drop_table('family_message_read')
    with op.batch_alter_table('family_message_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_family_message_attachment_message_id'))
    op.drop_table('family_message_attachment')
    with op.batch_alter_table('family_message', schema=None) as batch_op:
        batch_op.drop_index('ix_family_message_child_at')
        batch_op.drop_index(batch_op.f('ix_family_message_centre_id'))
    op.drop_table('family_message')
