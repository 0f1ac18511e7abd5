"""The demo's month of 表6 (issue #18): every class, every day with children, ticked on the room tablet.

Two airings a day (about 09:00 and 15:10, 12–20 minutes), the four cleaning lines, the tableware (the kitchen's
disinfection cabinet, whose relay logs a cycle every day after lunch), the UV lamp's 60 minutes after pick-up, and
the caregiver's signature at about 17:40. The first two classes have window contacts: their airings show as
window periods beside the ticks. The imperfections the pack shows:

* ONE ticked-but-unproven ventilation: in the first class, about 8 days ago, both airings are ticked but the window
  contacts show no opening that day (hygiene.ventilation, "ticked but unproven");
* three days where a class aired only once (the afternoon airing not done);
* one afternoon airing ticked the next morning (back-dated: it does not count, the day stays a finding);
* one day the cabinet logged no cycle and a class steamed its tableware only 9 minutes (hygiene.tableware);
* one day the toilets line was forgotten (hygiene.class_cleaning);
* natural ones: an airing corrected (15 → 18 minutes, with the reason), a few days left unsigned.

Rows are written in bulk as the tablet would have written them (each with its audit entry, dated when it happened).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, select

from server.attendance.models import AttendanceEvent, AttendanceKind
from server.audit.operations import ChangeToAudit, record_changes
from server.auth.actor import Actor
from server.centre.models import Centre, Room
from server.centre.timezones import centre_zone
from server.database import db
from server.fleet.models import Device, DeviceKind
from server.hygiene.models import (
    CheckItem,
    HygieneCabinetEvent,
    HygieneCheck,
    HygieneSignature,
    HygieneWindowEvent,
    SignedWith,
    TablewareMethod,
)
from server.people.models import Child, Staff

CLEANING = (CheckItem.SURFACES, CheckItem.TOYS, CheckItem.TOWELS_CUPS, CheckItem.TOILETS)
CONTACT_ROOMS = 2  # the first classes (by id) have window contacts


@dataclass
class _Writer:
    centre: Centre
    checks: list[dict[str, Any]]
    signatures: list[dict[str, Any]]
    windows: list[dict[str, Any]]
    cabinets: list[dict[str, Any]]
    device_pk: int | None

    def check(self, room: Room, day: date, item: CheckItem, at: datetime, who: Staff | None, **values: Any) -> None:
        self.checks.append({"centre_id": self.centre.id, "room_id": room.id, "day": day, "item": item, "done": True,
                            "minutes": None, "started_at": None, "method": None, "note": None, "amends_id": None,
                            "reason": None, "staff_id": who.id if who else None, "by_name": who.name if who else "",
                            "recorded_at": at, "recorded_by_id": who.user_id if who else None, **values})

    def window(self, room: Room, opened: datetime, closed: datetime | None, name: str = "a") -> None:
        for state, at in (("open", opened), ("closed", closed)):
            if at is not None:
                self.windows.append({"centre_id": self.centre.id, "device_pk": self.device_pk,
                                     "input": f"window-room{room.id}-{name}", "room_id": room.id, "state": state,
                                     "at": at, "received_at": at + timedelta(seconds=2)})


def _days_with_children(centre: Centre, start: date, zone: Any) -> set[tuple[int, date]]:
    rows = db.session.execute(
        select(AttendanceEvent.at, Child.room_id).join(Child, Child.id == AttendanceEvent.child_id)
        .where(AttendanceEvent.centre_id == centre.id, AttendanceEvent.kind == AttendanceKind.CHECK_IN,
               AttendanceEvent.at >= datetime.combine(start, time(), zone))).all()
    return {(room_id, at.astimezone(zone).date()) for at, room_id in rows if room_id is not None}


def _nearest(days: list[date], target: date, taken: set[date]) -> date | None:
    free = [d for d in days if d not in taken]
    return min(free, key=lambda d: abs((d - target).days)) if free else None


def seed_hygiene(centre: Centre, *, start: date, today: date, now: datetime, rng: random.Random) -> None:
    """A month of 表6 for every class, window contact periods for the first classes, the kitchen cabinet's cycles."""
    zone = centre_zone(centre)
    rooms = list(db.session.execute(select(Room).where(Room.centre_id == centre.id, Room.is_active)
                                    .order_by(Room.id)).scalars())
    if not rooms:
        return
    staff = list(db.session.execute(select(Staff).where(Staff.centre_id == centre.id).order_by(Staff.id)).scalars())
    carer_of = {r.id: next((s for s in staff if s.home_room_id == r.id), staff[0] if staff else None) for r in rooms}
    device = db.session.execute(select(Device).where(Device.centre_id == centre.id, Device.kind == DeviceKind.AGENT)
                                .order_by(Device.id.desc())).scalars().first()
    w = _Writer(centre, [], [], [], [], device.id if device else None)
    days = _days_with_children(centre, start, zone)
    story, contact_ids = rooms[0], {r.id for r in rooms[:CONTACT_ROOMS]}
    plan: dict[tuple[int, date], str] = {}
    taken: set[date] = set()
    for name, back, room in (("unproven", 8, story), ("once", 4, rooms[-1]), ("once", 12, rooms[min(1, len(rooms) - 1)]),
                             ("once", 17, story), ("late_tick", 6, rooms[-1]), ("no_toilets", 14, rooms[-1]),
                             ("corrected", 3, story), ("unsigned", 9, rooms[-1]), ("unsigned", 2, story)):
        room_days = sorted(d for r, d in days if r == room.id and d < today)
        day = _nearest(room_days, today - timedelta(days=back), taken) if room_days else None
        if day is not None:
            plan[(room.id, day)] = name
            taken.add(day)
    all_days = sorted({d for _r, d in days if d < today})
    no_cabinet = _nearest(all_days, today - timedelta(days=11), taken) if all_days else None

    for day in sorted({d for _r, d in days}):
        if day < today and day != no_cabinet:
            cycle = datetime.combine(day, time(12, 50), zone) + timedelta(minutes=rng.randint(0, 15))
            for state, at in (("started", cycle), ("ended", cycle + timedelta(minutes=40))):
                w.cabinets.append({"centre_id": centre.id, "device_pk": w.device_pk, "input": "cabinet-kitchen",
                                   "location": "kitchen", "room_id": None, "state": state, "at": at,
                                   "received_at": at + timedelta(seconds=2), "detail": None})
    for room_id, day in sorted(days, key=lambda x: (x[1], x[0])):
        room = next(r for r in rooms if r.id == room_id)
        who = carer_of[room.id]
        story_of = plan.get((room.id, day))

        def at(h: int, m: int, spread: int = 10, day: date = day) -> datetime:
            return datetime.combine(day, time(h, m), zone) + timedelta(minutes=rng.randint(0, spread))

        airings = [(at(8, 55), rng.randint(12, 20)), (at(15, 5), rng.randint(12, 20))]
        if story_of == "once":
            airings = airings[:1]
        for n, (opened, minutes) in enumerate(airings):
            recorded = opened + timedelta(minutes=minutes + rng.randint(1, 5))
            if story_of == "late_tick" and n == 1:
                recorded = datetime.combine(day + timedelta(days=1), time(8, 20), zone)
            if recorded > now:
                continue
            w.check(room, day, CheckItem.VENTILATION, recorded, who, minutes=minutes, started_at=opened)
            if room.id in contact_ids and story_of != "unproven":
                w.window(room, opened + timedelta(minutes=rng.randint(0, 2)),
                         opened + timedelta(minutes=minutes + rng.randint(0, 2)))
        for n, item in enumerate(CLEANING):
            done_at = at(11, 30 + n * 5) if item in (CheckItem.SURFACES, CheckItem.TOYS) else at(16, 40 + n * 3)
            if done_at <= now and not (story_of == "no_toilets" and item is CheckItem.TOILETS):
                w.check(room, day, item, done_at, who)
        meal = at(12, 40)
        if meal <= now:
            if day == no_cabinet and room is rooms[0]:
                w.check(room, day, CheckItem.TABLEWARE, meal, who, method=TablewareMethod.STEAM, minutes=9)
            elif day == no_cabinet:
                w.check(room, day, CheckItem.TABLEWARE, meal, who, method=TablewareMethod.BOIL, minutes=15)
            else:
                w.check(room, day, CheckItem.TABLEWARE, meal, who, method=TablewareMethod.CABINET)
        uv = at(19, 5)
        if uv <= now:
            w.check(room, day, CheckItem.UV_LAMP, uv, who, minutes=60)
        signed = at(17, 35)
        if signed <= now and day < today and story_of != "unsigned" and who is not None:
            w.signatures.append({"centre_id": centre.id, "room_id": room.id, "day": day, "staff_id": who.id,
                                 "by_name": who.name, "signed_with": SignedWith.SYSTEM, "signed_at": signed,
                                 "recorded_by_id": who.user_id})
    _write(w, plan)


