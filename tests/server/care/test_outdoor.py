"""Outdoor time per class and day against `care.outdoor_time` (full-day care), and the days exempted."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from compliance import Period
from compliance.care import required_minutes
from server.care.board import room_outdoor_today
from server.care.models import OutdoorExemption, OutdoorSpell
from server.care.operations.outdoor import class_care, record_outdoor
from server.care.registers import OUTDOOR_REGISTER, care_evidence_part
from server.centre.models import ServiceType
from server.centre.records import centre_record
from server.centre.rules import effective_rules
from server.database import db
from tests.factories import SYSTEM, make_child
from tests.server.care.conftest import TODAY


def _count(model) -> int:  # type: ignore[no-untyped-def]
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def _spell(client, world, who="caregiver", room="room", **body):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/rooms/{world[room].id}/outdoor", json=body, headers=world[who].headers)


def test_spells_add_up_against_two_hours(client, care_world, clock):
    first = _spell(client, care_world, minutes=50, started_at=(clock.now() - timedelta(minutes=60)).isoformat())
    assert first.status_code == 201, first.get_json()
    day = first.get_json()
    assert day["minutes"] == 50 and day["required"] == 120 and day["met"] is False and day["shortfall"] == 70
    assert day["day"] == TODAY.isoformat()
    second = _spell(client, care_world, minutes=70).get_json()
    assert second["minutes"] == 120 and second["met"] is True and len(second["spells"]) == 2
    read = client.get(f"/api/v1/rooms/{care_world['room'].id}/outdoor", headers=care_world["inspector"].headers)
    assert read.status_code == 200 and read.get_json()["minutes"] == 120
    other = client.get(f"/api/v1/rooms/{care_world['other_room'].id}/outdoor?on=2026-09-07",
                       headers=care_world["caregiver"].headers)
    assert other.get_json()["minutes"] == 0


def test_an_exemption_for_the_centre_or_a_class_excuses_the_day(client, care_world):
    url = f"/api/v1/centres/{care_world['alpha'].code}/outdoor-exemptions"
    exempt = client.post(url, json={"day": "2026-09-07", "reason": "暴雨预警"}, headers=care_world["caregiver"].headers)
    assert exempt.status_code == 201 and exempt.get_json()["room_id"] is None
    day = room_outdoor_today(care_world["room"].id, TODAY)
    assert day.minutes == 0 and day.exemption == "暴雨预警" and day.met
    one = client.post(url, json={"day": "2026-09-06", "reason": "雾霾", "room_id": care_world["other_room"].id},
                      headers=care_world["caregiver"].headers)
    assert one.status_code == 201
    assert room_outdoor_today(care_world["other_room"].id, TODAY - timedelta(days=1)).exemption == "雾霾"
    assert room_outdoor_today(care_world["room"].id, TODAY - timedelta(days=1)).exemption is None


def test_bad_exemptions_are_refused(client, care_world):
    url = f"/api/v1/centres/{care_world['alpha'].code}/outdoor-exemptions"
    headers = care_world["caregiver"].headers
    assert client.post(url, json={"day": "2026-09-07", "reason": "  "}, headers=headers).status_code == 422
    assert client.post(url, json={"day": "2026-09-07"}, headers=headers).status_code == 422
    foreign = client.post(url, json={"day": "2026-09-07", "reason": "雨", "room_id": care_world["beta_room"].id},
                          headers=headers)
    assert foreign.status_code == 422 and foreign.get_json()["error"]["code"] == "unknown_room"
    far = client.post(url, json={"day": "2026-10-07", "reason": "雨"}, headers=headers)
    assert far.status_code == 422 and far.get_json()["error"]["code"] == "in_future"
    assert client.post(url, json={"day": "2026-09-07", "reason": "雨"},
                       headers=care_world["inspector"].headers).status_code == 403
    assert client.post(f"/api/v1/centres/{care_world['beta'].code}/outdoor-exemptions",
                       json={"day": "2026-09-07", "reason": "雨"}, headers=headers).status_code == 404
    assert _count(OutdoorExemption) == 0


def test_bad_spells_are_refused(client, care_world, clock):
    assert _spell(client, care_world, minutes=0).status_code == 422
    assert _spell(client, care_world, minutes=2000).status_code == 422
    assert _spell(client, care_world).status_code == 422
    ahead = _spell(client, care_world, minutes=30, day="2026-09-08")
    assert ahead.status_code == 422 and ahead.get_json()["error"]["code"] == "in_future"
    mismatch = _spell(client, care_world, minutes=30, day="2026-09-06", started_at=clock.now().isoformat())
    assert mismatch.status_code == 422 and mismatch.get_json()["error"]["code"] == "other_day"
    assert _spell(client, care_world, who="inspector", minutes=30).status_code == 403
    assert _spell(client, care_world, who="beta_director", minutes=30).status_code == 404
    assert _count(OutdoorSpell) == 0


def test_a_half_day_class_has_no_minimum(app, care_world):
    for child in (care_world["child"], care_world["sister"]):
        child.service_type = ServiceType.HALF_DAY
    db.session.flush()
    day = room_outdoor_today(care_world["room"].id, TODAY)
    assert day.required is None and day.met


def test_a_spell_is_stored_once_on_a_retry(client, care_world):
    headers = {**care_world["caregiver"].headers, "Idempotency-Key": "outdoor-0001"}
    url = f"/api/v1/rooms/{care_world['room'].id}/outdoor"
    assert client.post(url, json={"minutes": 40}, headers=headers).status_code == 201
    again = client.post(url, json={"minutes": 40}, headers=headers)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert _count(OutdoorSpell) == 1


def test_a_past_day_is_judged_by_that_days_class(app, care_world, clock):
    """Half-day children now; a full-day child who left three days ago, another who joins today: each day of the
    class is judged by the children enrolled that day, on its page, in the register and in the evidence."""
    alpha, room = care_world["alpha"], care_world["room"]
    for child in (care_world["child"], care_world["sister"]):
        child.service_type = ServiceType.HALF_DAY
    gone = make_child(alpha, clock.now(), room=room, name="李小离")
    gone.left_on = TODAY - timedelta(days=3)
    make_child(alpha, clock.now(), room=room, name="张小新", enrolled_on=TODAY)
    db.session.flush()
    needed = required_minutes(effective_rules(alpha, TODAY))
    required = {back: room_outdoor_today(room.id, TODAY - timedelta(days=back)).required for back in range(5)}
    assert required == {0: needed, 1: None, 2: None, 3: needed, 4: needed}  # the leaver's last day still counts
    assert class_care(alpha.id, TODAY - timedelta(days=2)) == {room.id: "half_day"}
    assert class_care(alpha.id, TODAY) == {room.id: "full_day"}
    for back in range(5):
        record_outdoor(room, minutes=30, day=TODAY - timedelta(days=back), actor=SYSTEM, now=clock.now())
    rows = OUTDOOR_REGISTER.rows(centre_record(alpha), Period(TODAY - timedelta(days=4), TODAY))
    kinds = {row[0]: (row[2], row[4]) for row in rows if row[1] == room.name}
    full, half = ("全日托", needed), ("半日托", "")
    assert kinds == {TODAY - timedelta(days=4): full, TODAY - timedelta(days=3): full,
                     TODAY - timedelta(days=2): half, TODAY - timedelta(days=1): half, TODAY: full}
    past = care_evidence_part(alpha, Period(TODAY - timedelta(days=2), TODAY - timedelta(days=1)))
    assert past["class_care"] == {room.id: "half_day"}
    assert care_evidence_part(alpha, Period(TODAY - timedelta(days=4), TODAY))["class_care"][room.id] == "full_day"
