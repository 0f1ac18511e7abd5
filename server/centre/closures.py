"""A centre's own closures (园所停园日) on top of the official working calendar: record, withdraw, read.

Append-only: a closure is never edited or deleted; withdrawing it is a new row naming it (`withdraws_id`).
Expected attendance and 出勤率 skip the days of every closure no withdrawal names
(`attendance.registers.is_working_day`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import aliased

from server.audit.operations import audit_record
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.centre.models import Centre, CentreClosure
from server.database import db
from server.errors import Conflict, NotFound, ProblemCollector

CLOSURE_FIELDS = ("first_day", "last_day", "reason", "withdraws_id")
MAX_REASON = 100
# A closure is a few days (a holiday week, a disinfection, a power cut); a longer span is a typing error.
MAX_CLOSURE_DAYS = 62


@dataclass(frozen=True)
class ClosureView:
    """A closure as a page or the API shows it: withdrawn or in force."""

    closure: CentreClosure
    withdrawal: CentreClosure | None


def _check_reason(reason: str, problems: ProblemCollector) -> str:
    text = (reason or "").strip()
    if not text:
        problems.add("required", _l("This is required."), "reason")
    elif len(text) > MAX_REASON:
        problems.add("too_long", _l("At most %(most)s characters.", most=MAX_REASON), "reason")
    return text


def record_closure(centre: Centre, *, first_day: date, last_day: date, reason: str, actor: Actor,
                   now: datetime) -> CentreClosure:
    """Close the centre from `first_day` to `last_day` (inclusive, centre-local days), with the reason."""
    authorise(actor, Perm.CENTRE_MANAGE, centre.id, now)
    problems = ProblemCollector()
    text = _check_reason(reason, problems)
    if last_day < first_day:
        problems.add("end_before_start", _l("The last day is before the first day."), "last_day")
    elif (last_day - first_day).days + 1 > MAX_CLOSURE_DAYS:
        problems.add("too_long_closure", _l("A closure is at most %(most)s days.", most=MAX_CLOSURE_DAYS),
                     "last_day")
    problems.raise_if_any()
    closure = CentreClosure(centre_id=centre.id, first_day=first_day, last_day=last_day, reason=text,
                            recorded_by_id=actor.user_id, recorded_at=now)
    db.session.add(closure)
    db.session.flush()
    audit_record(closure, "closure.record", None, CLOSURE_FIELDS, actor=actor, now=now)
    return closure


def get_closure(closure_id: int, *, actor: Actor, now: datetime) -> CentreClosure:
    """One closure (not a withdrawal row), if the actor may read its centre."""
    closure = db.session.get(CentreClosure, closure_id)
    if closure is None or closure.withdraws_id is not None or not actor.can(Perm.CENTRE_READ, closure.centre_id, now):
        raise NotFound()
    return closure


def withdraw_closure(closure: CentreClosure, *, reason: str, actor: Actor, now: datetime) -> CentreClosure:
    """Withdraw a closure (the centre opens after all): a new row naming it, with why."""
    authorise(actor, Perm.CENTRE_MANAGE, closure.centre_id, now)
    if closure.withdraws_id is not None:
        raise NotFound()
    if _withdrawal_of(closure.id) is not None:
        raise Conflict(_l("This closure is already withdrawn."), code="already_withdrawn")
    problems = ProblemCollector()
    text = _check_reason(reason, problems)
    problems.raise_if_any()
    withdrawal = CentreClosure(centre_id=closure.centre_id, first_day=closure.first_day, last_day=closure.last_day,
                               reason=text, withdraws_id=closure.id, recorded_by_id=actor.user_id, recorded_at=now)
    db.session.add(withdrawal)
    db.session.flush()
    audit_record(withdrawal, "closure.withdraw", None, CLOSURE_FIELDS, actor=actor, now=now)
    return withdrawal


def _withdrawal_of(closure_id: int) -> CentreClosure | None:
    return db.session.execute(select(CentreClosure).where(CentreClosure.withdraws_id == closure_id)
                              .order_by(CentreClosure.id).limit(1)).scalar_one_or_none()


def list_closures(centre: Centre, *, actor: Actor, now: datetime) -> list[ClosureView]:
    """Every closure of the centre, latest first, each with its withdrawal if any."""
    authorise(actor, Perm.CENTRE_READ, centre.id, now)
    withdrawal = aliased(CentreClosure)
    rows = db.session.execute(
        select(CentreClosure, withdrawal)
        .outerjoin(withdrawal, withdrawal.withdraws_id == CentreClosure.id)
        .where(CentreClosure.centre_id == centre.id, CentreClosure.withdraws_id.is_(None))
        .order_by(CentreClosure.first_day.desc(), CentreClosure.id.desc())
    ).all()
    return [ClosureView(closure, withdrawn) for closure, withdrawn in rows]


def closed_days(centre_id: int, first: date, last: date) -> frozenset[date]:
    """The days from `first` to `last` on which the centre is closed by a closure still in force."""
    withdrawal = aliased(CentreClosure)
    spans = db.session.execute(
        select(CentreClosure.first_day, CentreClosure.last_day)
        .outerjoin(withdrawal, withdrawal.withdraws_id == CentreClosure.id)
        .where(CentreClosure.centre_id == centre_id, CentreClosure.withdraws_id.is_(None), withdrawal.id.is_(None),
               CentreClosure.first_day <= last, CentreClosure.last_day >= first)
    ).all()
    days: set[date] = set()
    for start, end in spans:
        day = max(start, first)
        while day <= min(end, last):
            days.add(day)
            day += timedelta(days=1)
    return frozenset(days)
