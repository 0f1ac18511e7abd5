"""The checks' API: record exactly once per Idempotency-Key, refuse bad input with nothing stored, read (logged,
a guardian their own child's only), the queue, close a follow-up; who may do what."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from server.audit.models import AccessEvent
from server.database import db
from server.health.checks.models import FollowUpClosure, HealthCheck
from server.health.checks.operations import record_quick_screen
from server.notices.models import GuardianNotice
from tests.server.health.checks.conftest import full_check

NORMAL = {"kind": "morning", "temperature": 36.6}


def _count(model) -> int:  # type: ignore[no-untyped-def]
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def _post(client, who, url: str, body: dict, key: str | None = None):  # type: ignore[no-untyped-def]
    headers = dict(who.headers)
    if key:
        headers["Idempotency-Key"] = key
    return client.post(url, json=body, headers=headers)


def test_a_check_is_recorded(client, world):
    child = world["kids"]["王小明"]
    answer = _post(client, world["health"], f"/api/v1/children/{child.id}/health-checks", NORMAL)
    body = answer.get_json()
    assert answer.status_code == 201, body
    assert (body["result"], body["temperature"], body["room_id"], body["follow_up_open"]) == (
        "normal", "36.6", world["sun"].id, False)


def test_a_retried_check_is_stored_once_and_the_answer_replayed(client, world):
    url = f"/api/v1/children/{world['kids']['李小红'].id}/health-checks"
    body = {"kind": "morning", "temperature": 38.2}
    first = _post(client, world["health"], url, body, key="tablet-entry-0001")
    again = _post(client, world["health"], url, body, key="tablet-entry-0001")
    assert (first.status_code, again.status_code, again.headers.get("Idempotent-Replayed")) == (201, 201, "true")
    assert again.get_json() == first.get_json()
    assert (_count(HealthCheck), _count(GuardianNotice)) == (1, 1)
    reused = _post(client, world["health"], url, {**body, "temperature": 36.5}, key="tablet-entry-0001")
    assert (reused.status_code, reused.get_json()["error"]["code"]) == (422, "idempotency_key_reused")


@pytest.mark.parametrize(("body", "field"), [
    ({"kind": "morning"}, "temperature"),
    ({"kind": "morning", "temperature": 45}, "temperature"),
    ({"kind": "morning", "temperature": 36.55}, "temperature"),
    ({"kind": "lunch", "temperature": 36.5}, "kind"),
    ({"kind": "morning", "temperature": 36.5, "skin_ok": False}, "findings"),
    ({"kind": "morning", "temperature": 36.5, "to_observation_room": True}, "to_observation_room"),
    ({"kind": "morning", "temperature": 36.5, "colour": "pink"}, "colour"),
])
def test_bad_input_is_a_422_on_its_field_and_nothing_is_stored(client, world, body, field):
    answer = _post(client, world["health"], f"/api/v1/children/{world['kids']['王小明'].id}/health-checks", body)
    assert (answer.status_code, answer.get_json()["error"]["field"]) == (422, field)
    assert _count(HealthCheck) == 0


def test_an_abnormal_check_then_its_follow_up_closed_by_the_health_officer(client, world):
    child = world["kids"]["李小红"]
    check = _post(client, world["caregiver"], f"/api/v1/children/{child.id}/health-checks",
                  {"kind": "observation", "spirits_ok": False, "findings": "精神萎靡", "to_observation_room": True})
    check_id = check.get_json()["id"]
    refused = _post(client, world["caregiver"], f"/api/v1/health-checks/{check_id}/close", {"outcome": "接回"})
    closed = _post(client, world["health"], f"/api/v1/health-checks/{check_id}/close", {"outcome": "家长接回就医"},
                   key="close-entry-0001")
    twice = _post(client, world["health"], f"/api/v1/health-checks/{check_id}/close", {"outcome": "again"})
    assert (check.status_code, refused.status_code, closed.status_code, twice.status_code) == (201, 403, 201, 409)
    assert _count(FollowUpClosure) == 1
    listed = client.get(f"/api/v1/children/{child.id}/health-checks", headers=world["health"].headers).get_json()
    assert [(i["follow_up_open"], i["follow_up_outcome"]) for i in listed["items"]] == [(False, "家长接回就医")]


def test_a_correction_through_the_api(client, world, clock):
    row = full_check(world["kids"]["王小明"], clock.now(), temperature=Decimal("38.0"))
    db.session.commit()
    answer = _post(client, world["health"], f"/api/v1/health-checks/{row.id}/amend",
                   {"reason": "读错", "temperature": 36.9})
    missing = _post(client, world["health"], f"/api/v1/health-checks/{row.id}/amend", {"temperature": 36.9})
    assert (answer.status_code, answer.get_json()["amends_id"], answer.get_json()["result"]) == (201, row.id, "normal")
    assert missing.status_code == 422


def test_reading_a_childs_checks_is_logged(client, world, clock):
    child = world["kids"]["王小明"]
    full_check(child, clock.now())
    db.session.commit()
    answer = client.get(f"/api/v1/children/{child.id}/health-checks?from=2026-09-01&to=2026-09-07",
                        headers=world["director"].headers)
    assert (answer.status_code, len(answer.get_json()["items"])) == (200, 1)
    logged = db.session.execute(select(AccessEvent).where(AccessEvent.object_type == "health_checks")).scalar_one()
    assert (logged.user_id, logged.object_id, logged.action) == (world["director"].user.id, str(child.id), "read")


def test_a_guardian_reads_their_own_childs_checks_only(client, world, clock):
    mine, other = world["kids"]["王小明"], world["kids"]["李小红"]
    full_check(mine, clock.now())
    full_check(other, clock.now(), temperature=Decimal("38.5"))
    db.session.commit()
    parent = world["parent"].headers
    own = client.get(f"/api/v1/children/{mine.id}/health-checks", headers=parent)
    theirs = client.get(f"/api/v1/children/{other.id}/health-checks", headers=parent)
    day = client.get("/api/v1/centres/alpha/health-checks?on=2026-09-07", headers=parent).get_json()
    assert (own.status_code, theirs.status_code) == (200, 404)
    assert [i["child_id"] for i in day["items"]] == [mine.id]


def test_a_days_checks_for_the_staff(client, world, clock):
    full_check(world["kids"]["王小明"], clock.now())
    full_check(world["kids"]["李小红"], clock.now())
    db.session.commit()
    answer = client.get("/api/v1/centres/alpha/health-checks", headers=world["caregiver"].headers)
    kitchen = client.get("/api/v1/centres/alpha/health-checks", headers=world["kitchen"].headers)
    other = client.get("/api/v1/centres/alpha/health-checks", headers=world["beta_director"].headers)
    assert (len(answer.get_json()["items"]), kitchen.status_code, other.status_code) == (2, 403, 404)


def test_the_queue_puts_an_abnormal_kiosk_screen_first(client, world, clock):
    kids, now = world["kids"], clock.now()
    record_quick_screen(kids["张小华"], temperature=Decimal("36.4"), hands_mouth_eyes_ok=True, device_id=None,
                        at=now, now=now)
    record_quick_screen(kids["李小红"], temperature=Decimal("38.4"), hands_mouth_eyes_ok=True, device_id=None,
                        at=now, now=now)
    open_one = full_check(kids["王小明"], now, temperature=Decimal("37.6"))
    db.session.commit()
    queue = client.get("/api/v1/centres/alpha/health-checks/queue", headers=world["health"].headers).get_json()
    assert [(i["name"], i["status"]) for i in queue["to_check"]] == [("李小红", "abnormal_screen"),
                                                                     ("张小华", "screened")]
    assert (queue["present"], queue["done"], queue["abnormal"], queue["fever_c"]) == (3, 1, 1, "37.3")
    assert [f["id"] for f in queue["follow_ups"]] == [open_one.id]
    logged = db.session.execute(select(AccessEvent.object_type)).scalars().all()
    assert "health_check_queue" in logged
    inspector = client.get("/api/v1/centres/alpha/health-checks/queue", headers=world["inspector"].headers)
    assert inspector.status_code == 403
