"""Naps on the room tablet: start (one open nap per child), patrol checks (action required), end; the API."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from server.audit.models import AuditEntry
from server.care.models import Nap, NapCheck, NapEnd
from server.database import db


def _count(model) -> int:  # type: ignore[no-untyped-def]
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def _start(client, world, who="caregiver", child="child", **body):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/children/{world[child].id}/naps", json=body, headers=world[who].headers)


def _check(client, world, nap_id, who="caregiver", headers=None, **body):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/naps/{nap_id}/checks", json={"position": "back", **body},
                       headers={**world[who].headers, **(headers or {})})


def test_a_nap_starts_with_its_first_check_due_after_the_rulebook_interval(client, care_world, clock):
    response = _start(client, care_world)
    assert response.status_code == 201, response.get_json()
    nap = response.get_json()
    assert nap["child_id"] == care_world["child"].id and nap["room_id"] == care_world["room"].id
    assert nap["day"] == "2026-09-07" and nap["ended_at"] is None and nap["checks"] == []
    started = clock.now()
    assert nap["next_check_due"].startswith((started + timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M"))
    assert nap["check_overdue"] is False


def test_the_interval_is_the_centres_rule_not_a_literal(client, care_world, clock):
    centre = care_world["alpha"]
    centre.rule_policy = {"care.nap_patrol": {"max_interval": 15}}
    db.session.commit()
    nap = _start(client, care_world).get_json()
    assert nap["next_check_due"].startswith((clock.now() + timedelta(minutes=15)).strftime("%Y-%m-%dT%H:%M"))


def test_one_open_nap_per_child(client, care_world):
    assert _start(client, care_world).status_code == 201
    again = _start(client, care_world)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "nap_open"
    assert _count(Nap) == 1
    assert _start(client, care_world, child="sister").status_code == 201  # another child may sleep


def test_an_offline_start_keeps_the_tablets_time(client, care_world, clock):
    at = clock.now() - timedelta(minutes=20)
    nap = _start(client, care_world, at=at.isoformat()).get_json()
    assert nap["started_at"].startswith(at.strftime("%Y-%m-%dT%H:%M"))
    assert nap["check_overdue"] is True  # 20 minutes asleep, nobody looked


def test_bad_start_times_are_refused(client, care_world, clock):
    ahead = _start(client, care_world, at=(clock.now() + timedelta(hours=1)).isoformat())
    assert ahead.status_code == 422 and ahead.get_json()["error"]["code"] == "in_future"
    old = _start(client, care_world, at=(clock.now() - timedelta(days=30)).isoformat())
    assert old.status_code == 422 and old.get_json()["error"]["code"] == "too_old"
    naive = _start(client, care_world, at="2026-09-07T09:00:00")
    assert naive.status_code == 422 and naive.get_json()["error"]["field"] == "at"
    unknown = _start(client, care_world, sleepy=True)
    assert unknown.status_code == 422
    assert _count(Nap) == 0


def test_a_check_records_position_breathing_and_colour(client, care_world, clock):
    nap = _start(client, care_world).get_json()
    clock.advance(minutes=8)
    response = _check(client, care_world, nap["id"], position="side")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert [c["position"] for c in body["checks"]] == ["side"]
    assert body["next_check_due"].startswith((clock.now() + timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M"))


def test_a_stomach_position_without_an_action_is_refused_and_nothing_stored(client, care_world):
    nap = _start(client, care_world).get_json()
    refused = _check(client, care_world, nap["id"], position="stomach")
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert error["code"] == "action_required" and error["field"] == "action"
    blank = _check(client, care_world, nap["id"], position="stomach", action="   ")
    assert blank.status_code == 422
    assert _count(NapCheck) == 0
    acted = _check(client, care_world, nap["id"], position="stomach", action="已翻为仰卧")
    assert acted.status_code == 201
    assert acted.get_json()["checks"][0]["action"] == "已翻为仰卧"


def test_abnormal_breathing_or_colour_needs_an_action_too(client, care_world):
    nap = _start(client, care_world).get_json()
    for sign in ("breathing_ok", "colour_ok"):
        refused = _check(client, care_world, nap["id"], **{sign: False})
        assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "action_required"
    assert _check(client, care_world, nap["id"], colour_ok=False, action="唤醒，通知保健员").status_code == 201


def test_bad_checks_are_refused(client, care_world, clock):
    nap = _start(client, care_world).get_json()
    assert _check(client, care_world, nap["id"], position="prone").status_code == 422
    before = _check(client, care_world, nap["id"], at=(clock.now() - timedelta(minutes=5)).isoformat())
    assert before.status_code == 422 and before.get_json()["error"]["code"] == "before_start"
    long = _check(client, care_world, nap["id"], position="stomach", action="x" * 501)
    assert long.status_code == 422
    assert _check(client, care_world, 999999).status_code == 404
    assert _count(NapCheck) == 0


def test_a_nap_ends_once_and_takes_no_later_check(client, care_world, clock):
    nap = _start(client, care_world).get_json()
    clock.advance(minutes=40)
    ended = client.post(f"/api/v1/naps/{nap['id']}/end", json={}, headers=care_world["caregiver"].headers)
    assert ended.status_code == 201
    assert ended.get_json()["ended_at"] is not None and ended.get_json()["next_check_due"] is None
    again = client.post(f"/api/v1/naps/{nap['id']}/end", json={}, headers=care_world["caregiver"].headers)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "nap_ended"
    clock.advance(minutes=1)
    late = _check(client, care_world, nap["id"])
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "nap_ended"
    # A check made before the end, queued offline, still counts.
    queued = _check(client, care_world, nap["id"], at=(clock.now() - timedelta(minutes=20)).isoformat())
    assert queued.status_code == 201
    assert _count(NapEnd) == 1
    assert _start(client, care_world).status_code == 201  # awake: may sleep again


def test_an_end_before_the_start_is_refused(client, care_world, clock):
    nap = _start(client, care_world).get_json()
    early = client.post(f"/api/v1/naps/{nap['id']}/end", json={"at": (clock.now() - timedelta(hours=1)).isoformat()},
                        headers=care_world["caregiver"].headers)
    assert early.status_code == 422 and early.get_json()["error"]["code"] == "before_start"
    assert _count(NapEnd) == 0


def test_every_write_is_audited(client, care_world, clock):
    before = _count(AuditEntry)
    nap = _start(client, care_world).get_json()
    _check(client, care_world, nap["id"])
    client.post(f"/api/v1/naps/{nap['id']}/end", json={}, headers=care_world["caregiver"].headers)
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()[before:]
    assert actions == ["care_nap.start", "care_nap.check", "care_nap.end"]


def test_a_retried_request_is_stored_once(client, care_world):
    key = {"Idempotency-Key": "tablet-nap-0001"}
    url = f"/api/v1/children/{care_world['child'].id}/naps"
    first = client.post(url, json={}, headers={**care_world["caregiver"].headers, **key})
    again = client.post(url, json={}, headers={**care_world["caregiver"].headers, **key})
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json() and again.headers["Idempotent-Replayed"] == "true"
    assert _count(Nap) == 1
    check_key = {"Idempotency-Key": "tablet-check-0001"}
    nap_id = first.get_json()["id"]
    assert _check(client, care_world, nap_id, headers=check_key).status_code == 201
    replay = _check(client, care_world, nap_id, headers=check_key)
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert _count(NapCheck) == 1
    other = _check(client, care_world, nap_id, headers=check_key, position="side")
    assert other.status_code == 422 and other.get_json()["error"]["code"] == "idempotency_key_reused"


def test_a_rooms_naps_and_a_childs_day(client, care_world, clock):
    nap = _start(client, care_world).get_json()
    _start(client, care_world, child="sister")
    clock.advance(minutes=5)
    _check(client, care_world, nap["id"])
    room = client.get(f"/api/v1/rooms/{care_world['room'].id}/naps", headers=care_world["inspector"].headers)
    assert room.status_code == 200
    items = room.get_json()["items"]
    assert {i["child_id"] for i in items} == {care_world["child"].id, care_world["sister"].id}
    other_day = client.get(f"/api/v1/rooms/{care_world['room'].id}/naps?on=2026-09-06",
                           headers=care_world["caregiver"].headers)
    assert other_day.get_json()["items"] == []
    day = client.get(f"/api/v1/children/{care_world['child'].id}/care-log", headers=care_world["caregiver"].headers)
    assert day.status_code == 200 and [n["id"] for n in day.get_json()["naps"]] == [nap["id"]]
    one = client.get(f"/api/v1/naps/{nap['id']}", headers=care_world["caregiver"].headers)
    assert one.status_code == 200 and len(one.get_json()["checks"]) == 1


def test_who_may(client, care_world):
    assert _start(client, care_world, who="inspector").status_code == 403
    assert _start(client, care_world, who="kitchen").status_code == 403
    assert _start(client, care_world, who="beta_director").status_code == 404
    nap = _start(client, care_world, who="director").get_json()
    assert client.get(f"/api/v1/naps/{nap['id']}", headers=care_world["kitchen"].headers).status_code == 403
    assert client.get(f"/api/v1/naps/{nap['id']}", headers=care_world["beta_director"].headers).status_code == 404
    assert _check(client, care_world, nap["id"], who="beta_director").status_code == 404
    assert _count(NapCheck) == 0


def test_a_nap_in_another_class_of_the_centre_only(client, care_world):
    foreign = _start(client, care_world, room_id=care_world["beta_room"].id)
    assert foreign.status_code == 422 and foreign.get_json()["error"]["code"] == "unknown_room"
    assert _start(client, care_world, room_id=999999).status_code == 422
    moved = _start(client, care_world, room_id=care_world["other_room"].id)
    assert moved.status_code == 201 and moved.get_json()["room_id"] == care_world["other_room"].id
