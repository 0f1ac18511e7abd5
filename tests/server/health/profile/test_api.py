"""The health profile's JSON API: writes need health.write, reads health.read and are logged; bad input → 422."""

from __future__ import annotations

from sqlalchemy import func, select

from server.audit.models import AccessEvent, AuditEntry
from server.database import db
from server.health.profile.models import Allergy, ChronicCondition, EntryExam, GrowthMeasurement


def _count(model: type) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def _reads(child_id: int) -> list[str]:
    return list(db.session.execute(select(AccessEvent.detail).where(
        AccessEvent.object_type == "child_health", AccessEvent.object_id == str(child_id))).scalars())


def test_the_allergen_list_is_offered(client, world) -> None:
    answer = client.get("/api/v1/allergens", headers=world["caregiver"].headers)
    assert answer.status_code == 200
    codes = {item["code"]: item for item in answer.json["items"]}
    assert codes["peanuts"]["label_zh"] == "花生" and codes["penicillins"]["kind"] == "drug"


def test_record_an_allergy_and_read_it_back_logged(client, world) -> None:
    child = world["child"]
    answer = client.post(f"/api/v1/children/{child.id}/allergies", headers=world["health"].headers,
                         json={"allergen": "peanuts", "severity": "severe", "reaction": "荨麻疹、喉头水肿"})
    assert answer.status_code == 201, answer.json
    assert answer.json["label_zh"] == "花生" and answer.json["kind"] == "food"
    assert answer.json["recorded_on"] == "2026-09-07"
    assert _count(AuditEntry) > 0 and db.session.execute(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "health_allergy.record")).scalar_one() == 1
    listed = client.get(f"/api/v1/children/{child.id}/allergies", headers=world["caregiver"].headers)
    assert listed.status_code == 200 and [a["allergen"] for a in listed.json["items"]] == ["peanuts"]
    assert _reads(child.id) == ["allergies"]


def test_an_unknown_allergen_or_bad_severity_is_refused_and_nothing_stored(client, world) -> None:
    child = world["child"]
    for body, field in (({"allergen": "花生", "severity": "severe"}, "allergen"),
                        ({"allergen": "peanuts", "severity": "deadly"}, "severity"),
                        ({"allergen": "peanuts", "severity": "mild", "recorded_on": "2030-01-01"}, "recorded_on"),
                        ({"allergen": "peanuts", "severity": "mild", "recorded_on": "2020-01-01"}, "recorded_on")):
        answer = client.post(f"/api/v1/children/{child.id}/allergies", headers=world["health"].headers, json=body)
        assert answer.status_code == 422, body
        assert field in {p["field"] for p in answer.json["error"]["details"]}
    answer = client.post(f"/api/v1/children/{child.id}/allergies", headers=world["health"].headers,
                         json={"allergen": "peanuts", "severity": "mild", "colour": "red"})
    assert answer.status_code == 422
    assert _count(Allergy) == 0


def test_the_same_allergy_twice_is_refused(client, world) -> None:
    url = f"/api/v1/children/{world['child'].id}/allergies"
    assert client.post(url, headers=world["health"].headers, json={"allergen": "milk", "severity": "mild"}).status_code == 201
    again = client.post(url, headers=world["health"].headers, json={"allergen": "milk", "severity": "severe"})
    assert again.status_code == 422 and again.json["error"]["code"] == "already_recorded"


def test_writes_need_health_write(client, world) -> None:
    url = f"/api/v1/children/{world['child'].id}/allergies"
    for who in ("caregiver", "inspector", "guardian"):
        answer = client.post(url, headers=world[who].headers, json={"allergen": "milk", "severity": "mild"})
        assert answer.status_code in (403, 404), who
    assert client.post(url, headers=world["beta_director"].headers,
                       json={"allergen": "milk", "severity": "mild"}).status_code == 404
    assert _count(Allergy) == 0


