"""Fire safety: the monthly checklist (the guard walks it), faults need a note, and the yearly certificate."""

from __future__ import annotations

from server.emergencies.fire_checks import fire_status
from server.emergencies.fire_checks_models import FireItem
from tests.server.emergencies import preparedness_world

world = preparedness_world.world  # the fixture
CHECKS = "/api/v1/centres/alpha/fire-checks"
ALL_OK = {item.value: {"is_ok": True} for item in FireItem}


def test_the_guard_records_the_monthly_check(client, world, clock):
    items = {**ALL_OK, "emergency_lights": {"is_ok": False, "note": "二楼应急灯不亮"}}
    response = client.post(CHECKS, json={"checked_at": "2026-09-07T01:00:00Z", "items": items},
                           headers=world["guard"].headers)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["checker_name"], [i["item"] for i in body["items"] if not i["is_ok"]]) == (
        "王保安", ["emergency_lights"])
    assert fire_status(world["alpha"], clock.now()).checked_this_month is True


def test_a_fault_without_a_note_and_a_missing_item_are_both_refused(client, world):
    items = {**ALL_OK, "alarms": {"is_ok": False}}
    del items["hydrants"]
    details = client.post(CHECKS, json={"checked_at": "2026-09-07T01:00:00Z", "items": items},
                          headers=world["guard"].headers).get_json()["error"]["details"]
    assert sorted(d["field"] for d in details) == ["items.alarms", "items.hydrants"]


def test_a_caregiver_may_not_record_a_fire_check(client, world):
    response = client.post(CHECKS, json={"checked_at": "2026-09-07T01:00:00Z", "items": ALL_OK},
                           headers=world["carer"].headers)
    assert response.status_code == 403


def test_no_check_this_month_yet(world, clock):
    assert fire_status(world["alpha"], clock.now()).checked_this_month is False


def test_the_director_records_the_certificate_and_it_is_in_force(client, world, clock):
    body = {"issued_on": "2026-03-01", "valid_until": "2027-02-28", "issuer": "区消防救援大队", "number": "XF-2026-01"}
    assert client.post("/api/v1/centres/alpha/fire-certificates", json=body,
                       headers=world["director"].headers).status_code == 201
    status = fire_status(world["alpha"], clock.now())
    assert (status.certificate.number, status.certificate_expires_soon) == ("XF-2026-01", False)


def test_a_certificate_ending_before_it_starts_is_refused(client, world):
    body = {"issued_on": "2026-03-01", "valid_until": "2026-02-01", "issuer": "区消防救援大队"}
    response = client.post("/api/v1/centres/alpha/fire-certificates", json=body, headers=world["director"].headers)
    assert (response.status_code, response.get_json()["error"]["field"]) == (422, "valid_until")


def test_the_guard_may_not_record_the_certificate(client, world):
    body = {"issued_on": "2026-03-01", "valid_until": "2027-02-28", "issuer": "区消防救援大队"}
    assert client.post("/api/v1/centres/alpha/fire-certificates", json=body,
                       headers=world["guard"].headers).status_code == 403
