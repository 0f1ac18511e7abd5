"""Fire safety: the monthly equipment checklist (the guard or the director walks it) and the yearly certificate.

A check covers every item of the checklist (FireItem): ok, or a fault that says what is wrong. The certificate
is recorded with its dates, issuer and (optionally) its scan. The rules: `fire.equipment_check` (every month),
`fire.safety_inspection` (a certificate valid at most 12 months, always one in force).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from compliance.period import add_months
from server.audit.operations import audit_record
from server.auth.actor import Actor, authorise
from server.auth.models import User
from server.auth.roles import Perm
from server.centre.models import Centre
from server.centre.timezones import centre_today
from server.database import db
from server.emergencies.fire_checks_models import FireCertificate, FireCheck, FireCheckItem, FireItem
from server.emergencies.preparedness import audit_with, local_day, staff_of
from server.errors import NotFound, ProblemCollector
from server.files import FileStore

CHECK_FIELDS = ("checked_at", "checked_by_id", "checker_name", "note", "recorded_at")
CERTIFICATE_FIELDS = ("issued_on", "valid_until", "issuer", "number", "file_sha256", "recorded_by_id", "recorded_at")


@dataclass(frozen=True)
class ItemResult:
    is_ok: bool
    note: str | None = None


@dataclass(frozen=True)
class CheckLine:
    check: FireCheck
    items: tuple[FireCheckItem, ...]

    @property
    def faults(self) -> tuple[FireCheckItem, ...]:
        return tuple(i for i in self.items if not i.is_ok)


@dataclass(frozen=True)
class FireStatus:
    """Where the centre stands: this month's check, the latest check, the certificate in force."""

    checked_this_month: bool
    last_check: FireCheck | None
    certificate: FireCertificate | None  # valid today
    certificate_expires_soon: bool


def _checker_name(actor: Actor, centre: Centre, today: date) -> str:
    me = staff_of(actor, centre.id, today)
    if me is not None:
        return me.name
    user = db.session.get(User, actor.user_id) if actor.user_id is not None else None
    return user.display_name if user is not None else "system"


def record_check(centre: Centre, *, results: dict[str, ItemResult], checked_at: datetime, note: str | None = None,
                 actor: Actor, now: datetime) -> FireCheck:
    """Record a walk of the checklist: every item ok, or a fault with a note."""
    authorise(actor, Perm.FIRE_CHECKS_WRITE, centre.id, now)
    problems = ProblemCollector()
    known = {i.value for i in FireItem}
    if any(key not in known for key in results):
        problems.add("unknown_item", _l("Not an item of the checklist"), "items")
    for item in FireItem:
        result = results.get(item.value)
        if result is None:
            problems.add("required", _l("Every item of the checklist needs an answer"), f"items.{item.value}")
        elif not result.is_ok and not (result.note or "").strip():
            problems.add("fault_without_note", _l("Say what is wrong"), f"items.{item.value}")
        elif result.note is not None and len(result.note) > 200:
            problems.add("too_long", _l("At most %(most)s characters.", most=200), f"items.{item.value}")
    if checked_at > now:
        problems.add("in_future", _l("The time is in the future"), "checked_at")
    text = (note or "").strip() or None
    if text is not None and len(text) > 300:
        problems.add("too_long", _l("At most %(most)s characters.", most=300), "note")
    problems.raise_if_any()
    check = FireCheck(centre_id=centre.id, checked_at=checked_at, checked_by_id=actor.user_id,
                      checker_name=_checker_name(actor, centre, centre_today(centre, now)), note=text, recorded_at=now)
    db.session.add(check)
    db.session.flush()
    items = [FireCheckItem(check_id=check.id, item=item, is_ok=results[item.value].is_ok,
                           note=(results[item.value].note or "").strip() or None) for item in FireItem]
    db.session.add_all(items)
    db.session.flush()
    audit_with(check, "fire.check", CHECK_FIELDS, {"items": item_results(items)}, actor=actor, now=now)
    return check


def item_results(items: list[FireCheckItem] | tuple[FireCheckItem, ...]) -> list[tuple[str, bool, str | None]]:
    """A check's items as the audit keeps them: (item, ok, note), in checklist order."""
    return [(i.item.value, i.is_ok, i.note) for i in items]


