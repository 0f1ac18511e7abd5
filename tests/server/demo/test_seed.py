"""The demo centre looks lived in: a month of history, a day in progress, names that fit, a second centre."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from compliance import Period
from server.alerts.models import Alert
from server.attendance.models import Absence, AbsenceReason
from server.attendance.operations.presence import presence
from server.attendance.registers import attendance_records
from server.attendance.rooms.models import RatioViolation, RoomStatusLog
from server.audit.operations import all_chains, verify_chain
from server.auth.actor import Actor
from server.auth.models import User
from server.centre.models import Centre, Room
from server.database import db
from server.demo import history
from server.demo.seed import ADULT_GIVEN, seed_demo
from server.environment.models import Exceedance, Series
from server.inspections.models import StoredFinding
from server.inspections.operations import evaluate_centre
from server.people.models import ChildContact, Contact, Relationship, Sex

# The seed writes through the same operations on either database: PostgreSQL seeds it in the two tests left on both
# (a Monday morning, a seeded week); the other stories are told once, on SQLite (the suite's time, issue #19).
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
# A test marked so starts on a copy of `_seed(MONDAY_MORNING, days=...)`, seeded once per worker (conftest.py).
SEEDED = pytest.mark.seeded_demo

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


@SEEDED(3)
def test_children_are_present_on_a_monday_morning(app):
    assert _present(MONDAY_MORNING) > 20


@SQLITE_ONLY
def test_nobody_is_present_at_night(app):
    _seed(MONDAY_NIGHT)
    assert _present(MONDAY_NIGHT) == 0


@SQLITE_ONLY
def test_nobody_is_present_on_a_national_day_holiday(app):
    _seed(HOLIDAY_MORNING)
    assert _present(HOLIDAY_MORNING) == 0


def _past_week_has_attendance_every_working_day() -> None:
    centre = db.session.execute(select(Centre).where(Centre.code == "demo")).scalar_one()
    present = {r.on for r in attendance_records(centre, Period(date(2026, 8, 31), date(2026, 9, 4))) if r.present}
    assert present == {date(2026, 8, 31), date(2026, 9, 1), date(2026, 9, 2), date(2026, 9, 3), date(2026, 9, 4)}


def _every_sick_day_names_the_disease() -> None:
    sick = db.session.execute(select(Absence.disease).where(Absence.reason == AbsenceReason.SICK)).scalars().all()
    assert sick and all(sick)


@SQLITE_ONLY
@SEEDED(0)
def test_mothers_have_womens_names_and_fathers_mens(app):
    rows = db.session.execute(select(ChildContact.relationship, Contact.name)
                              .join(Contact, Contact.id == ChildContact.contact_id)).all()
    wrong = [(rel, name) for rel, name in rows
             if (rel is Relationship.MOTHER and name[1:] not in ADULT_GIVEN[Sex.FEMALE])
             or (rel is Relationship.FATHER and name[1:] not in ADULT_GIVEN[Sex.MALE])]
    assert wrong == []


@SQLITE_ONLY
@SEEDED(0)
def test_a_second_centre_is_seeded_beside_the_demo_with_its_own_log_ins(app):
    _seed(MONDAY_MORNING, days=0, code="east")
    assert db.session.execute(select(func.count()).select_from(User).where(User.username == "east-director")
                              ).scalar() == 1


def _the_audit_chain_verifies() -> None:
    assert all(verify_chain(chain).ok for chain in all_chains())


@SQLITE_ONLY
@SEEDED(3)
def test_the_seed_is_reproducible(app):
    _seed(MONDAY_MORNING, days=3, code="again")
    names = [db.session.execute(select(Contact.name).join(Centre, Centre.id == Contact.centre_id)
                                .where(Centre.code == code).order_by(Contact.id)).scalars().all()
             for code in ("demo", "again")]
    assert names[0] == names[1]


def _centre(code: str = "demo") -> Centre:
    return db.session.execute(select(Centre).where(Centre.code == code)).scalar_one()


def _the_environment_is_judged_without_waiting_for_the_scheduler() -> None:
    centre = _centre()
    series = db.session.execute(select(Series).where(Series.centre_id == centre.id)).scalars().all()
    assert series and {s.evaluated_to for s in series} == {MONDAY_MORNING.replace(second=0, microsecond=0)}
    # Only the closed windows break a limit (the rooms are neither too warm nor too dry for the season), and the
    # sample fridge's door left ajar once (server/demo/food.py).
    every = db.session.execute(select(Exceedance).where(Exceedance.centre_id == centre.id)).scalars().all()
    assert {x.rule_id for x in every} == {"environment.co2", "environment.fridge"}
    exceedances = [x for x in every if x.rule_id == "environment.co2"]
    assert exceedances
    # Friday afternoon's alert opened and resolved when the scheduler would have raised and ended it, unanswered.
    alert = db.session.get(Alert, exceedances[-1].alert_id)
    assert alert is not None and alert.kind == "environment.exceedance" and alert.acknowledged_at is None
    assert alert.opened_at < alert.resolved_at < MONDAY_MORNING - timedelta(days=2)
    assert alert.resolved_at - alert.opened_at > timedelta(minutes=30)


def _a_compliance_evaluation_finds_the_unanswered_environment_alert(app) -> None:
    run = evaluate_centre(_centre(), sources=app.extensions["tuoyu.compliance_sources"], trigger="test",
                          actor=Actor.system(), now=MONDAY_MORNING)
    rules = db.session.execute(select(StoredFinding.rule_id).where(StoredFinding.run_id == run.id)).scalars().all()
    assert "environment.alert_acknowledgement" in rules


def test_a_seeded_week(app):
    # One seed, several checks: seeding a week costs seconds, so the checks of the same week share it.
    _seed(MONDAY_MORNING, days=7)
    _past_week_has_attendance_every_working_day()
    _every_sick_day_names_the_disease()
    _the_audit_chain_verifies()
    _the_environment_is_judged_without_waiting_for_the_scheduler()
    _a_compliance_evaluation_finds_the_unanswered_environment_alert(app)


def _ratios(code: str) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    centre = _centre(code)
    names = dict(db.session.execute(select(Room.id, Room.name).where(Room.centre_id == centre.id)).all())
    violations = [(names[v.room_id], v.kind, v.opened_at, v.closed_at, v.most_children, v.fewest_caregivers,
                   len(v.child_ids), len(v.staff_ids))
                  for v in db.session.execute(select(RatioViolation).where(RatioViolation.centre_id == centre.id)
                                              .order_by(RatioViolation.id)).scalars()]
    timeline = [(names[r.room_id], r.at, r.state, r.children, r.caregivers)
                for r in db.session.execute(select(RoomStatusLog).where(RoomStatusLog.centre_id == centre.id)
                                            .order_by(RoomStatusLog.id)).scalars()]
    return violations, timeline


@SQLITE_ONLY
def test_the_seed_recomputes_the_rooms_as_if_after_every_scan(app, monkeypatch):
    _seed(MONDAY_MORNING, days=4)
    monkeypatch.setattr(history, "moves_a_room", lambda visit, counted: True)
    seed_demo(code="every", now=MONDAY_MORNING, history_days=4, story=True)  # the demo's staff files, by another code
    db.session.commit()
    seeded, reference = _ratios("demo"), _ratios("every")
    assert seeded[1] and seeded == reference
