"""The 表4 API: who may write and read, bad input in the error shape with nothing stored, logged reads, replays."""

from __future__ import annotations

from sqlalchemy import func, select

from server.audit.models import AccessEvent
from server.database import db
from server.health.illness.models import IllnessCase, ReturnCertificate
from tests.server.health.illness.conftest import TODAY, days, report

CASE = {"disease": "手足口病", "onset_on": "2026-09-06", "reported_on": "2026-09-07", "reported_to": "渝北区疾控中心",
        "excluded_from": "2026-09-06", "excluded_until": "2026-09-13"}


def _count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_the_health_officer_reports_a_case(client, world):
    child = world["kids"][0]
    response = client.post(f"/api/v1/children/{child.id}/illness-cases", json=CASE, headers=world["health"].headers)
    body = response.get_json()
    assert response.status_code == 201
    assert (body["disease"], body["class_id"], body["excluded_today"], body["return_certificate_on"]) == (
        "手足口病", world["moon"].id, True, None)
    assert body["id"] == body["case_id"]


def test_bad_input_is_refused_in_the_error_shape_and_nothing_is_stored(client, world):
    child, headers = world["kids"][0], world["health"].headers
    response = client.post(f"/api/v1/children/{child.id}/illness-cases", headers=headers, json={
        **CASE, "onset_on": "2026-09-08", "reported_on": "2026-09-05", "excluded_from": None})
    codes = sorted(p["code"] for p in response.get_json()["error"]["details"])
    assert (response.status_code, codes) == (422, ["before_onset", "exclusion_required", "in_future"])
    unknown = client.post(f"/api/v1/children/{child.id}/illness-cases", json={**CASE, "colour": "red"},
                          headers=headers)
    empty = client.post(f"/api/v1/children/{child.id}/illness-cases", json={**CASE, "disease": ""}, headers=headers)
    assert (unknown.status_code, empty.status_code) == (422, 422)
    assert _count(IllnessCase) == 0


def test_only_health_write_may_report_and_only_health_read_may_list(client, world):
    child = world["kids"][0]
    for who, status in (("caregiver", 403), ("inspector", 403), ("kitchen", 403), ("beta_health", 404)):
        response = client.post(f"/api/v1/children/{child.id}/illness-cases", json=CASE, headers=world[who].headers)
        assert response.status_code == status, who
    assert _count(IllnessCase) == 0
    for who, status in (("inspector", 200), ("caregiver", 200), ("kitchen", 403), ("beta_health", 404)):
        response = client.get("/api/v1/centres/alpha/illness-cases", headers=world[who].headers)
        assert response.status_code == status, who


def test_reads_are_logged(client, world, clock):
    report(world["kids"][0], clock.now())
    db.session.commit()
    before = _count(AccessEvent)
    listed = client.get("/api/v1/centres/alpha/illness-cases", headers=world["inspector"].headers)
    one = client.get(f"/api/v1/children/{world['kids'][0].id}/illness-cases", headers=world["inspector"].headers)
    out = client.get("/api/v1/centres/alpha/exclusions", headers=world["inspector"].headers)
    assert [len(r.get_json()["items"]) for r in (listed, one, out)] == [1, 1, 1]
    events = db.session.execute(select(AccessEvent).order_by(AccessEvent.id)).scalars().all()[before:]
    assert [(e.object_type, e.action) for e in events] == [("illness_register", "read"), ("child", "read"),
                                                           ("illness_register", "read")]


def test_a_guardian_sees_only_their_own_childs_cases(client, world, clock):
    mine, theirs = world["kids"][0], world["kids"][1]
    report(mine, clock.now(), disease="水痘")
    report(theirs, clock.now(), disease="手足口病")
    db.session.commit()
    headers = world["parent"].headers
    listed = client.get("/api/v1/centres/alpha/illness-cases", headers=headers).get_json()["items"]
    assert [c["child_id"] for c in listed] == [mine.id]
    excluded = client.get("/api/v1/centres/alpha/exclusions", headers=headers).get_json()["items"]
    assert [c["child_id"] for c in excluded] == [mine.id]
    assert client.get(f"/api/v1/children/{mine.id}/illness-cases", headers=headers).status_code == 200
    assert client.get(f"/api/v1/children/{theirs.id}/illness-cases", headers=headers).status_code == 404


def test_amend_and_certificate_through_the_api(client, world, clock):
    case = report(world["kids"][0], clock.now(), onset=TODAY - days(2))
    db.session.commit()
    headers = world["health"].headers
    amended = client.post(f"/api/v1/illness-cases/{case.id}/amend", json={"reason": "诊断更正", "disease": "水痘"},
                          headers=headers)
    assert (amended.status_code, amended.get_json()["disease"], amended.get_json()["case_id"]) == (201, "水痘", case.id)
    again = client.post(f"/api/v1/illness-cases/{case.id}/amend", json={"reason": "再改", "disease": "流感"},
                        headers=headers)
    assert (again.status_code, again.get_json()["error"]["code"]) == (409, "already_amended")
    no_reason = client.post(f"/api/v1/illness-cases/{amended.get_json()['id']}/amend", json={"disease": "流感"},
                            headers=headers)
    assert no_reason.status_code == 422
    bad = client.post(f"/api/v1/illness-cases/{case.id}/return-certificate", json={"on": "2026-09-08", "issuer": "医院"},
                      headers=headers)
    assert (bad.status_code, bad.get_json()["error"]["details"][0]["code"]) == (422, "in_future")
    done = client.post(f"/api/v1/illness-cases/{case.id}/return-certificate", json={"on": "2026-09-07",
                                                                                    "issuer": "儿童医院"},
                       headers=headers)
    assert (done.status_code, done.get_json()["excluded_today"], done.get_json()["certificate_issuer"]) == (
        201, False, "儿童医院")
    assert client.post(f"/api/v1/illness-cases/{case.id}/return-certificate", json={"on": "2026-09-07",
                       "issuer": "儿童医院"}, headers=headers).status_code == 409
    assert _count(ReturnCertificate) == 1


def test_a_retried_report_with_its_key_is_stored_once(client, world):
    child, headers = world["kids"][0], {**world["health"].headers, "Idempotency-Key": "tablet-1:case-0001"}
    first = client.post(f"/api/v1/children/{child.id}/illness-cases", json=CASE, headers=headers)
    again = client.post(f"/api/v1/children/{child.id}/illness-cases", json=CASE, headers=headers)
    assert (first.status_code, again.status_code, again.headers.get("Idempotent-Replayed")) == (201, 201, "true")
    assert again.get_json() == first.get_json() and _count(IllnessCase) == 1
