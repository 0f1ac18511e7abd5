"""The API: the whole workflow, the lock (409 with the error shape, nothing changed), bad input (422), the list's
filters, health fields only with health.read, other centres and guardians refused."""

from __future__ import annotations

from datetime import timedelta

from server.database import db
from server.incidents.models import IncidentReport
from tests.server.incidents.conftest import REPORTER_PIN, WITNESS_PIN


def _body(world, **overrides):  # type: ignore[no-untyped-def]
    values = {"occurred_at": (world.now - timedelta(minutes=20)).isoformat(), "room_id": world.room.id,
              "injury_type": "fall", "body_regions": ["left_knee_front"], "cause": "绊倒", "first_aid": "冷敷",
              "treatment": "clinic", "witness_id": world.witness.id}
    return {**values, **overrides}


def test_the_workflow_through_the_api(client, world) -> None:  # type: ignore[no-untyped-def]
    made = client.post(f"/api/v1/children/{world.child.id}/incidents", json=_body(world),
                       headers=world.caregiver.headers)
    assert made.status_code == 201, made.json
    rid = made.json["id"]
    assert made.json["stage"] == "draft" and not made.json["locked"]
    signed = client.post(f"/api/v1/incidents/{rid}/sign", json={"role": "reporter", "pin": REPORTER_PIN},
                         headers=world.caregiver.headers)
    assert signed.status_code == 201 and signed.json["locked"]
    witnessed = client.post(f"/api/v1/incidents/{rid}/sign",
                            json={"role": "witness", "staff_id": world.witness.id, "pin": WITNESS_PIN},
                            headers=world.caregiver.headers)
    assert witnessed.json["stage"] == "awaiting_review"
    reviewed = client.post(f"/api/v1/incidents/{rid}/review", json={"note": "已处理"}, headers=world.director.headers)
    assert reviewed.status_code == 201
    assert reviewed.json["stage"] == "awaiting_acknowledgement" and reviewed.json["notice_status"] == "queued"


def test_a_locked_report_refuses_a_change_through_the_api(client, world) -> None:  # type: ignore[no-untyped-def]
    row = world.signed()
    answer = client.patch(f"/api/v1/incidents/{row.id}", json={"cause": "改写"}, headers=world.director.headers)
    assert answer.status_code == 409
    assert answer.json["error"]["code"] == "record_locked"
    db.session.expire_all()
    assert db.session.get(IncidentReport, row.id).cause == "在活动区奔跑时绊倒"


def test_an_amendment_through_the_api(client, world) -> None:  # type: ignore[no-untyped-def]
    row = world.signed()
    answer = client.post(f"/api/v1/incidents/{row.id}/amendments",
                         json={"field": "first_aid", "value": "冷敷 10 分钟", "reason": "补充时长"},
                         headers=world.caregiver.headers)
    assert answer.status_code == 201
    assert answer.json["values"]["first_aid"] == "冷敷 10 分钟"
    assert answer.json["original"]["first_aid"] == "冷敷，消毒，贴创可贴"
    assert [a["field"] for a in answer.json["amendments"]] == ["first_aid"]


def test_bad_input_is_422_with_every_problem(client, world) -> None:  # type: ignore[no-untyped-def]
    answer = client.post(f"/api/v1/children/{world.child.id}/incidents",
                         json=_body(world, injury_type="bruise", body_regions=["tail"]),
                         headers=world.caregiver.headers)
    assert answer.status_code == 422
    assert {d["field"] for d in answer.json["error"]["details"]} == {"injury_type", "body_regions"}


def test_the_witness_before_the_reporter_is_409(client, world) -> None:  # type: ignore[no-untyped-def]
    row = world.draft()
    answer = client.post(f"/api/v1/incidents/{row.id}/sign",
                         json={"role": "witness", "staff_id": world.witness.id, "pin": WITNESS_PIN},
                         headers=world.caregiver.headers)
    assert (answer.status_code, answer.json["error"]["code"]) == (409, "not_signed_by_reporter")


def test_the_list_filters_and_hides_treatment_from_the_kitchen(client, world) -> None:  # type: ignore[no-untyped-def]
    world.signed()
    world.draft()
    waiting = client.get(f"/api/v1/centres/{world.centre.code}/incidents?stage=awaiting_witness",
                         headers=world.director.headers)
    assert [x["stage"] for x in waiting.json["items"]] == ["awaiting_witness"]
    assert "treatment" in waiting.json["items"][0]["values"]
    cook = client.get(f"/api/v1/centres/{world.centre.code}/incidents", headers=world.kitchen.headers)
    assert cook.status_code == 200 and all("treatment" not in x["values"] for x in cook.json["items"])


def test_guardians_and_other_centres_do_not_read_the_register(client, world) -> None:  # type: ignore[no-untyped-def]
    row = world.signed()
    assert client.get(f"/api/v1/centres/{world.centre.code}/incidents", headers=world.parent.headers).status_code == 403
    assert client.get(f"/api/v1/incidents/{row.id}", headers=world.beta_director.headers).status_code == 404


def test_a_guardian_cannot_tell_which_report_ids_exist(client, world) -> None:  # type: ignore[no-untyped-def]
    """Staff routes with a report id answer a guardian 404 for their own child's report, another family's and an
    id that does not exist alike (the family page is theirs); the product's least-information rule."""
    row = world.signed()  # the mother's child's report; another family's for other_parent
    for report_id in (row.id, row.id + 100):
        for method, path, body in (("GET", "", None), ("PATCH", "", {"cause": "x"}),
                                   ("POST", "/sign", {"role": "witness", "staff_id": world.witness.id, "pin": "1"}),
                                   ("POST", "/review", {"note": "x"}),
                                   ("POST", "/amendments", {"field": "cause", "value": "x", "reason": "y"})):
            for who in (world.parent, world.other_parent):
                answer = client.open(f"/api/v1/incidents/{report_id}{path}", method=method, json=body,
                                     headers=who.headers)
                assert answer.status_code == 404, (method, path, report_id)
                assert answer.json["error"]["code"] == "not_found"


def test_the_inspector_reads_but_never_writes(client, world) -> None:  # type: ignore[no-untyped-def]
    row = world.signed()
    assert client.get(f"/api/v1/incidents/{row.id}", headers=world.inspector.headers).status_code == 200
    answer = client.post(f"/api/v1/incidents/{row.id}/amendments",
                         json={"field": "cause", "value": "x", "reason": "y"}, headers=world.inspector.headers)
    assert answer.status_code == 403


def test_the_cctv_retention_is_recorded_by_the_director(client, world) -> None:  # type: ignore[no-untyped-def]
    url = f"/api/v1/centres/{world.centre.code}/cctv-retention"
    assert client.post(url, json={"days": 30}, headers=world.caregiver.headers).status_code == 403
    assert client.post(url, json={"days": 30}, headers=world.director.headers).status_code == 201
    assert client.get(url, headers=world.caregiver.headers).json["days"] == 30


def test_the_routes_are_in_the_openapi_document(client) -> None:  # type: ignore[no-untyped-def]
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert {"/api/v1/incidents/{report_id}/sign", "/api/v1/incidents/{report_id}/amendments"} <= set(paths)
