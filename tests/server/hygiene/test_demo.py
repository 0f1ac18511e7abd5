"""The demo's month of 表6: mostly complete, a few days aired once, one ticked-but-unproven airing in a room with
window contacts, a tableware day without a cabinet cycle and steamed 9 minutes, a forgotten toilets line — so the
evaluation shows what the product catches."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from compliance import Period
from server.auth.actor import Actor
from server.centre.models import Centre
from server.centre.records import centre_record
from server.database import db
from server.demo.seed import seed_demo
from server.hygiene.models import HygieneCheck, HygieneSignature, HygieneWindowEvent
from server.hygiene.registers import REGISTER
from server.inspections.operations import current_findings, evaluate_centre

MONDAY_MORNING = datetime(2026, 9, 7, 2, 30, tzinfo=UTC)  # 10:30 in Shanghai


def test_the_demo_month_shows_what_the_checklist_catches(app) -> None:  # type: ignore[no-untyped-def]
    seed_demo(code="demo", now=MONDAY_MORNING, history_days=30)
    db.session.commit()
    centre = db.session.execute(select(Centre).where(Centre.code == "demo")).scalar_one()
    count = lambda model: db.session.execute(select(func.count()).select_from(model)).scalar_one()  # noqa: E731
    assert count(HygieneCheck) > 400 and count(HygieneSignature) > 40 and count(HygieneWindowEvent) > 40
    system = Actor.system()
    evaluate_centre(centre, sources=app.extensions["tuoyu.compliance_sources"], trigger="test", actor=system,
                    now=MONDAY_MORNING)
    found = [f for f in current_findings(centre, actor=system, now=MONDAY_MORNING) if f.rule_id.startswith("hygiene.")]
    ventilation = [f.message_zh for f in found if f.rule_id == "hygiene.ventilation"]
    assert len([m for m in ventilation if "登记但无法证实" in m]) == 2  # both airings of that day
    assert 2 <= len([m for m in ventilation if "少于每日 2 次" in m]) <= 6  # aired once; the back-dated tick
    assert len([f for f in found if f.rule_id == "hygiene.tableware"]) == 1
    assert len([f for f in found if f.rule_id == "hygiene.class_cleaning"]) == 1
    rows = list(REGISTER.rows(centre_record(centre), Period(date(2026, 8, 8), date(2026, 9, 7))))
    assert any("窗磁" in r[4] for r in rows) and any("计时器看错" in r[7] for r in rows)


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """The demo's story is the same on either database: told once, on SQLite (tests/server/demo seeds PostgreSQL)."""
    return sqlite_url
