"""The demo's medication: a month of requests signed on the guardian's phone and their doses, and today's 09:30
dose given with the 15:00 one due."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from compliance import Period
from server.care.medication.due import doses_due
from server.care.medication.models import MedicationConsent, MedicationDose
from server.care.medication.registers import MEDICATION_REGISTER
from server.centre.records import centre_record
from server.database import db
from server.demo.medication import seed_medication
from tests.server.care.medication.conftest import DAY


def test_the_demo_month_and_today_s_morning(world):
    now = world.now + timedelta(hours=2)  # 11:30 in Shanghai
    seed_medication(world.centre, start=DAY - timedelta(days=30), now=now, rng=random.Random(7))
    db.session.commit()
    consents = db.session.execute(select(func.count()).select_from(MedicationConsent)).scalar_one()
    doses = db.session.execute(select(func.count()).select_from(MedicationDose)).scalar_one()
    assert consents >= 3 and doses >= 7
    due = [d for items in doses_due([world.child.id, world.other_child.id], now).values() for d in items]
    assert [d.given for d in due] == [True, False]
    rows = list(MEDICATION_REGISTER.rows(centre_record(world.centre), Period(DAY - timedelta(days=30), DAY)))
    assert len(rows) == doses and all(row[-1] == "" for row in rows)  # nothing given outside a consent
    # Every consent is a request a caregiver typed and the guardian signed on their phone, as their own account.
    signed = db.session.execute(select(MedicationConsent.request_id, MedicationConsent.signed_via,
                                       MedicationConsent.recorded_by_id)).all()
    assert {(r is not None, str(v), u) for r, v, u in signed} == {(True, "phone", world.parent.user.id)}


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """The demo's story is the same on either database: told once, on SQLite (tests/server/demo seeds PostgreSQL)."""
    return sqlite_url
