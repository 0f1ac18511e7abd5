"""Consents: what the guardian signs on the tablet, checked field by field; locked once a dose is given."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from server.audit.models import AccessEvent, AuditEntry
from server.care.medication.models import MedicationConsent, MedicationSignature
from server.database import db
from tests.server.care.medication.conftest import DAY, WITNESS_PIN, b64, signature_png


def _body(world, **overrides):
    body = {"drug": "布洛芬混悬液", "dose": "2.5", "dose_unit": "ml", "route": "口服", "times": ["09:30", "15:00"],
            "first_day": DAY.isoformat(), "last_day": (DAY + timedelta(days=4)).isoformat(),
            "signed_by_contact_id": world.guardian.id, "signature_png": "data:image/png;base64," + b64(signature_png())}
    return {**body, **overrides}


def _post(client, world, **overrides):
    return client.post(f"/api/v1/children/{world.child.id}/medication-consents", json=_body(world, **overrides),
                       headers=world.caregiver.headers)


def _count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_a_signed_consent_is_recorded_with_its_signature_and_audited(client, world):
    response = _post(client, world)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["times"], body["window_minutes"], body["signed_by_contact_id"], body["locked"]) == (
        ["09:30", "15:00"], 60, world.guardian.id, False)
    signature = db.session.execute(select(MedicationSignature)).scalar_one()
    assert (signature.content_type, signature.data) == ("image/png", signature_png())
    actions = set(db.session.execute(select(AuditEntry.action).where(AuditEntry.action.like("medication%"))).scalars())
    assert actions == {"medication_consent.record", "medication_signature.keep"}


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (400, 150), "white").save(out, "JPEG")
    return out.getvalue()


@pytest.mark.parametrize(("signature", "code"), [
    ("", "signature_required"),
    ("not base64 at all!", "signature_required"),
    (b64(b"GIF89a" + b"\0" * 64), "signature_not_png"),
    (b64(_jpeg()), "signature_not_png"),
    (b64(b"\x89PNG\r\n\x1a\n" + b"\0" * 100), "signature_not_png"),
    (b64(signature_png(blank=True)), "signature_blank"),
    (b64(signature_png((60, 20))), "signature_size"),
    (b64(signature_png() + b"\0" * (130 * 1024)), "signature_too_large"),
])
def test_the_signature_is_checked_by_its_content(client, world, signature, code):
    response = client.post(f"/api/v1/children/{world.child.id}/medication-consents",
                           json=_body(world, signature_png=signature or "x"), headers=world.caregiver.headers)
    assert response.status_code == 422
    codes = [p["code"] for p in response.get_json()["error"]["details"]]
    assert (codes, _count(MedicationConsent), _count(MedicationSignature)) == ([code], 0, 0)


@pytest.mark.parametrize(("overrides", "code", "field"), [
    ({"signed_by_contact_id": "not_guardian"}, "not_guardian", "signed_by_contact_id"),
    ({"first_day": (DAY + timedelta(days=5)).isoformat()}, "last_before_first", "last_day"),
    ({"first_day": (DAY - timedelta(days=9)).isoformat(), "last_day": (DAY - timedelta(days=1)).isoformat()},
     "consent_over", "last_day"),
    ({"max_doses_per_day": 3}, "bad_daily_limit", "max_doses_per_day"),
    ({"drug": "   "}, "invalid_string_too_short", "drug"),
])
def test_bad_consent_input_is_refused_field_by_field(client, world, overrides, code, field):
    if overrides.get("signed_by_contact_id") == "not_guardian":
        overrides = {"signed_by_contact_id": world.not_guardian.id}
    response = _post(client, world, **overrides)
    assert response.status_code == 422, response.get_json()
    problems = {(p["code"], p["field"]) for p in response.get_json()["error"]["details"]}
    assert (code, field) in problems
    assert _count(MedicationConsent) == 0


def test_schema_bounds_refuse_odd_times_and_doses(client, world):
    for overrides in ({"times": ["9:30"]}, {"times": ["25:00"]}, {"times": []}, {"dose": "0"}, {"dose": "-1"},
                      {"window_minutes": 1}):
        assert _post(client, world, **overrides).status_code == 422, overrides


def test_a_guardian_of_another_child_cannot_sign(client, world):
    from tests.factories import link, make_contact

    stranger = make_contact(world.centre, world.now, name="陌生人")
    link(world.other_child, stranger, world.now)
    db.session.commit()
    response = _post(client, world, signed_by_contact_id=stranger.id)
    assert (response.status_code, response.get_json()["error"]["code"]) == (422, "not_guardian")


def test_a_consent_is_amended_before_its_first_dose_and_locked_after(client, world):
    consent = world.consent()
    amended = client.post(f"/api/v1/medication-consents/{consent.id}/amend",
                          json={**_body(world, dose="3"), "reason": "医嘱更正"}, headers=world.caregiver.headers)
    assert (amended.status_code, amended.get_json()["amends_id"]) == (201, consent.id)
    new_id = amended.get_json()["id"]
    # The replaced consent no longer takes doses.
    old_dose = client.post(f"/api/v1/children/{world.child.id}/medication-doses", headers=world.caregiver.headers,
                           json={"consent_id": consent.id, "drug": "布洛芬混悬液", "dose": "2.5", "dose_unit": "ml",
                                 "route": "口服", "witness_id": world.witness.id, "witness_pin": WITNESS_PIN})
    assert (old_dose.status_code, old_dose.get_json()["error"]["code"]) == (409, "consent_amended")
    given = client.post(f"/api/v1/children/{world.child.id}/medication-doses", headers=world.caregiver.headers,
                        json={"consent_id": new_id, "drug": "布洛芬混悬液", "dose": "3", "dose_unit": "ml",
                              "route": "口服", "witness_id": world.witness.id, "witness_pin": WITNESS_PIN})
    assert given.status_code == 201, given.get_json()
    locked = client.post(f"/api/v1/medication-consents/{new_id}/amend",
                         json={**_body(world, dose="4"), "reason": "再改"}, headers=world.caregiver.headers)
    assert (locked.status_code, locked.get_json()["error"]["code"]) == (409, "consent_locked")
    listed = client.get(f"/api/v1/children/{world.child.id}/medication-consents", headers=world.caregiver.headers)
    flags = {c["id"]: (c["amended"], c["locked"]) for c in listed.get_json()["items"]}
    assert flags == {consent.id: (True, False), new_id: (False, True)}


def test_reads_are_logged_and_guardians_read_their_own_child_only(client, world):
    consent = world.consent()
    own = client.get(f"/api/v1/children/{world.child.id}/medication-consents", headers=world.parent.headers)
    other = client.get(f"/api/v1/children/{world.other_child.id}/medication-consents", headers=world.parent.headers)
    cook = client.get(f"/api/v1/children/{world.child.id}/medication-consents", headers=world.kitchen.headers)
    picture = client.get(f"/api/v1/medication-consents/{consent.id}/signature", headers=world.parent.headers)
    doses = client.get(f"/api/v1/children/{world.child.id}/medication-doses?from=2026-09-01&to=2026-09-07",
                       headers=world.caregiver.headers)
    elsewhere = client.get(f"/api/v1/medication-consents/{consent.id}/signature", headers=world.beta_director.headers)
    assert (own.status_code, other.status_code, cook.status_code, picture.status_code, doses.status_code,
            elsewhere.status_code) == (200, 404, 403, 200, 200, 404)
    assert picture.data == signature_png() and picture.mimetype == "image/png"
    logged = set(db.session.execute(select(AccessEvent.object_type, AccessEvent.user_id)).all())
    assert {("medication_consent", world.parent.user.id), ("medication_signature", world.parent.user.id),
            ("medication_dose", world.caregiver.user.id)} <= logged


def test_the_same_request_replayed_records_one_consent(client, world):
    headers = {**world.caregiver.headers, "Idempotency-Key": "consent-key-0001"}
    url = f"/api/v1/children/{world.child.id}/medication-consents"
    first, again = (client.post(url, json=_body(world), headers=headers) for _ in range(2))
    other = client.post(url, json=_body(world, dose="3"), headers=headers)
    assert (first.status_code, again.status_code, again.headers.get("Idempotent-Replayed")) == (201, 201, "true")
    assert (other.status_code, other.get_json()["error"]["code"]) == (422, "idempotency_key_reused")
    assert _count(MedicationConsent) == 1


@pytest.mark.parametrize(("policy", "overrides", "expected"), [
    (None, {}, 60),  # the rulebook's window is a new consent's default
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
    assert _count(MedicationConsent) == 1
