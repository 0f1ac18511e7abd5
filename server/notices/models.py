"""Notices to guardians, queued by the domains and delivered by the notifier (issue #16).

A notice is what the guardians of one child should be told (an abnormal 晨检, an exclusion, a consent to sign…):
its kind, a catalogue msgid as the subject (translated in the reader's language) and the facts as JSON. It is
never updated; what happens to it is rows of their own, each append-only:

- `GuardianNoticeDelivery`: the first channel that delivered it (a notice without one is still to send);
- `NoticeRead`: the first time each guardian contact opened it; `NoticeAcknowledgement`: "我已知晓";
- `NoticeReminder`: reminder n issued because it was still not acknowledged;
- `NoticeOutbox`: one row per notice (or reminder n) × guardian contact × channel, the durable outbox the minute
  job drains (its status moves pending → sending → sent | dead, or cancelled), and `NoticeDeliveryAttempt`, one row
  per attempt (the delivery log).

The centre's push channels (`NoticeChannel`, an Apprise URL template sealed at rest) and each guardian contact's
preferences (`NoticePreference`: language, quiet hours; `NoticeAddress`: their address per channel) are settings:
changed in place, every change audited (the URL and the addresses as digests only).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.centre.models import str_enum
from server.database import UTCDateTime, db


class OutboxStatus(StrEnum):
    """Where an outbox row is: waiting (or backing off), claimed by a drain, done, given up, no longer needed."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DEAD = "dead"  # failed NOTIFIER_MAX_ATTEMPTS times: the director is alerted
    CANCELLED = "cancelled"  # a reminder of a notice acknowledged meanwhile, a channel disabled, an address removed


LABELS: dict[StrEnum, tuple[str, str]] = {
    OutboxStatus.PENDING: ("待发送", "Waiting"),
    OutboxStatus.SENDING: ("发送中", "Sending"),
    OutboxStatus.SENT: ("已送达", "Delivered"),
    OutboxStatus.DEAD: ("发送失败", "Failed"),
    OutboxStatus.CANCELLED: ("已取消", "Cancelled"),
}


class GuardianNotice(db.Model):
    """One thing the guardians of a child are to be told."""

    __tablename__ = "guardian_notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))  # a key of server.notices.kinds.KINDS
    subject: Mapped[str] = mapped_column(String(200))  # a catalogue msgid, translated on delivery
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class GuardianNoticeDelivery(db.Model):
    """A notice delivered to the guardians: when, and by the first channel that succeeded ("portal", "apprise#3")."""

    __tablename__ = "guardian_notice_delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    notice_id: Mapped[int] = mapped_column(ForeignKey("guardian_notice.id"), unique=True)
    delivered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    channel: Mapped[str] = mapped_column(String(20))


class NoticeRead(db.Model):
    """A guardian contact opened the notice (the first time only: one row per notice and contact)."""

    __tablename__ = "notice_read"
    __table_args__ = (UniqueConstraint("notice_id", "contact_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    notice_id: Mapped[int] = mapped_column(ForeignKey("guardian_notice.id"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class NoticeAcknowledgement(db.Model):
    """A guardian said "我已知晓" (or signed what the notice asked for): one per notice, never changed."""

    __tablename__ = "notice_acknowledgement"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    notice_id: Mapped[int] = mapped_column(ForeignKey("guardian_notice.id"), unique=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class NoticeReminder(db.Model):
    """Reminder n of a notice still not acknowledged, issued when it fell due (its pushes are outbox rows)."""

    __tablename__ = "notice_reminder"
    __table_args__ = (UniqueConstraint("notice_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    notice_id: Mapped[int] = mapped_column(ForeignKey("guardian_notice.id"), index=True)
    number: Mapped[int]
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)


class NoticeChannel(db.Model):
    """A push channel of a centre: an Apprise URL template with `{address}`, sealed; shown masked only."""

    __tablename__ = "notice_channel"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "apprise" (the portal is always on and has no row)
    name: Mapped[str] = mapped_column(String(60))  # what the director and guardians call it: 企业微信, 邮件 …
    url_sealed: Mapped[str] = mapped_column(Text)  # the template, encrypted with a key derived from SECRET_KEY
    url_sha256: Mapped[str] = mapped_column(String(64))  # what the audit keeps of it
    url_masked: Mapped[str] = mapped_column(String(200))  # scheme and host only: what screens show
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    @property
    def key(self) -> str:
        """How outbox rows, the log and deliveries name this channel."""
        return f"{self.kind}#{self.id}"


class NoticePreference(db.Model):
    """A guardian contact's language and quiet hours (None: the centre's default / the rulebook's)."""

    __tablename__ = "notice_preference"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"), unique=True)
    language: Mapped[str | None] = mapped_column(String(16))  # zh_Hans_CN | en
    quiet_start_min: Mapped[int | None]  # minutes after local midnight, e.g. 1260 = 21:00
    quiet_end_min: Mapped[int | None]  # e.g. 450 = 07:30 (the next morning when before the start)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class NoticeAddress(db.Model):
    """A guardian contact's address on one push channel (an e-mail, a WeCom user id, …)."""

    __tablename__ = "notice_address"
    __table_args__ = (UniqueConstraint("contact_id", "channel_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"), index=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("notice_channel.id"))
    address: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class NoticeOutbox(db.Model):
    """One message to send: a notice (reminder 0) or reminder n, to one guardian contact, by one channel.

    `dedupe_key` is unique, so enqueueing twice stores it once. The payload is rendered at enqueue time in the
    recipient's language and holds no health detail (PIPL: the push points to the portal); the address is read
    when the row is claimed, so a guardian's change of address applies to what is still waiting.
    """

    __tablename__ = "notice_outbox"
    __table_args__ = (Index("ix_notice_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    notice_id: Mapped[int] = mapped_column(ForeignKey("guardian_notice.id"), index=True)
    reminder: Mapped[int] = mapped_column(default=0)  # 0: the notice itself; n: reminder n
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"))
    channel: Mapped[str] = mapped_column(String(20))  # "portal" | "apprise#<channel id>"
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("notice_channel.id"))
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)
    status: Mapped[OutboxStatus] = mapped_column(str_enum(OutboxStatus, 16))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a drain's lease while sending
    claim_token: Mapped[str | None] = mapped_column(String(32))
    urgent: Mapped[bool] = mapped_column(default=False)  # sent through quiet hours
    language: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NoticeDeliveryAttempt(db.Model):
    """The delivery log: one row per attempt to send an outbox row (append-only)."""

    __tablename__ = "notice_delivery_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    outbox_id: Mapped[int] = mapped_column(ForeignKey("notice_outbox.id"), index=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("guardian_notice.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    attempt: Mapped[int]
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    ok: Mapped[bool]
    error: Mapped[str | None] = mapped_column(String(500))  # truncated, the address and URL scrubbed
