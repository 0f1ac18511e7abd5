"""No centre sees or changes another's staff files, scans or roster."""

from __future__ import annotations

import io

from tests.server.staff.factories import PDF, add_credential


def test_another_centres_director_does_not_see_the_credentials(client, staff_world):
    response = client.get(f"/api/v1/staff/{staff_world['certified'].id}/certificates",
                          headers=staff_world["beta_director"].headers)
    assert response.status_code == 404


def test_another_centres_director_cannot_reveal_a_number(client, clock, staff_world):
    row = add_credential(staff_world["uncertified"], clock.now(), "health_certificate")
    response = client.get(f"/api/v1/staff-certificates/{row.id}/number", headers=staff_world["beta_director"].headers)
    assert response.status_code == 404


def test_another_centres_director_cannot_download_a_scan(client, staff_world):
    document_id = client.post(f"/api/v1/staff/{staff_world['certified'].id}/documents",
                              data={"file": (io.BytesIO(PDF), "a.pdf")}, content_type="multipart/form-data",
                              headers=staff_world["director"].headers).get_json()["id"]
    response = client.get(f"/api/v1/staff-documents/{document_id}", headers=staff_world["beta_director"].headers)
    assert response.status_code == 404


def test_another_centres_director_cannot_write_the_roster(client, staff_world):
    response = client.post("/api/v1/centres/alpha/roster", json={
        "staff_id": staff_world["certified"].id, "day": "2026-09-07", "starts": "08:00", "ends": "12:00"},
        headers=staff_world["beta_director"].headers)
    assert response.status_code == 404


def test_another_centres_director_cannot_cancel_a_shift(client, staff_world):
    shift_id = client.post("/api/v1/centres/alpha/roster", json={
        "staff_id": staff_world["certified"].id, "room_id": staff_world["room"].id, "day": "2026-09-07",
        "starts": "08:00", "ends": "12:00"}, headers=staff_world["director"].headers).get_json()["id"]
    response = client.post(f"/api/v1/shifts/{shift_id}/cancel", json={"reason": "x"},
                           headers=staff_world["beta_director"].headers)
    assert response.status_code == 404


def test_the_expiry_list_is_one_centres(client, staff_world):
    response = client.get("/api/v1/centres/alpha/staff-files/expiry", headers=staff_world["beta_director"].headers)
    assert response.status_code == 404
