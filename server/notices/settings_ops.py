"""The notifier's settings: the centre's push channels (the director) and each guardian's preferences (their own).

A channel is an Apprise URL template with `{address}`: sealed at rest, shown masked, audited as a SHA-256 digest,
never echoed. A guardian sets their language, their quiet hours and their address on each channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from server.audit.operations import audit_record, snapshot
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.centre.models import Centre
from server.database import db
from server.errors import NotFound, ProblemCollector
from server.notices.channels import APPRISE, Message, SendResult, build_channel
from server.notices.channels.apprise_push import ADDRESS, accepts
from server.notices.models import NoticeAddress, NoticeChannel, NoticePreference
from server.notices.outbox import active_channels
from server.notices.sealing import Sealer, mask_url, url_digest
from server.notices.timing import parse_clock
from server.people.models import Contact

CHANNEL_FIELDS = ("kind", "name", "url_sha256", "url_masked", "is_active", "disabled_at", "disabled_by_id")
PREFERENCE_FIELDS = ("contact_id", "language", "quiet_start_min", "quiet_end_min")
ADDRESS_FIELDS = ("contact_id", "channel_id", "address")
MAX_NAME, MAX_URL, MAX_ADDRESS = 60, 1000, 200


# ---- the centre's channels ------------------------------------------------------------------------------------

def centre_channels(centre: Centre, *, actor: Actor, now: datetime) -> list[NoticeChannel]:
    """Every channel of the centre, active first (CENTRE_MANAGE: the director's page)."""
    authorise(actor, Perm.CENTRE_MANAGE, centre.id, now)
    return sorted(db.session.execute(select(NoticeChannel).where(NoticeChannel.centre_id == centre.id)).scalars(),
                  key=lambda c: (not c.is_active, c.id))


def get_channel(centre: Centre, channel_id: int, *, actor: Actor, now: datetime) -> NoticeChannel:
    """One channel of this centre (CENTRE_MANAGE); another centre's is not found."""
    authorise(actor, Perm.CENTRE_MANAGE, centre.id, now)
    channel = db.session.get(NoticeChannel, channel_id)
    if channel is None or channel.centre_id != centre.id:
        raise NotFound()
    return channel


def add_channel(centre: Centre, *, name: str, url_template: str, sealer: Sealer, actor: Actor,
                now: datetime) -> NoticeChannel:
    """Add an Apprise push channel; the URL must hold `{address}` and be one Apprise knows. 422 otherwise."""
    authorise(actor, Perm.CENTRE_MANAGE, centre.id, now)
    name, url = " ".join((name or "").split()), (url_template or "").strip()
    problems = ProblemCollector()
    if not name:
        problems.add("required", _l("Give the channel a name"), "name")
    elif len(name) > MAX_NAME:
        problems.add("too_long", _l("At most %(most)s characters.", most=MAX_NAME), "name")
    if not url:
        problems.add("required", _l("Enter the Apprise URL"), "url")
    elif len(url) > MAX_URL:
        problems.add("too_long", _l("At most %(most)s characters.", most=MAX_URL), "url")
    elif ADDRESS not in url:
        problems.add("address_missing", _l("The URL must contain {address}: each guardian's own address goes there"),
                     "url")
    elif not accepts(url):
        problems.add("unknown_url", _l("Apprise does not know this URL; check the scheme and its parts"), "url")
    problems.raise_if_any()
    channel = NoticeChannel(centre_id=centre.id, kind=APPRISE, name=name, url_sealed=sealer.seal(url),
                            url_sha256=url_digest(url), url_masked=mask_url(url), is_active=True, created_at=now,
                            created_by_id=actor.user_id)
    db.session.add(channel)
    db.session.flush()
    audit_record(channel, "notice_channel.add", None, CHANNEL_FIELDS, actor=actor, now=now)
    return channel


def disable_channel(channel: NoticeChannel, *, actor: Actor, now: datetime) -> NoticeChannel:
    """Stop using a channel (its waiting rows are cancelled by the drain); it stays on record."""
    authorise(actor, Perm.CENTRE_MANAGE, channel.centre_id, now)
    if not channel.is_active:
        return channel
    before = snapshot(channel, CHANNEL_FIELDS)
    channel.is_active, channel.disabled_at, channel.disabled_by_id = False, now, actor.user_id
    db.session.flush()
    audit_record(channel, "notice_channel.disable", before, CHANNEL_FIELDS, actor=actor, now=now)
    return channel


def send_test_message(channel: NoticeChannel, centre: Centre, *, address: str, sealer: Sealer, timeout_s: float,
                 actor: Actor, now: datetime) -> SendResult:
    """Send a test message to `address` now (the director's own, typed on the page); audited, never queued."""
    authorise(actor, Perm.CENTRE_MANAGE, channel.centre_id, now)
    address = (address or "").strip()
    problems = ProblemCollector()
    if not address:
        problems.add("required", _l("Enter an address to send the test to"), "address")
    elif len(address) > MAX_ADDRESS or any(ch.isspace() for ch in address):
        problems.add("bad_address", _l("An address has no spaces and at most 200 characters"), "address")
    problems.raise_if_any()
    url = sealer.open(channel.url_sealed)
    if url is None:
        result = SendResult(ok=False, error="the channel's URL cannot be opened (SECRET_KEY changed): enter it again")
    else:
        message = Message(title=gettext("Test from %(centre)s", centre=centre.name),
                          body=gettext("This is a test of the channel “%(name)s”. Nothing to do.", name=channel.name),
                          address=address)
        try:
            result = build_channel(channel.kind, url).send(message, timeout_s=timeout_s)
        except Exception as exc:  # noqa: BLE001 - a library failure is the test's answer, not a server error
            result = SendResult(ok=False, error=type(exc).__name__)
    audit_record(channel, "notice_channel.test_ok" if result.ok else "notice_channel.test_failed", None,
                 CHANNEL_FIELDS, actor=actor, now=now)
    return result


# ---- a guardian's preferences -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Preferences:
    """What the settings page shows: the stored choices (None: the default) and the address per channel."""

    language: str | None
    quiet_start: int | None
    quiet_end: int | None
    addresses: dict[int, str]


def preferences_of(contact: Contact) -> Preferences:
    """A guardian contact's stored choices (None where they keep the default) and addresses."""
    pref = db.session.execute(select(NoticePreference).where(
        NoticePreference.contact_id == contact.id)).scalar_one_or_none()
    addresses = dict(db.session.execute(select(NoticeAddress.channel_id, NoticeAddress.address).where(
        NoticeAddress.contact_id == contact.id)).all())
    return Preferences(language=pref.language if pref else None, quiet_start=pref.quiet_start_min if pref else None,
                       quiet_end=pref.quiet_end_min if pref else None, addresses=addresses)


def save_preferences(contact: Contact, *, language: str, quiet_start: str, quiet_end: str,
                     addresses: dict[int, str], languages: list[str], actor: Actor, now: datetime) -> Preferences:
    """Save a guardian's language, quiet hours ("HH:MM" both, or both empty: the centre's) and addresses.

    Only their own contact (FAMILY_WRITE); every problem at once (422). An empty address removes it.
    """
    authorise(actor, Perm.FAMILY_WRITE, contact.centre_id, now)
    if contact.id not in actor.contact_ids:
        raise NotFound()
    problems = ProblemCollector()
    language = (language or "").strip()
    if language and language not in languages:
        problems.add("bad_choice", _l("Choose one of the languages"), "language")
    start, end = (quiet_start or "").strip(), (quiet_end or "").strip()
    start_min, end_min = parse_clock(start) if start else None, parse_clock(end) if end else None
    if start and start_min is None:
        problems.add("bad_time", _l("A time of day, e.g. 21:00"), "quiet_start")
    if end and end_min is None:
        problems.add("bad_time", _l("A time of day, e.g. 07:30"), "quiet_end")
    if bool(start) != bool(end):
        problems.add("both_or_neither", _l("Give both ends of the quiet hours, or neither"),
                     "quiet_end" if start else "quiet_start")
    channels = {c.id: c for c in active_channels(contact.centre_id)}
    cleaned: dict[int, str] = {}
    for channel_id, value in addresses.items():
        if channel_id not in channels:
            problems.add("unknown_channel", _l("No such channel"), f"address_{channel_id}")
            continue
        value = (value or "").strip()
        if len(value) > MAX_ADDRESS or any(ch.isspace() for ch in value):
            problems.add("bad_address", _l("An address has no spaces and at most 200 characters"),
                         f"address_{channel_id}")
        cleaned[channel_id] = value
    problems.raise_if_any()
    pref = db.session.execute(select(NoticePreference).where(
        NoticePreference.contact_id == contact.id)).scalar_one_or_none()
    before = snapshot(pref, PREFERENCE_FIELDS) if pref is not None else None
    if pref is None:
        pref = NoticePreference(centre_id=contact.centre_id, contact_id=contact.id, updated_at=now)
        db.session.add(pref)
    pref.language, pref.quiet_start_min, pref.quiet_end_min = language or None, start_min, end_min
    pref.updated_at, pref.updated_by_id = now, actor.user_id
    db.session.flush()
    if before != snapshot(pref, PREFERENCE_FIELDS):
        audit_record(pref, "notice_preference.save", before, PREFERENCE_FIELDS, actor=actor, now=now)
    stored = {a.channel_id: a for a in db.session.execute(select(NoticeAddress).where(
        NoticeAddress.contact_id == contact.id)).scalars()}
    for channel_id, value in cleaned.items():
        row = stored.get(channel_id)
        if row is not None and row.address == value:
            continue
        if row is not None and not value:
            before_address = snapshot(row, ADDRESS_FIELDS)
            db.session.delete(row)
            db.session.flush()
            audit_record(row, "notice_address.remove", before_address, ADDRESS_FIELDS, actor=actor, now=now)
            continue
        if not value:
            continue
        before_address = snapshot(row, ADDRESS_FIELDS) if row is not None else None
        if row is None:
            row = NoticeAddress(centre_id=contact.centre_id, contact_id=contact.id, channel_id=channel_id,
                                address=value, updated_at=now)
            db.session.add(row)
        row.address, row.updated_at = value, now
        db.session.flush()
        audit_record(row, "notice_address.save", before_address, ADDRESS_FIELDS, actor=actor, now=now)
    return preferences_of(contact)
