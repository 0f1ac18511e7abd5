"""Naps and their patrol checks (午睡巡查): start, check, end; when the next check is due. Append-only.

The interval is the rulebook's (`compliance.care.patrol_interval`), the judgement the library's
(`nap_check_due`): the tablet's timer, the minute job's alert and the evaluator read the same one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, select

from compliance.care import NapCheckRecord, NapRecord, SleepPosition, nap_check_due
from server.audit.operations import audit_record
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.care.models import Nap, NapCheck, NapEnd
from server.care.operations.common import clean_text, entry_time, local_day, rules_on
from server.care.operations.patrol_alerts import settle_patrol_alerts
from server.centre.models import Room
from server.database import db
from server.errors import Conflict, NotFound, ProblemCollector
from server.people.models import Child

NAP_FIELDS = ("child_id", "room_id", "started_at", "day", "recorded_by_id")
END_FIELDS = ("nap_id", "at", "by_id")
CHECK_FIELDS = ("nap_id", "at", "position", "breathing_ok", "colour_ok", "action", "checked_by_id")
# A nap never ended (the caregiver forgot the tap) counts as over after this long: the minute job stops patrolling
# it (the next morning's director gets no flood of alerts for a child gone home), the tablet and the dashboard no
# longer show the child asleep, and a new nap may start. The job, the board and `start_nap` read this one figure.
PATROLLED_FOR = timedelta(hours=6)


@dataclass
class NapState:
    """A nap with its checks (time order), its end if any, and the patrol's due time and verdict at `now`."""

    nap: Nap
    checks: list[NapCheck] = field(default_factory=list)
    end: NapEnd | None = None
    next_check_due: datetime | None = None
    overdue: bool = False


def nap_record(nap: Nap, end: NapEnd | None) -> NapRecord:
    return NapRecord(id=nap.id, child_id=nap.child_id, class_id=nap.room_id, started_at=nap.started_at, on=nap.day,
                     ended_at=end.at if end is not None else None, recorded_by=str(nap.recorded_by_id or ""))


def check_record(check: NapCheck) -> NapCheckRecord:
    return NapCheckRecord(id=check.id, nap_id=check.nap_id, at=check.at, position=SleepPosition(check.position),
                          breathing_ok=check.breathing_ok, colour_ok=check.colour_ok, action=check.action or "",
                          checked_by=str(check.checked_by_id or ""))


def _unended_since(now: datetime) -> tuple[ColumnElement[bool], ...]:
    """A nap without an end that started within `PATROLLED_FOR` of `now`."""
    return Nap.id.not_in(select(NapEnd.nap_id)), Nap.started_at > now - PATROLLED_FOR


def open_naps(now: datetime, child_ids: Iterable[int] | None = None) -> list[Nap]:
    """The naps asleep at `now` (of `child_ids`, default every child), oldest first.

    A nap left open longer than `PATROLLED_FOR` is not one of them.
    """
    stmt = select(Nap).where(*_unended_since(now), Nap.started_at <= now)
    if child_ids is not None:
        stmt = stmt.where(Nap.child_id.in_(list(child_ids)))
    return list(db.session.scalars(stmt.order_by(Nap.started_at, Nap.id)))


def open_nap_of(child_id: int, now: datetime) -> Nap | None:
    """The child's nap without an end, if any (one forgotten longer than `PATROLLED_FOR` ago does not count)."""
    return db.session.scalars(select(Nap).where(Nap.child_id == child_id, *_unended_since(now))
                              .order_by(Nap.started_at.desc()).limit(1)).first()


def start_nap(child: Child, *, at: datetime | None = None, room_id: int | None = None, actor: Actor,
              now: datetime) -> Nap:
    """The child fell asleep (at `at`, default now); one open nap per child (409 `nap_open`)."""
    authorise(actor, Perm.CARE_WRITE, child.centre_id, now)
    problems = ProblemCollector()
    started = entry_time(at, now, problems)
    room = room_id if room_id is not None else child.room_id
    if room is None:
        problems.add("no_room", _l("The child is in no class"), "room_id")
    elif room_id is not None:
        found = db.session.get(Room, room_id)
        if found is None or found.centre_id != child.centre_id or not found.is_active:
            problems.add("unknown_room", _l("No such class"), "room_id")
    problems.raise_if_any()
    # The child's row locked first: two tablets starting this child's nap at once take turns (on PostgreSQL; on
    # SQLite every write transaction already holds the database's lock), so the second sees the first's nap.
    # FOR NO KEY UPDATE (`key_share`): rows that merely refer to the child (a care entry, a check-in) go on.
    db.session.execute(select(Child.id).where(Child.id == child.id).with_for_update(key_share=True))
    if open_nap_of(child.id, now) is not None:
        raise Conflict(_l("This child is already asleep: end that nap first"), code="nap_open")
    nap = Nap(centre_id=child.centre_id, child_id=child.id, room_id=room, started_at=started,
              day=local_day(child.centre_id, started), recorded_at=now, recorded_by_id=actor.user_id)
    db.session.add(nap)
    db.session.flush()
    audit_record(nap, "care_nap.start", None, NAP_FIELDS, actor=actor, now=now)
    return nap


