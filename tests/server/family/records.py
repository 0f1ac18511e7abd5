"""A child's day made through the real operations, moment by moment, with the injected clock moving along."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from compliance.health import CheckKind
from server.auth.actor import Actor
from server.care.notes import write_note
from server.care.operations.log import log_entry
from server.care.operations.naps import end_nap, record_nap_check, start_nap
from server.care.operations.outdoor import record_outdoor
from server.database import db
from server.health.checks.operations import record_check
from server.health.profile.operations import record_allergy
from server.people.models import Child
from tests.factories import SYSTEM
from tests.server.family.conftest import DAY, Family, local

ANYONE: Actor = SYSTEM  # the care and health operations authorise; the system may do everything


def move_to(clock: Any, hour: int, minute: int = 0, day: date = DAY) -> None:
    """Advance the injected clock to a local time of day (never back)."""
    target = local(hour, minute, day)
    assert target >= clock.now(), "the clock only moves forward"
    clock.advance(target - clock.now())


def morning_check(child: Child, clock: Any, *, temperature: str = "36.6", skin_ok: bool = True,
                  findings: str = "") -> None:
    record_check(child, kind=CheckKind.MORNING, temperature=temperature, hands_mouth_eyes_ok=True, skin_ok=skin_ok,
                 spirits_ok=True, asked_ok=True, dangerous_objects_found=False, findings=findings,
                 to_observation_room=False, completes_id=None, actor=ANYONE, now=clock.now())


def peanut_allergy(child: Child, clock: Any) -> None:
    record_allergy(child, allergen="peanuts", severity="severe", reaction="全身荨麻疹", recorded_on=date(2026, 3, 2),
                   actor=ANYONE, now=clock.now(), today=DAY)


def give_dose(family: Family, child: Child, clock: Any) -> None:
    """A dose of ibuprofen under a consent the mother signed, given by the class's caregiver, witnessed."""
    from server.care.medication.doses import give_dose as give
    from tests.server.family.medication import signed_consent

    consent = signed_consent(family, child, clock)
    give(child, consent, drug=consent.drug, dose=Decimal(consent.dose), dose_unit=consent.dose_unit,
         route=consent.route, given_by=family.giver, witness=family.witness, witness_pin=None, actor=ANYONE,
         now=clock.now())


def full_day(family: Family, client: Any, clock: Any) -> None:
    """王小明's Monday: in at 08:12 with his mother, the class's day, out at 17:40 with his grandfather."""
    child = family.child
    peanut_allergy(child, clock)
    move_to(clock, 8, 12)
    family.door(client, family.mother, [child], clock.now())
    move_to(clock, 8, 30)
    morning_check(child, clock)
    move_to(clock, 10, 10)
    record_outdoor(family.room, minutes=40, started_at=local(9, 30), actor=ANYONE, now=clock.now())
    log_entry(child, kind="meal", share_eaten="most", allergen_codes=["peanuts"], acknowledge_allergy=True,
              note="加餐：花生酱面包", actor=ANYONE, now=clock.now())
    move_to(clock, 10, 30)
    log_entry(child, kind="bottle", ml=120, actor=ANYONE, now=clock.now())
    log_entry(child, kind="water", ml=100, actor=ANYONE, now=clock.now())
    move_to(clock, 11, 0)
    log_entry(child, kind="diaper", diaper_kind="wet", actor=ANYONE, now=clock.now())
    move_to(clock, 12, 30)
    nap = start_nap(child, actor=ANYONE, now=clock.now())
    for minute in (45, 60, 75):
        move_to(clock, 12 + minute // 60, minute % 60)
        record_nap_check(nap, position="back", actor=ANYONE, now=clock.now())
    move_to(clock, 14, 45)
    end_nap(nap, actor=ANYONE, now=clock.now())
    move_to(clock, 15, 0)
    give_dose(family, child, clock)
    move_to(clock, 15, 30)
    write_notes(child, clock)
    move_to(clock, 17, 40)
    family.door(client, family.grandfather, [child], clock.now(), kind="attendance.check_out")
    db.session.commit()


def write_notes(child: Child, clock: Any) -> None:
    """A note for the family, an observation of his language, and an internal note the family never sees."""
    write_note(child, body="今天很开心，和小朋友一起搭积木。", actor=ANYONE, now=clock.now())
    write_note(child, body="能说出三个字的短句。", kind="observation", domain="language", actor=ANYONE,
               now=clock.now() + timedelta(seconds=1))
    write_note(child, body="家长接送时间需再确认（内部）", shared_with_family=False, actor=ANYONE,
               now=clock.now() + timedelta(seconds=2))
