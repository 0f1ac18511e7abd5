"""The demo's month of UV sessions (issue #18): one session cut short by a check-in so that day lacks 60 minutes,
two refusals, the rest complete — and the pack's evaluation shows the short day under hygiene.uv_lamp."""

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
from server.hygiene.uv_registers import REGISTER
from server.inspections.operations import current_findings, evaluate_centre

MONDAY_MORNING = datetime(2026, 9, 7, 2, 30, tzinfo=UTC)  # 10:30 in Shanghai


def test_the_demo_month_shows_the_cut_off_session(app) -> None:  # type: ignore[no-untyped-def]
    seed_demo(code="demo", now=MONDAY_MORNING, history_days=21)
    db.session.commit()
    centre = db.session.execute(select(Centre).where(Centre.code == "demo")).scalar_one()
    rows = list(REGISTER.rows(centre_record(centre), Period(date(2026, 8, 1), date(2026, 9, 7))))
    kinds = [(r[1], r[5]) for r in rows]
    assert kinds.count(("开启", "有幼儿入室，已切断")) == 1
    assert sorted(k[1] for k in kinds if k[0] == "拒绝开启") == sorted(["有幼儿入室，已切断", "检测到人员活动，已切断"])
    assert sum(1 for r in rows if r[1] == "开启" and r[4] == 60) > len(rows) * 0.8
    system = Actor.system()
    evaluate_centre(centre, sources=app.extensions["tuoyu.compliance_sources"], trigger="test", actor=system,
                    now=MONDAY_MORNING)
    uv = [f for f in current_findings(centre, actor=system, now=MONDAY_MORNING) if f.rule_id == "hygiene.uv_lamp"]
    assert any("20" in f.message_zh and "有幼儿入室" in f.message_zh for f in uv), [f.message_zh for f in uv]


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """The demo's story is the same on either database: told once, on SQLite (tests/server/demo seeds PostgreSQL)."""
    return sqlite_url
