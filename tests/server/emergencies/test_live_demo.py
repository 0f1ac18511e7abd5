"""The demo's live emergencies: a smoke alarm lived to its review, a missing child closed but never reviewed."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from compliance import Period
from server.auth.actor import Actor
from server.centre.models import Centre
from server.centre.records import centre_record
from server.database import db
from server.demo.seed import seed_demo
from server.emergencies.followups import follow_ups_of, status_of
from server.emergencies.live_models import Emergency, TimelineEntry, TimelineKind
from server.emergencies.live_registers import EMERGENCY_REGISTER
from server.inspections.operations import current_findings, evaluate_centre

MONDAY_MORNING = datetime(2026, 9, 7, 2, 30, tzinfo=UTC)  # 10:30 in Shanghai


@pytest.fixture
def demo(app):  # type: ignore[no-untyped-def]
    seed_demo(code="demo", now=MONDAY_MORNING, history_days=20)
    db.session.commit()
    return db.session.execute(select(Centre).where(Centre.code == "demo")).scalar_one()


def test_the_demo_holds_both_emergencies_and_the_pack_catches_the_unreviewed_one(app, demo):
    """One seed (it takes a while) for the whole story."""
    garden, kitchen = db.session.execute(select(Emergency).where(Emergency.centre_id == demo.id)
                                         .order_by(Emergency.opened_at)).scalars().all()
    kinds = {e.id: [t.kind for t in db.session.execute(select(TimelineEntry).where(
        TimelineEntry.emergency_id == e.id).order_by(TimelineEntry.id)).scalars()] for e in (garden, kitchen)}
    assert (kitchen.source.value, status_of(kitchen).value) == ("smoke", "complete")
    assert kinds[kitchen.id][0] is TimelineKind.OPENED and TimelineKind.ROLLCALL_COMPLETE in kinds[kitchen.id]
    assert TimelineKind.NOTIFIED in kinds[kitchen.id] and kinds[kitchen.id][-1] is TimelineKind.CLOSED
    assert (garden.source.value, garden.kind.value, status_of(garden).value) == ("manual", "missing_child", "closed")
    assert [TimelineKind.CHILD_MISSING, TimelineKind.PERSON_FOUND] == [
        k for k in kinds[garden.id] if k in (TimelineKind.CHILD_MISSING, TimelineKind.PERSON_FOUND)]
    [(task, done)] = follow_ups_of([garden.id])
    assert (done, task.due_on < date(2026, 9, 7)) == (None, True)
    evaluate_centre(demo, sources=app.extensions["tuoyu.compliance_sources"], trigger="test", actor=Actor.system(),
                    now=MONDAY_MORNING)
    findings = [f for f in current_findings(demo, actor=Actor.system(), now=MONDAY_MORNING)
                if f.rule_id == "emergency.response_record"]
    assert sorted(f.severity for f in findings) == ["violation", "warning"]
    rows = list(EMERGENCY_REGISTER.rows(centre_record(demo), Period(date(2026, 8, 1), date(2026, 9, 7))))
    assert [r[1] for r in rows] == ["幼儿走失", "火灾"] and "所有幼儿均安全" in rows[1][9]


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """The demo's story is the same on either database: told once, on SQLite (tests/server/demo seeds PostgreSQL)."""
    return sqlite_url