def _write(w: _Writer, plan: dict[tuple[int, date], str]) -> None:
    ids = list(db.session.execute(insert(HygieneCheck).returning(HygieneCheck.id), w.checks).scalars()) \
        if w.checks else []
    changes = [ChangeToAudit("hygiene_check.tick", "hygiene_check", i, _plain(row), at=row["recorded_at"])
               for i, row in zip(ids, w.checks, strict=True)]
    corrected = next(((r, d) for (r, d), name in plan.items() if name == "corrected"), None)
    if corrected is not None:
        original = next(((i, row) for i, row in zip(ids, w.checks, strict=True)
                         if (row["room_id"], row["day"]) == corrected and row["item"] is CheckItem.VENTILATION), None)
        if original is not None:
            i, row = original
            fix = {**row, "minutes": 18, "amends_id": i, "reason": "计时器看错，实际开窗18分钟",
                   "recorded_at": row["recorded_at"] + timedelta(minutes=30)}
            (fix_id,) = db.session.execute(insert(HygieneCheck).returning(HygieneCheck.id), [fix]).scalars()
            changes.append(ChangeToAudit("hygiene_check.amend", "hygiene_check", fix_id, _plain(fix),
                                         at=fix["recorded_at"]))
    if w.signatures:
        sids = list(db.session.execute(insert(HygieneSignature).returning(HygieneSignature.id), w.signatures)
                    .scalars())
        changes += [ChangeToAudit("hygiene_signature.sign", "hygiene_signature", i,
                                  {k: row[k] for k in ("room_id", "day", "staff_id", "by_name", "signed_at")},
                                  at=row["signed_at"]) for i, row in zip(sids, w.signatures, strict=True)]
    for model, rows in ((HygieneWindowEvent, w.windows), (HygieneCabinetEvent, w.cabinets)):
        if rows:
            db.session.execute(insert(model), rows)
    changes.sort(key=lambda c: c.at or datetime.min)
    record_changes(changes, centre_id=w.centre.id, actor=Actor.system(), now=max((c.at for c in changes if c.at),
                                                                                  default=datetime.now()))
    db.session.flush()


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    keys = ("room_id", "day", "item", "done", "minutes", "started_at", "method", "amends_id", "reason", "staff_id",
            "by_name", "recorded_at")
    return {k: (v.value if hasattr(v, "value") else v) for k, v in row.items() if k in keys}
