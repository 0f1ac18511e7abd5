"""The roll call of a live emergency: ticks stored on the server, shared by every tablet at once.

Who is expected is who is checked in right now (attendance's whereabouts), room by room. A tick is a row: present,
missing, or taken back (cleared); the latest per person counts, nothing is updated. A child marked missing opens
an emergency if none is open (监测与预警: "a child missing at the roll call"), raises its severity (an alert naming
the child, on every staff screen) and writes a timeline line; ticking them present again writes "found". When the
last expected person is ticked present, the timeline says the roll call is complete (once).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from server.alerts.models import Alert
from server.alerts.operations import resolve
from server.attendance.rooms.operations.live import whereabouts
from server.audit.operations import audit_record
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.centre.models import Centre
from server.database import db
from server.emergencies import live
from server.emergencies.live import latest_ticks, person_key
from server.emergencies.live_models import (
    Emergency,
    EmergencyKind,
    EmergencySource,
    PersonKind,
    RollCallEntry,
    TickStatus,
    TimelineEntry,
    TimelineKind,
)
from server.errors import Conflict, NotFound, ProblemCollector
from server.people.models import Child, Staff

TICK_FIELDS = ("emergency_id", "person_kind", "person_id", "room_id", "status", "at", "by_id")


@dataclass(frozen=True)
class RoomCount:
    """One room's roll call: who is expected there now, how many ticked present, how many missing."""

    room_id: int | None
    expected: int
    present: int
    missing: int


@dataclass(frozen=True)
class RollCall:
    """The shared state every tablet polls: the latest tick per person and the counts."""

    emergency: Emergency
    version: int  # the newest tick's id (0: none yet): a tablet redraws when it changes
    ticks: dict[str, RollCallEntry]  # "c12" / "s3" → latest tick
    rooms: list[RoomCount]
    expected: int
    unticked: int
    missing: int


def expected_people(centre_id: int, now: datetime) -> dict[str, int | None]:
    """Everyone checked in now → their room (None: in, not in a room)."""
    where = whereabouts(centre_id, now)
    return {**{f"c{c}": r for c, r in where.children.items()}, **{f"s{s}": r for s, r in where.staff.items()}}


def state(emergency: Emergency, now: datetime) -> RollCall:
    """The roll call as every tablet shows it: expected people by room, ticks, counts."""
    expected = expected_people(emergency.centre_id, now)
    ticks = latest_ticks(emergency.id)
    rooms: dict[int | None, list[int]] = {}
    for key, room_id in expected.items():
        status = ticks[key].status if key in ticks else None
        counts = rooms.setdefault(room_id, [0, 0, 0])
        counts[0] += 1
        counts[1] += status is TickStatus.PRESENT
        counts[2] += status is TickStatus.MISSING
    missing = sum(1 for t in ticks.values() if t.status is TickStatus.MISSING)
    unticked = sum(1 for key in expected if key not in ticks or ticks[key].status is TickStatus.CLEARED)
    return RollCall(emergency=emergency, version=max((t.id for t in ticks.values()), default=0), ticks=ticks,
                    rooms=[RoomCount(r, *c) for r, c in sorted(rooms.items(), key=lambda i: (i[0] is None, i[0] or 0))],
                    expected=len(expected), unticked=unticked, missing=missing)


def _person(centre_id: int, kind: PersonKind, person_id: int) -> Child | Staff:
    person = db.session.get(Child if kind is PersonKind.CHILD else Staff, person_id)
    if person is None or person.centre_id != centre_id:
        raise NotFound()
    return person