def test_a_guardian_reads_only_their_own_child(client, world) -> None:
    assert client.get(f"/api/v1/children/{world['child'].id}/allergies",
                      headers=world["guardian"].headers).status_code == 200
    assert client.get(f"/api/v1/children/{world['other'].id}/allergies",
                      headers=world["guardian"].headers).status_code == 404


def test_ending_an_allergy_is_an_amendment_row(client, world) -> None:
    child = world["child"]
    made = client.post(f"/api/v1/children/{child.id}/allergies", headers=world["health"].headers,
                       json={"allergen": "eggs", "severity": "moderate"}).json
    no_reason = client.post(f"/api/v1/allergies/{made['id']}/end", headers=world["health"].headers, json={})
    assert no_reason.status_code == 422
    ended = client.post(f"/api/v1/allergies/{made['id']}/end", headers=world["health"].headers,
                        json={"reason": "脱敏成功，医院复查", "ended_on": "2026-09-07"})
    assert ended.status_code == 201 and ended.json["amends_id"] == made["id"]
    assert ended.json["ended_on"] == "2026-09-07"
    assert client.post(f"/api/v1/allergies/{made['id']}/end", headers=world["health"].headers,
                       json={"reason": "again"}).status_code == 409
    assert client.post(f"/api/v1/allergies/{ended.json['id']}/end", headers=world["health"].headers,
                       json={"reason": "again"}).status_code == 409
    assert _count(Allergy) == 2
    original = db.session.get(Allergy, made["id"])
    assert original is not None and original.ended_on is None  # never updated


def test_correcting_an_allergy(client, world) -> None:
    made = client.post(f"/api/v1/children/{world['child'].id}/allergies", headers=world["health"].headers,
                       json={"allergen": "fish", "severity": "mild"}).json
    fixed = client.post(f"/api/v1/allergies/{made['id']}/amend", headers=world["health"].headers,
                        json={"reason": "录入错误", "allergen": "crustaceans"})
    assert fixed.status_code == 201 and fixed.json["allergen"] == "crustaceans"
    bad = client.post(f"/api/v1/allergies/{fixed.json['id']}/amend", headers=world["health"].headers,
                      json={"reason": "x", "allergen": "shrimp"})
    assert bad.status_code == 422


def test_conditions_record_close_and_amend(client, world) -> None:
    child = world["child"]
    url = f"/api/v1/children/{child.id}/conditions"
    bad = client.post(url, headers=world["health"].headers, json={"condition": " ", "found_on": "2026-09-01"})
    assert bad.status_code == 422
    made = client.post(url, headers=world["health"].headers,
                       json={"condition": "轻度贫血", "found_on": "2026-09-01", "plan": "补铁，1个月后复查",
                             "managed_by": "王保健员"})
    assert made.status_code == 201
    fixed = client.post(f"/api/v1/conditions/{made.json['id']}/amend", headers=world["health"].headers,
                        json={"reason": "补充", "plan": "补铁，2周后复查"})
    assert fixed.status_code == 201
    early = client.post(f"/api/v1/conditions/{fixed.json['id']}/close", headers=world["health"].headers,
                        json={"closed_on": "2026-08-01", "outcome": "痊愈"})
    assert early.status_code == 422
    closed = client.post(f"/api/v1/conditions/{fixed.json['id']}/close", headers=world["health"].headers,
                         json={"closed_on": "2026-09-07", "outcome": "痊愈"})
    assert closed.status_code == 201 and closed.json["outcome"] == "痊愈"
    assert client.post(f"/api/v1/conditions/{fixed.json['id']}/amend", headers=world["health"].headers,
                       json={"reason": "x", "plan": "y"}).status_code == 409
    listed = client.get(url, headers=world["director"].headers).json["items"]
    assert [(c["condition"], c["closed_on"]) for c in listed] == [("轻度贫血", "2026-09-07")]
    assert _count(ChronicCondition) == 2


