"""The demo's month of menus and its 膳食费 account: what the pack should show the product catches."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from server.auth.actor import Actor
from server.centre.models import Centre
from server.database import db
from server.demo.seed import seed_demo
from server.inspections.models import StoredFinding
from server.inspections.operations import evaluate_centre
from server.meals.models import MealFeePublication, MenuVersion
from server.meals.operations import published_week
from server.meals.served import served_dishes

MONDAY_MORNING = datetime(2026, 12, 7, 2, 30, tzinfo=UTC)  # 10:30 in Shanghai


def test_the_demo_month_has_menus_a_late_one_a_revision_warnings_and_a_fee_finding(app) -> None:  # type: ignore[no-untyped-def]
    seed_demo(code="demo", now=MONDAY_MORNING, history_days=30)
    db.session.commit()
    centre = db.session.execute(select(Centre).where(Centre.code == "demo")).scalar_one()
    versions = db.session.execute(select(MenuVersion).where(MenuVersion.centre_id == centre.id)).scalars().all()
    published = [v for v in versions if v.published_at is not None]
    assert len({v.week_of for v in published}) == 5  # the weeks from 2026-11-02 to this one
    assert max(v.version_no for v in published) == 2
    assert any(v.published_at is None and v.week_of == date(2026, 12, 14) for v in versions)  # next week: a draft
    this_week = published_week(centre, date(2026, 12, 7), actor=Actor.system(), now=MONDAY_MORNING)
    assert this_week.warnings and {w.allergen for w in this_week.warnings} & {"eggs", "milk"}
    assert served_dishes(centre.id, date(2026, 12, 7), date(2026, 12, 7))
    fee = db.session.execute(select(MealFeePublication)).scalar_one()
    assert fee.month == date(2026, 11, 1) and 3 < (fee.income_fen - fee.spending_fen) * 100 / fee.income_fen < 3.5
    run = evaluate_centre(centre, sources=app.extensions["tuoyu.compliance_sources"], trigger="test",
                          actor=Actor.system(), now=MONDAY_MORNING)
    rules = db.session.execute(select(StoredFinding.rule_id).where(StoredFinding.run_id == run.id)).scalars().all()
    assert "food.weekly_menu" in rules and "fees.meal_fee_balance" in rules


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """The demo's story is the same on either database: told once, on SQLite (tests/server/demo seeds PostgreSQL)."""
    return sqlite_url
