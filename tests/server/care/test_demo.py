"""The demo's care: a month of naps and checks with the imperfections the rules catch, and this morning in progress."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from compliance import Period
from compliance.care import CareEvidence
from compliance.evaluators.care import evaluate_care
from compliance.records import ComplianceInputs
from server.alerts.models import Alert
from server.audit.operations import all_chains, verify_chain
from server.care.models import CareEntry, Nap, NapCheck, NapEnd, OutdoorExemption
from server.care.registers import care_evidence_part
from server.centre.models import Centre
from server.centre.records import centre_record
from server.centre.rules import effective_rules
from server.database import db
from server.demo.seed import seed_demo

MONDAY_MORNING = datetime(2026, 9, 7, 2, 30, tzinfo=UTC)  # 10:30 in Shanghai


def test_the_demo_month_and_this_morning(app):
    seed_demo(code="demo", now=MONDAY_MORNING, history_days=10)
    db.session.commit()
    centre = db.session.scalars(select(Centre).where(Centre.code == "demo")).one()
    today = MONDAY_MORNING.date()
    ended = select(NapEnd.nap_id)
    running = db.session.scalars(select(Nap).where(Nap.id.not_in(ended))).all()
    assert len({n.room_id for n in running}) == 2 and all(n.day == today for n in running)
    checks = db.session.scalars(select(NapCheck).where(NapCheck.nap_id.in_([n.id for n in running]))).all()
    assert {c.nap_id for c in checks} == {n.id for n in running}  # every running nap has been checked
    [alert] = db.session.scalars(select(Alert).where(Alert.kind == "care.nap_patrol", Alert.resolved_at.is_(None)))
    assert alert.subject["nap"] in {n.id for n in running}
    acknowledged = db.session.scalars(select(CareEntry).where(CareEntry.allergy_acknowledged.is_(True))).all()
    assert len(acknowledged) == 1 and acknowledged[0].at.date() == today
    assert db.session.scalars(select(OutdoorExemption)).first() is not None
    period = Period(today - timedelta(days=10), today)
    evidence = CareEvidence(**care_evidence_part(centre, period))
    assert len(evidence.naps) > 100 and len(evidence.nap_checks) > 1000
    findings = evaluate_care(ComplianceInputs(centre=centre_record(centre), as_of=MONDAY_MORNING, care=evidence),
                             effective_rules(centre, today), period)
    by_rule = {rule: [f for f in findings if f.rule_id == rule] for rule in
               ("care.nap_patrol", "care.nap_position", "care.outdoor_time")}
    assert by_rule["care.nap_patrol"] and len(by_rule["care.nap_position"]) == 1 and by_rule["care.outdoor_time"]
    assert all(verify_chain(chain).ok for chain in all_chains())


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """The demo's story is the same on either database: told once, on SQLite (tests/server/demo seeds PostgreSQL)."""
    return sqlite_url