def test_entry_exams(client, world) -> None:
    child = world["child"]
    url = f"/api/v1/children/{child.id}/entry-exams"
    before = client.get(url, headers=world["health"].headers).json
    assert before["needs_new_exam"] is True and before["vaccination_checked"] is False
    assert client.post(url, headers=world["health"].headers,
                       json={"examined_on": "2026-09-01", "vaccination_checked": True, "examined_by": ""}
                       ).status_code == 422
    made = client.post(url, headers=world["health"].headers,
                       json={"examined_on": "2026-02-20", "vaccination_checked": False, "examined_by": "区妇幼保健院"})
    assert made.status_code == 201
    fixed = client.post(f"/api/v1/entry-exams/{made.json['id']}/amend", headers=world["health"].headers,
                        json={"reason": "补查预防接种证", "vaccination_checked": True})
    assert fixed.status_code == 201 and fixed.json["vaccination_checked"] is True
    after = client.get(url, headers=world["health"].headers).json
    assert after["needs_new_exam"] is False and after["vaccination_checked"] is True
    assert len(after["items"]) == 1 and _count(EntryExam) == 2


def test_measurements_with_z_scores_and_plausibility(client, world) -> None:
    child = world["child"]  # a boy born 2025-03-01
    url = f"/api/v1/children/{child.id}/measurements"
    for body, field in (({"measured_on": "2026-09-01", "measured_by": "王"}, "height_cm"),
                        ({"measured_on": "2026-09-01", "weight_kg": "95", "measured_by": "王"}, "weight_kg"),
                        ({"measured_on": "2026-09-01", "height_cm": "81", "weight_kg": "3.1", "measured_by": "王"},
                         "weight_kg"),
                        ({"measured_on": "2026-09-01", "head_cm": "30", "measured_by": "王"}, "head_cm"),
                        ({"measured_on": "2024-01-01", "weight_kg": "10", "measured_by": "王"}, "measured_on"),
                        ({"measured_on": "2026-09-01", "weight_kg": "10", "measured_by": " "}, "measured_by")):
        answer = client.post(url, headers=world["health"].headers, json=body)
        assert answer.status_code == 422, body
        assert field in {p["field"] for p in answer.json["error"]["details"]}, (body, answer.json)
    assert client.post(url, headers=world["health"].headers,
                       json={"measured_on": "2026-09-01", "weight_kg": "NaN", "measured_by": "王"}).status_code == 422
    assert _count(GrowthMeasurement) == 0
    made = client.post(url, headers=world["health"].headers,
                       json={"measured_on": "2026-09-01", "height_cm": "81.0", "weight_kg": "10.9",
                             "head_cm": "46.5", "measured_by": "王保健员"})
    assert made.status_code == 201, made.json
    assert set(made.json["z"]) == {"wfa", "lhfa", "wflh", "hcfa", "bfa"} and made.json["statuses"] == []
    fixed = client.post(f"/api/v1/measurements/{made.json['id']}/amend", headers=world["health"].headers,
                        json={"reason": "身长读错", "height_cm": "75.0"})
    assert fixed.status_code == 201 and "stunted" in fixed.json["statuses"]
    listed = client.get(url, headers=world["director"].headers).json["items"]
    assert [m["height_cm"] for m in listed] == ["75.0"]
    assert _reads(child.id) == ["growth"]


def test_a_replayed_post_with_an_idempotency_key_stores_once(client, world) -> None:
    url = f"/api/v1/children/{world['child'].id}/measurements"
    headers = {**world["health"].headers, "Idempotency-Key": "tablet-0001-abc"}
    body = {"measured_on": "2026-09-01", "weight_kg": "10.5", "measured_by": "王"}
    first = client.post(url, headers=headers, json=body)
    again = client.post(url, headers=headers, json=body)
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true" and again.json == first.json
    assert _count(GrowthMeasurement) == 1
