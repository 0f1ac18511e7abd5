"""Two tablets giving the same dose at once store one: the consent's row is locked before its doses are read; two
phones signing the same request at once make one consent.

PostgreSQL only: SQLite's transactions are IMMEDIATE (one writer at a time), and it has no FOR UPDATE.
"""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from sqlalchemy import event, func, select, text

from server.care.medication.consents import withdraw_consent
from server.care.medication.doses import DoseRefused, give_dose
from server.care.medication.models import MedicationConsent, MedicationDose, MedicationRequest
from server.care.medication.requests import request_consent, sign_request
from server.database import db
from server.errors import Conflict
from server.people.models import Child, Staff
from tests.factories import SYSTEM, link, make_contact
from tests.server.care.medication.conftest import signature_png


@pytest.fixture
def database_url(postgres_url: str) -> str:
    """PostgreSQL only, and no skip: row locks are PostgreSQL's (SQLite's transactions are IMMEDIATE)."""
    return postgres_url


@pytest.fixture
def postgresql(app):  # type: ignore[no-untyped-def]
    assert db.engine.dialect.name == "postgresql"
    return app


def _give(child: Child, consent: MedicationConsent, giver: Staff, witness: Staff, now):  # type: ignore[no-untyped-def]
    return give_dose(child, consent, drug=consent.drug, dose=Decimal("2.5"), dose_unit="ml", route="口服",
                     given_by=giver, witness=witness, witness_pin=None, actor=SYSTEM, now=now)


def _waiting_on_a_lock() -> bool:
    """Whether another session of this database is waiting for a lock (the second tablet, at the consent)."""
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                 "AND wait_event_type = 'Lock'")).scalar_one() > 0


def test_two_tablets_giving_the_same_dose_at_once_store_one(postgresql, world):
    consent = world.consent(max_doses_per_day=1)
    ids = (world.child.id, consent.id, world.giver.id, world.witness.id)
    outcome: list[object] = []
    errors: list[BaseException] = []
    finished = threading.Event()

    def second_tablet() -> None:
        try:
            with postgresql.app_context():
                child, row = db.session.get(Child, ids[0]), db.session.get(MedicationConsent, ids[1])
                giver, witness = db.session.get(Staff, ids[2]), db.session.get(Staff, ids[3])
                try:
                    _give(child, row, giver, witness, world.now)
                    db.session.commit()
                    outcome.append("stored")
                except DoseRefused as exc:
                    db.session.rollback()
                    outcome.append([r.value for r in exc.refusals])
                finally:
                    db.session.remove()
        except BaseException as exc:  # surfaced below: the thread's failure must fail the test
            errors.append(exc)
        finally:
            finished.set()

    # The first tablet has given the dose and not yet committed when the second one asks.
    _give(world.child, consent, world.giver, world.witness, world.now)
    thread = threading.Thread(target=second_tablet)
    thread.start()
    for _ in range(1000):  # until the second tablet waits for a lock (or, were there none, has finished)
        if finished.is_set() or _waiting_on_a_lock():
            break
        finished.wait(0.01)
    db.session.commit()
    thread.join(timeout=30)
    assert not thread.is_alive() and errors == []
    assert outcome == [["daily_limit"]]
    assert db.session.execute(select(func.count()).select_from(MedicationDose)).scalar_one() == 1


def test_every_change_that_reads_the_doses_locks_the_consent_first(postgresql, world):
    consent = world.consent()
    statements: list[str] = []

    def capture(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        _give(world.child, consent, world.giver, world.witness, world.now)
        given = list(statements)
        statements.clear()
        withdraw_consent(consent, reason="已痊愈", actor=SYSTEM, now=world.now)
        withdrawn = list(statements)
        statements.clear()
        other = world.consent(drug="蒙脱石散")
        statements.clear()
        correction = request_consent(world.child, drug="蒙脱石散", dose=Decimal("1"), dose_unit="袋", route="口服",
                                     times=["10:00"], first_day=other.first_day, last_day=other.last_day,
                                     amends=other, reason="剂量更正", actor=SYSTEM, now=world.now)
        requested = list(statements)
        statements.clear()
        sign_request(correction, contact=world.guardian, signature_png=signature_png(), actor=world.parent_actor(),
                     now=world.now)
        amended = list(statements)
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)

    def lock_before_doses(issued: list[str]) -> bool:
        lock = next(i for i, s in enumerate(issued) if "FROM medication_consent" in s and s.endswith("FOR UPDATE"))
        reads = [i for i, s in enumerate(issued) if "FROM medication_dose" in s or "FROM medication_consent_withdrawal" in s]
        return all(lock < i for i in reads)

    assert all(lock_before_doses(issued) for issued in (given, withdrawn, requested, amended))


def test_two_guardians_signing_one_request_at_once_make_one_consent(postgresql, world):
    father = make_contact(world.centre, world.now, name="王爸爸")
    link(world.child, father, world.now)
    request = world.request()
    db.session.commit()
    ids = (request.id, father.id)
    outcome: list[str] = []
    errors: list[BaseException] = []
    finished = threading.Event()

    def second_phone() -> None:
        try:
            with postgresql.app_context():
                try:
                    sign_request(db.session.get(MedicationRequest, ids[0]), contact=ids[1],
                                 signature_png=signature_png(), actor=SYSTEM, now=world.now)
                    db.session.commit()
                    outcome.append("signed")
                except Conflict as exc:
                    db.session.rollback()
                    outcome.append(exc.code)
                finally:
                    db.session.remove()
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            finished.set()

    # The mother has signed and not yet committed when the father's phone signs too.
    sign_request(request, contact=world.guardian, signature_png=signature_png(), actor=world.parent_actor(),
                 now=world.now)
    thread = threading.Thread(target=second_phone)
    thread.start()
    for _ in range(1000):
        if finished.is_set() or _waiting_on_a_lock():
            break
        finished.wait(0.01)
    db.session.commit()
    thread.join(timeout=30)
    assert not thread.is_alive() and errors == []
    assert outcome == ["already_signed"]
    assert db.session.execute(select(func.count()).select_from(MedicationConsent)).scalar_one() == 1
