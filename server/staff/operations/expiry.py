"""Credentials nearing or past expiry: the director's list, and the warnings at the rulebook's figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from compliance.staffing import (
    HeldCredential,
    Requirement,
    StaffStatus,
    default_catalogue,
    effective_expiry,
    warning_stage,
)
from server.alerts.models import Alert
from server.alerts.operations import raise_alert
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.centre.models import Centre
from server.centre.rules import effective_rules
from server.database import db
from server.people.models import Staff
from server.staff.operations.eligibility import duty_statuses, held_by_person

EXPIRY_WINDOW_DAYS = 60  # the list shows what the first warning would; the alerts follow the rule's figures


@dataclass(frozen=True)
class ExpiryItem:
    staff: Staff
    credential: HeldCredential
    expires_on: date  # the effective expiry (the rulebook may cap the printed date)
    days_left: int  # negative once expired


@dataclass(frozen=True)
class PersonGap:
    staff: Staff
    status: StaffStatus
    missing: tuple[Requirement, ...]


@dataclass(frozen=True)
class ExpiryReport:
    day: date
    expiring: list[ExpiryItem]
    expired: list[ExpiryItem]
    lacking: list[PersonGap]  # not certified today, with what is missing


def employed(centre_id: int, day: date) -> list[Staff]:
    return list(db.session.execute(
        select(Staff).where(Staff.centre_id == centre_id, Staff.hired_on <= day,
                            (Staff.left_on.is_(None)) | (Staff.left_on >= day)).order_by(Staff.id)).scalars())


def _superseded(cred: HeldCredential, others: list[HeldCredential], catalogue, rules) -> bool:  # type: ignore[no-untyped-def]
    """A credential renewed by a later one of the same type needs no warning."""
    mine = effective_expiry(cred, catalogue, rules)
    for other in others:
        if other.credential_id == cred.credential_id or other.type_code != cred.type_code:
            continue
        theirs = effective_expiry(other, catalogue, rules)
        if mine is not None and (theirs is None or theirs > mine):
            return True
    return False


def _standing(centre: Centre, today: date) -> list[tuple[Staff, HeldCredential, date]]:
    """Every employed person's current credentials with their effective expiry (not renewed ones)."""
    rules, catalogue = effective_rules(centre, today), default_catalogue()
    people = employed(centre.id, today)
    creds = held_by_person(centre.id, [s.id for s in people])
    out = []
    for staff in people:
        mine = creds.get(staff.id, [])
        for cred in mine:
            expiry = effective_expiry(cred, catalogue, rules)
            if expiry is not None and not _superseded(cred, mine, catalogue, rules):
                out.append((staff, cred, expiry))
    return out


def expiry_report(centre: Centre, *, today: date, actor: Actor, now: datetime) -> ExpiryReport:
    """Who expires within 60 days, who has expired, and who lacks what today."""
    authorise(actor, Perm.STAFF_FILES_READ, centre.id, now)
    expiring, expired = [], []
    for staff, cred, expiry in _standing(centre, today):
        days_left = (expiry - today).days
        item = ExpiryItem(staff, cred, expiry, days_left)
        if days_left < 0:
            expired.append(item)
        elif days_left <= EXPIRY_WINDOW_DAYS:
            expiring.append(item)
    people = employed(centre.id, today)
    statuses = duty_statuses(centre.id, [s.id for s in people], today)
    lacking = [PersonGap(s, statuses[s.id], statuses[s.id].missing) for s in people
               if s.id in statuses and not statuses[s.id].certified]
    return ExpiryReport(today, sorted(expiring, key=lambda i: (i.expires_on, i.staff.id)),
                        sorted(expired, key=lambda i: (i.expires_on, i.staff.id)), lacking)


def _already_raised(centre_id: int, dedupe_key: str) -> bool:
    # Open or resolved: a warning the director closed is not raised again the next morning.
    return db.session.execute(select(Alert.id).where(Alert.centre_id == centre_id, Alert.dedupe_key == dedupe_key)
                              .limit(1)).first() is not None


def raise_expiry_alerts(centre: Centre, *, today: date, now: datetime) -> list[Alert]:
    """One alert per credential and stage (60, 30, 7 days before, then expired); idempotent."""
    rules, catalogue = effective_rules(centre, today), default_catalogue()
    raised = []
    for staff, cred, expiry in _standing(centre, today):
        stage = warning_stage(cred, today, catalogue, rules)
        if stage is None:
            continue
        key = f"staff_credential:{cred.credential_id}:{stage}"
        if _already_raised(centre.id, key):
            continue
        title = catalogue.types[cred.type_code].title if cred.type_code in catalogue.types else None
        what_zh, what_en = (title.zh, title.en) if title is not None else (cred.type_code, cred.type_code)
        if stage == 0:
            zh = f"{staff.name} 的{what_zh}已于 {expiry.isoformat()} 过期，不能上岗，也不计入师幼比"
            en = f"{staff.name}'s {what_en} expired on {expiry.isoformat()}: not on duty, not counted in ratios"
            kind, severity = "staff.credential_expired", "urgent"
        else:
            zh = f"{staff.name} 的{what_zh}将于 {expiry.isoformat()} 到期（{stage} 天内），请安排换证"
            en = f"{staff.name}'s {what_en} expires on {expiry.isoformat()} (within {stage} days): arrange renewal"
            kind, severity = "staff.credential_expiring", "warning"
        raised.append(raise_alert(centre.id, kind=kind, severity=severity, dedupe_key=key, message_zh=zh,
                                  message_en=en, subject={"staff": staff.id, "staff_credential": cred.credential_id,
                                                          "stage": stage}, now=now))
    return raised
