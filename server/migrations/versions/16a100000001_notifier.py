"""notifier (issue #16)

Revision ID: 16a100000001
Revises: 15a100000007
Create Date: 2026-12-07 14:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import server.database


# revision identifiers, used by Alembic.
revision = '16a100000001'
down_revision = '15a100000007'
branch_labels = None
depends_on = None


def upgrade():
    # The notifier: read marks, acknowledgements, reminders, the centre's push channels, each guardian's
    # preferences and addresses, the outbox and its delivery log (guardian_notice and its delivery exist since 15a).
    op.create_table('notice_channel',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('url_sealed', sa.Text(), nullable=False),
    sa.Column('url_sha256', sa.String(length=64), nullable=False),
    sa.Column('url_masked', sa.String(length=200), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('disabled_at', server.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('disabled_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_notice_channel_centre_id_centre')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_notice_channel_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['disabled_by_id'], ['user_account.id'], name=op.f('fk_notice_channel_disabled_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_channel'))
    )
    with op.batch_alter_table('notice_channel', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_channel_centre_id'), ['centre_id'], unique=False)

    op.create_table('notice_address',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('updated_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_notice_address_centre_id_centre')),
    sa.ForeignKeyConstraint(['channel_id'], ['notice_channel.id'], name=op.f('fk_notice_address_channel_id_notice_channel')),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], name=op.f('fk_notice_address_contact_id_contact')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_address')),
    sa.UniqueConstraint('contact_id', 'channel_id', name=op.f('uq_notice_address_contact_id_channel_id'))
    )
    with op.batch_alter_table('notice_address', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_address_contact_id'), ['contact_id'], unique=False)

    op.create_table('notice_preference',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=True),
    sa.Column('quiet_start_min', sa.Integer(), nullable=True),
    sa.Column('quiet_end_min', sa.Integer(), nullable=True),
    sa.Column('updated_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_notice_preference_centre_id_centre')),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], name=op.f('fk_notice_preference_contact_id_contact')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_notice_preference_updated_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_preference')),
    sa.UniqueConstraint('contact_id', name=op.f('uq_notice_preference_contact_id'))
    )
    op.create_table('notice_acknowledgement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['by_id'], ['user_account.id'], name=op.f('fk_notice_acknowledgement_by_id_user_account')),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_notice_acknowledgement_centre_id_centre')),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], name=op.f('fk_notice_acknowledgement_contact_id_contact')),
    sa.ForeignKeyConstraint(['notice_id'], ['guardian_notice.id'], name=op.f('fk_notice_acknowledgement_notice_id_guardian_notice')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_acknowledgement')),
    sa.UniqueConstraint('notice_id', name=op.f('uq_notice_acknowledgement_notice_id'))
    )
    op.create_table('notice_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('reminder', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=True),
    sa.Column('dedupe_key', sa.String(length=120), nullable=False),
    sa.Column('status', sa.Enum('pending', 'sending', 'sent', 'dead', 'cancelled', name='outboxstatus', native_enum=False, length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('claimed_until', server.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('claim_token', sa.String(length=32), nullable=True),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', server.database.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_notice_outbox_centre_id_centre')),
    sa.ForeignKeyConstraint(['channel_id'], ['notice_channel.id'], name=op.f('fk_notice_outbox_channel_id_notice_channel')),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], name=op.f('fk_notice_outbox_contact_id_contact')),
    sa.ForeignKeyConstraint(['notice_id'], ['guardian_notice.id'], name=op.f('fk_notice_outbox_notice_id_guardian_notice')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_outbox')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_notice_outbox_dedupe_key'))
    )
    with op.batch_alter_table('notice_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_notice_outbox_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notice_outbox_notice_id'), ['notice_id'], unique=False)

    op.create_table('notice_read',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_notice_read_centre_id_centre')),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], name=op.f('fk_notice_read_contact_id_contact')),
    sa.ForeignKeyConstraint(['notice_id'], ['guardian_notice.id'], name=op.f('fk_notice_read_notice_id_guardian_notice')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_read')),
    sa.UniqueConstraint('notice_id', 'contact_id', name=op.f('uq_notice_read_notice_id_contact_id'))
    )
    with op.batch_alter_table('notice_read', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_read_notice_id'), ['notice_id'], unique=False)

    op.create_table('notice_reminder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('due_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('issued_at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_notice_reminder_centre_id_centre')),
    sa.ForeignKeyConstraint(['notice_id'], ['guardian_notice.id'], name=op.f('fk_notice_reminder_notice_id_guardian_notice')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_reminder')),
    sa.UniqueConstraint('notice_id', 'number', name=op.f('uq_notice_reminder_notice_id_number'))
    )
    with op.batch_alter_table('notice_reminder', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_reminder_notice_id'), ['notice_id'], unique=False)

    op.create_table('notice_delivery_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('at', server.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('error', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_notice_delivery_attempt_centre_id_centre')),
    sa.ForeignKeyConstraint(['notice_id'], ['guardian_notice.id'], name=op.f('fk_notice_delivery_attempt_notice_id_guardian_notice')),
    sa.ForeignKeyConstraint(['outbox_id'], ['notice_outbox.id'], name=op.f('fk_notice_delivery_attempt_outbox_id_notice_outbox')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_delivery_attempt'))
    )
    with op.batch_alter_table('notice_delivery_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_delivery_attempt_notice_id'), ['notice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notice_delivery_attempt_outbox_id'), ['outbox_id'], unique=False)



def downgrade():
    with op.batch_alter_table('notice_delivery_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_delivery_attempt_outbox_id'))
        batch_op.drop_index(batch_op.f('ix_notice_delivery_attempt_notice_id'))

    op.drop_table('notice_delivery_attempt')
    with op.batch_alter_table('notice_reminder', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_reminder_notice_id'))

    op.drop_table('notice_reminder')
    with op.batch_alter_table('notice_read', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_read_notice_id'))

    op.drop_table('notice_read')
    with op.batch_alter_table('notice_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_outbox_notice_id'))
        batch_op.drop_index('ix_notice_outbox_due')

    op.drop_table('notice_outbox')
    op.drop_table('notice_acknowledgement')
    op.drop_table('notice_preference')
    with op.batch_alter_table('notice_address', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_address_contact_id'))

    op.drop_table('notice_address')
    with op.batch_alter_table('notice_channel', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_channel_centre_id'))

    op.drop_table('notice_channel')

