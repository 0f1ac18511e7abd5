"""The demo's month of the 表9 register: two minor injuries (one acknowledged, one waiting past its deadline and
signed 5 hours late) and the CCTV retention below 90 days — so the evaluation shows what the product catches."""

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
from server.incidents.lines import report_lines
from server.incidents.models import IncidentReport, ReportStage
from server.incidents.registers import INJURY_REGISTER
from server.inspections.operations import current_findings, evaluate_centre

MONDAY_MORNING = datetime(2026, 9, 7, 2, 30, tzinfo=UTC)  # 10:30 in Shanghai


def test_the_demo_month_shows_what_the_register_catches(app) -> None:  # type: ignore[no-untyped-def]
    seed_demo(code="demo", now=MONDAY_MORNING, history_days=12)
    db.session.commit()
    centre = db.session.execute(select(Centre).where(Centre.code == "demo")).scalar_one()
    rows = list(db.session.execute(select(IncidentReport).order_by(IncidentReport.occurred_at)).scalars())
    lines = report_lines(centre, rows, MONDAY_MORNING)
    assert [(x.values["injury_type"], x.stage) for x in lines] == [
        ("fall", ReportStage.ACKNOWLEDGED), ("foreign_body", ReportStage.AWAITING_ACKNOWLEDGEMENT)]
    assert lines[1].overdue and lines[1].timing is not None and lines[1].timing.report_late
    system = Actor.system()
    evaluate_centre(centre, sources=app.extensions["tuoyu.compliance_sources"], trigger="test", actor=system,
                    now=MONDAY_MORNING)
    found = {(f.rule_id, f.severity) for f in current_findings(centre, actor=system, now=MONDAY_MORNING)}
    assert {("incidents.report_deadline", "warning"), ("incidents.signatures_and_acknowledgement", "warning"),
            ("security.cctv_retention", "violation")} <= found
    register = list(INJURY_REGISTER.rows(centre_record(centre), Period(date(2026, 8, 1), date(2026, 9, 7))))
    assert [r[1] for r in register] == ["原始记录", "原始记录"]


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """The demo's story is the same on either database: told once, on SQLite (tests/server/demo seeds PostgreSQL)."""
    return sqlite_url
