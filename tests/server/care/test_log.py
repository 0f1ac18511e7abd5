"""The care log: each kind's fields, allergy warnings before a meal or bottle is stored, corrections, the day."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from server.audit.models import AuditEntry
from server.care.models import CareEntry
from server.database import db


def _count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(CareEntry))


def _log(client, world, who="caregiver", child="child", headers=None, **body):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/children/{world[child].id}/care-entries", json=body,
                       headers={**world[who].headers, **(headers or {})})


@pytest.mark.parametrize("body", [
    {"kind": "meal", "share_eaten": "most", "allergen_codes": ["eggs"], "note": "午餐"},
    {"kind": "bottle", "ml": 150},
    {"kind": "water", "ml": 80},
    {"kind": "water"},
    {"kind": "diaper", "diaper_kind": "wet"},
    {"kind": "diaper", "diaper_kind": "soiled", "abnormal": True, "abnormal_note": "稀便，带少量黏液"},
    {"kind": "toilet", "diaper_kind": "both"},
    {"kind": "toilet"},
])
def test_each_kind_is_stored_with_its_fields(client, care_world, body):
    response = _log(client, care_world, **body)
    assert response.status_code == 201, response.get_json()
    entry = response.get_json()
    for key, value in body.items():
        assert entry[key] == value
    assert entry["allergy_acknowledged"] is False and entry["amends_id"] is None


@pytest.mark.parametrize(("body", "code", "field"), [
    ({"kind": "meal"}, "required", "share_eaten"),
    ({"kind": "bottle"}, "required", "ml"),
    ({"kind": "diaper"}, "required", "diaper_kind"),
    ({"kind": "diaper", "diaper_kind": "wet", "abnormal": True}, "required", "abnormal_note"),
    ({"kind": "meal", "share_eaten": "all", "ml": 100}, "not_for_kind", "ml"),
    ({"kind": "water", "share_eaten": "all"}, "not_for_kind", "share_eaten"),
    ({"kind": "meal", "share_eaten": "all", "diaper_kind": "wet"}, "not_for_kind", "diaper_kind"),
    ({"kind": "water", "allergen_codes": ["milk"]}, "not_for_kind", "allergen_codes"),
    ({"kind": "meal", "share_eaten": "all", "allergen_codes": ["unicorn"]}, "unknown_allergen", "allergen_codes"),
    ({"kind": "meal", "share_eaten": "all", "abnormal": True, "abnormal_note": "x"}, "not_for_kind", "abnormal"),
])
def test_bad_entries_are_refused_with_the_field_and_nothing_stored(client, care_world, body, code, field):
    response = _log(client, care_world, **body)
    assert response.status_code == 422, response.get_json()
    problems = {(p["code"], p["field"]) for p in response.get_json()["error"]["details"]}
    assert (code, field) in problems
    assert _count() == 0


@pytest.mark.parametrize("body", [
    {"kind": "nap"}, {"kind": "bottle", "ml": 0}, {"kind": "bottle", "ml": 5000}, {"kind": "meal", "share_eaten": "lots"},
    {"kind": "water", "allergen_codes": ["Peanuts!"]}, {"kind": "water", "colour": "red"},
    {"kind": "water", "note": "x" * 501},
])
def test_malformed_bodies_are_422(client, care_world, body):
    assert _log(client, care_world, **body).status_code == 422
    assert _count() == 0


def test_a_future_or_ancient_time_is_refused(client, care_world, clock):
    ahead = _log(client, care_world, kind="water", at=(clock.now() + timedelta(hours=2)).isoformat())
    assert ahead.status_code == 422 and ahead.get_json()["error"]["code"] == "in_future"
    old = _log(client, care_world, kind="water", at=(clock.now() - timedelta(days=8)).isoformat())
    assert old.status_code == 422 and old.get_json()["error"]["code"] == "too_old"


def test_an_allergen_the_child_reacts_to_is_refused_until_acknowledged(client, care_world, peanut_allergy):
    body = {"kind": "meal", "share_eaten": "half", "allergen_codes": ["peanuts", "eggs"]}
    refused = _log(client, care_world, **body)
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "allergy_warning" and error["field"] == "allergen_codes"
    [warning] = error["details"]
    assert warning["allergen"] == "peanuts" and warning["label_zh"] == "花生" and warning["severity"] == "severe"
    assert warning["label_en"]
    assert _count() == 0
    stored = _log(client, care_world, **body, acknowledge_allergy=True)
    assert stored.status_code == 201 and stored.get_json()["allergy_acknowledged"] is True
    assert _count() == 1


def test_no_warning_for_another_child_or_other_allergens(client, care_world, peanut_allergy):
    assert _log(client, care_world, child="sister", kind="meal", share_eaten="all",
                allergen_codes=["peanuts"]).status_code == 201
    ok = _log(client, care_world, kind="bottle", ml=120, allergen_codes=["milk"])
    assert ok.status_code == 201 and ok.get_json()["allergy_acknowledged"] is False


def test_a_bottle_is_checked_too(client, care_world, peanut_allergy):
    assert _log(client, care_world, kind="bottle", ml=90, allergen_codes=["peanuts"]).status_code == 409


def test_the_warning_replays_nothing_and_the_acknowledged_retry_is_stored_once(client, care_world, peanut_allergy):
    body = {"kind": "meal", "share_eaten": "half", "allergen_codes": ["peanuts"]}
    first = _log(client, care_world, headers={"Idempotency-Key": "meal-0001-aaaa"}, **body)
    assert first.status_code == 409  # not kept: the tablet shows it and sends a new entry
    key = {"Idempotency-Key": "meal-0002-bbbb"}
    stored = _log(client, care_world, headers=key, **body, acknowledge_allergy=True)
    again = _log(client, care_world, headers=key, **body, acknowledge_allergy=True)
    assert stored.status_code == again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["id"] == stored.get_json()["id"] and _count() == 1


def test_a_correction_replaces_the_entry_in_the_day(client, care_world):
    original = _log(client, care_world, kind="bottle", ml=150).get_json()
    url = f"/api/v1/care-entries/{original['id']}/amend"
    no_reason = client.post(url, json={"ml": 120}, headers=care_world["caregiver"].headers)
    assert no_reason.status_code == 422
    amended = client.post(url, json={"ml": 120, "reason": "毫升数记错"}, headers=care_world["caregiver"].headers)
    assert amended.status_code == 201, amended.get_json()
    body = amended.get_json()
    assert body["ml"] == 120 and body["amends_id"] == original["id"] and body["reason"] == "毫升数记错"
    assert body["kind"] == "bottle" and body["at"] == original["at"]
    twice = client.post(url, json={"ml": 100, "reason": "再改"}, headers=care_world["caregiver"].headers)
    assert twice.status_code == 409 and twice.get_json()["error"]["code"] == "already_amended"
    bad = client.post(f"/api/v1/care-entries/{body['id']}/amend", json={"ml": 0, "reason": "x"},
                      headers=care_world["caregiver"].headers)
    assert bad.status_code == 422
    foreign = client.post(f"/api/v1/care-entries/{body['id']}/amend", json={"share_eaten": "all", "reason": "x"},
                          headers=care_world["caregiver"].headers)
    assert foreign.status_code == 422
    day = client.get(f"/api/v1/children/{care_world['child'].id}/care-log", headers=care_world["caregiver"].headers)
    assert [e["id"] for e in day.get_json()["entries"]] == [body["id"]]
    assert _count() == 2  # the original stays on record


def test_a_correction_adding_the_allergen_warns_again(client, care_world, peanut_allergy):
    original = _log(client, care_world, kind="meal", share_eaten="all").get_json()
    url = f"/api/v1/care-entries/{original['id']}/amend"
    refused = client.post(url, json={"allergen_codes": ["peanuts"], "reason": "漏记"},
                          headers=care_world["caregiver"].headers)
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "allergy_warning"
    ok = client.post(url, json={"allergen_codes": ["peanuts"], "reason": "漏记", "acknowledge_allergy": True},
                     headers=care_world["caregiver"].headers)
    assert ok.status_code == 201 and ok.get_json()["allergy_acknowledged"] is True


def test_the_day_log_is_the_centres_local_day(client, care_world, clock):
    yesterday = clock.now() - timedelta(hours=10)  # 23:30 the evening before, in Shanghai
    _log(client, care_world, kind="water", at=yesterday.isoformat())
    today = _log(client, care_world, kind="water").get_json()
    day = client.get(f"/api/v1/children/{care_world['child'].id}/care-log", headers=care_world["inspector"].headers)
    assert day.status_code == 200 and [e["id"] for e in day.get_json()["entries"]] == [today["id"]]
    before = client.get(f"/api/v1/children/{care_world['child'].id}/care-log?on=2026-09-06",
                        headers=care_world["caregiver"].headers)
    assert len(before.get_json()["entries"]) == 1
    assert client.get(f"/api/v1/children/{care_world['child'].id}/care-log?on=2026-13-01",
                      headers=care_world["caregiver"].headers).status_code == 422


def test_every_entry_is_audited_and_only_care_staff_write(client, care_world):
    before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    _log(client, care_world, kind="water")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == before + 1
    assert _log(client, care_world, who="inspector", kind="water").status_code == 403
    assert _log(client, care_world, who="kitchen", kind="water").status_code == 403
    assert _log(client, care_world, who="beta_director", kind="water").status_code == 404
    assert client.get(f"/api/v1/children/{care_world['child'].id}/care-log",
                      headers=care_world["kitchen"].headers).status_code == 403
