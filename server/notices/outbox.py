"""The durable outbox: rows enqueued with a notice (same transaction) or a reminder, claimed and recorded by the drain.

Lifecycle of a row (the house's outbox lifecycle, STYLE.md 10): `pending` → `sending` (claimed by one drain, with
a lease) → `sent`, or back to `pending` with an exponential backoff (1, 2, 4 … minutes, capped) after a failure,
or `dead` after NOTIFIER_MAX_ATTEMPTS (the director is alerted); `cancelled` when it is no longer wanted (a
reminder of a notice acknowledged meanwhile, a channel disabled, an address removed). A drain that dies while
sending leaves `sending` rows whose lease runs out: they are claimed again (at-least-once, on a crash only).

Claiming never hands one row to two drains: PostgreSQL's `FOR UPDATE SKIP LOCKED` lets a second drain pass over
the rows the first holds, and SQLite's write lock (every transaction begins IMMEDIATE) serialises the claims; a
claim is committed before anything is sent, so no lock is held over the network.

Push payloads are rendered at enqueue time in the recipient's language and say no more than "a notice about
<first name>" with a link to the portal (PIPL: no health detail leaves the centre in a push).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, has_request_context, request
from flask_babel import force_locale, gettext
from sqlalchemy import or_, select

from server.alerts.operations import raise_alert
from server.audit.operations import ChangeToAudit, audit_record, record_changes, snapshot
from server.auth.actor import Actor
from server.centre.models import Centre
from server.centre.operations import centre_by_id
from server.centre.timezones import centre_zone
from server.database import db
from server.errors import Conflict
from server.notices.channels import PORTAL, SendResult
from server.notices.kinds import NoticeKind, kind_of
from server.notices.models import (
    GuardianNotice,
    GuardianNoticeDelivery,
    NoticeAcknowledgement,
    NoticeAddress,
    NoticeChannel,
    NoticeDeliveryAttempt,
    NoticeOutbox,
    NoticePreference,
    OutboxStatus,
)
from server.notices.recipients import guardians
from server.notices.sealing import Sealer
from server.notices.settings import NotifierSettings
from server.notices.timing import QuietHours, default_quiet_hours
from server.people.models import Child

OUTBOX_FIELDS = ("notice_id", "reminder", "contact_id", "channel", "dedupe_key", "status", "attempts",
                 "next_attempt_at", "sent_at")
DEAD_ALERT_KIND = "notices.undeliverable"
PAGE_ENDPOINT = "notices_pages.family_notice"
# Compound surnames, so "欧阳小雨" is called 小雨 in a push (a push names the child by given name only).
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "长孙", "宇文",
                     "司徒", "夏侯", "轩辕", "端木", "独孤", "南宫", "西门", "澹台")


# ---- enqueue ------------------------------------------------------------------------------------------------

def given_name(name: str) -> str:
    """What a push calls the child: "小明" for 王小明, "Emma" for "Emma Smith" (not the full name: PIPL minimal)."""
    name = name.strip()
    if " " in name:
        return name.split()[0]
    for surname in COMPOUND_SURNAMES:
        if name.startswith(surname) and len(name) > len(surname):
            return name[len(surname):]
    return name[1:] if len(name) >= 2 else name


def language_of(preference: NoticePreference | None) -> str:
    """The guardian's language, else the centre's default (Chinese)."""
    languages, default = current_app.config["LANGUAGES"], current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = preference.language if preference is not None else None
    return chosen if chosen in languages else default


def quiet_hours_of(preference: NoticePreference | None, centre: Centre, at: datetime) -> QuietHours | None:
    """The guardian's own quiet hours, else the centre's default."""
    if preference is not None and preference.quiet_start_min is not None and preference.quiet_end_min is not None:
        return QuietHours(preference.quiet_start_min, preference.quiet_end_min)
    return default_quiet_hours(centre, at)


def notice_link(centre: Centre, notice: GuardianNotice, public_url: str | None = None) -> str:
    """The notice's page in the family portal: absolute with PUBLIC_URL (or the request's host), else a path."""
    path = current_app.url_map.bind("localhost").build(PAGE_ENDPOINT, {"code": centre.code, "notice_id": notice.id})
    base = public_url if public_url is not None else str(current_app.config.get("PUBLIC_URL") or "")
    if not base and has_request_context():
        base = request.host_url
    return base.rstrip("/") + path


def render_push(*, centre: Centre, child: Child, kind: NoticeKind, reminder: int, language: str,
                link: str) -> tuple[str, str]:
    """Title and body in `language`: the centre, the child's given name, a link; nothing about health."""
    with force_locale(language):
        title = gettext("A notice from %(centre)s", centre=centre.name)
        name = given_name(child.name)
        if reminder:
            body = gettext("Reminder: the notice about %(name)s is still waiting for your acknowledgement. "
                           "Open it here: %(link)s", name=name, link=link)
        elif kind.needs_ack:
            body = gettext("There is a notice about %(name)s. Please open it and acknowledge it: %(link)s",
                           name=name, link=link)
        else:
            body = gettext("There is a notice about %(name)s. Open it here: %(link)s", name=name, link=link)
    return title[:200], body


