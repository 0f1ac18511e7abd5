"""Notices to guardians and the notifier: kinds, the outbox and its channels, quiet hours, reminders, status.

The domains above queue a notice (`operations.queue_notice`); the outbox delivers it through the family portal
and the centre's push channels; guardians read and acknowledge it; the centre sees each one's status. See
docs/notifier.md.
"""
