"""The demo's health profiles: structured allergies mirror what the office typed, and the planned imperfections show."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from compliance.health import GrowthStatus
from server.attendance.models import AttendanceEvent, AttendanceKind
from server.audit.models import AuditEntry
from server.centre.models import Centre
from server.centre.rules import effective_rules
from server.database import db
from server.demo.health_profile import TYPED
from server.demo.seed import seed_demo
from server.health.profile import growth as growth_ops
from server.health.profile import operations as ops
from server.health.profile.models import ChronicCondition, ConditionClosure
from server.people.models import Child

MONDAY_MORNING = datetime(2026, 9, 7, 2, 30, tzinfo=UTC)  # 10:30 in Shanghai
TODAY = date(2026, 9, 7)


def test_the_demo_profiles(app) -> None:
    seed_demo(code="demo", now=MONDAY_MORNING, history_days=3)
    db.session.commit()
    centre = db.session.execute(select(Centre).where(Centre.code == "demo")).scalar_one()
    children = list(db.session.execute(select(Child).where(Child.centre_id == centre.id)).scalars())
    badges = ops.active_allergies([c.id for c in children], TODAY)
    for child in children:
        typed = TYPED.get((child.allergies or "").strip())
        if typed is not None:
            assert typed[0] in [b.code for b in badges[child.id]], child.allergies
    rules = effective_rules(centre, TODAY)
    statuses = {s for c in children for s in (growth_ops.growth_of(c, rules) or [(None, None)])[-1][1].statuses} \
        if all(growth_ops.growth_of(c, rules) for c in children) else set()
    assert GrowthStatus.STUNTED in statuses and GrowthStatus.OVERWEIGHT in statuses
    exams = [ops.entry_exam_status(c, TODAY, rules) for c in children]
    assert sum(not e.vaccination_checked for e in exams) == 1
    assert sum(e.needs_new_exam for e in exams) == 1
    away = next(e for e in exams if e.needs_new_exam)
    assert away.absent_from == TODAY - timedelta(days=150) and away.back_on >= TODAY - timedelta(days=7)
    # that last day was entered through attendance's own correction: a manual check-in with its reason, audited
    child_id = away.last_exam.child_id
    event = db.session.execute(select(AttendanceEvent).where(
        AttendanceEvent.child_id == child_id, AttendanceEvent.at < datetime(2026, 5, 1, tzinfo=UTC))).scalar_one()
    assert (event.method, event.kind, event.note) == ("manual", AttendanceKind.CHECK_IN, "补录纸质签到：长期请假前最后一次入园")
    assert db.session.execute(select(AuditEntry).where(
        AuditEntry.action == "attendance.correct", AuditEntry.object_id == str(event.id))).scalar_one() is not None
    assert len(list(db.session.execute(select(ChronicCondition)).scalars())) == 2
    assert len(list(db.session.execute(select(ConditionClosure)).scalars())) == 1


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """The demo's story is the same on either database: told once, on SQLite (tests/server/demo seeds PostgreSQL)."""
    return sqlite_url
