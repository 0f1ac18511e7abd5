"""The API: record (201), read with the fridge evidence, correct, dispose (409 `kept_too_short` before 48 h with the
error shape, nothing written), bad input (422), the fridges, and who may do what (guardians, other centres)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from server.database import db
from server.food.models import FoodSample, FoodSampleDisposal

BODY = {"meal": "lunch", "dish": "番茄炒蛋", "weight_g": 130, "fridge": "fridge-sample"}


def test_a_sample_through_the_api(client, world) -> None:  # type: ignore[no-untyped-def]
    made = client.post("/api/v1/centres/alpha/food-samples", json=BODY, headers=world.kitchen.headers)
    assert made.status_code == 201, made.json
    assert made.json["sampled_by"] == "cook" and made.json["min_weight_g"] == 125 and not made.json["underweight"]
    assert made.json["keep_until"] == "2026-09-09T01:30:00Z"
    assert made.json["fridge_evidence"]["monitored"] is False and not made.json["may_dispose"]
    listed = client.get("/api/v1/centres/alpha/food-samples?start=2026-09-07", headers=world.inspector.headers)
    assert [s["dish"] for s in listed.json["items"]] == ["番茄炒蛋"]


def test_disposal_before_48_hours_is_409_with_the_error_shape(client, world, clock) -> None:  # type: ignore[no-untyped-def]
    row = world.sample()
    clock.advance(hours=47, minutes=59)
    answer = client.post(f"/api/v1/food-samples/{row.id}/disposal", headers=world.kitchen.headers)
    assert answer.status_code == 409
    assert answer.json["error"]["code"] == "kept_too_short" and "2026-09-09 09:30" in answer.json["error"]["message"]
    assert db.session.execute(select(func.count()).select_from(FoodSampleDisposal)).scalar_one() == 0
    clock.advance(minutes=1)
    done = client.post(f"/api/v1/food-samples/{row.id}/disposal", headers=world.kitchen.headers)
    assert done.status_code == 201 and done.json["disposed_by"] == "cook"


def test_a_correction_through_the_api(client, world) -> None:  # type: ignore[no-untyped-def]
    row = world.sample(weight_g=13)
    answer = client.post(f"/api/v1/food-samples/{row.id}/amendments",
                         json={"field": "weight_g", "value": 130, "reason": "少输了一个 0"}, headers=world.health.headers)
    assert answer.status_code == 201 and answer.json["weight_g"] == 130
    assert [(a["old_value"], a["new_value"]) for a in answer.json["amendments"]] == [(13, 130)]


def test_bad_input_is_422_and_nothing_is_kept(client, world) -> None:  # type: ignore[no-untyped-def]
    answer = client.post("/api/v1/centres/alpha/food-samples", json={**BODY, "meal": "supper", "weight_g": 0},
                         headers=world.kitchen.headers)
    assert answer.status_code == 422 and answer.json["error"]["field"] in ("meal", "weight_g")
    assert set(answer.json["error"]) >= {"code", "message", "field"}
    assert db.session.execute(select(func.count()).select_from(FoodSample)).scalar_one() == 0


def test_an_unknown_fridge_is_422(client, world) -> None:  # type: ignore[no-untyped-def]
    world.fridge(world.now - timedelta(minutes=3), 3)
    answer = client.post("/api/v1/centres/alpha/food-samples", json={**BODY, "fridge": "fridge-beer"},
                         headers=world.kitchen.headers)
    assert (answer.status_code, answer.json["error"]["code"], answer.json["error"]["field"]) == (
        422, "unknown_fridge", "fridge")


def test_the_fridges_with_their_temperature(client, world) -> None:  # type: ignore[no-untyped-def]
    world.fridge(world.now - timedelta(minutes=3), 3, celsius=4.4)
    answer = client.get("/api/v1/centres/alpha/fridges", headers=world.kitchen.headers)
    assert [(f["point"], f["label"], f["current_c"]) for f in answer.json["items"]] == [
        ("fridge-sample", "留样冰箱", 4.4)]


def test_a_caregiver_reads_but_may_not_write(client, world) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/api/v1/centres/alpha/food-samples", headers=world.caregiver.headers).status_code == 200
    answer = client.post("/api/v1/centres/alpha/food-samples", json=BODY, headers=world.caregiver.headers)
    assert answer.status_code == 403 and answer.json["error"]["code"]


def test_a_guardian_sees_no_samples(client, world) -> None:  # type: ignore[no-untyped-def]
    row = world.sample()
    assert client.get("/api/v1/centres/alpha/food-samples", headers=world.parent.headers).status_code == 403
    assert client.get(f"/api/v1/food-samples/{row.id}", headers=world.parent.headers).status_code == 403


def test_another_centre_may_not_touch_a_sample(client, world) -> None:  # type: ignore[no-untyped-def]
    row = world.sample()
    assert client.get(f"/api/v1/food-samples/{row.id}", headers=world.beta_director.headers).status_code == 404
    answer = client.post(f"/api/v1/food-samples/{row.id}/disposal", headers=world.beta_director.headers)
    assert answer.status_code == 404