def tick(centre: Centre, *, person_kind: str, person_id: int, status: str, actor: Actor,
         now: datetime) -> RollCallEntry:
    """Record one tick in the open emergency's roll call (a child marked missing with none open opens one)."""
    authorise(actor, Perm.EMERGENCY_RESPOND, centre.id, now)
    problems = ProblemCollector()
    if person_kind not in {k.value for k in PersonKind}:
        problems.add("bad_choice", _l("Choose one of the options."), "person_kind")
    if status not in {s.value for s in TickStatus}:
        problems.add("bad_choice", _l("Choose one of the options."), "status")
    problems.raise_if_any()
    kind, chosen = PersonKind(person_kind), TickStatus(status)
    person = _person(centre.id, kind, person_id)
    emergency = live.current_emergency(centre.id)
    if emergency is None:
        if not (kind is PersonKind.CHILD and chosen is TickStatus.MISSING):
            raise Conflict(_l("No emergency is open: open one to take the roll call"), code="no_open_emergency")
        emergency, _new = live.open_emergency(centre, kind=EmergencyKind.MISSING_CHILD.value,
                                              summary=person.name, source=EmergencySource.ROLLCALL,
                                              actor=actor, now=now)
    key = person_key(kind, person.id)
    previous = latest_ticks(emergency.id).get(key)
    if previous is not None and previous.status is chosen:
        return previous  # two tablets ticked the same person: the first tick stands
    home = person.room_id if isinstance(person, Child) else person.home_room_id
    room_id = expected_people(centre.id, now).get(key, home)  # where they are now; someone not checked in: home
    entry = RollCallEntry(centre_id=centre.id, emergency_id=emergency.id, person_kind=kind, person_id=person.id,
                          room_id=room_id, status=chosen, at=now, by_id=actor.user_id)
    db.session.add(entry)
    db.session.flush()
    audit_record(entry, "emergency.rollcall.tick", None, TICK_FIELDS, actor=actor, now=now)
    _consequences(emergency, entry, previous, person.name, actor=actor, now=now)
    return entry


def _consequences(emergency: Emergency, entry: RollCallEntry, previous: RollCallEntry | None, name: str, *,
                  actor: Actor, now: datetime) -> None:
    """Missing: a timeline line and an alert naming the person; found: a line and that alert resolved."""
    detail = {"person_kind": entry.person_kind.value, "person_id": entry.person_id, "room_id": entry.room_id}
    key = f"missing:{person_key(entry.person_kind, entry.person_id)}"
    if entry.status is TickStatus.MISSING:
        live.add_entry(emergency, TimelineKind.CHILD_MISSING, text=name, detail=detail, actor=actor, now=now)
        live.raise_own_alert(emergency, key, f"点名未到：{name}，请立即寻找", f"Missing at the roll call: {name}. "
                             "Search now", actor=actor, now=now)
        return
    if previous is not None and previous.status is TickStatus.MISSING:
        live.add_entry(emergency, TimelineKind.PERSON_FOUND, text=name, detail=detail, actor=actor, now=now)
        alert = db.session.execute(select(Alert).where(
            Alert.centre_id == emergency.centre_id, Alert.resolved_at.is_(None),
            Alert.dedupe_key == f"{live.OWN_ALERT_PREFIX}:{emergency.id}:{key}")).scalar_one_or_none()
        if alert is not None:
            resolve(alert, actor=actor, now=now)
    if entry.status is TickStatus.PRESENT:
        _complete_once(emergency, actor=actor, now=now)


def _complete_once(emergency: Emergency, *, actor: Actor, now: datetime) -> None:
    """The first time every expected person is ticked present, the timeline says so with the counts."""
    done = db.session.execute(select(TimelineEntry.id).where(
        TimelineEntry.emergency_id == emergency.id, TimelineEntry.kind == TimelineKind.ROLLCALL_COMPLETE)).first()
    if done is not None:
        return
    found = state(emergency, now)
    if found.expected and found.unticked == 0 and found.missing == 0:
        children = sum(1 for k in expected_people(emergency.centre_id, now) if k.startswith("c"))
        live.add_entry(emergency, TimelineKind.ROLLCALL_COMPLETE, detail={
            "expected": found.expected, "children": children, "staff": found.expected - children,
            "seconds": int((now - emergency.opened_at).total_seconds())}, actor=actor, now=now)