def get_nap(nap_id: int, perm: Perm, *, actor: Actor, now: datetime) -> Nap:
    nap = db.session.get(Nap, nap_id)
    if nap is None:
        raise NotFound()
    authorise(actor, perm, nap.centre_id, now)
    return nap


def end_of(nap_id: int) -> NapEnd | None:
    return db.session.scalars(select(NapEnd).where(NapEnd.nap_id == nap_id)).first()


def record_nap_check(nap: Nap, *, position: SleepPosition, breathing_ok: bool = True, colour_ok: bool = True,
                     action: str = "", at: datetime | None = None, actor: Actor, now: datetime) -> NapCheck:
    """A patrol check. A stomach position or an abnormal sign without an action: 422 `action_required`."""
    authorise(actor, Perm.CARE_WRITE, nap.centre_id, now)
    problems = ProblemCollector()
    checked = entry_time(at, now, problems)
    text = clean_text(action, problems, "action")
    position = SleepPosition(position)
    needs = position is SleepPosition.STOMACH or not breathing_ok or not colour_ok
    if needs and not text:
        problems.add("action_required", _l("A stomach position or an abnormal sign needs what you did, now"),
                     "action")
    if checked < nap.started_at:
        problems.add("before_start", _l("Before the nap started"), "at")
    problems.raise_if_any()
    end = end_of(nap.id)
    if end is not None and checked > end.at:
        raise Conflict(_l("This nap has ended"), code="nap_ended")
    check = NapCheck(centre_id=nap.centre_id, nap_id=nap.id, at=checked, position=position,
                     breathing_ok=breathing_ok, colour_ok=colour_ok, action=text, recorded_at=now,
                     checked_by_id=actor.user_id)
    db.session.add(check)
    db.session.flush()
    audit_record(check, "care_nap.check", None, CHECK_FIELDS, actor=actor, now=now)
    _settle(nap, now)
    return check


def end_nap(nap: Nap, *, at: datetime | None = None, actor: Actor, now: datetime) -> NapEnd:
    """The child woke up; a nap ends once (409 `nap_ended`)."""
    authorise(actor, Perm.CARE_WRITE, nap.centre_id, now)
    problems = ProblemCollector()
    ended = entry_time(at, now, problems)
    if ended < nap.started_at:
        problems.add("before_start", _l("Before the nap started"), "at")
    problems.raise_if_any()
    if end_of(nap.id) is not None:
        raise Conflict(_l("This nap has ended"), code="nap_ended")
    end = NapEnd(centre_id=nap.centre_id, nap_id=nap.id, at=ended, recorded_at=now, by_id=actor.user_id)
    db.session.add(end)
    db.session.flush()
    audit_record(end, "care_nap.end", None, END_FIELDS, actor=actor, now=now)
    _settle(nap, now)
    return end


def _settle(nap: Nap, now: datetime) -> None:
    """The check or the end may have met the patrol: its alert resolves at once, not a minute later."""
    state = nap_states([nap], now)[0]
    settle_patrol_alerts(nap, state.next_check_due, state.overdue, now)


def nap_states(naps: Iterable[Nap], now: datetime) -> list[NapState]:
    """Each nap with its checks and end (two queries in all) and the patrol's due time at `now`."""
    states = {nap.id: NapState(nap) for nap in naps}
    if not states:
        return []
    for check in db.session.scalars(select(NapCheck).where(NapCheck.nap_id.in_(states)).order_by(NapCheck.at,
                                                                                              NapCheck.id)):
        states[check.nap_id].checks.append(check)
    for end in db.session.scalars(select(NapEnd).where(NapEnd.nap_id.in_(states))):
        states[end.nap_id].end = end
    rules: dict[tuple[int, date], object] = {}
    for state in states.values():
        nap = state.nap
        key = (nap.centre_id, nap.day)
        if key not in rules:
            rules[key] = rules_on(*key)
        state.next_check_due, state.overdue = nap_check_due(
            nap_record(nap, state.end), [check_record(c) for c in state.checks], now, rules[key])  # type: ignore[arg-type]
    return list(states.values())


def room_naps(room_id: int, day: date, *, actor: Actor, now: datetime, centre_id: int) -> list[NapState]:
    """The naps of a class on a local day, oldest first, with their checks and patrol state (staff only)."""
    authorise(actor, Perm.CARE_READ, centre_id, now)
    authorise(actor, Perm.CHILDREN_ALL, centre_id, now)  # many children's naps: never a guardian's read
    naps = db.session.scalars(select(Nap).where(Nap.centre_id == centre_id, Nap.room_id == room_id, Nap.day == day)
                              .order_by(Nap.started_at, Nap.id)).all()
    return nap_states(naps, now)


def child_naps(child_id: int, day: date, now: datetime) -> list[NapState]:
    """A child's naps of a local day (the caller has authorised)."""
    naps = db.session.scalars(select(Nap).where(Nap.child_id == child_id, Nap.day == day)
                              .order_by(Nap.started_at, Nap.id)).all()
    return nap_states(naps, now)
