"""The demo centre's medication: a few consents over the month with their doses, and today's in progress.

Every consent goes through the real operations: a caregiver types the request, the guardian signs it on their
phone (their own actor, as their log-in would make it, with a scribble made from the seed as the drawn
signature); every dose is given by a caregiver of the child's class with a colleague as witness. Today one
toddler has a consent signed at drop-off: the 09:30 dose given (once the morning is that far) and the 15:00 one
still due; another toddler's request waits for the guardian's signature. The toddler class's caregivers get a
kiosk PIN (`DEMO_WITNESS_PIN`) so a visitor can witness a dose on the tablet.
"""

from __future__ import annotations

import io
import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from PIL import Image, ImageDraw
from sqlalchemy import select

from server.attendance.models import Credential
from server.attendance.operations.credentials import set_pin
from server.auth.actor import Actor, Grant
from server.auth.models import User
from server.auth.operations import actor_for
from server.auth.roles import Role
from server.care.medication.consents import guardians_of
from server.care.medication.doses import give_dose
from server.care.medication.models import MedicationConsent, MedicationRequest
from server.care.medication.requests import request_consent, sign_request
from server.centre.models import Centre, ClassType, Room
from server.centre.timezones import centre_zone
from server.database import db
from server.people.models import Child, Contact, Staff, StaffRole
from server.people.operations import contacts_of_user

DEMO_WITNESS_PIN = "258036"
# (drug, dose, unit, route, times): what parents of toddlers commonly ask a centre to give.
DRUGS = (
    ("阿莫西林颗粒", Decimal("0.125"), "g", "口服", ("09:30", "14:30")),
    ("布洛芬混悬液", Decimal("2.5"), "ml", "口服", ("09:30", "15:00")),
    ("妥布霉素滴眼液", Decimal("1"), "滴", "滴眼", ("09:00", "11:30", "15:30")),
    ("蒙脱石散", Decimal("1"), "袋", "口服", ("10:00",)),
)


def _scribble(rng: random.Random) -> bytes:
    """A signature-like stroke on a transparent pad (each guardian's a little different)."""
    image = Image.new("RGBA", (480, 160), (0, 0, 0, 0))
    points = [(30 + i * 60, rng.randint(40, 120)) for i in range(8)]
    ImageDraw.Draw(image).line(points, fill=(20, 20, 20, 255), width=5, joint="curve")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _teams(centre: Centre) -> dict[int, list[Staff]]:
    """Caregivers by class (the one with a log-in first)."""
    teams: dict[int, list[Staff]] = {}
    for staff in db.session.scalars(select(Staff).where(Staff.centre_id == centre.id, Staff.role == StaffRole.CAREGIVER,
                                                        Staff.home_room_id.is_not(None)).order_by(Staff.id)):
        assert staff.home_room_id is not None
        teams.setdefault(staff.home_room_id, []).append(staff)
    for team in teams.values():
        team.sort(key=lambda s: s.user_id is None)
    return teams


def _at(day: date, clock: str, tz: object, minutes: int = 0) -> datetime:
    return datetime.combine(day, time.fromisoformat(clock), tzinfo=tz) + timedelta(minutes=minutes)  # type: ignore[arg-type]


def guardian_actor(contact: Contact) -> Actor:
    """The guardian as their phone acts: their account's actor (`auth.operations.actor_for`).

    A guardian without a log-in in the demo gets the same shape: a guardian grant at the centre, acting as this
    contact.
    """
    user = db.session.get(User, contact.user_id) if contact.user_id is not None else None
    if user is not None:
        return actor_for(user, contacts_of_user)
    return Actor(kind="user", user_id=None, grants=(Grant(contact.centre_id, Role.GUARDIAN, None),),
                 contact_ids=frozenset({contact.id}))


