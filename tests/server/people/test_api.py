"""Children, contacts and staff through the API: audited writes, one error shape, least access."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from server.audit.models import AccessEvent, AuditEntry
from server.auth.roles import Role
from server.database import db
from server.people.operations import set_contact_photo
from tests.factories import SYSTEM, link, make_centre, make_child, make_contact, make_login, make_room

NEW_CHILD = {"name": "陈一一", "sex": "female", "born_on": "2025-04-02", "enrolled_on": "2026-08-20",
             "service_type": "full_day"}


@pytest.fixture
def centre(app, clock):
    centre = make_centre("alpha", clock.now())
    db.session.commit()
    return centre


def _login(centre, clock, role: Role, name: str | None = None, **kwargs):
    return make_login(name or role.value, clock.now(), [(centre, role)], **kwargs)


def test_director_creates_a_child_and_an_audit_entry_is_written(client, centre, clock):
    director = _login(centre, clock, Role.ADMIN)
    before = db.session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    response = client.post("/api/v1/centres/alpha/children", json=NEW_CHILD, headers=director.headers)
    assert response.status_code == 201
    entry = db.session.execute(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).scalar_one()
    assert (entry.action, entry.object_id, entry.actor_id) == ("child.create", str(response.get_json()["id"]), director.user.id)
    assert db.session.execute(select(func.count()).select_from(AuditEntry)).scalar_one() == before + 1


def test_created_child_reads_back_with_utc_timestamps(client, centre, clock):
    director = _login(centre, clock, Role.ADMIN)
    child_id = client.post("/api/v1/centres/alpha/children", json=NEW_CHILD, headers=director.headers).get_json()["id"]
    body = client.get(f"/api/v1/children/{child_id}", headers=director.headers).get_json()
    assert (body["name"], body["created_at"]) == ("陈一一", "2026-09-07T01:30:00Z")


def test_every_problem_of_a_bad_child_is_reported_at_once(client, centre, clock):
    director = _login(centre, clock, Role.ADMIN)
    bad = {**NEW_CHILD, "born_on": "2027-01-01", "enrolled_on": "2026-01-01"}
    body = client.post("/api/v1/centres/alpha/children", json=bad, headers=director.headers).get_json()
    assert {d["code"] for d in body["error"]["details"]} == {"born_in_future", "enrolled_before_born"}


@pytest.mark.parametrize(("language", "message"), [("zh-CN", "出生日期不能晚于今天。"),
                                                   ("en", "The date of birth is in the future.")])
def test_a_problem_speaks_the_callers_language_only(client, centre, clock, language, message):
    director = _login(centre, clock, Role.ADMIN)
    response = client.post("/api/v1/centres/alpha/children", json={**NEW_CHILD, "born_on": "2027-01-01"},
                           headers={**director.headers, "Accept-Language": language})
    assert response.get_json()["error"]["message"] == message


def test_schema_error_uses_the_one_error_shape_with_the_field(client, centre, clock):
    director = _login(centre, clock, Role.ADMIN)
    response = client.post("/api/v1/centres/alpha/children", json={**NEW_CHILD, "sex": "x"}, headers=director.headers)
    error = response.get_json()["error"]
    assert (response.status_code, error["field"]) == (422, "sex")


def test_unknown_fields_are_refused(client, centre, clock):
    director = _login(centre, clock, Role.ADMIN)
    response = client.post("/api/v1/centres/alpha/children", json={**NEW_CHILD, "is_admin": True},
                           headers=director.headers)
    assert (response.status_code, response.get_json()["error"]["field"]) == (422, "is_admin")


def test_nothing_is_saved_when_a_write_fails(client, centre, clock):
    director = _login(centre, clock, Role.ADMIN)
    client.post("/api/v1/centres/alpha/children", json={**NEW_CHILD, "born_on": "2030-01-01"}, headers=director.headers)
    listing = client.get("/api/v1/centres/alpha/children", headers=director.headers).get_json()
    assert listing["total"] == 0


def test_children_are_paginated(client, centre, clock):
    director = _login(centre, clock, Role.ADMIN)
    for i in range(5):
        make_child(centre, clock.now(), name=f"孩子{i}")
    db.session.commit()
    body = client.get("/api/v1/centres/alpha/children?page=2&per_page=2", headers=director.headers).get_json()
    assert ([c["name"] for c in body["items"]], body["total"]) == (["孩子2", "孩子3"], 5)


def test_a_guardian_sees_only_their_own_child(client, centre, clock):
    parent = _login(centre, clock, Role.GUARDIAN, "parent")
    own, other = make_child(centre, clock.now(), name="自己的"), make_child(centre, clock.now(), name="别人的")
    link(own, make_contact(centre, clock.now(), user=parent.user), clock.now())
    db.session.commit()
    names = [c["name"] for c in client.get("/api/v1/centres/alpha/children", headers=parent.headers).get_json()["items"]]
    assert (names, client.get(f"/api/v1/children/{other.id}", headers=parent.headers).status_code) == (["自己的"], 404)


def test_kitchen_staff_cannot_read_families(client, centre, clock):
    kitchen = _login(centre, clock, Role.KITCHEN)
    response = client.get("/api/v1/centres/alpha/contacts", headers=kitchen.headers)
    assert (response.status_code, response.get_json()["error"]["code"]) == (403, "forbidden")


def test_guardianship_and_pick_up_are_set_separately(client, centre, clock):
    director = _login(centre, clock, Role.ADMIN)
    child = make_child(centre, clock.now())
    grandma = make_contact(centre, clock.now(), name="奶奶")
    db.session.commit()
    body = {"contact_id": grandma.id, "relationship": "grandmother", "is_guardian": False, "may_pick_up": True}
    client.put(f"/api/v1/children/{child.id}/contacts", json=body, headers=director.headers)
    links = client.get(f"/api/v1/children/{child.id}/contacts", headers=director.headers).get_json()["items"]
    assert [(x["contact"]["name"], x["is_guardian"], x["may_pick_up"]) for x in links] == [("奶奶", False, True)]


def test_consent_can_only_come_from_a_guardian(client, centre, clock):
    director = _login(centre, clock, Role.ADMIN)
    child = make_child(centre, clock.now())
    grandma = make_contact(centre, clock.now(), name="奶奶")
    link(child, grandma, clock.now(), guardian=False)
    db.session.commit()
    response = client.post(f"/api/v1/children/{child.id}/consent", json={"contact_id": grandma.id, "consent_on": "2026-09-01"},
                           headers=director.headers)
    assert (response.status_code, response.get_json()["error"]["code"]) == (422, "not_guardian")


def test_reading_a_child_record_is_logged(client, centre, clock):
    caregiver = _login(centre, clock, Role.CAREGIVER)
    child = make_child(centre, clock.now())
    db.session.commit()
    client.get(f"/api/v1/children/{child.id}", headers=caregiver.headers)
    event = db.session.execute(select(AccessEvent).order_by(AccessEvent.id.desc()).limit(1)).scalar_one()
    assert (event.user_id, event.action, event.object_type, event.object_id) == (caregiver.user.id, "read", "child", str(child.id))


def test_reading_a_photo_is_logged_and_not_cached(client, centre, clock):
    guard = _login(centre, clock, Role.SECURITY)
    contact = make_contact(centre, clock.now())
    set_contact_photo(contact, b"\x89PNG fake", "image/png", retain_until=None, actor=SYSTEM, now=clock.now())
    db.session.commit()
    response = client.get(f"/api/v1/contacts/{contact.id}/photo", headers=guard.headers)
    logged = db.session.execute(select(func.count()).select_from(AccessEvent).where(AccessEvent.object_type == "photo")).scalar_one()
    assert (response.data, response.headers["Cache-Control"], logged) == (b"\x89PNG fake", "private, no-store", 1)


def test_an_inspector_is_read_only(client, centre, clock):
    inspector = _login(centre, clock, Role.INSPECTOR)
    reads = client.get("/api/v1/centres/alpha/children", headers=inspector.headers).status_code
    writes = client.post("/api/v1/centres/alpha/children", json=NEW_CHILD, headers=inspector.headers).status_code
    assert (reads, writes) == (200, 403)


def test_an_expired_inspector_gets_403_and_the_attempt_is_logged(client, centre, clock):
    inspector = _login(centre, clock, Role.INSPECTOR, expires_at=clock.now() + timedelta(hours=1))
    clock.advance(hours=1)
    response = client.get("/api/v1/centres/alpha/children", headers=inspector.headers)
    event = db.session.execute(select(AccessEvent).where(AccessEvent.action == "denied")).scalar_one()
    assert (response.status_code, response.get_json()["error"]["code"], event.user_id, event.centre_id) == (
        403, "grant_expired", inspector.user.id, centre.id)


def test_an_inspector_out_of_scope_gets_403(client, centre, clock):
    other = make_centre("beta", clock.now())
    inspector = _login(other, clock, Role.INSPECTOR)
    response = client.get("/api/v1/centres/alpha", headers=inspector.headers)
    assert (response.status_code, response.get_json()["error"]["code"]) == (403, "out_of_scope")


def test_no_token_gets_401_in_the_error_shape(client, centre):
    body = client.get("/api/v1/centres/alpha/children").get_json()
    assert body["error"]["code"] == "unauthorised"


def test_room_in_another_centre_cannot_be_assigned(client, centre, clock):
    director = _login(centre, clock, Role.ADMIN)
    foreign_room = make_room(make_centre("beta", clock.now()), clock.now())
    db.session.commit()
    response = client.post("/api/v1/centres/alpha/children", json={**NEW_CHILD, "room_id": foreign_room.id},
                           headers=director.headers)
    assert (response.status_code, response.get_json()["error"]["code"]) == (422, "unknown_room")
