"""The demo's 晨检 story: a month of checks at the door with a few missed, past abnormal checks closed (one late),
and this morning in progress: most checked, two waiting (one abnormal kiosk screen on top), one follow-up open."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from compliance import Period
from compliance.health import CheckResult, follow_up_overdue, morning_check_of
from server.auth.actor import Actor
from server.centre.models import Centre
from server.centre.rules import effective_rules
from server.database import db
from server.demo.seed import seed_demo
from server.health.checks.operations import present_children
from server.health.checks.queries import morning_queue
from server.health.checks.registers import check_records

MONDAY_AFTERNOON = datetime(2026, 9, 7, 7, 30, tzinfo=UTC)  # 15:30 in Shanghai, everyone in


@pytest.fixture
def demo(app):  # type: ignore[no-untyped-def]
    seed_demo(code="demo", now=MONDAY_AFTERNOON, history_days=14)
    db.session.commit()
    return db.session.execute(select(Centre).where(Centre.code == "demo")).scalar_one()


def test_this_morning_is_in_progress_after_a_month_with_a_few_missed_and_one_late_follow_up(demo):
    """One seed (it takes a while) for both halves of the story."""
    queue = morning_queue(demo, actor=Actor.system(), now=MONDAY_AFTERNOON)
    assert [i.status for i in queue.to_check] == ["abnormal_screen", "missing"]
    today = [f for f in queue.follow_ups if f.line.row.on == date(2026, 9, 7)]
    assert len(today) == 1 and today[0].line.row.to_observation_room and today[0].line.notified_at is not None
    assert queue.present > 20 and queue.done == queue.present - 2 and queue.abnormal == 1

    month = Period(date(2026, 8, 24), date(2026, 9, 4))
    records = check_records(demo, month)
    present = {(child, day) for day in month.each_day() for child in present_children(demo.id, day)}
    missed = [(c, d) for c, d in present if morning_check_of(records, c, d) is None]
    assert 1 <= len(missed) <= 6 and len(records) >= len(present) - 6
    abnormal = [r for r in records if r.result is CheckResult.ABNORMAL]
    rules = effective_rules(demo, month.end)
    assert all(r.follow_up_closed_at is not None for r in abnormal)
    assert sum(follow_up_overdue(r, MONDAY_AFTERNOON, rules) for r in abnormal) == 1
    assert {r.checked_by for r in records} == {"吴保健"}


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """The demo's story is the same on either database: told once, on SQLite (tests/server/demo seeds PostgreSQL)."""
    return sqlite_url