def _preferences(contact_ids: Iterable[int]) -> dict[int, NoticePreference]:
    ids = list(contact_ids)
    if not ids:
        return {}
    return {p.contact_id: p for p in db.session.execute(
        select(NoticePreference).where(NoticePreference.contact_id.in_(ids))).scalars()}


def _addresses(contact_ids: Iterable[int]) -> dict[tuple[int, int], str]:
    ids = list(contact_ids)
    if not ids:
        return {}
    return {(a.contact_id, a.channel_id): a.address for a in db.session.execute(
        select(NoticeAddress).where(NoticeAddress.contact_id.in_(ids))).scalars()}


def active_channels(centre_id: int) -> list[NoticeChannel]:
    """The centre's push channels in use, oldest first."""
    return list(db.session.execute(select(NoticeChannel).where(
        NoticeChannel.centre_id == centre_id, NoticeChannel.is_active).order_by(NoticeChannel.id)).scalars())


def enqueue_notice(notice: GuardianNotice, *, reminder: int, actor: Actor, now: datetime) -> list[NoticeOutbox]:
    """The outbox rows of a notice (reminder 0) or of reminder n: each guardian × channel, audited in one go.

    The portal is a channel for guardians with an account (reminders go by push only: the inbox already shows
    the notice); each active push channel for guardians with an address on it. A push row waits for the end of
    the guardian's quiet hours unless the kind is urgent. Rows already enqueued (same dedupe key) are skipped.
    """
    centre = centre_by_id(notice.centre_id)
    child = db.session.get(Child, notice.child_id)
    assert child is not None
    kind = kind_of(notice.kind)
    recipients = guardians(child.id)
    contact_ids = [contact.id for _, contact in recipients]
    preferences, addresses = _preferences(contact_ids), _addresses(contact_ids)
    channels = active_channels(centre.id)
    link = notice_link(centre, notice)
    zone = centre_zone(centre)
    rows: list[NoticeOutbox] = []
    for _, contact in recipients:
        preference = preferences.get(contact.id)
        targets: list[tuple[str, int | None]] = []
        if reminder == 0 and contact.user_id is not None:
            targets.append((PORTAL, None))
        targets += [(channel.key, channel.id) for channel in channels if (contact.id, channel.id) in addresses]
        if not targets:
            continue
        language = language_of(preference)
        title, body = render_push(centre=centre, child=child, kind=kind, reminder=reminder, language=language,
                                  link=link)
        quiet = quiet_hours_of(preference, centre, now)
        for key, channel_id in targets:
            due = now
            if channel_id is not None and not kind.urgent and quiet is not None:
                due = quiet.ends_after(now, zone)
            rows.append(NoticeOutbox(
                centre_id=centre.id, notice_id=notice.id, reminder=reminder, contact_id=contact.id, channel=key,
                channel_id=channel_id, dedupe_key=f"{notice.id}:{reminder}:{contact.id}:{key}",
                status=OutboxStatus.PENDING, attempts=0, next_attempt_at=due, urgent=kind.urgent, language=language,
                title=title, body=body, created_at=now))
    if rows:
        known = set(db.session.execute(select(NoticeOutbox.dedupe_key).where(
            NoticeOutbox.dedupe_key.in_([r.dedupe_key for r in rows]))).scalars())
        rows = [r for r in rows if r.dedupe_key not in known]
    if not rows:
        return []
    db.session.add_all(rows)
    db.session.flush()
    record_changes([ChangeToAudit("notice_outbox.enqueue", "notice_outbox", row.id, snapshot(row, OUTBOX_FIELDS))
                    for row in rows], centre_id=centre.id, actor=actor, now=now)
    return rows


