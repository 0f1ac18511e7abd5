"""The demo centre's past month and its day so far, written through the real operations.

Check-ins and check-outs go through the kiosk event handler with a seeded door kiosk (audited, flagged like
any other), each followed by the rooms' recompute at that instant (so ratio violations open, alert and close
as they would have; a scan that moves no room is not, as its recompute would store nothing); absences through `record_absence`. Open days follow the official working calendar:
arrivals 07:30–09:00, departures 16:00–18:00, nobody at night, weekends and holidays closed.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from devices.wire.protocol import Event
from server.attendance.models import AbsenceReason, Credential
from server.attendance.operations.absences import record_absence
from server.attendance.operations.kiosk_events import handle_kiosk_event
from server.attendance.registers import is_working_day
from server.attendance.rooms.models import RoomStatus
from server.attendance.rooms.operations.live import CAREGIVING_ROLES, refresh
from server.audit.models import AuditHead, chain_for
from server.auth.actor import Actor
from server.centre.models import Centre, ClassType, Room
from server.centre.timezones import centre_zone
from server.database import db
from server.fleet.models import Device, DeviceKind
from server.fleet.operations import create_enrolment_code, enroll_device
from server.people.models import Child, ChildContact, Contact, Staff
from server.staff.operations.credentials import current_credentials

SICK = ("上呼吸道感染", "发热", "腹泻", "湿疹", "支气管炎")  # records as a centre types them
ABSENT_SHARE, SICK_SHARE = 0.06, 0.6
# A few mornings a caregiver of the infant room comes late: the room runs out of ratio until she arrives.
LATE_CAREGIVER_DAYS = 3


@dataclass(frozen=True)
class Visit:
    """One person's day: who scans in and out, and when (either may be None: not yet, or absent)."""

    person: str  # "c12" a contact, "s3" a member of staff
    credential_id: int | None
    child_id: int | None
    arrive: datetime | None
    leave: datetime | None
    leave_person: str = ""
    leave_credential_id: int | None = None


def enroll_history_kiosk(centre: Centre, *, actor: Actor, now: datetime) -> Device:
    """The door kiosk the past month was recorded on (the live demo enrols its own simulated kiosk)."""
    code, _ = create_enrolment_code(centre, kind=DeviceKind.KIOSK, name="门口终端", actor=actor, now=now)
    device, _ = enroll_device(code, kind=DeviceKind.KIOSK, name=None, version="demo", now=now)
    return device


def _local(day: date, minute: float, tz) -> datetime:  # type: ignore[no-untyped-def]
    return datetime.combine(day, time(0), tzinfo=tz) + timedelta(minutes=minute)


def seed_attendance(centre: Centre, device: Device, *, start: date, now: datetime, rng: random.Random,
                    away: frozenset[int] = frozenset()) -> None:
    """Every working day from `start` to today: staff and children in and out, absences; today up to `now`.

    Staff come in from their hiring day, except those `away` (employed, not on the floor).
    """
    tz = centre_zone(centre)
    today = now.astimezone(tz).date()
    children = db.session.execute(select(Child).where(Child.centre_id == centre.id).order_by(Child.id)).scalars().all()
    staff = db.session.execute(select(Staff).where(Staff.centre_id == centre.id).order_by(Staff.id)).scalars().all()
    credentials = db.session.execute(select(Credential).where(Credential.centre_id == centre.id)).scalars().all()
    cards = {(c.contact_id, c.staff_id): c.id for c in credentials}
    # Held for the whole month: the session's identity map keeps objects only while something refers to them,
    # and the kiosk handler looks each person and card up by id (a hit here, a query each time otherwise).
    # So are the staff files' credentials, which every recompute reads to count only the certified caregivers.
    _held: list[object] = [*credentials, *db.session.execute(
        select(Contact).where(Contact.centre_id == centre.id)).scalars().all(),
        db.session.get(AuditHead, chain_for(centre.id)), *current_credentials(centre.id)]
    links: dict[int, list[ChildContact]] = {}
    for link in db.session.execute(select(ChildContact).where(ChildContact.centre_id == centre.id)
                                   .order_by(ChildContact.id)).scalars():
        links.setdefault(link.child_id, []).append(link)
    habit = {child.id: (rng.uniform(450, 540), rng.uniform(960, 1080)) for child in children}
    infant_room = db.session.execute(select(Room.id).where(Room.centre_id == centre.id,
                                                           Room.class_type == ClassType.INFANT)).scalar()
    days = [start + timedelta(days=i) for i in range((today - start).days + 1)]
    open_days = [day for day in days if is_working_day(day)]
    late_days = set(rng.sample(open_days[:-1], min(LATE_CAREGIVER_DAYS, max(0, len(open_days) - 1))))
    stream, sequence = str(uuid.UUID(int=rng.getrandbits(128), version=4)), 0
    counted = {f"s{m.id}" for m in staff if m.home_room_id is not None and m.role in CAREGIVING_ROLES}
    refreshed_on: date | None = None
    for day in open_days:
        _statuses = db.session.execute(select(RoomStatus).where(RoomStatus.centre_id == centre.id)).scalars().all()
        on_floor = [m for m in staff if m.hired_on <= day and m.id not in away]
        visits = list(_staff_visits(on_floor, cards, day, tz, rng, late=infant_room if day in late_days else None))
        for child in children:
            if child.enrolled_on > day or (child.left_on is not None and child.left_on < day):
                continue
            if rng.random() < ABSENT_SHARE:
                _absence(child, day, tz, now, rng)
                continue
            visits.append(_child_visit(child, links.get(child.id, []), cards, habit[child.id], day, tz, rng))
        for at, kind, visit in sorted(_scans(visits), key=lambda scan: (scan[0], scan[1])):
            if at > now:
                continue  # later today: not yet happened
            sequence += 1
            person, credential = (visit.person, visit.credential_id) if kind == "attendance.check_in" else (
                visit.leave_person or visit.person, visit.leave_credential_id or visit.credential_id)
            event = Event(key=str(uuid.UUID(int=rng.getrandbits(128), version=4)), device_id=device.device_id,
                          stream=stream, sequence=sequence, kind=kind, created_at=at,
                          payload={"person_id": person, "children": [visit.child_id] if visit.child_id else [],
                                   "method": "card", "credential_id": credential})
            handle_kiosk_event(device, event, at)
            db.session.flush()
            if refreshed_on != day or moves_a_room(visit, counted):
                refresh(centre, at)
                refreshed_on = day
    db.session.flush()


