"""The live ratio of every room: who is where, the verdict, and the intervals out of ratio.

Called in the transaction of every presence-changing write (kiosk check-in/out, room move) and
every minute by a job (ages, the 24-h limit, rule changes). One call reads the centre's
last 24 hours of moves with a handful of column queries; no ORM objects on the hot path.

Where a person is: their latest check-in, check-out or room move of the current care day. A
check-in puts a child in their class and a member of staff in their home room; a check-out
takes them out; a move puts them where it says (a break or "off the floor" counts nowhere).
The care day runs from 04:00 to 04:00 local time, not midnight to midnight: an evening that
runs past midnight keeps its people, while a forgotten check-out never lasts into the next day.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, select

from compliance.ratios import RoomRatio, room_ratio
from server.alerts.models import Alert
from server.alerts.operations import raise_alert
from server.attendance.models import AttendanceEvent, AttendanceKind
from server.attendance.rooms.models import RatioViolation, RoomMove, RoomStatus, RoomStatusLog, ViolationKind
from server.centre.models import Centre, Room
from server.centre.records import CLASS_TYPES as RULE_CLASS_TYPES
from server.centre.rules import effective_rules
from server.centre.timezones import centre_zone
from server.database import db
from server.fleet.models import Device
from server.people.models import Child, Staff, StaffRole
from server.staff.operations.eligibility import certified_staff_ids

CARE_DAY_STARTS = time(4, 0)  # local: the quietest hour, after any late pick-up, before any early drop-off
# 托育机构设置标准: the ratio counts 保育人员. Teachers of a class care for it too; the director,
# the 保健员, kitchen and security staff do not count, whatever room they stand in.
CAREGIVING_ROLES = frozenset({StaffRole.CAREGIVER, StaffRole.TEACHER})


@dataclass(frozen=True)
class Whereabouts:
    """Who is present where right now: child → room, staff → room (None: checked in, not in a room)."""

    children: dict[int, int | None]
    staff: dict[int, int | None]
    born: dict[int, date] = field(default_factory=dict)  # of every child of the centre
    roles: dict[int, StaffRole] = field(default_factory=dict)  # of every member of staff


def _rows(stmt, **params):  # type: ignore[no-untyped-def]
    # Column selects on the hot path skip the ORM layer (about half the cost of a small query).
    return db.session.connection().execute(stmt, params).all()


def care_day_start(tz: ZoneInfo, now: datetime) -> datetime:
    """The instant the current care day began (today's 04:00 local, or yesterday's before 04:00)."""
    local = now.astimezone(tz)
    start = datetime.combine(local.date(), CARE_DAY_STARTS, tzinfo=tz)
    return start if start <= local else start - timedelta(days=1)


# Built once: on the hot path, constructing a statement costs as much as running it.
_CENTRE, _SINCE, _NOW = bindparam("centre"), bindparam("since"), bindparam("now")
_AMENDS_SINCE = bindparam("amends_since", type_=AttendanceEvent.at.type)
_TIMEZONE = select(Centre.timezone).where(Centre.id == _CENTRE)
# Rows a correction replaced (attendance/operations/corrections): the correction counts, at its own time. A
# correction shares its local date with the row it amends, so it is never more than a day before the care day.
_AMENDED = (select(AttendanceEvent.amends_id)
            .where(AttendanceEvent.centre_id == _CENTRE, AttendanceEvent.at >= _AMENDS_SINCE,
                   AttendanceEvent.amends_id.is_not(None)))
_EVENTS = (select(AttendanceEvent.child_id, AttendanceEvent.staff_id, AttendanceEvent.kind)
           .where(AttendanceEvent.centre_id == _CENTRE, AttendanceEvent.at >= _SINCE, AttendanceEvent.at <= _NOW,
                  AttendanceEvent.kind != AttendanceKind.REFUSED, AttendanceEvent.id.not_in(_AMENDED))
           .order_by(AttendanceEvent.at, AttendanceEvent.id))
_MOVES = (select(RoomMove.child_id, RoomMove.staff_id, RoomMove.room_id, RoomMove.at)
          .where(RoomMove.centre_id == _CENTRE, RoomMove.at >= _SINCE, RoomMove.at <= _NOW)
          .order_by(RoomMove.at, RoomMove.id))
# Only asked when the care day has room moves: most events need no timestamps at all (decoding them
# for every event of the day costs more than this grouped query).
_LAST_EVENT_AT = (select(AttendanceEvent.child_id, AttendanceEvent.staff_id, func.max(AttendanceEvent.at))
                  .where(AttendanceEvent.centre_id == _CENTRE, AttendanceEvent.at >= _SINCE,
                         AttendanceEvent.at <= _NOW, AttendanceEvent.kind != AttendanceKind.REFUSED,
                         AttendanceEvent.id.not_in(_AMENDED))
                  .group_by(AttendanceEvent.child_id, AttendanceEvent.staff_id))
_CHILDREN = select(Child.id, Child.room_id, Child.born_on).where(Child.centre_id == _CENTRE)
_STAFF = select(Staff.id, Staff.home_room_id, Staff.role).where(Staff.centre_id == _CENTRE)
_ROOMS = (select(Room.id, Room.name, Room.class_type).where(Room.centre_id == _CENTRE, Room.is_active)
          .order_by(Room.id))


def whereabouts(centre_id: int, now: datetime) -> Whereabouts:
    """Each present person's room, from their latest check-in/out or room move of the care day."""
    timezone = _rows(_TIMEZONE, centre=centre_id)[0][0]
    since = care_day_start(ZoneInfo(timezone or "Asia/Shanghai"), now)
    params = {"centre": centre_id, "since": since, "now": now, "amends_since": since - timedelta(days=1)}
    # Replaying the day in order: a check-in puts a person in their home room, a check-out takes them out.
    place: dict[tuple[str, int], int | None | bool] = {}  # False: out; True: in, home room; int/None: a room
    for child_id, staff_id, kind in _rows(_EVENTS, **params):
        person = ("c", child_id) if child_id is not None else ("s", staff_id)
        if person[1] is not None:
            place[person] = kind is AttendanceKind.CHECK_IN
    moves = _rows(_MOVES, **params)
    if moves:
        # A move only counts after the person's last check-in or check-out (kiosk first at the same instant),
        # and never brings anyone in by itself.
        last_event = {("c", c) if c is not None else ("s", s): at for c, s, at in _rows(_LAST_EVENT_AT, **params)}
        for child_id, staff_id, room_id, at in moves:
            person = ("c", child_id) if child_id is not None else ("s", staff_id)
            if place.get(person, False) is not False and at >= last_event.get(person, at):
                place[person] = room_id
    children_rows = _rows(_CHILDREN, centre=centre_id)
    staff_rows = _rows(_STAFF, centre=centre_id)
    home_child = {child_id: room_id for child_id, room_id, _ in children_rows}
    home_staff = {staff_id: room_id for staff_id, room_id, _ in staff_rows}
    children: dict[int, int | None] = {}
    staff: dict[int, int | None] = {}
    for (kind, person_id), where in place.items():
        if where is False:
            continue
        if where is True:
            where = home_child.get(person_id) if kind == "c" else home_staff.get(person_id)
        (children if kind == "c" else staff)[person_id] = where  # type: ignore[assignment]
    return Whereabouts(children, staff, {c: born for c, _, born in children_rows},
                       {s: StaffRole(role) for s, _, role in staff_rows})