# ---- claim ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Claimed:
    """A row claimed for sending, as plain values: the drain sends it without touching the database."""

    outbox_id: int
    centre_id: int
    notice_id: int
    channel: str  # key: portal | apprise#<id>
    channel_kind: str
    channel_name: str
    url_template: str | None
    address: str | None
    title: str
    body: str
    attempt: int
    token: str


def _cancel(row: NoticeOutbox, reason: str, *, now: datetime) -> None:
    before = snapshot(row, OUTBOX_FIELDS)
    row.status, row.claimed_until, row.claim_token = OutboxStatus.CANCELLED, None, None
    db.session.add(NoticeDeliveryAttempt(centre_id=row.centre_id, outbox_id=row.id, notice_id=row.notice_id,
                                         channel=row.channel, attempt=row.attempts, at=now, ok=False, error=reason))
    db.session.flush()
    audit_record(row, "notice_outbox.cancel", before, OUTBOX_FIELDS, actor=Actor.system(), now=now)


def claim_due(now: datetime, *, settings: NotifierSettings, sealer: Sealer) -> list[Claimed]:
    """Claim up to a batch of due rows for this drain (flushed; the caller commits before sending).

    Due: pending with `next_attempt_at` reached, or sending with an expired lease (a drain died). A push row in
    its guardian's quiet hours is put off to their end instead (never a portal row, never an urgent kind).
    """
    due = or_((NoticeOutbox.status == OutboxStatus.PENDING) & (NoticeOutbox.next_attempt_at <= now),
              (NoticeOutbox.status == OutboxStatus.SENDING) & (NoticeOutbox.claimed_until <= now))
    stmt = select(NoticeOutbox).where(due).order_by(NoticeOutbox.next_attempt_at, NoticeOutbox.id).limit(
        settings.batch)
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    rows = list(db.session.execute(stmt).scalars())
    if not rows:
        return []
    notice_ids = {r.notice_id for r in rows}
    acknowledged = set(db.session.execute(select(NoticeAcknowledgement.notice_id).where(
        NoticeAcknowledgement.notice_id.in_(notice_ids))).scalars())
    channels = {c.id: c for c in db.session.execute(select(NoticeChannel).where(
        NoticeChannel.id.in_({r.channel_id for r in rows if r.channel_id is not None} or {0}))).scalars()}
    contact_ids = {r.contact_id for r in rows}
    addresses, preferences = _addresses(contact_ids), _preferences(contact_ids)
    centres: dict[int, Centre] = {}
    claimed: list[Claimed] = []
    for row in rows:
        channel = channels.get(row.channel_id) if row.channel_id is not None else None
        if row.reminder and row.notice_id in acknowledged:
            _cancel(row, "acknowledged before the reminder went", now=now)
            continue
        url = address = None
        if row.channel_id is not None:
            if channel is None or not channel.is_active:
                _cancel(row, "the channel was disabled", now=now)
                continue
            address = addresses.get((row.contact_id, row.channel_id))
            if not address:
                _cancel(row, "the guardian removed their address for this channel", now=now)
                continue
            url = sealer.open(channel.url_sealed)
            if url is None:
                _cancel(row, "the channel's URL cannot be opened (SECRET_KEY changed): enter it again", now=now)
                continue
            if not row.urgent:
                centre = centres.setdefault(row.centre_id, centre_by_id(row.centre_id))
                quiet = quiet_hours_of(preferences.get(row.contact_id), centre, now)
                if quiet is not None and quiet.holds(now.astimezone(centre_zone(centre))):
                    row.status, row.claimed_until, row.claim_token = OutboxStatus.PENDING, None, None
                    row.next_attempt_at = quiet.ends_after(now, centre_zone(centre))
                    continue
        token = secrets.token_hex(16)
        row.status, row.attempts = OutboxStatus.SENDING, row.attempts + 1
        row.claimed_until, row.claim_token = now + settings.lease, token
        claimed.append(Claimed(outbox_id=row.id, centre_id=row.centre_id, notice_id=row.notice_id, channel=row.channel,
                               channel_kind=channel.kind if channel is not None else PORTAL,
                               channel_name=channel.name if channel is not None else "", url_template=url,
                               address=address, title=row.title, body=row.body, attempt=row.attempts, token=token))
    db.session.flush()
    return claimed


