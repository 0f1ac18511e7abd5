"""The demo centre's care: a month of naps and checks, the care log, outdoor time, and today's morning so far.

The month is written in bulk (one flush a day, an audit entry per row, dated when it happened), with the
imperfections the rules catch: a few patrol gaps longer than the rulebook's interval, a stomach position with no
action (a paper record typed in afterwards), days outdoors under the minimum, a rain day exempted. Today goes
through the real operations: naps running in two rooms with their checks, one check overdue (the patrol job
raises the director's alert), a meal given over an acknowledged allergy.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, select

from compliance.care import SleepPosition, patrol_interval, required_minutes
from server.attendance.models import AttendanceEvent, AttendanceKind
from server.attendance.registers import is_working_day
from server.audit.operations import ChangeToAudit, record_changes
from server.auth.actor import Actor
from server.auth.models import User
from server.auth.operations import actor_for
from server.care.jobs import patrol_all
from server.care.models import (
    CareEntry,
    CareKind,
    DiaperKind,
    Nap,
    NapCheck,
    NapEnd,
    OutdoorExemption,
    OutdoorSpell,
    ShareEaten,
)
from server.care.operations.log import ENTRY_FIELDS, log_entry
from server.care.operations.naps import CHECK_FIELDS, END_FIELDS, NAP_FIELDS, record_nap_check, start_nap
from server.care.operations.outdoor import EXEMPTION_FIELDS, SPELL_FIELDS
from server.centre.models import Centre, ClassType, Room
from server.centre.rules import effective_rules
from server.centre.timezones import centre_zone
from server.database import db
from server.people.models import Child, Staff

# Free-text allergies of the demo families (server/demo/seed.py ALLERGIES) and the catalogue's codes.
ALLERGEN_OF_TEXT = {"花生": "peanuts", "鸡蛋": "eggs", "牛奶蛋白": "milk"}
MENU_ALLERGENS = ("eggs", "milk", "soy", "fish", "gluten_cereals")
GAP_NAPS, OUTDOOR_SHORT_DAYS = 3, 4


def _local(day: date, hour: int, minute: float, tz: Any) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=tz) + timedelta(minutes=minute)


def _stays(centre: Centre, tz: Any) -> dict[tuple[int, date], tuple[datetime, datetime | None]]:
    """Each child's stay per local day (first check-in, last check-out) from the kiosk's month."""
    stays: dict[tuple[int, date], tuple[datetime, datetime | None]] = {}
    for child_id, kind, at in db.session.execute(
            select(AttendanceEvent.child_id, AttendanceEvent.kind, AttendanceEvent.at)
            .where(AttendanceEvent.centre_id == centre.id, AttendanceEvent.child_id.is_not(None),
                   AttendanceEvent.kind.in_((AttendanceKind.CHECK_IN, AttendanceKind.CHECK_OUT)))
            .order_by(AttendanceEvent.at)):
        key = (child_id, at.astimezone(tz).date())
        arrived, left = stays.get(key, (None, None))
        if kind is AttendanceKind.CHECK_IN:
            stays[key] = (arrived or at, left)
        elif arrived is not None:
            stays[key] = (arrived, at)
    return stays  # type: ignore[return-value]


class _Writer:
    """Rows of one day inserted together (one statement a table), then an audit entry each, dated when they happened.

    In bulk: the entries go to the centre's chain through `server.audit.operations.record_changes` (the head
    locked once, one insert for the lot). A row is a dict of every column but the id, which it gets on `flush`.
    """

    def __init__(self, centre_id: int) -> None:
        self.centre_id = centre_id
        self.pending: dict[type, list[tuple[dict[str, Any], str, tuple[str, ...], datetime]]] = {}

    def add(self, model: type, row: dict[str, Any], action: str, fields: tuple[str, ...], at: datetime) -> dict[str, Any]:
        self.pending.setdefault(model, []).append((row, action, fields, at))
        return row

    def flush(self) -> None:
        changes: list[ChangeToAudit] = []
        last = None
        for model, rows in self.pending.items():
            table = model.__table__  # type: ignore[attr-defined]
            ids = db.session.execute(insert(model).returning(table.c.id, sort_by_parameter_order=True),
                                     [row for row, _, _, _ in rows]).scalars().all()
            for (row, action, fields, at), row_id in zip(rows, ids, strict=True):
                row["id"] = row_id
                changes.append(ChangeToAudit(action=action, object_type=table.name, object_id=row_id,
                                             after={name: row[name] for name in fields}, at=at))
                last = at if last is None else max(last, at)
        if last is not None:  # every change carries its own time; `now` is only the latest of them
            record_changes(changes, centre_id=self.centre_id, actor=Actor.system(), now=last)
        self.pending.clear()


def seed_care(centre: Centre, *, start: date, now: datetime, rng: random.Random) -> None:
    """The month from `start` to yesterday, then today's morning up to `now`."""
    tz = centre_zone(centre)
    today = now.astimezone(tz).date()
    rooms = list(db.session.scalars(select(Room).where(Room.centre_id == centre.id).order_by(Room.id)))
    children = list(db.session.scalars(select(Child).where(Child.centre_id == centre.id).order_by(Child.id)))
    carers = {room_id: user_id for room_id, user_id in db.session.execute(
        select(Staff.home_room_id, Staff.user_id).where(Staff.centre_id == centre.id, Staff.user_id.is_not(None),
                                                         Staff.home_room_id.is_not(None)))}
    stays = _stays(centre, tz)
    writer = _Writer(centre.id)
    days = [d for d in (start + timedelta(days=i) for i in range((today - start).days)) if is_working_day(d)]
    gap_naps = set(rng.sample(range(len(days) * 10), GAP_NAPS)) if days else set()
    rain_day = days[len(days) // 2] if days else None
    short_days = set(rng.sample([d for d in days if d != rain_day], min(OUTDOOR_SHORT_DAYS, max(0, len(days) - 1))))
    stomach_day = days[len(days) // 3] if days else None
    counter, stomach_done = 0, False
    for day in days:
        rules = effective_rules(centre, day)
        interval = patrol_interval(rules)
        needed = required_minutes(rules) or 0
        naps = []
        for child in children:
            stay = stays.get((child.id, day))
            if stay is None or child.room_id is None:
                continue
            counter += 1
            # A room whose caregivers have no log-in of their own is logged by the demo caregiver's tablet account.
            by = carers.get(child.room_id, next(iter(carers.values()), None))
            _day_log(writer, child, rooms, day, stay, tz, by, rng)
            nap = _nap(writer, child, day, stay, tz, by, rng)
            if nap is not None:
                naps.append((nap, counter in gap_naps, day == stomach_day and not stomach_done))
                stomach_done = stomach_done or day == stomach_day
        writer.flush()  # the naps' ids, for their checks
        for (nap, ended), gap, stomach in naps:
            _patrol(writer, nap, ended, interval, rng, gap=gap, stomach_without_action=stomach)
        _outdoor(writer, centre, rooms, day, tz, needed, rng, rain=day == rain_day, short=day in short_days)
        writer.flush()
    _today(centre, rooms, children, stays, today, now, tz, carers, rng)


def _day_log(writer: _Writer, child: Child, rooms: Sequence[Room], day: date,
             stay: tuple[datetime, datetime | None], tz: Any, by: int | None, rng: random.Random) -> None:
    """Bottles and diapers for the infants; meals, water and diapers for the toddlers; lunch for the older."""
    kind = next(r.class_type for r in rooms if r.id == child.room_id)
    arrived, left = stay
    own = ALLERGEN_OF_TEXT.get((child.allergies or "").strip())  # the kitchen serves the child's own plate
    moments: list[tuple[datetime, dict[str, Any]]] = []
    if kind is ClassType.INFANT:
        for hour in (9, 13, 15):
            moments.append((_local(day, hour, rng.uniform(0, 40), tz),
                            {"kind": CareKind.BOTTLE, "ml": rng.choice((90, 120, 150))}))
        for hour in (8, 10, 12, 14, 16):
            moments.append((_local(day, hour, rng.uniform(0, 50), tz),
                            {"kind": CareKind.DIAPER, "diaper_kind": rng.choice(list(DiaperKind)[:3])}))
    if kind in (ClassType.INFANT, ClassType.TODDLER, ClassType.PRESCHOOL):
        moments.append((_local(day, 11, rng.uniform(0, 25), tz),
                        {"kind": CareKind.MEAL, "share_eaten": rng.choice(list(ShareEaten)[1:] + [ShareEaten.ALL] * 3),
                         "allergen_codes": sorted(set(rng.sample(MENU_ALLERGENS, 2)) - {own})}))
    if kind is ClassType.TODDLER:
        moments.append((_local(day, 15, rng.uniform(0, 20), tz),
                        {"kind": CareKind.MEAL, "share_eaten": rng.choice(list(ShareEaten)[2:])}))
        for hour in (10, 14):
            moments.append((_local(day, hour, rng.uniform(0, 30), tz), {"kind": CareKind.WATER, "ml": rng.choice((50, 80, 100))}))
        for hour in (9, 12, 16):
            moments.append((_local(day, hour, rng.uniform(0, 40), tz),
                            {"kind": CareKind.DIAPER, "diaper_kind": rng.choice(list(DiaperKind))}))
    for at, values in moments:
        if at < arrived or (left is not None and at > left):
            continue
        values.setdefault("allergen_codes", [])
        writer.add(CareEntry, _entry(child, at, by, **values), "care_entry.log", ENTRY_FIELDS, at)


def _entry(child: Child, at: datetime, by: int | None, **values: Any) -> dict[str, Any]:
    """Every column of a care entry (one insert statement takes rows of the same shape)."""
    return {"centre_id": child.centre_id, "child_id": child.id, "room_id": child.room_id, "at": at, "ml": None,
            "share_eaten": None, "allergen_codes": [], "diaper_kind": None, "abnormal": False, "abnormal_note": None,
            "allergy_acknowledged": False, "note": None, "amends_id": None, "reason": None,
            "recorded_at": at + timedelta(minutes=1), "recorded_by_id": by, **values}


def _nap(writer: _Writer, child: Child, day: date, stay: tuple[datetime, datetime | None], tz: Any,
         by: int | None, rng: random.Random) -> tuple[dict[str, Any], datetime] | None:
    """The after-lunch nap, when the child is in all along; with the time the child will wake."""
    arrived, left = stay
    started = _local(day, 12, rng.uniform(15, 40), tz)
    ended = started + timedelta(minutes=rng.uniform(90, 140))
    if started < arrived or (left is not None and ended > left):
        return None
    nap = writer.add(Nap, {"centre_id": child.centre_id, "child_id": child.id, "room_id": child.room_id,
                           "started_at": started, "day": day, "recorded_at": started, "recorded_by_id": by},
                     "care_nap.start", NAP_FIELDS, started)
    return nap, ended


def _patrol(writer: _Writer, nap: dict[str, Any], ended: datetime, interval: timedelta | None, rng: random.Random, *,
            gap: bool, stomach_without_action: bool) -> None:
    """Checks a little inside the interval; one longer than it on a gap nap; then the end."""
    by = nap["recorded_by_id"]
    step = interval.total_seconds() / 60 if interval is not None else 0
    at, n = nap["started_at"], 0
    while step:
        spacing = rng.uniform(step + 4, step + 8) if gap and n == 3 else rng.uniform(step - 3, step - 0.5)
        at = at + timedelta(minutes=spacing)
        if at >= ended:
            break
        n += 1
        position = rng.choices(list(SleepPosition), weights=(70, 28, 2))[0]
        action = "已轻翻为仰卧" if position is SleepPosition.STOMACH else ""
        if stomach_without_action and n == 4:
            position, action = SleepPosition.STOMACH, ""  # typed in from paper, the action not noted
        writer.add(NapCheck, {"centre_id": nap["centre_id"], "nap_id": nap["id"], "at": at, "position": position,
                              "breathing_ok": True, "colour_ok": True, "action": action, "recorded_at": at,
                              "checked_by_id": by}, "care_nap.check", CHECK_FIELDS, at)
    writer.add(NapEnd, {"centre_id": nap["centre_id"], "nap_id": nap["id"], "at": ended, "recorded_at": ended,
                        "by_id": by}, "care_nap.end", END_FIELDS, ended)


def _outdoor(writer: _Writer, centre: Centre, rooms: Sequence[Room], day: date, tz: Any, needed: int,
             rng: random.Random, *, rain: bool, short: bool) -> None:
    """Two spells a class a day; a short day for the toddlers now and then; the rain day exempted for all."""
    if rain:
        at = _local(day, 7, 40, tz)
        writer.add(OutdoorExemption, {"centre_id": centre.id, "room_id": None, "day": day,
                                      "reason": "暴雨黄色预警，停止户外活动", "recorded_at": at, "recorded_by_id": None},
                   "care_outdoor.exempt", EXEMPTION_FIELDS, at)
        return
    for room in rooms:
        total = needed + rng.choice((0, 10, 20))
        if short and room.class_type is ClassType.TODDLER:
            total = needed - rng.choice((30, 40))
        morning = total // 2 + rng.choice((-5, 0, 5))
        for hour, minutes in ((9, morning), (15, total - morning)):
            begun = _local(day, hour, rng.uniform(30, 45) if hour == 9 else rng.uniform(20, 30), tz)
            done = begun + timedelta(minutes=minutes)
            writer.add(OutdoorSpell, {"centre_id": centre.id, "room_id": room.id, "day": day, "started_at": begun,
                                      "minutes": minutes, "recorded_at": done, "recorded_by_id": None},
                       "care_outdoor.record", SPELL_FIELDS, done)


def _present_now(children: Sequence[Child], stays: dict[tuple[int, date], tuple[datetime, datetime | None]],
                 today: date, now: datetime) -> list[Child]:
    out = []
    for child in children:
        stay = stays.get((child.id, today))
        if stay is not None and stay[0] <= now and (stay[1] is None or stay[1] > now) and child.room_id is not None:
            out.append(child)
    return out


def _today(centre: Centre, rooms: Sequence[Room], children: Sequence[Child],
           stays: dict[tuple[int, date], tuple[datetime, datetime | None]], today: date, now: datetime, tz: Any,
           carers: dict[int, int], rng: random.Random) -> None:
    """Today so far through the operations: the morning's log, naps running in two rooms, one check overdue."""
    system = Actor.system()
    writer = _Writer(centre.id)
    present = _present_now(children, stays, today, now)
    sleepers = [r for r in rooms if r.class_type in (ClassType.INFANT, ClassType.TODDLER)]
    asleep = {c.id: now - timedelta(minutes=rng.uniform(35, 45))
              for room in sleepers for c in [c for c in present if c.room_id == room.id][:4]}
    fallback = next(iter(carers.values()), None)
    for child in children:
        stay = stays.get((child.id, today))
        if stay is not None and child.room_id is not None:
            # Nothing is eaten or changed once a child is asleep: the morning's log stops at the nap.
            until = min(stay[1] or now, now, asleep.get(child.id, now))
            _day_log(writer, child, rooms, today, (stay[0], until), tz, carers.get(child.room_id, fallback), rng)
    writer.flush()
    rules = effective_rules(centre, today)
    interval = patrol_interval(rules)
    if interval is None:
        return
    step = interval.total_seconds() / 60
    overdue_done = False
    for room in sleepers:
        carer = _carer_actor(carers.get(room.id, fallback)) or system  # the room's tablet log-in, as in real use
        for child in [c for c in present if c.room_id == room.id][:4]:
            started = asleep[child.id]
            nap = start_nap(child, at=started, actor=carer, now=started)
            at, last = started, started
            while True:
                at += timedelta(minutes=rng.uniform(step - 3, step - 1))
                if at > now - timedelta(minutes=1):
                    break
                if not overdue_done and room.class_type is ClassType.TODDLER and at > now - timedelta(minutes=step + 4):
                    break  # this child's next check is late: the patrol job raises it to the director
                record_nap_check(nap, position=SleepPosition.BACK if rng.random() < 0.8 else SleepPosition.SIDE,
                                 at=at, actor=carer, now=at)
                last = at
            if room.class_type is ClassType.TODDLER and not overdue_done and now - last > interval:
                overdue_done = True
    _acknowledged_meal(centre, present, now, system)
    patrol_all(now)


def _carer_actor(user_id: int | None) -> Actor | None:
    user = db.session.get(User, user_id) if user_id is not None else None
    return actor_for(user, lambda _: frozenset()) if user is not None else None


def _acknowledged_meal(centre: Centre, present: Sequence[Child], now: datetime, actor: Actor) -> None:
    """A snack naming a child's allergen: the caregiver saw the warning and confirmed it.

    The allergy comes from the health profile when the demo has one, else from the family's own note.
    """
    from server.health.profile.operations import active_allergies

    badges = active_allergies([c.id for c in present], now.astimezone(centre_zone(centre)).date()) if present else {}
    for child in present:
        for badge in badges.get(child.id, []):
            log_entry(child, kind=CareKind.MEAL, share_eaten=ShareEaten.LITTLE, allergen_codes=[badge.code],
                      note="加餐；已确认过敏提示，保健员同意少量", acknowledge_allergy=True, at=now - timedelta(minutes=25),
                      actor=actor, now=now - timedelta(minutes=25))
            return
    for child in present:  # no profile yet: the family's own note of the allergy
        code = ALLERGEN_OF_TEXT.get((child.allergies or "").strip())
        if code is not None:
            at = now - timedelta(minutes=25)
            writer = _Writer(centre.id)
            writer.add(CareEntry, _entry(child, at, None, kind=CareKind.MEAL, share_eaten=ShareEaten.LITTLE,
                                         allergen_codes=[code], allergy_acknowledged=True,
                                         note="加餐；已确认过敏提示，保健员同意少量"), "care_entry.log", ENTRY_FIELDS, at)
            writer.flush()
            return