def age_in_months(born_on: date, on: date) -> int:
    months = (on.year - born_on.year) * 12 + on.month - born_on.month
    return months - (1 if on.day < born_on.day else 0)


@dataclass(frozen=True)
class RoomVerdict:
    room_id: int
    name: str
    ratio: RoomRatio
    headroom: int
    child_ids: tuple[int, ...]
    staff_ids: tuple[int, ...]  # caregivers counted in the ratio


def headroom(ratio: RoomRatio) -> int:
    """How many more children (no younger than the youngest present) the room takes before a breach.

    Such children keep the same governing ratio, so the room breaches past the smaller of its cap and
    caregivers × children-per-caregiver.
    """
    limit = min(ratio.max_children, int(ratio.caregivers * ratio.children_per_caregiver))
    return max(0, limit - ratio.children)


def board(centre: Centre, now: datetime, *, where: Whereabouts | None = None) -> list[RoomVerdict]:
    """The verdict of every active room of the centre now."""
    where = where or whereabouts(centre.id, now)
    today = now.astimezone(centre_zone(centre)).date()
    rules = effective_rules(centre, today)
    rooms = _rows(_ROOMS, centre=centre.id)
    born, roles = where.born, where.roles
    kids: dict[int | None, list[int]] = defaultdict(list)
    for child_id, room_id in where.children.items():
        kids[room_id].append(child_id)
    carers: dict[int | None, list[int]] = defaultdict(list)
    # Only caregivers with valid credentials today count (issue #14): an expired one is present, not counted.
    certified = certified_staff_ids(
        centre.id, [s for s in where.staff if roles.get(s) in CAREGIVING_ROLES], today)
    for staff_id, room_id in where.staff.items():
        if staff_id in certified:
            carers[room_id].append(staff_id)
    verdicts = []
    for room_id, name, class_type in rooms:
        rule_type = RULE_CLASS_TYPES[class_type]
        ages = [age_in_months(born[c], today) for c in kids[room_id] if c in born]
        count = len(carers[room_id])
        ratio = room_ratio(rule_type, ages, count, rules)
        verdicts.append(RoomVerdict(room_id, name, ratio, headroom(ratio),
                                    tuple(sorted(kids[room_id])), tuple(sorted(carers[room_id]))))
    return verdicts


