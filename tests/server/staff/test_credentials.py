"""Credentials: validation, corrections, the boundary dates of expiry, masked numbers and the logged reveal."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from server.audit.models import AccessEvent
from server.database import db
from server.errors import ValidationFailed
from server.staff.models import StaffCredential
from server.staff.operations.eligibility import certified_staff_ids, duty_statuses
from tests.server.staff.factories import TODAY, add_credential, certify, make_staff

FULL = "440102199001011234"


def _status(world, clock, expires_on):
    person = make_staff(world["alpha"], clock.now(), name="边界老师")
    certify(person, clock.now(), background_expires_on=expires_on)
    return duty_statuses(world["alpha"].id, [person.id], TODAY)[person.id]


def test_a_credential_expiring_today_still_counts(staff_world, clock):
    assert _status(staff_world, clock, TODAY).certified is True


def test_a_credential_that_expired_yesterday_does_not_count(staff_world, clock):
    status = _status(staff_world, clock, TODAY - timedelta(days=1))
    assert (status.certified, [c.type_code for c in status.expired]) == (False, ["criminal_record_check"])


def test_a_credential_expiring_in_60_days_counts_and_is_expiring(staff_world, clock):
    status = _status(staff_world, clock, TODAY + timedelta(days=60))
    assert (status.certified, [c.type_code for c in status.expiring]) == (True, ["criminal_record_check"])


def test_certified_ids_leave_out_who_lacks_a_credential(staff_world):
    ids = [staff_world["certified"].id, staff_world["uncertified"].id]
    assert certified_staff_ids(staff_world["alpha"].id, ids, TODAY) == {staff_world["certified"].id}


def test_recording_refuses_every_problem_at_once(client, staff_world):
    before = db.session.execute(select(func.count()).select_from(StaffCredential)).scalar_one()
    response = client.post(f"/api/v1/staff/{staff_world['uncertified'].id}/certificates", json={
        "type_code": "flying_licence", "number": "A1", "issuer": "某机关", "issued_on": "2026-09-08",
        "expires_on": "2026-09-01"}, headers=staff_world["director"].headers)
    body = response.get_json()
    assert (response.status_code, sorted(p["code"] for p in body["error"]["details"])) == (422, [
        "expires_before_issued", "issued_in_future", "unknown_credential_type"])
    assert db.session.execute(select(func.count()).select_from(StaffCredential)).scalar_one() == before


def test_a_blank_number_is_refused_by_the_operation(staff_world, clock):
    with pytest.raises(ValidationFailed) as refused:
        add_credential(staff_world["uncertified"], clock.now(), "health_certificate", number="   ")
    assert [(p.code, p.field) for p in refused.value.problems] == [("required", "number")]


def test_a_level_is_refused_for_a_type_without_levels(client, staff_world):
    response = client.post(f"/api/v1/staff/{staff_world['uncertified'].id}/certificates", json={
        "type_code": "criminal_record_check", "number": "X1", "issuer": "派出所", "issued_on": "2026-08-01",
        "level": "一级"}, headers=staff_world["director"].headers)
    assert (response.status_code, response.get_json()["error"]["code"]) == (422, "level_not_applicable")


def test_the_number_is_stored_trimmed_and_shown_masked(client, staff_world):
    response = client.post(f"/api/v1/staff/{staff_world['uncertified'].id}/certificates", json={
        "type_code": "health_certificate", "number": f"  {FULL} ", "issuer": "区妇幼保健院",
        "issued_on": "2026-08-01", "expires_on": "2027-07-31"}, headers=staff_world["director"].headers)
    row = db.session.get(StaffCredential, response.get_json()["id"])
    assert (response.status_code, response.get_json()["number_masked"], row.number) == (
        201, "4401**********1234", FULL)


def test_an_inspector_sees_masked_numbers_only(client, staff_world):
    response = client.get(f"/api/v1/staff/{staff_world['certified'].id}/certificates",
                          headers=staff_world["inspector"].headers)
    assert response.status_code == 200
    assert FULL not in response.get_data(as_text=True)
    assert "4401**********1234" in [c["number_masked"] for c in response.get_json()["items"]]


def test_an_inspector_cannot_reveal_a_number(client, staff_world):
    row = add_credential(staff_world["uncertified"], staff_world["alpha"].created_at, "health_certificate")
    response = client.get(f"/api/v1/staff-certificates/{row.id}/number", headers=staff_world["inspector"].headers)
    assert response.status_code == 403


def test_the_director_reveals_a_number_and_the_reveal_is_logged(client, clock, staff_world):
    row = add_credential(staff_world["uncertified"], clock.now(), "health_certificate")
    response = client.get(f"/api/v1/staff-certificates/{row.id}/number", headers=staff_world["director"].headers)
    logged = db.session.execute(select(AccessEvent.action, AccessEvent.object_type, AccessEvent.object_id).where(
        AccessEvent.user_id == staff_world["director"].user.id)).all()
    assert (response.get_json()["number"], logged) == (FULL, [("reveal", "staff_credential", str(row.id))])


def test_a_correction_replaces_the_original(client, clock, staff_world):
    row = add_credential(staff_world["uncertified"], clock.now(), "criminal_record_check",
                         expires_on=TODAY - timedelta(days=1))
    response = client.post(f"/api/v1/staff-certificates/{row.id}/amend", json={
        "expires_on": "2027-09-01", "note": "录入错误，原件有效期至2027年"}, headers=staff_world["director"].headers)
    listed = client.get(f"/api/v1/staff/{staff_world['uncertified'].id}/certificates",
                        headers=staff_world["director"].headers).get_json()["items"]
    assert response.status_code == 201
    assert [(c["amends_id"], c["amended"], c["state"]) for c in listed] == [
        (None, True, "expired"), (row.id, False, "valid")]


def test_an_amended_row_cannot_be_amended_again(client, clock, staff_world):
    row = add_credential(staff_world["uncertified"], clock.now(), "criminal_record_check")
    headers = staff_world["director"].headers
    client.post(f"/api/v1/staff-certificates/{row.id}/amend", json={"issuer": "派出所", "note": "更正"}, headers=headers)
    again = client.post(f"/api/v1/staff-certificates/{row.id}/amend", json={"issuer": "公安局", "note": "再更正"},
                        headers=headers)
    assert (again.status_code, again.get_json()["error"]["code"]) == (409, "already_amended")


def test_unknown_fields_are_refused_in_the_error_shape(client, staff_world):
    response = client.post(f"/api/v1/staff/{staff_world['uncertified'].id}/certificates", json={
        "type_code": "health_certificate", "number": "1", "issuer": "x", "issued_on": "2026-08-01", "colour": "red"},
        headers=staff_world["director"].headers)
    assert (response.status_code, set(response.get_json()["error"])) == (422, {"code", "message", "field", "details"})


def test_a_caregiver_cannot_record_a_credential(client, staff_world):
    response = client.post(f"/api/v1/staff/{staff_world['uncertified'].id}/certificates", json={
        "type_code": "health_certificate", "number": "1", "issuer": "x", "issued_on": "2026-08-01"},
        headers=staff_world["caregiver"].headers)
    assert response.status_code == 403
