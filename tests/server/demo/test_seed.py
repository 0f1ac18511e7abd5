"""The demo centre looks lived in: a month of history, a day in progress, names that fit, a second centre."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select

from compliance import Period
from server.attendance.models import Absence, AbsenceReason
from server.attendance.operations.presence import presence
from server.attendance.registers import attendance_records
from server.audit.operations import all_chains, verify_chain
from server.auth.actor import Actor
from server.auth.models import User
from server.centre.models import Centre
from server.database import db
from server.demo.seed import ADULT_GIVEN, seed_demo
from server.people.models import ChildContact, Contact, Relationship, Sex

# A Monday in Shanghai: 10:30 (children in), 22:00 (everyone gone); 2026-10-03 is a National Day Saturday.
MONDAY_MORNING = datetime(2026, 9, 7, 2, 30, tzinfo=UTC)
MONDAY_NIGHT = datetime(2026, 9, 7, 14, 0, tzinfo=UTC)
HOLIDAY_MORNING = datetime(2026, 10, 3, 2, 30, tzinfo=UTC)


def _present(now: datetime, code: str = "demo") -> int:
    centre = db.session.execute(select(Centre).where(Centre.code == code)).scalar_one()
    return sum(len(room.children) for room in presence(centre, actor=Actor.system(), now=now))


def _seed(now: datetime, days: int = 3, code: str = "demo") -> None:
    seed_demo(code=code, now=now, history_days=days)
    db.session.commit()


def test_children_are_present_on_a_monday_morning(app):
    _seed(MONDAY_MORNING)
    assert _present(MONDAY_MORNING) > 20


def test_nobody_is_present_at_night(app):
    _seed(MONDAY_NIGHT)
    assert _present(MONDAY_NIGHT) == 0


def test_nobody_is_present_on_a_national_day_holiday(app):
    _seed(HOLIDAY_MORNING)
    assert _present(HOLIDAY_MORNING) == 0


def test_the_past_week_has_attendance_every_working_day(app):
    _seed(MONDAY_MORNING, days=7)
    centre = db.session.execute(select(Centre).where(Centre.code == "demo")).scalar_one()
    present = {r.on for r in attendance_records(centre, Period(date(2026, 8, 31), date(2026, 9, 4))) if r.present}
    assert present == {date(2026, 8, 31), date(2026, 9, 1), date(2026, 9, 2), date(2026, 9, 3), date(2026, 9, 4)}


def test_every_sick_day_names_the_disease(app):
    _seed(MONDAY_MORNING, days=7)
    sick = db.session.execute(select(Absence.disease).where(Absence.reason == AbsenceReason.SICK)).scalars().all()
    assert sick and all(sick)


def test_mothers_have_womens_names_and_fathers_mens(app):
    _seed(MONDAY_MORNING, days=0)
    rows = db.session.execute(select(ChildContact.relationship, Contact.name)
                              .join(Contact, Contact.id == ChildContact.contact_id)).all()
    wrong = [(rel, name) for rel, name in rows
             if (rel is Relationship.MOTHER and name[1:] not in ADULT_GIVEN[Sex.FEMALE])
             or (rel is Relationship.FATHER and name[1:] not in ADULT_GIVEN[Sex.MALE])]
    assert wrong == []


def test_a_second_centre_is_seeded_beside_the_demo_with_its_own_log_ins(app):
    _seed(MONDAY_MORNING, days=0)
    _seed(MONDAY_MORNING, days=0, code="east")
    assert db.session.execute(select(func.count()).select_from(User).where(User.username == "east-director")
                              ).scalar() == 1


def test_the_seeded_month_leaves_a_verifiable_audit_chain(app):
    _seed(MONDAY_MORNING, days=7)
    assert all(verify_chain(chain).ok for chain in all_chains())


def test_the_seed_is_reproducible(app):
    _seed(MONDAY_MORNING, days=3)
    _seed(MONDAY_MORNING, days=3, code="again")
    names = [db.session.execute(select(Contact.name).join(Centre, Centre.id == Contact.centre_id)
                                .where(Centre.code == code).order_by(Contact.id)).scalars().all()
             for code in ("demo", "again")]
    assert names[0] == names[1]
