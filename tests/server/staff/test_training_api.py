"""The training log through the API: the director records and corrects, inspectors read, one error shape."""

from __future__ import annotations

from server.database import db

ENTRY = {"category": "safety", "title": "消防安全培训", "hours": "1.5", "provider": "区消防救援大队",
         "held_on": "2026-09-02"}


def _post(client, world, body, who="director"):
    return client.post(f"/api/v1/staff/{world['certified'].id}/training", json=body, headers=world[who].headers)


def test_the_director_records_a_training_and_reads_it_back(client, staff_world):
    db.session.commit()
    created = _post(client, staff_world, ENTRY)
    listed = client.get(f"/api/v1/staff/{staff_world['certified'].id}/training",
                        headers=staff_world["inspector"].headers)
    assert (created.status_code, [(i["category"], i["hours"]) for i in listed.get_json()["items"]]) == (
        201, [("safety", "1.50")])


def test_an_unknown_category_is_refused_in_the_error_shape(client, staff_world):
    db.session.commit()
    response = _post(client, staff_world, {**ENTRY, "category": "cooking"})
    assert (response.status_code, response.get_json()["error"]["field"]) == (422, "category")


def test_too_many_hours_are_refused_in_the_error_shape(client, staff_world):
    db.session.commit()
    response = _post(client, staff_world, {**ENTRY, "hours": "25"})
    assert (response.status_code, response.get_json()["error"]["code"]) == (422, "too_many_hours")


def test_a_caregiver_neither_reads_nor_records_colleagues_training(client, staff_world):
    db.session.commit()
    assert (_post(client, staff_world, ENTRY, who="caregiver").status_code,
            client.get("/api/v1/centres/alpha/training", headers=staff_world["caregiver"].headers).status_code) == (
        403, 403)


def test_another_centres_director_sees_nothing(client, staff_world):
    db.session.commit()
    assert _post(client, staff_world, ENTRY, who="beta_director").status_code == 404


def test_a_correction_through_the_api_replaces_the_entry(client, staff_world):
    db.session.commit()
    entry_id = _post(client, staff_world, ENTRY).get_json()["id"]
    amended = client.post(f"/api/v1/training/{entry_id}/amendments", headers=staff_world["director"].headers,
                          json={"entry": {**ENTRY, "hours": "2"}, "note": "学时更正"})
    listed = client.get("/api/v1/centres/alpha/training", headers=staff_world["director"].headers).get_json()
    assert (amended.status_code, [(i["id"], i["amends_id"], i["hours"]) for i in listed["items"]]) == (
        201, [(amended.get_json()["id"], entry_id, "2.00")])


def test_a_correction_is_either_an_entry_or_a_withdrawal(client, staff_world):
    db.session.commit()
    entry_id = _post(client, staff_world, ENTRY).get_json()["id"]
    response = client.post(f"/api/v1/training/{entry_id}/amendments", headers=staff_world["director"].headers,
                           json={"note": "?"})
    assert (response.status_code, response.get_json()["error"]["code"]) == (422, "entry_or_withdraw")


def test_the_totals_of_a_period(client, staff_world):
    db.session.commit()
    _post(client, staff_world, ENTRY)
    _post(client, staff_world, {**ENTRY, "category": "ethics", "hours": "2", "held_on": "2026-09-03"})
    body = client.get("/api/v1/centres/alpha/training/totals?from=2026-09-01&to=2026-09-30",
                      headers=staff_world["director"].headers).get_json()
    assert (body["totals"], body["total_hours"], body["trained"], body["employed"], body["coverage"]) == (
        {"ethics": "2.00", "safety": "1.50"}, "3.50", 1, 3, "33.3")
