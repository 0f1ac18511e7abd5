"""Requests and consents through the API: staff type what the bottle says, checked field by field; the guardian's
signature (on the phone) makes the consent, locked once a dose is given."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from server.audit.models import AccessEvent, AuditEntry
from server.care.medication.models import MedicationConsent, MedicationRequest, MedicationSignature
from server.care.medication.requests import sign_request
from server.database import db
from server.errors import Conflict, ValidationFailed
from server.notices.models import GuardianNotice
from tests.server.care.medication.conftest import DAY, WITNESS_PIN, signature_png


def _body(**overrides):
    body = {"drug": "布洛芬混悬液", "dose": "2.5", "dose_unit": "ml", "route": "口服", "times": ["09:30", "15:00"],
            "first_day": DAY.isoformat(), "last_day": (DAY + timedelta(days=4)).isoformat()}
    return {**body, **overrides}


def _post(client, world, **overrides):
    return client.post(f"/api/v1/children/{world.child.id}/medication-requests", json=_body(**overrides),
                       headers=world.caregiver.headers)


def _count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_a_request_is_stored_no_consent_made_and_the_guardians_notified(client, world):
    response = _post(client, world)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["times"], body["window_minutes"], body["state"], body["started_by"], body["consent_id"]) == (
        ["09:30", "15:00"], 60, "waiting", "staff", None)
    assert (_count(MedicationRequest), _count(MedicationConsent), _count(MedicationSignature)) == (1, 0, 0)
    notice = db.session.execute(select(GuardianNotice)).scalar_one()
    assert (notice.kind, notice.child_id, notice.detail["link"]) == (
        "medication_consent.to_sign", world.child.id,
        {"endpoint": "medication.family_sign", "args": {"code": "alpha", "request_id": body["id"]}})
    actions = set(db.session.execute(select(AuditEntry.action).where(AuditEntry.action.like("medication%"))).scalars())
    assert actions == {"medication_request.create"}


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (400, 150), "white").save(out, "JPEG")
    return out.getvalue()


@pytest.mark.parametrize(("signature", "code"), [
    (b"", "signature_required"),
    (b"GIF89a" + b"\0" * 64, "signature_not_png"),
    (_jpeg(), "signature_not_png"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "signature_not_png"),
    (signature_png(blank=True), "signature_blank"),
    (signature_png((60, 20)), "signature_size"),
    (signature_png() + b"\0" * (130 * 1024), "signature_too_large"),
])
def test_the_signature_is_checked_by_its_content(world, signature, code):
    request = world.request()
    with pytest.raises(ValidationFailed) as refused:
        sign_request(request, contact=world.guardian, signature_png=signature, actor=world.parent_actor(),
                     now=world.now)
    db.session.rollback()
    assert ([p.code for p in refused.value.problems], _count(MedicationConsent), _count(MedicationSignature)) == (
        [code], 0, 0)


@pytest.mark.parametrize(("overrides", "code", "field"), [
    ({"first_day": (DAY + timedelta(days=5)).isoformat()}, "last_before_first", "last_day"),
    ({"first_day": (DAY - timedelta(days=9)).isoformat(), "last_day": (DAY - timedelta(days=1)).isoformat()},
     "consent_over", "last_day"),
    ({"max_doses_per_day": 3}, "bad_daily_limit", "max_doses_per_day"),
    ({"drug": "   "}, "invalid_string_too_short", "drug"),
])
def test_bad_request_input_is_refused_field_by_field(client, world, overrides, code, field):
    response = _post(client, world, **overrides)
    assert response.status_code == 422, response.get_json()
    problems = {(p["code"], p["field"]) for p in response.get_json()["error"]["details"]}
    assert (code, field) in problems
    assert (_count(MedicationRequest), _count(GuardianNotice)) == (0, 0)


def test_schema_bounds_refuse_odd_times_and_doses(client, world):
    for overrides in ({"times": ["9:30"]}, {"times": ["25:00"]}, {"times": []}, {"dose": "0"}, {"dose": "-1"},
                      {"window_minutes": 1}):
        assert _post(client, world, **overrides).status_code == 422, overrides


def test_a_guardian_cannot_type_a_request_through_the_staff_api(client, world):
    response = client.post(f"/api/v1/children/{world.child.id}/medication-requests", json=_body(),
                           headers=world.parent.headers)
    assert (response.status_code, _count(MedicationRequest)) == (403, 0)


def _dose(client, world, consent_id, dose="2.5"):
    return client.post(f"/api/v1/children/{world.child.id}/medication-doses", headers=world.caregiver.headers,
                       json={"consent_id": consent_id, "drug": "布洛芬混悬液", "dose": dose, "dose_unit": "ml",
                             "route": "口服", "witness_id": world.witness.id, "witness_pin": WITNESS_PIN})


def test_a_consent_is_corrected_by_a_new_request_the_guardian_signs_and_locked_after_a_dose(client, world):
    consent = world.consent()
    asked = client.post(f"/api/v1/medication-consents/{consent.id}/amend",
                        json={**_body(dose="3"), "reason": "医嘱更正"}, headers=world.caregiver.headers)
    assert (asked.status_code, asked.get_json()["amends_consent_id"], asked.get_json()["state"]) == (
        201, consent.id, "waiting")
    # Until the guardian signs the correction, the consent they signed stands.
    assert _dose(client, world, consent.id).status_code == 201
    request = db.session.get(MedicationRequest, asked.get_json()["id"])
    with pytest.raises(Conflict) as locked:  # the dose just given locked the consent: the correction cannot be signed
        sign_request(request, contact=world.guardian, signature_png=signature_png(), actor=world.parent_actor(),
                     now=world.now)
    db.session.rollback()
    assert locked.value.code == "consent_locked"
    again = client.post(f"/api/v1/medication-consents/{consent.id}/amend",
                        json={**_body(dose="4"), "reason": "再改"}, headers=world.caregiver.headers)
    assert (again.status_code, again.get_json()["error"]["code"]) == (409, "consent_locked")


def test_a_signed_correction_replaces_the_consent_before_its_first_dose(client, world):
    consent = world.consent()
    asked = client.post(f"/api/v1/medication-consents/{consent.id}/amend",
                        json={**_body(dose="3"), "reason": "医嘱更正"}, headers=world.caregiver.headers)
    request = db.session.get(MedicationRequest, asked.get_json()["id"])
    corrected = sign_request(request, contact=world.guardian, signature_png=signature_png(),
                             actor=world.parent_actor(), now=world.now)
    db.session.commit()
    assert (corrected.amends_id, corrected.reason, corrected.request_id) == (consent.id, "医嘱更正", request.id)
    old = _dose(client, world, consent.id)
    assert (old.status_code, old.get_json()["error"]["code"]) == (409, "consent_amended")
    assert _dose(client, world, corrected.id, dose="3").status_code == 201
    listed = client.get(f"/api/v1/children/{world.child.id}/medication-consents", headers=world.caregiver.headers)
    flags = {c["id"]: (c["amended"], c["locked"], c["signed_via"]) for c in listed.get_json()["items"]}
    assert flags == {consent.id: (True, False, "phone"), corrected.id: (False, True, "phone")}


def test_reads_are_logged_and_guardians_read_their_own_child_only(client, world):
    consent = world.consent()
    own = client.get(f"/api/v1/children/{world.child.id}/medication-consents", headers=world.parent.headers)
    asked = client.get(f"/api/v1/children/{world.child.id}/medication-requests", headers=world.parent.headers)
    other = client.get(f"/api/v1/children/{world.other_child.id}/medication-consents", headers=world.parent.headers)
    cook = client.get(f"/api/v1/children/{world.child.id}/medication-consents", headers=world.kitchen.headers)
    picture = client.get(f"/api/v1/medication-consents/{consent.id}/signature", headers=world.parent.headers)
    doses = client.get(f"/api/v1/children/{world.child.id}/medication-doses?from=2026-09-01&to=2026-09-07",
                       headers=world.caregiver.headers)
    elsewhere = client.get(f"/api/v1/medication-consents/{consent.id}/signature", headers=world.beta_director.headers)
    assert (own.status_code, asked.status_code, other.status_code, cook.status_code, picture.status_code,
            doses.status_code, elsewhere.status_code) == (200, 200, 404, 403, 200, 200, 404)
    assert [r["state"] for r in asked.get_json()["items"]] == ["signed"]
    assert picture.data == signature_png() and picture.mimetype == "image/png"
    logged = set(db.session.execute(select(AccessEvent.object_type, AccessEvent.user_id)).all())
    assert {("medication_consent", world.parent.user.id), ("medication_request", world.parent.user.id),
            ("medication_signature", world.parent.user.id), ("medication_dose", world.caregiver.user.id)} <= logged


def test_the_same_request_replayed_records_one_request_and_one_notice(client, world):
    headers = {**world.caregiver.headers, "Idempotency-Key": "request-key-0001"}
    url = f"/api/v1/children/{world.child.id}/medication-requests"
    first, again = (client.post(url, json=_body(), headers=headers) for _ in range(2))
    other = client.post(url, json=_body(dose="3"), headers=headers)
    assert (first.status_code, again.status_code, again.headers.get("Idempotent-Replayed")) == (201, 201, "true")
    assert (other.status_code, other.get_json()["error"]["code"]) == (422, "idempotency_key_reused")
    assert (_count(MedicationRequest), _count(GuardianNotice)) == (1, 1)


@pytest.mark.parametrize(("policy", "overrides", "expected"), [
    (None, {}, 60),  # the rulebook's window is a new request's default
    (None, {"window_minutes": 5}, 5),  # narrower is always allowed, down to the rule's range
    (None, {"window_minutes": 61}, "bad_window"),  # never wider than the rulebook's
    (None, {"window_minutes": 4}, "bad_window"),
    ({"window_minutes": 120}, {}, 120),  # a centre chose a wider window within its range
    ({"window_minutes": 120}, {"window_minutes": 120}, 120),
    ({"window_minutes": 120}, {"window_minutes": 121}, "bad_window"),
    ({"window_minutes": 500}, {"window_minutes": 90}, "bad_window"),  # a policy outside the range is not applied
])
def test_the_window_is_the_rulebook_s(client, world, policy, overrides, expected):
    if policy is not None:
        world.centre.rule_policy = {"care.medication_consent": policy}
        db.session.commit()
    response = _post(client, world, **overrides)
    if isinstance(expected, int):
        assert (response.status_code, response.get_json()["window_minutes"]) == (201, expected), response.get_json()
    else:
        assert response.status_code == 422
        assert [(p["code"], p["field"]) for p in response.get_json()["error"]["details"]] == [(expected, "window_minutes")]


def test_the_number_of_times_a_day_is_the_rulebook_s(client, world):
    seven = [f"{h:02d}:00" for h in range(8, 15)]
    refused = _post(client, world, times=seven)
    assert (refused.status_code, refused.get_json()["error"]["details"][0]["code"]) == (422, "too_many_times")
    assert _post(client, world, times=seven[:6]).status_code == 201
    world.centre.rule_policy = {"care.medication_consent": {"max_times_per_day": 2}}
    db.session.commit()
    three = _post(client, world, times=seven[:3])
    assert (three.status_code, three.get_json()["error"]["details"][0]["code"]) == (422, "too_many_times")
    assert _count(MedicationRequest) == 1


def test_a_request_whose_rule_narrowed_before_the_signature_is_refused_at_signing(client, world):
    request = world.request(window_minutes=60)
    world.centre.rule_policy = {"care.medication_consent": {"window_minutes": 30}}
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        sign_request(request, contact=world.guardian, signature_png=signature_png(), actor=world.parent_actor(),
                     now=world.now)
    db.session.rollback()
    assert ([p.code for p in refused.value.problems], _count(MedicationConsent)) == (["bad_window"], 0)


def test_a_child_without_a_guardian_gets_no_request_nobody_could_sign_it(client, world):
    response = client.post(f"/api/v1/children/{world.other_child.id}/medication-requests", json=_body(),
                           headers=world.caregiver.headers)
    assert response.status_code == 422
    assert [p["code"] for p in response.get_json()["error"]["details"]] == ["no_guardian"]
    assert (_count(MedicationRequest), _count(GuardianNotice)) == (0, 0)
