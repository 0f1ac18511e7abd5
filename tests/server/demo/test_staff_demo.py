"""The demo's staff files (issue #14): everyone has a file, and exactly the planned imperfections show."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from compliance import Period
from compliance.staffing import default_catalogue
from server.alerts.models import Alert
from server.attendance.models import AttendanceEvent, AttendanceKind
from server.attendance.operations.kiosk_events import NOT_CERTIFIED
from server.attendance.rooms.models import RatioViolation
from server.auth.actor import Actor
from server.centre.models import Centre
from server.database import db
from server.demo.seed import seed_demo
from server.demo.staff import EXPIRING_IN_DAYS, StaffStory, last_working_days
from server.inspections.models import StoredFinding
from server.inspections.operations import evaluate_centre, write_pack
from server.people.idnumber import id_number_problem
from server.people.models import Staff, StaffRole
from server.people.staff_models import BannedPerson, EmploymentEventKind, StaffEmploymentEvent
from server.staff.models import Shift, StaffCredential, StaffDocument
from server.staff.training_models import TrainingEntry

MONDAY_MORNING = datetime(2026, 9, 7, 2, 30, tzinfo=UTC)  # 10:30 in Shanghai
TODAY = date(2026, 9, 7)
SHANGHAI = ZoneInfo("Asia/Shanghai")
SYSTEM = Actor.system()


def _seed(code: str = "demo", days: int = 3) -> Centre:
    seed_demo(code=code, now=MONDAY_MORNING, history_days=days)
    db.session.commit()
    return db.session.execute(select(Centre).where(Centre.code == code)).scalar_one()


def _demo() -> Centre:
    """The demo centre of a test marked ``seeded_demo``: it starts on a copy of ``_seed(days=...)`` (conftest.py)."""
    return db.session.execute(select(Centre).where(Centre.code == "demo")).scalar_one()


def _staff(centre: Centre) -> list[Staff]:
    return list(db.session.execute(select(Staff).where(Staff.centre_id == centre.id).order_by(Staff.id)).scalars())


def _story(centre: Centre) -> StaffStory:
    """The planned imperfections, found back from the records the seed wrote."""
    people = _staff(centre)
    health = {c.staff_id: c for c in db.session.execute(select(StaffCredential).where(
        StaffCredential.centre_id == centre.id, StaffCredential.type_code == "health_certificate")).scalars()}
    skilled = set(db.session.execute(select(StaffCredential.staff_id).where(StaffCredential.type_code.in_(
        ("childcare_worker", "infant_carer", "kindergarten_teacher")))).scalars())
    drilled = set(db.session.execute(select(TrainingEntry.staff_id).where(
        TrainingEntry.centre_id == centre.id, TrainingEntry.category == "emergency")).scalars())
    expired_on = last_working_days(TODAY, 2)[-1] - timedelta(days=1)
    return StaffStory(
        expiring=next(s.id for s in people if health[s.id].expires_on == TODAY + timedelta(days=EXPIRING_IN_DAYS)),
        expired=next(s.id for s in people if health[s.id].expires_on == expired_on), expired_on=expired_on,
        unqualified=next(s.id for s in people if s.role is StaffRole.CAREGIVER and s.id not in skilled),
        untrained=next(s.id for s in people if s.id not in drilled))


@pytest.mark.seeded_demo(0)
def test_every_demo_staff_member_has_a_valid_identity_number_and_a_file_for_their_role(app):
    centre = _demo()
    people = _staff(centre)
    held: dict[int, set[str]] = {}
    for staff_id, code in db.session.execute(select(StaffCredential.staff_id, StaffCredential.type_code)
                                             .where(StaffCredential.centre_id == centre.id)).all():
        held.setdefault(staff_id, set()).add(code)
    catalogue = default_catalogue()
    gaps = {s.name: [r.codes for r in catalogue.requirements(s.role.value) if not held.get(s.id, set()) & set(r.codes)]
            for s in people}
    assert [id_number_problem(s.id_number or "") for s in people] == [None] * len(people)
    # Only the new hire's skill certificate is still to come.
    assert {name: gap for name, gap in gaps.items() if gap} == {
        next(s.name for s in people if s.hired_on > date(2026, 1, 1)): [("childcare_worker", "infant_carer")]}


@pytest.mark.seeded_demo(0)
def test_the_files_hold_scans_managers_a_role_change_and_a_ban(app):
    centre = _demo()
    documents = db.session.execute(select(StaffDocument).where(StaffDocument.centre_id == centre.id)).scalars().all()
    events = db.session.execute(select(StaffEmploymentEvent).where(StaffEmploymentEvent.centre_id == centre.id)
                                ).scalars().all()
    managed = {e.staff_id for e in events if e.kind is EmploymentEventKind.MANAGER}
    bans = db.session.execute(select(BannedPerson).where(BannedPerson.centre_id == centre.id)).scalars().all()
    assert documents and {d.content_type for d in documents} == {"application/pdf"}
    assert managed == {s.id for s in _staff(centre) if s.role is not StaffRole.DIRECTOR}
    assert [e.role for e in events if e.kind is EmploymentEventKind.ROLE] == [StaffRole.TEACHER]
    assert [(b.is_lifetime, b.source.value, id_number_problem(b.id_number)) for b in bans] == [(True, "court", None)]


def _exactly_the_planned_imperfections_show_as_staff_findings(app, centre: Centre) -> None:
    story = _story(centre)
    run = evaluate_centre(centre, sources=app.extensions["tuoyu.compliance_sources"], trigger="test", actor=SYSTEM,
                          now=MONDAY_MORNING)
    findings = {(f.rule_id, f.evidence[0]) for f in db.session.execute(
        select(StoredFinding).where(StoredFinding.run_id == run.id)).scalars() if f.rule_id.startswith("staff.")}
    assert findings == {
        ("staff.credential_expiry_warning", f"staff:{story.expiring}"),
        ("staff.health_certificate", f"staff:{story.expired}"),
        ("staff.uncertified_on_duty", f"staff:{story.expired}"),
        ("staff.qualification", f"staff:{story.unqualified}"),
        ("staff.emergency_training", f"staff:{story.untrained}"),
    }


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # told once: the suite's time (#19)
def test_the_second_centre_has_no_staff_findings(app):
    centre = _seed(code="east", days=3)
    run = evaluate_centre(centre, sources=app.extensions["tuoyu.compliance_sources"], trigger="test", actor=SYSTEM,
                          now=MONDAY_MORNING)
    rules = db.session.execute(select(StoredFinding.rule_id).where(StoredFinding.run_id == run.id)).scalars().all()
    assert [r for r in rules if r.startswith("staff.")] == []


def _the_director_has_the_expiry_alerts_and_the_flagged_check_ins(centre: Centre) -> None:
    story = _story(centre)
    alerts = db.session.execute(select(Alert).where(Alert.centre_id == centre.id, Alert.resolved_at.is_(None))
                                ).scalars().all()
    expiry = {(a.kind, a.subject["staff"], a.subject["stage"]) for a in alerts if a.kind.startswith("staff.")}
    check_ins = db.session.execute(select(AttendanceEvent.at).where(
        AttendanceEvent.staff_id == story.expired, AttendanceEvent.kind == AttendanceKind.CHECK_IN)
        .order_by(AttendanceEvent.at)).scalars().all()
    assert expiry == {("staff.credential_expiring", story.expiring, 30), ("staff.credential_expired", story.expired, 0)}
    assert [at.astimezone(SHANGHAI).date() for at in check_ins] == sorted(last_working_days(TODAY, 2))
    assert all(NOT_CERTIFIED in e.flags for e in db.session.execute(select(AttendanceEvent).where(
        AttendanceEvent.staff_id == story.expired, AttendanceEvent.kind == AttendanceKind.CHECK_IN)).scalars())


def _the_rooms_are_in_ratio_this_morning_without_the_expired_caregiver(centre: Centre) -> None:
    story = _story(centre)
    open_violations = db.session.execute(select(RatioViolation).where(
        RatioViolation.centre_id == centre.id, RatioViolation.closed_at.is_(None))).scalars().all()
    assert open_violations == []
    assert db.session.execute(select(AttendanceEvent.id).where(AttendanceEvent.staff_id == story.unqualified)
                              ).first() is None  # in 岗前 training, not on the floor


def _the_roster_covers_the_current_week_with_everyone_certified(centre: Centre) -> None:
    story = _story(centre)
    week = [TODAY + timedelta(days=i) for i in range(5)]  # Monday to Friday, no holiday that week
    shifts = db.session.execute(select(Shift).where(Shift.centre_id == centre.id, Shift.day >= TODAY)).scalars().all()
    rostered = {day: {s.staff_id for s in shifts if s.day == day} for day in week}
    on_floor = {s.id for s in _staff(centre)} - {story.expired, story.unqualified}
    homes = {s.id: s.home_room_id for s in _staff(centre)}
    assert rostered == {day: on_floor for day in week}
    assert all(s.room_id in (None, homes[s.staff_id]) for s in shifts)


def _the_demo_pack_holds_the_staff_registers(app, centre: Centre) -> None:
    out = io.BytesIO()
    write_pack(centre, Period(TODAY - timedelta(days=6), TODAY), out, sources=app.extensions["tuoyu.compliance_sources"],
               actor=SYSTEM, now=MONDAY_MORNING)
    with zipfile.ZipFile(out) as zf:
        counts = {name: len(list(csv.reader(io.StringIO(zf.read(f"registers/{name}").decode("utf-8-sig"))))) - 1
                  for name in ("从业人员资质登记.csv", "培训记录.csv", "持证上岗率.csv", "排班记录.csv")}
    assert all(count > 0 for count in counts.values()), counts


@pytest.mark.seeded_demo(3)
def test_the_seeded_demo_tells_the_staff_story(app):
    # One seed (shared, conftest.py), several checks of the same seeded days (a seed costs seconds).
    centre = _demo()
    _exactly_the_planned_imperfections_show_as_staff_findings(app, centre)
    _the_director_has_the_expiry_alerts_and_the_flagged_check_ins(centre)
    _the_rooms_are_in_ratio_this_morning_without_the_expired_caregiver(centre)
    _the_roster_covers_the_current_week_with_everyone_certified(centre)
    _the_demo_pack_holds_the_staff_registers(app, centre)