def moves_a_room(visit: Visit, counted: set[str]) -> bool:
    """Whether a scan can change a room's ratio: a child, or a caregiver with a home room.

    The director, kitchen or security coming or going changes no room's count, so a recompute after their scan
    (once the day's first one has run) would store nothing; the ratio job recomputes every minute regardless.
    """
    return visit.child_id is not None or visit.person in counted


def _scans(visits: list[Visit]) -> Iterator[tuple[datetime, str, Visit]]:
    for visit in visits:
        if visit.arrive is not None:
            yield visit.arrive, "attendance.check_in", visit
        if visit.leave is not None:
            yield visit.leave, "attendance.check_out", visit


def _staff_visits(staff: list[Staff], cards: dict[tuple[int | None, int | None], int], day: date, tz,  # type: ignore[no-untyped-def]
                  rng: random.Random, *, late: int | None) -> Iterator[Visit]:
    late_one = next((s.id for s in staff if late is not None and s.home_room_id == late), None)
    for member in staff:
        if member.role in CAREGIVING_ROLES and member.home_room_id is not None:
            arrive, leave = rng.uniform(420, 445), rng.uniform(1085, 1110)  # 07:00–07:25, 18:05–18:30
            if member.id == late_one:
                arrive = rng.uniform(505, 525)  # 08:25–08:45: stuck in traffic
        else:
            arrive, leave = rng.uniform(440, 500), rng.uniform(1030, 1080)
        yield Visit(f"s{member.id}", cards.get((None, member.id)), None, _local(day, arrive, tz),
                    _local(day, leave, tz))


def _child_visit(child: Child, links: list[ChildContact], cards: dict[tuple[int | None, int | None], int],
                 habit: tuple[float, float], day: date, tz, rng: random.Random) -> Visit:  # type: ignore[no-untyped-def]
    drop = rng.choice([link for link in links if link.may_drop_off] or links)
    pick = rng.choice([link for link in links if link.may_pick_up] or links)
    arrive = min(max(habit[0] + rng.gauss(0, 10), 450), 540)  # 07:30–09:00
    leave = min(max(habit[1] + rng.gauss(0, 15), 960), 1080)  # 16:00–18:00
    return Visit(f"c{drop.contact_id}", cards.get((drop.contact_id, None)), child.id, _local(day, arrive, tz),
                 _local(day, leave, tz), f"c{pick.contact_id}", cards.get((pick.contact_id, None)))


def _absence(child: Child, day: date, tz, now: datetime, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    """The parent's call, noted at 08:30: a sick day names the illness (因病缺勤, 附件4)."""
    at = _local(day, 510, tz)
    sick = rng.random() < SICK_SHARE
    disease = rng.choice(SICK) if sick else None
    if at > now:
        return
    record_absence(child, on=day, reason=AbsenceReason.SICK if sick else AbsenceReason.PERSONAL, disease=disease,
                   actor=Actor.system(), now=at, today=day)