def _request(child: Child, drug: tuple[str, Decimal, str, str, tuple[str, ...]], first: date, days: int,
             asked_at: datetime, actor: Actor) -> MedicationRequest:
    name, dose, unit, route, times = drug
    return request_consent(child, drug=name, dose=dose, dose_unit=unit, route=route, times=list(times),
                           first_day=first, last_day=first + timedelta(days=days - 1), actor=actor, now=asked_at)


def _consent(child: Child, drug: tuple[str, Decimal, str, str, tuple[str, ...]], first: date, days: int,
             signed_at: datetime, rng: random.Random, actor: Actor) -> MedicationConsent | None:
    """A caregiver types the request at drop-off; the guardian signs it on their phone a few minutes later."""
    guardians = guardians_of(child)
    if not guardians:
        return None
    request = _request(child, drug, first, days, signed_at - timedelta(minutes=4), actor)
    return sign_request(request, contact=guardians[0], signature_png=_scribble(rng),
                        actor=guardian_actor(guardians[0]), now=signed_at)


def _give(child: Child, consent: MedicationConsent, at: datetime, team: list[Staff], actor: Actor) -> None:
    give_dose(child, consent, drug=consent.drug, dose=Decimal(consent.dose), dose_unit=consent.dose_unit,
              route=consent.route, given_by=team[0], witness=team[1], witness_pin=None, at=at, actor=actor, now=at)


def seed_medication(centre: Centre, *, start: date, now: datetime, rng: random.Random) -> None:
    """A consent a week or so over the month (weekdays, doses at the consented times), then today's morning."""
    actor, tz = Actor.system(), centre_zone(centre)
    today = now.astimezone(tz).date()
    teams = {room: team for room, team in _teams(centre).items() if len(team) >= 2}
    rooms = {r.id: r for r in db.session.scalars(select(Room).where(Room.centre_id == centre.id))}
    children = [c for c in db.session.scalars(select(Child).where(Child.centre_id == centre.id).order_by(Child.id))
                if c.room_id in teams]
    if not children:
        return
    first = start + timedelta(days=2)
    while first + timedelta(days=3) < today:
        if first.weekday() < 3:  # a short course from Monday to Wednesday, ended before the weekend
            child, drug = rng.choice(children), rng.choice(DRUGS)
            consent = _consent(child, drug, first, 3, _at(first, "07:50", tz), rng, actor)
            if consent is not None:
                for offset in range(3):
                    for clock in consent.times:
                        _give(child, consent, _at(first + timedelta(days=offset), clock, tz, rng.randint(-10, 15)),
                              teams[child.room_id or 0], actor)
            first += timedelta(days=7 - first.weekday())
        else:
            first += timedelta(days=1)
    _today(centre, children, teams, rooms, today, now, rng, actor)


def _today(centre: Centre, children: list[Child], teams: dict[int, list[Staff]], rooms: dict[int, Room],
           today: date, now: datetime, rng: random.Random, actor: Actor) -> None:
    tz = centre_zone(centre)
    toddlers = [c for c in children if c.room_id is not None and rooms[c.room_id].class_type is ClassType.TODDLER]
    child = toddlers[0] if toddlers else children[0]
    team = teams[child.room_id or 0]
    for staff in team:  # the class's caregivers may witness on the tablet
        credential = db.session.scalars(select(Credential).where(Credential.staff_id == staff.id)).first()
        if credential is not None:
            set_pin(credential, DEMO_WITNESS_PIN, actor=actor, now=min(now, _at(today, "07:30", tz)))
    consent = _consent(child, DRUGS[1], today, 3, min(now, _at(today, "07:50", tz)), rng, actor)
    dose_at = _at(today, consent.times[0], tz, 5) if consent is not None else now
    if consent is not None and dose_at <= now:
        _give(child, consent, dose_at, team, actor)
    # Another toddler's request, typed at drop-off, still waits for the guardian's signature: no dose until then.
    waiting = next((c for c in toddlers if c.id != child.id and guardians_of(c)), None)
    if waiting is not None:
        _request(waiting, DRUGS[3], today, 2, min(now, _at(today, "08:05", tz)), actor)
