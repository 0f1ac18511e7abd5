"""The demo's 表4 agrees with its month of attendance: an outbreak alert open, one child excluded today and not in,
a case closed by a return certificate, nobody present while excluded, the days kept out are sick days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from compliance import Period
from compliance.health import is_excluded
from server.alerts.models import Alert
from server.centre.models import Centre
from server.database import db
from server.demo.seed import seed_demo
from server.health.illness.cases import current_cases, excluded_children
from server.health.illness.outbreak import OUTBREAK_KIND
from server.inspections.sources import app_sources

MONDAY_MORNING = datetime(2026, 9, 7, 2, 30, tzinfo=UTC)  # 10:30 in Shanghai


@pytest.fixture
def demo(app):
    seed_demo(code="demo", now=MONDAY_MORNING, history_days=30)
    db.session.commit()
    return db.session.execute(select(Centre).where(Centre.code == "demo")).scalar_one()


def test_the_demo_tells_the_illness_story(demo):
    today = MONDAY_MORNING.date()
    views = current_cases(demo.id)
    records = [v.record for v in views]
    assert {v.row.disease for v in views} == {"手足口病", "水痘"}
    assert any(v.certificate is not None for v in views)
    [excluded] = excluded_children(demo.id, today).values()
    assert excluded.disease == "手足口病"
    [alert] = db.session.execute(select(Alert).where(Alert.kind == OUTBREAK_KIND)).scalars().all()
    assert alert.resolved_at is None and alert.subject["room"] == excluded.class_id
    lines = app_sources().evidence["attendance"](demo, Period(today - timedelta(days=30), today))
    present_while_excluded = [r for r in lines if r.present and is_excluded(records, r.child_id, r.on)]
    assert present_while_excluded == []
    kept_out = [r for r in lines if r.expected and not r.present and is_excluded(records, r.child_id, r.on)]
    assert kept_out and {(r.absence_reason, r.disease) for r in kept_out} <= {("sick", "手足口病"), ("sick", "水痘")}


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """The demo's story is the same on either database: told once, on SQLite (tests/server/demo seeds PostgreSQL)."""
    return sqlite_url
