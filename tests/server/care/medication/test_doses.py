"""Giving a dose: only within the guardian's consent, with a second member of staff as witness and their PIN."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from server.audit.models import AuditEntry
from server.care.medication.models import MedicationDose
from server.care.operations.common import OLDEST_ENTRY
from server.database import db
from tests.server.care.medication.conftest import DAY, WITNESS_PIN


def _body(world, consent, **overrides):
    body = {"consent_id": consent.id if consent is not None else None, "drug": "布洛芬混悬液", "dose": "2.5",
            "dose_unit": "ml", "route": "口服", "witness_id": world.witness.id, "witness_pin": WITNESS_PIN}
    return {**body, **overrides}


def _give(client, world, consent, child=None, headers=None, **overrides):
    return client.post(f"/api/v1/children/{(child or world.child).id}/medication-doses",
                       json=_body(world, consent, **overrides), headers={**world.caregiver.headers, **(headers or {})})


def _stored() -> int:
    return db.session.execute(select(func.count()).select_from(MedicationDose)).scalar_one()


def _refusals(response) -> list[str]:
    assert (response.status_code, response.get_json()["error"]["code"]) == (422, "dose_refused"), response.get_json()
    return [r["code"] for r in response.get_json()["error"]["refusals"]]


def test_a_dose_within_the_consent_is_stored_with_giver_witness_and_audit(client, world):
    consent = world.consent()
    response = _give(client, world, consent)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["given_by_id"], body["witnessed_by_id"], body["consent_id"]) == (world.giver.id, world.witness.id,
                                                                                  consent.id)
    actions = db.session.execute(select(AuditEntry.action).where(AuditEntry.object_type == "medication_dose")).scalars()
    assert list(actions) == ["medication_dose.give"]


@pytest.mark.parametrize(("case", "expected"), [
    ("no_consent", ["no_consent"]),
    ("other_child", ["other_child"]),
    ("wrong_drug", ["wrong_drug"]),
    ("wrong_dose", ["wrong_dose"]),
    ("wrong_unit", ["wrong_dose"]),
    ("wrong_route", ["wrong_route"]),
    ("no_witness", ["no_witness"]),
    ("witness_is_giver", ["witness_is_giver"]),
    ("everything_at_once", ["no_witness", "wrong_drug", "wrong_dose", "wrong_route"]),
])
def test_each_refusal_is_reported_and_nothing_is_stored(client, world, case, expected):
    consent = world.consent()
    overrides = {"no_consent": {"consent_id": None}, "wrong_drug": {"drug": "对乙酰氨基酚"}, "wrong_dose": {"dose": "5"},
                 "wrong_unit": {"dose_unit": "mg"}, "wrong_route": {"route": "外用"}, "no_witness": {"witness_id": None},
                 "witness_is_giver": {"witness_id": world.giver.id},
                 "everything_at_once": {"drug": "对乙酰氨基酚", "dose": "5", "route": "外用", "witness_id": None},
                 }.get(case, {})
    child = world.other_child if case == "other_child" else None
    response = _give(client, world, consent, child=child, **overrides)
    assert (_refusals(response), _stored()) == (expected, 0)
    refusal = response.get_json()["error"]["refusals"][0]
    assert refusal["zh"] and refusal["en"]


def test_spelling_and_case_of_drug_and_route_do_not_matter(client, world):
    consent = world.consent(drug="Ibuprofen  Suspension")
    assert _give(client, world, consent, drug="ibuprofen suspension", route=" 口服 ").status_code == 201


def test_a_withdrawn_consent_refuses_doses(client, world):
    consent = world.consent()
    withdrawn = client.post(f"/api/v1/medication-consents/{consent.id}/withdraw", json={"reason": "已痊愈"},
                            headers=world.caregiver.headers)
    assert withdrawn.status_code == 201
    assert _refusals(_give(client, world, consent)) == ["withdrawn"]
    again = client.post(f"/api/v1/medication-consents/{consent.id}/withdraw", json={"reason": "再次"},
                        headers=world.caregiver.headers)
    assert (again.status_code, again.get_json()["error"]["code"]) == (409, "already_withdrawn")


def test_before_the_first_day_and_after_the_last_day(client, world, clock):
    later = world.consent(first_day=DAY + timedelta(days=1), last_day=DAY + timedelta(days=2))
    assert _refusals(_give(client, world, later)) == ["before_first_day"]
    clock.advance(days=3)  # Thursday 09:30: after the last day
    assert _refusals(_give(client, world, later)) == ["after_last_day"]


@pytest.mark.parametrize(("minutes", "allowed"), [(-60, True), (60, True), (61, False), (-61, False), (150, False)])
def test_times_are_read_in_the_centre_zone_within_the_window(client, world, clock, minutes, allowed):
    # 09:30 Shanghai (01:30 UTC); the consent's window is 60 minutes either side of 09:30 and 15:00.
    consent = world.consent()
    if minutes > 0:
        clock.advance(minutes=minutes)
    at = (world.now + timedelta(minutes=minutes)).isoformat()
    response = _give(client, world, consent, at=at)
    if allowed:
        assert response.status_code == 201, response.get_json()
    else:
        assert _refusals(response) == ["outside_times"]


def test_the_daily_count_is_the_consent_times_or_its_own_limit(client, world, clock):
    once = world.consent(max_doses_per_day=1)
    assert _give(client, world, once).status_code == 201
    clock.advance(minutes=330)  # 15:00 local: a consented time, but one dose a day
    assert _refusals(_give(client, world, once)) == ["daily_limit"]
    clock.advance(days=1, minutes=-330)  # the next morning: a new day
    assert _give(client, world, once).status_code == 201


def test_a_wrong_pin_is_refused_and_nothing_is_stored(client, world):
    consent = world.consent()
    response = _give(client, world, consent, witness_pin="000000")
    assert (response.status_code, response.get_json()["error"]["code"], _stored()) == (422, "wrong_pin", 0)
    missing = _give(client, world, consent, witness_pin=None)
    assert (missing.status_code, missing.get_json()["error"]["code"]) == (422, "wrong_pin")


def test_a_witness_without_a_pin_cannot_confirm(client, world):
    consent = world.consent()
    response = _give(client, world, consent, witness_id=world.no_pin.id)
    assert (response.status_code, response.get_json()["error"]["code"], _stored()) == (422, "witness_has_no_pin", 0)


def test_a_witness_of_another_centre_is_refused(client, world):
    from server.people.models import Staff

    stranger = db.session.execute(select(Staff).where(Staff.name == "赵老师")).scalar_one()
    response = _give(client, world, world.consent(), witness_id=stranger.id)
    assert (response.status_code, response.get_json()["error"]["code"]) == (422, "unknown_witness")


def test_wrong_pins_from_one_address_are_rate_limited(client, world):
    consent = world.consent()
    env = {"REMOTE_ADDR": "10.9.8.7"}
    statuses = [client.post(f"/api/v1/children/{world.child.id}/medication-doses",
                            json=_body(world, consent, witness_pin=f"91827{i}"), headers=world.caregiver.headers,
                            environ_base=env).status_code for i in range(11)]
    assert (set(statuses[:10]), statuses[10]) == ({422}, 429)


def test_a_right_pin_does_not_count_against_the_limit(client, world, clock):
    consent = world.consent(max_doses_per_day=6, times=["09:30", "10:00", "10:30", "11:00", "11:30", "12:00"])
    statuses = []
    for _ in range(6):
        statuses.append(_give(client, world, consent).status_code)
        clock.advance(minutes=30)
    assert statuses == [201] * 6


def test_only_the_logged_in_staff_gives_and_writers_only(client, world):
    consent = world.consent()
    as_cook = client.post(f"/api/v1/children/{world.child.id}/medication-doses", json=_body(world, consent),
                          headers=world.kitchen.headers)
    as_parent = client.post(f"/api/v1/children/{world.child.id}/medication-doses", json=_body(world, consent),
                            headers=world.parent.headers)
    elsewhere = client.post(f"/api/v1/children/{world.child.id}/medication-doses", json=_body(world, consent),
                            headers=world.beta_director.headers)
    assert (as_cook.status_code, as_parent.status_code, elsewhere.status_code) == (403, 403, 404)


def test_an_older_than_queued_or_future_time_is_refused(client, world):
    consent = world.consent()
    for at, code in ((world.now - OLDEST_ENTRY - timedelta(minutes=1), "too_old"),
                     (world.now + timedelta(hours=1), "in_future")):
        response = _give(client, world, consent, at=at.isoformat())
        error = response.get_json()["error"]
        assert (response.status_code, error["details"][0]["code"], error["field"]) == (422, code, "at")
    assert _stored() == 0


def test_a_dose_queued_offline_for_days_is_delivered(client, world, clock):
    # The tablet lost its network on Monday 09:30 and comes back on Thursday: the dose is judged at Monday 09:30.
    consent = world.consent()
    clock.advance(days=3, hours=2)
    response = _give(client, world, consent, at=world.now.isoformat())
    assert response.status_code == 201, response.get_json()
    given_at = datetime.fromisoformat(response.get_json()["at"].replace("Z", "+00:00"))
    assert (given_at, _stored()) == (world.now, 1)
    late = _give(client, world, consent, at=(world.now + timedelta(days=1, minutes=5)).isoformat())
    assert late.status_code == 201, late.get_json()  # Tuesday 09:35, queued as well


def test_a_queued_dose_counts_every_dose_already_stored_that_day(client, world, clock):
    # 09:40 is given first; the 09:30 one from a tablet's queue arrives after it: one a day, so it is refused.
    once = world.consent(max_doses_per_day=1)
    clock.advance(minutes=10)
    assert _give(client, world, once).status_code == 201
    assert _refusals(_give(client, world, once, at=world.now.isoformat())) == ["daily_limit"]
    assert _stored() == 1


def test_a_replayed_request_is_stored_once(client, world):
    consent = world.consent()
    first = _give(client, world, consent, headers={"Idempotency-Key": "tablet-entry-0001"})
    again = _give(client, world, consent, headers={"Idempotency-Key": "tablet-entry-0001"})
    assert (first.status_code, again.status_code, again.headers.get("Idempotent-Replayed")) == (201, 201, "true")
    assert (first.get_json(), _stored()) == (again.get_json(), 1)