# ---- record ------------------------------------------------------------------------------------------------

def _locked(outbox_id: int) -> NoticeOutbox | None:
    stmt = select(NoticeOutbox).where(NoticeOutbox.id == outbox_id)
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return db.session.execute(stmt).scalar_one_or_none()


def record_result(item: Claimed, result: SendResult, *, now: datetime, settings: NotifierSettings) -> None:
    """Log the attempt; sent (and the notice delivered, on its first success) or back off, or dead (alert)."""
    from server.notices.operations import record_delivery

    row = _locked(item.outbox_id)
    if row is None:
        return
    db.session.add(NoticeDeliveryAttempt(centre_id=row.centre_id, outbox_id=row.id, notice_id=row.notice_id,
                                         channel=row.channel, attempt=item.attempt, at=now, ok=result.ok,
                                         error=None if result.ok else (result.error or "failed")[:500]))
    db.session.flush()
    if row.claim_token != item.token:
        return  # our lease ran out and another drain took the row over: the attempt is logged, its state is theirs
    before = snapshot(row, OUTBOX_FIELDS)
    row.claimed_until, row.claim_token = None, None
    system = Actor.system()
    if result.ok:
        row.status, row.sent_at = OutboxStatus.SENT, now
        db.session.flush()
        audit_record(row, "notice_outbox.sent", before, OUTBOX_FIELDS, actor=system, now=now)
        notice = db.session.get(GuardianNotice, row.notice_id)
        assert notice is not None
        if db.session.execute(select(GuardianNoticeDelivery.id).where(
                GuardianNoticeDelivery.notice_id == notice.id)).first() is None:
            try:
                record_delivery(notice, channel=row.channel, actor=system, now=now)
            except Conflict:
                pass  # another channel's success got there first
        return
    if row.attempts >= settings.max_attempts:
        row.status = OutboxStatus.DEAD
        db.session.flush()
        audit_record(row, "notice_outbox.dead", before, OUTBOX_FIELDS, actor=system, now=now)
        name = item.channel_name or item.channel
        raise_alert(row.centre_id, kind=DEAD_ALERT_KIND, severity="warning",
                    dedupe_key=f"{DEAD_ALERT_KIND}:{row.channel}",
                    message_zh=f"家长通知未能送达：通过「{name}」发送{row.attempts}次均失败，请检查通知渠道设置和家长的地址。",
                    message_en=f"A notice to a family could not be delivered: {row.attempts} attempts through "
                               f"“{name}” failed. Check the notification channel and the guardian's address.",
                    subject={"outbox_id": row.id, "notice_id": row.notice_id, "channel": row.channel}, now=now)
        return
    row.status, row.next_attempt_at = OutboxStatus.PENDING, now + settings.backoff(row.attempts)
    db.session.flush()
    audit_record(row, "notice_outbox.retry", before, OUTBOX_FIELDS, actor=system, now=now)