def record_certificate(centre: Centre, *, issued_on: date, valid_until: date, issuer: str, number: str | None = None,
                       file: bytes | None = None, store: FileStore | None = None, actor: Actor,
                       now: datetime) -> FireCertificate:
    """Record the yearly fire-safety inspection certificate (and keep its scan)."""
    authorise(actor, Perm.EMERGENCY_MANAGE, centre.id, now)
    problems = ProblemCollector()
    if issued_on > centre_today(centre, now):
        problems.add("in_future", _l("The date is in the future"), "issued_on")
    if valid_until <= issued_on:
        problems.add("end_before_start", _l("Valid until must be after the date of issue"), "valid_until")
    elif valid_until > add_months(issued_on, 60):
        problems.add("out_of_range", _l("A certificate is not valid for more than five years"), "valid_until")
    if not issuer.strip():
        problems.add("required", _l("Who issued it is required"), "issuer")
    elif len(issuer.strip()) > 120:
        problems.add("too_long", _l("At most %(most)s characters.", most=120), "issuer")
    number_text = (number or "").strip() or None
    if number_text is not None and len(number_text) > 60:
        problems.add("too_long", _l("At most %(most)s characters.", most=60), "number")
    stored = None
    if file is not None:
        assert store is not None
        stored = store.inspect(file, problems, field="file")
    problems.raise_if_any()
    if stored is not None and file is not None and store is not None:
        store.keep(file, stored)
    cert = FireCertificate(centre_id=centre.id, issued_on=issued_on, valid_until=valid_until, issuer=issuer.strip(),
                           number=number_text, file_sha256=stored.sha256 if stored else None,
                           file_type=stored.content_type if stored else None, file_size=stored.size if stored else None,
                           recorded_by_id=actor.user_id, recorded_at=now)
    db.session.add(cert)
    db.session.flush()
    audit_record(cert, "fire.certificate", None, CERTIFICATE_FIELDS, actor=actor, now=now)
    return cert


def check_lines(centre_id: int, *, since: datetime | None = None, until: datetime | None = None) -> list[CheckLine]:
    """Checks newest first, each with its items in checklist order."""
    stmt = select(FireCheck).where(FireCheck.centre_id == centre_id)
    if since is not None:
        stmt = stmt.where(FireCheck.checked_at >= since)
    if until is not None:
        stmt = stmt.where(FireCheck.checked_at < until)
    checks = list(db.session.execute(stmt.order_by(FireCheck.checked_at.desc(), FireCheck.id.desc())).scalars())
    order = {item: n for n, item in enumerate(FireItem)}
    items: dict[int, list[FireCheckItem]] = {c.id: [] for c in checks}
    for row in db.session.execute(select(FireCheckItem).where(FireCheckItem.check_id.in_(list(items)))).scalars():
        items[row.check_id].append(row)
    return [CheckLine(c, tuple(sorted(items[c.id], key=lambda i: order[i.item]))) for c in checks]


def list_checks(centre: Centre, *, actor: Actor, now: datetime) -> list[CheckLine]:
    authorise(actor, Perm.EMERGENCY_READ, centre.id, now)
    return check_lines(centre.id)


def certificates(centre_id: int) -> list[FireCertificate]:
    """Every certificate recorded, latest validity first."""
    return list(db.session.execute(select(FireCertificate).where(FireCertificate.centre_id == centre_id)
                                   .order_by(FireCertificate.valid_until.desc(), FireCertificate.id.desc())).scalars())


def list_certificates(centre: Centre, *, actor: Actor, now: datetime) -> list[FireCertificate]:
    authorise(actor, Perm.EMERGENCY_READ, centre.id, now)
    return certificates(centre.id)


def get_certificate(certificate_id: int, *, actor: Actor, now: datetime) -> FireCertificate:
    cert = db.session.get(FireCertificate, certificate_id)
    if cert is None:
        raise NotFound()
    authorise(actor, Perm.EMERGENCY_READ, cert.centre_id, now)
    return cert


def certificate_file(cert: FireCertificate, store: FileStore) -> bytes:
    if cert.file_sha256 is None:
        raise NotFound(_l("No scan was kept of this certificate"), code="no_file")
    return store.read(cert.file_sha256)


def fire_status(centre: Centre, now: datetime, *, warn_days: int = 30) -> FireStatus:
    """Where fire safety stands: this month's check, the latest check, the certificate valid today (ending soon?)."""
    today = centre_today(centre, now)
    lines = check_lines(centre.id)
    last = lines[0].check if lines else None
    this_month = any(local_day(centre, line.check.checked_at).replace(day=1) == today.replace(day=1) for line in lines)
    valid = next((c for c in certificates(centre.id) if c.issued_on <= today <= c.valid_until), None)
    soon = valid is not None and (valid.valid_until - today).days <= warn_days
    return FireStatus(this_month, last, valid, soon)