STATUS_COLUMNS = ("state", "children", "caregivers", "cap", "headroom", "caregivers_needed", "ratio_rule_id",
                  "over_cap", "under_staffed", "child_ids", "staff_ids")


_STATUSES = select(RoomStatus.room_id, *(getattr(RoomStatus, c) for c in STATUS_COLUMNS)).where(
    RoomStatus.centre_id == _CENTRE)
_OPEN_VIOLATIONS = select(RatioViolation.id, RatioViolation.room_id, RatioViolation.kind, RatioViolation.most_children,
                          RatioViolation.fewest_caregivers, RatioViolation.child_ids, RatioViolation.staff_ids).where(
    RatioViolation.centre_id == _CENTRE, RatioViolation.closed_at.is_(None))


def refresh(centre: Centre, now: datetime) -> list[RoomVerdict]:
    """Recompute every room, store the changes, open and close violation intervals, alert the director.

    The caller has flushed the change it made (the moves are read with plain SQL); pending audit rows
    are left for the request's flush rather than forced out by the lookups below.
    """
    with db.session.no_autoflush:
        return _refresh(centre, now)


def refresh_after_kiosk_batch(device: Device, now: datetime) -> None:
    """Recompute the rooms of the kiosk's centre, once per batch.

    Refreshed after each event of a backlog, every in-between state would share one `now`, opening and
    closing breaches (and their alerts) in the same instant.
    """
    centre = db.session.get(Centre, device.centre_id)
    assert centre is not None
    refresh(centre, now)


def _refresh(centre: Centre, now: datetime) -> list[RoomVerdict]:
    verdicts = board(centre, now)
    # Plain rows to compare; ORM objects only for what changed (most events change one or two rooms).
    stored = {row[0]: tuple(row[1:]) for row in _rows(_STATUSES, centre=centre.id)}
    open_rows = {(row[1], ViolationKind(row[2])): row for row in _rows(_OPEN_VIOLATIONS, centre=centre.id)}
    for verdict in verdicts:
        _store_status(centre.id, verdict, stored.get(verdict.room_id), now)
        ratio = verdict.ratio
        for kind, out, rule_id in ((ViolationKind.RATIO, ratio.under_staffed, ratio.ratio_rule_id),
                                   (ViolationKind.CLASS_SIZE, ratio.over_cap, ratio.cap_rule_id)):
            open_row = open_rows.pop((verdict.room_id, kind), None)
            if open_row is not None and out and not _widens(open_row, verdict):
                continue  # still out, nothing new to record: no ORM load, no UPDATE
            if out or open_row is not None:
                row = db.session.get(RatioViolation, open_row[0]) if open_row is not None else None
                _track(centre.id, verdict, kind, out, rule_id, row, now)
    for open_row in open_rows.values():  # a room deactivated while out of ratio: the interval ends now
        _close(db.session.get(RatioViolation, open_row[0]), now)  # type: ignore[arg-type]
    return verdicts


def _widens(open_row: Any, verdict: RoomVerdict) -> bool:
    """Whether an open interval's worst figures or people would change with this verdict."""
    _, _, _, most_children, fewest_caregivers, child_ids, staff_ids = open_row
    ratio = verdict.ratio
    return (ratio.children > most_children or ratio.caregivers < fewest_caregivers
            or not set(verdict.child_ids) <= set(child_ids) or not set(verdict.staff_ids) <= set(staff_ids))


