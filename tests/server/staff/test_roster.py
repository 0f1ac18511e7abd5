"""The duty roster: who may be put on duty, the reasons when not, cancellations and the week's view."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from server.database import db
from server.people.operations import update_staff
from server.staff.models import Shift
from tests.factories import SYSTEM
from tests.server.staff.factories import TODAY, certify, make_staff


def _assign(client, world, staff: str = "certified", room: str | None = "room", day=TODAY, starts="08:00",
            ends="16:00", who: str = "director", code: str = "alpha"):
    return client.post(f"/api/v1/centres/{code}/roster", json={
        "staff_id": world[staff].id, "room_id": world[room].id if room else None, "day": day.isoformat(),
        "starts": starts, "ends": ends}, headers=world[who].headers)


def _codes(response) -> list[str]:
    return sorted(p["code"] for p in response.get_json()["error"]["details"])


def _shifts() -> int:
    return db.session.execute(select(func.count()).select_from(Shift)).scalar_one()


def test_a_certified_caregiver_is_put_in_a_room(client, staff_world):
    response = _assign(client, staff_world)
    assert (response.status_code, response.get_json()["starts_at"]) == (201, "2026-09-07T00:00:00Z")


def test_someone_without_credentials_is_refused_with_the_reason(client, staff_world):
    response = _assign(client, staff_world, staff="uncertified")
    message = response.get_json()["error"]["details"][0]["message"]
    assert (response.status_code, _codes(response), _shifts()) == (422, ["not_certified"], 0)
    assert "无犯罪记录证明" in message or "criminal record" in message


def test_an_expired_caregiver_is_refused(client, clock, staff_world):
    expired = make_staff(staff_world["alpha"], clock.now(), name="过期老师", room=staff_world["room"])
    certify(expired, clock.now(), background_expires_on=TODAY - timedelta(days=1))
    staff_world["expired"] = expired
    response = _assign(client, staff_world, staff="expired")
    assert (_codes(response), "2026-09-06" in response.get_json()["error"]["message"]) == (["not_certified"], True)


def test_a_shift_ending_on_its_expiry_day_is_allowed(client, clock, staff_world):
    lapsing = make_staff(staff_world["alpha"], clock.now(), name="到期老师", room=staff_world["room"])
    certify(lapsing, clock.now(), background_expires_on=TODAY)
    staff_world["lapsing"] = lapsing
    assert [_assign(client, staff_world, staff="lapsing", day=TODAY + timedelta(days=n)).status_code
            for n in (0, 1)] == [201, 422]


def test_a_role_that_is_not_child_facing_may_not_take_a_room(client, clock, staff_world):
    response = _assign(client, staff_world, staff="kitchen")
    assert _codes(response) == ["not_certified", "role_not_child_facing"]


def test_a_shift_must_end_after_it_starts(client, staff_world):
    assert _codes(_assign(client, staff_world, starts="16:00", ends="08:00")) == ["ends_before_starts"]


def test_overlapping_shifts_of_one_person_are_refused(client, staff_world):
    _assign(client, staff_world)
    response = _assign(client, staff_world, starts="15:00", ends="18:00")
    assert (_codes(response), _shifts()) == (["overlapping_shift"], 1)


def test_a_shift_after_the_first_one_ends_is_fine(client, staff_world):
    _assign(client, staff_world, ends="12:00")
    assert _assign(client, staff_world, starts="12:00", ends="18:00").status_code == 201


def test_someone_who_has_left_is_refused(client, staff_world):
    update_staff(staff_world["certified"], {"left_on": TODAY - timedelta(days=1)}, actor=SYSTEM,
                 now=staff_world["alpha"].created_at)
    assert "not_employed" in _codes(_assign(client, staff_world))


def test_another_centres_room_is_refused(client, staff_world):
    assert _codes(_assign(client, staff_world, room="beta_room")) == ["unknown_room"]


def test_another_centres_staff_is_not_found(client, staff_world):
    response = _assign(client, staff_world, staff="beta_staff", room=None)
    assert (response.status_code, response.get_json()["error"]["field"]) == (404, "staff_id")


def test_a_caregiver_reads_the_roster_but_cannot_write_it(client, staff_world):
    _assign(client, staff_world)
    read = client.get("/api/v1/centres/alpha/roster?week=2026-09-09", headers=staff_world["caregiver"].headers)
    assert (read.status_code, read.get_json()["week_of"], len(read.get_json()["items"])) == (200, "2026-09-07", 1)
    assert _assign(client, staff_world, who="caregiver").status_code == 403


def test_a_cancelled_shift_stays_on_the_roster_marked(client, staff_world):
    shift_id = _assign(client, staff_world).get_json()["id"]
    cancelled = client.post(f"/api/v1/shifts/{shift_id}/cancel", json={"reason": "病假"},
                            headers=staff_world["director"].headers)
    items = client.get("/api/v1/centres/alpha/roster", headers=staff_world["director"].headers).get_json()["items"]
    assert cancelled.status_code == 200
    assert [(i["id"], i["cancelled"], i["cancel_reason"]) for i in items] == [(shift_id, True, "病假")]


def test_a_shift_is_cancelled_once(client, staff_world):
    shift_id = _assign(client, staff_world).get_json()["id"]
    headers = staff_world["director"].headers
    client.post(f"/api/v1/shifts/{shift_id}/cancel", json={"reason": "病假"}, headers=headers)
    again = client.post(f"/api/v1/shifts/{shift_id}/cancel", json={"reason": "再取消"}, headers=headers)
    assert (again.status_code, again.get_json()["error"]["code"]) == (409, "already_cancelled")


def test_a_cancelled_shift_frees_its_hours(client, staff_world):
    shift_id = _assign(client, staff_world).get_json()["id"]
    client.post(f"/api/v1/shifts/{shift_id}/cancel", json={"reason": "调班"}, headers=staff_world["director"].headers)
    assert _assign(client, staff_world, starts="09:00", ends="17:00").status_code == 201


def test_a_bad_week_is_refused_in_the_error_shape(client, staff_world):
    response = client.get("/api/v1/centres/alpha/roster?week=2026-13-01", headers=staff_world["director"].headers)
    assert (response.status_code, response.get_json()["error"]["field"]) == (422, "week")
