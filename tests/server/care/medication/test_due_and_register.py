"""What the room tablet shows as due, the 服药记录 register and medication's part of the care evidence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from compliance import ComplianceInputs, Period
from compliance.care import CareEvidence
from compliance.evaluators.care import evaluate_care
from compliance.rulebook import effective_rulebook
from server.care.medication.consents import withdraw_consent
from server.care.medication.doses import give_dose
from server.care.medication.due import _current_consents, doses_due
from server.care.medication.registers import MEDICATION_REGISTER, medication_evidence_part
from server.centre.records import centre_record
from server.database import db
from tests.factories import SYSTEM
from tests.server.care.medication.conftest import DAY


def _give(world, consent, at):
    row = give_dose(world.child, consent, drug=consent.drug, dose=Decimal("2.5"), dose_unit="ml", route="口服",
                    given_by=world.giver, witness=world.witness, witness_pin=None, at=at, actor=SYSTEM, now=at)
    db.session.commit()
    return row


def test_doses_due_lists_today_s_times_and_which_were_given(world):
    consent = world.consent()
    before = doses_due([world.child.id, world.other_child.id], world.now)
    assert before[world.other_child.id] == []
    assert [(d.due_at, d.given, d.drug, d.dose, d.unit, d.route) for d in before[world.child.id]] == [
        (datetime(2026, 9, 7, 1, 30, tzinfo=UTC), False, "布洛芬混悬液", Decimal("2.5"), "ml", "口服"),
        (datetime(2026, 9, 7, 7, 0, tzinfo=UTC), False, "布洛芬混悬液", Decimal("2.5"), "ml", "口服")]
    _give(world, consent, world.now + timedelta(minutes=20))
    after = doses_due([world.child.id], world.now + timedelta(minutes=30))[world.child.id]
    assert [(d.consent_id, d.given) for d in after] == [(consent.id, True), (consent.id, False)]
    tomorrow = doses_due([world.child.id], world.now + timedelta(days=1))[world.child.id]
    assert [d.given for d in tomorrow] == [False, False]
    assert doses_due([world.child.id], world.now + timedelta(days=5))[world.child.id] == []  # after the last day


def test_a_withdrawn_consent_is_no_longer_due(world):
    consent = world.consent()
    withdraw_consent(consent, reason="已痊愈", actor=SYSTEM, now=world.now)
    db.session.commit()
    assert doses_due([world.child.id], world.now + timedelta(minutes=1)) == {world.child.id: []}


def test_the_register_lists_each_dose_with_names_and_no_mismatch(world):
    consent = world.consent()
    _give(world, consent, world.now + timedelta(minutes=5))
    rows = list(MEDICATION_REGISTER.rows(centre_record(world.centre), Period(DAY, DAY)))
    assert rows == [(DAY, "09:35", world.child.id, "王小明", "布洛芬混悬液", "2.5ml", "口服", consent.id,
                     consent.request_id, "李丽（2026-09-07 09:30）", "家长手机", "张老师", "刘老师", "")]
    assert list(MEDICATION_REGISTER.rows(centre_record(world.centre), Period(DAY + timedelta(days=1),
                                                                             DAY + timedelta(days=1)))) == []
    assert [c.key for c in MEDICATION_REGISTER.columns] == ["on", "at", "child_id", "name", "drug", "dose", "route",
                                                            "consent", "request", "signed_by", "signed_via",
                                                            "given_by", "witness", "refusals"]


def test_the_evidence_part_feeds_the_care_evaluator(world):
    consent = world.consent()
    _give(world, consent, world.now)
    part = medication_evidence_part(world.centre, Period(DAY, DAY))
    assert ([c.id for c in part.consents], [d.consent_id for d in part.doses]) == ([consent.id], [consent.id])
    inputs = ComplianceInputs(centre=centre_record(world.centre),
                              care=CareEvidence(consents=part.consents, doses=part.doses))
    findings = [f for f in evaluate_care(inputs, effective_rulebook(None, None, DAY), Period(DAY, DAY))
                if f.rule_id == "care.medication_consent"]
    assert findings == []


def test_only_consents_around_today_are_loaded(world):
    # Last month's consent and next month's are left in the database (the SQL filter), today's is read.
    past = world.consent(first_day=DAY - timedelta(days=40), last_day=DAY - timedelta(days=30),
                         now=world.now - timedelta(days=40))
    today = world.consent()
    future = world.consent(first_day=DAY + timedelta(days=30), last_day=DAY + timedelta(days=31))
    loaded = [c.id for c in _current_consents([world.child.id], world.now)]
    assert today.id in loaded and past.id not in loaded and future.id not in loaded
    assert {d.consent_id for d in doses_due([world.child.id], world.now)[world.child.id]} == {today.id}


def test_a_consent_corrected_to_other_days_is_no_longer_due(world):
    consent = world.consent()
    world.consent(amends=consent, reason="改到下周", first_day=DAY + timedelta(days=7), last_day=DAY + timedelta(days=9))
    assert doses_due([world.child.id], world.now) == {world.child.id: []}
    assert [d.due_at.date() for d in doses_due([world.child.id], world.now + timedelta(days=7))[world.child.id]] == [
        DAY + timedelta(days=7)] * 2