def _store_status(centre_id: int, verdict: RoomVerdict, stored: tuple[object, ...] | None, now: datetime) -> None:
    ratio = verdict.ratio
    values = dict(zip(STATUS_COLUMNS, (
        ratio.state.value, ratio.children, ratio.caregivers, ratio.max_children, verdict.headroom,
        ratio.caregivers_needed, ratio.ratio_rule_id, ratio.over_cap, ratio.under_staffed, list(verdict.child_ids),
        list(verdict.staff_ids)), strict=True))
    if stored == tuple(values.values()):
        return
    if stored is None:
        db.session.add(RoomStatus(room_id=verdict.room_id, centre_id=centre_id, updated_at=now, **values))
    else:
        status = db.session.get(RoomStatus, verdict.room_id)
        assert status is not None
        for key, value in values.items():
            setattr(status, key, value)
        status.updated_at = now
    if stored is None or stored[:3] != (ratio.state.value, ratio.children, ratio.caregivers):
        db.session.add(RoomStatusLog(centre_id=centre_id, room_id=verdict.room_id, at=now, state=ratio.state.value,
                                     children=ratio.children, caregivers=ratio.caregivers))


def _track(centre_id: int, verdict: RoomVerdict, kind: ViolationKind, out: bool, rule_id: str,
           row: RatioViolation | None, now: datetime) -> None:
    ratio = verdict.ratio
    if out and row is None:
        row = RatioViolation(centre_id=centre_id, room_id=verdict.room_id, kind=kind, rule_id=rule_id, opened_at=now,
                             most_children=ratio.children, fewest_caregivers=ratio.caregivers,
                             child_ids=list(verdict.child_ids), staff_ids=list(verdict.staff_ids))
        db.session.add(row)
        db.session.flush()
        row.alert_id = _alert(centre_id, verdict, kind, row, now).id
    elif out and row is not None:
        row.most_children = max(row.most_children, ratio.children)
        row.fewest_caregivers = min(row.fewest_caregivers, ratio.caregivers)
        row.child_ids = sorted(set(row.child_ids) | set(verdict.child_ids))
        row.staff_ids = sorted(set(row.staff_ids) | set(verdict.staff_ids))
    elif not out and row is not None:
        _close(row, now)


def _close(row: RatioViolation, now: datetime) -> None:
    row.closed_at = now
    alert = db.session.get(Alert, row.alert_id) if row.alert_id else None
    if alert is not None and alert.resolved_at is None:
        alert.resolved_at = now  # the room is back in ratio: the alert resolves itself


def _alert(centre_id: int, verdict: RoomVerdict, kind: ViolationKind, row: RatioViolation, now: datetime) -> Alert:
    ratio = verdict.ratio
    if kind is ViolationKind.RATIO:
        zh = (f"{verdict.name} 师幼比不足：{ratio.children} 名幼儿、{ratio.caregivers} 名保育人员，"
              f"需要 {ratio.caregivers_needed} 名")
        en = (f"{verdict.name} is out of ratio: {ratio.children} children, {ratio.caregivers} caregivers, "
              f"{ratio.caregivers_needed} needed")
    else:
        zh = f"{verdict.name} 超班额：{ratio.children} 名幼儿，上限 {ratio.max_children} 名"
        en = f"{verdict.name} is over its class size: {ratio.children} children, cap {ratio.max_children}"
    return raise_alert(centre_id, kind=f"ratio.{kind.value}", severity="urgent",
                       dedupe_key=f"ratio_violation:{row.id}", message_zh=zh, message_en=en,
                       subject={"room": verdict.room_id, "ratio_violation": row.id}, now=now)


def still_in_breach(alert: Alert) -> bool:
    """Whether the ratio violation behind a breach alert is still open (its room still out of ratio or over its cap)."""
    violation_id = alert.subject.get("ratio_violation")
    row = db.session.get(RatioViolation, violation_id) if isinstance(violation_id, int) else None
    return row is not None and row.closed_at is None


def statuses(centre_id: int) -> list[RoomStatus]:
    return list(db.session.execute(
        select(RoomStatus).join(Room, Room.id == RoomStatus.room_id)
        .where(RoomStatus.centre_id == centre_id, Room.is_active).order_by(RoomStatus.room_id)).scalars())
