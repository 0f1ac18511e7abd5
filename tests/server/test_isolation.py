"""No query leaks across centres: a director of centre A gets 404 for every object of centre B."""

from __future__ import annotations

import re
from datetime import date

import pytest

from server.alerts.operations import raise_alert
from server.attendance.models import PhoneKey
from server.attendance.operations.credentials import issue_credential
from server.auth.roles import Role
from server.centre.closures import record_closure
from server.database import db
from server.fleet.models import DeviceKind
from server.fleet.operations import create_enrolment_code, enroll_device
from server.people.ban_list import add_ban
from server.people.models import StaffRole
from server.people.operations import create_staff
from server.people.staff_models import BanSource
from server.staff.training import TrainingValues, record_training
from tests.factories import SYSTEM, link, make_centre, make_child, make_contact, make_login, make_room
from tests.server.auth import matrix_parts
from tests.server.auth.matrix_parts._base import PartContext
from tests.server.staff.factories import staff_files

# A valid body for every write endpoint that takes an id, so the 404 is about the id, not the body.
VALID_BODIES = {
    ("PATCH", "/api/v1/centres/<code>"): {"name": "改名"},
    ("POST", "/api/v1/centres/<code>/rooms"): {"name": "新班", "class_type": "toddler", "capacity": 10},
    ("PATCH", "/api/v1/rooms/<room_id>"): {"capacity": 12},
    ("POST", "/api/v1/centres/<code>/children"): {
        "name": "张三", "sex": "male", "born_on": "2025-05-01", "enrolled_on": "2026-06-01", "service_type": "full_day"},
    ("PATCH", "/api/v1/children/<child_id>"): {"allergies": "无"},
    ("PUT", "/api/v1/children/<child_id>/contacts"): {
        "contact_id": "{contact_id}", "relationship": "mother", "is_guardian": True, "may_pick_up": True},
    ("POST", "/api/v1/children/<child_id>/consent"): {"contact_id": "{contact_id}", "consent_on": "2026-09-01"},
    ("POST", "/api/v1/centres/<code>/contacts"): {"name": "李四", "phone": "13900000000"},
    ("POST", "/api/v1/centres/<code>/staff"): {"name": "王老师", "role": "caregiver", "hired_on": "2026-01-01"},
    ("POST", "/api/v1/centres/<code>/evaluations"): None,
    ("POST", "/api/v1/centres/<code>/devices/enrolment-codes"): {"kind": "kiosk", "name": "门口"},
    ("POST", "/api/v1/devices/<device_pk>/revoke"): None,
    ("POST", "/api/v1/contacts/<contact_id>/credentials"): {"expires_on": "2027-09-01"},
    ("POST", "/api/v1/staff/<staff_id>/credentials"): {"expires_on": "2027-09-01"},
    ("POST", "/api/v1/credentials/<credential_id>/reissue"): None,
    ("PUT", "/api/v1/credentials/<credential_id>/pin"): {"pin": "480516"},
    ("POST", "/api/v1/alerts/<alert_id>/acknowledge"): None,
    ("POST", "/api/v1/alerts/<alert_id>/resolve"): None,
    ("POST", "/api/v1/children/<child_id>/absences"): {"on": "2026-09-07", "reason": "personal"},
    ("POST", "/api/v1/staff/<staff_id>/moves"): {"reason": "break"},
    ("POST", "/api/v1/children/<child_id>/moves"): {"room_id": "{room_id}"},
    ("POST", "/api/v1/credentials/<credential_id>/phones"): {"public_key": "A" * 43},
    ("DELETE", "/api/v1/credentials/<credential_id>/phones/<phone_id>"): None,
    ("POST", "/api/v1/children/<child_id>/leave"): {"left_on": "2026-09-30", "reason": "graduated"},
    ("POST", "/api/v1/centres/<code>/closures"): {"first_day": "2026-10-09", "last_day": "2026-10-09",
                                                  "reason": "消毒"},
    ("POST", "/api/v1/closures/<closure_id>/withdraw"): {"reason": "照常开园"},
    ("POST", "/api/v1/centres/<code>/inspectors"): {
        "username": "inspector-x", "display_name": "检查员", "expires_at": "2026-12-01T00:00:00Z"},
    ("PATCH", "/api/v1/staff/<staff_id>"): {"phone": "13800000001"},
    ("PUT", "/api/v1/staff/<staff_id>/manager"): {"manager_id": None, "effective_on": "2026-09-07"},
    ("POST", "/api/v1/centres/<code>/banned-persons"): {
        "name": "禁入者", "id_number": "110101198003070017", "reason": "通报", "source": "police",
        "decided_on": "2026-09-01", "is_lifetime": True},
    ("POST", "/api/v1/banned-persons/<ban_id>/lifting"): {"reason": "撤销", "source": "court",
                                                           "decided_on": "2026-09-07"},
    ("POST", "/api/v1/staff/<staff_id>/training"): {"category": "safety", "title": "消防", "hours": "1",
                                                    "provider": "消防队", "held_on": "2026-09-07"},
    ("POST", "/api/v1/training/<entry_id>/amendments"): {"withdraw": True, "note": "重复登记"},
    ("POST", "/api/v1/staff/<staff_id>/certificates"): {"type_code": "health_certificate", "number": "A1234567",
                                                        "issuer": "区妇幼保健院", "issued_on": "2026-08-01"},
    ("POST", "/api/v1/staff-certificates/<certificate_id>/amend"): {"issuer": "市妇幼保健院", "note": "更正"},
    ("POST", "/api/v1/staff/<staff_id>/documents"): None,
    ("POST", "/api/v1/centres/<code>/roster"): {"staff_id": "{staff_id}", "day": "2026-09-08", "starts": "08:00",
                                                "ends": "12:00"},
    ("POST", "/api/v1/shifts/<shift_id>/cancel"): {"reason": "调班"},
}


VALID_BODIES.update(matrix_parts.merged("ISOLATION_BODIES"))  # each domain's part declares its own

# Required query strings, so the 404 is about the id, not a missing parameter.
QUERIES = {"/api/v1/centres/<code>/packs": "?from=2026-09-01&to=2026-09-07",
           "/api/v1/centres/<code>/attendance": "?on=2026-09-07",
           "/api/v1/centres/<code>/ratio-violations": "?from=2026-09-01&to=2026-09-07",
           "/api/v1/centres/<code>/occupancy": "?from=2026-09-01&to=2026-09-07",
           "/api/v1/staff/<staff_id>/managers": "?on=2026-09-07",
           "/api/v1/centres/<code>/training/totals": "?from=2026-09-01&to=2026-09-07",
           **matrix_parts.merged("ISOLATION_QUERIES")}
# Routes for device tokens only (a user token gets 401 there); their isolation is tested per device.
DEVICE_ROUTES = {"/api/v1/devices/photos/<photo_id>",
                 "/api/v1/devices/hygiene/rooms/<room_id>/uv"}  # tests/server/hygiene/test_uv_lamp_server.py


def _api_rules_with_ids(app):
    """(method, path pattern without converters, argument names) of every API route taking an id."""
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.arguments:
            pattern = re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", rule.rule)
            if pattern in DEVICE_ROUTES:
                continue
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield method, pattern, rule.arguments


@pytest.fixture
def two_centres(app, clock):
    now = clock.now()
    a, b = make_centre("alpha", now), make_centre("beta", now)
    room_b = make_room(b, now)
    child_b = make_child(b, now, room=room_b)
    contact_b = make_contact(b, now)
    link(child_b, contact_b, now)
    staff_b = create_staff(b, name="赵老师", role=StaffRole.CAREGIVER, hired_on=now.date(), actor=SYSTEM, now=now)
    credential_b = issue_credential(b, contact=contact_b, expires_on=date(2027, 9, 1), actor=SYSTEM, now=now)
    code_b, _ = create_enrolment_code(b, kind=DeviceKind.KIOSK, name="门口", actor=SYSTEM, now=now)
    device_b, _ = enroll_device(code_b, kind=DeviceKind.KIOSK, name=None, version=None, now=now)
    phone_b = PhoneKey(credential_id=credential_b.id, public_key="A" * 43, enrolled_at=now)
    db.session.add(phone_b)
    db.session.flush()
    alert_b = raise_alert(b.id, kind="test", severity="warning", dedupe_key="x", message_zh="测试", message_en="test",
                          now=now)
    ban_b = add_ban(b, name="禁入者", id_number="11010519491231002X", reason="通报", source=BanSource.POLICE,
                    decided_on=date(2026, 9, 1), is_lifetime=True, actor=SYSTEM, now=now, today=now.date())
    training_b = record_training(staff_b, TrainingValues(category="safety", title="消防", hours=1, provider="消防队",
                                                         held_on=now.date()), actor=SYSTEM, now=now)
    closure_b = record_closure(b, first_day=date(2026, 10, 9), last_day=date(2026, 10, 9), reason="消毒",
                               actor=SYSTEM, now=now)
    certificate_b, document_b, shift_b = staff_files(b, staff_b, room_b, now)
    other_room_b = make_room(b, now, name="二班")
    extra = matrix_parts.objects(PartContext(centre=b, room=room_b, other_room=other_room_b, child=child_b,
                                             contact=contact_b, staff=staff_b, now=now, tag="乙", n=1))
    director_a = make_login("director-a", now, [(a, Role.ADMIN)])
    db.session.commit()
    ids = {"ban_id": ban_b.id, "entry_id": training_b.id, "code": b.code, "room_id": room_b.id, "child_id": child_b.id, "contact_id": contact_b.id,
           "staff_id": staff_b.id, "credential_id": credential_b.id, "device_pk": device_b.id, "photo_id": 1,
           "alert_id": alert_b.id, "phone_id": phone_b.id, "closure_id": closure_b.id,
           "certificate_id": certificate_b.id, "document_id": document_b.id, "shift_id": shift_b.id, **extra}
    return director_a, ids


def test_every_write_endpoint_with_an_id_has_a_valid_body_here(app):
    writes = {(method, pattern) for method, pattern, _ in _api_rules_with_ids(app) if method != "GET"}
    assert writes == set(VALID_BODIES)


def test_director_of_a_gets_404_for_every_object_of_b(app, client, two_centres):
    director_a, ids = two_centres
    answers = {}
    for method, pattern, arguments in _api_rules_with_ids(app):
        url = pattern
        for name in arguments:
            url = url.replace(f"<{name}>", str(ids[name]))
        url += QUERIES.get(pattern, "")
        body = VALID_BODIES.get((method, pattern))
        if body is not None:
            body = {k: ids[v[1:-1]] if isinstance(v, str) and v.startswith("{") else v for k, v in body.items()}
        response = client.open(url, method=method, json=body, headers=director_a.headers)
        answers[(method, pattern)] = (response.status_code, response.get_json()["error"]["code"])
    assert set(answers.values()) == {(404, "not_found")}, answers


def test_listing_centres_shows_only_granted_ones(client, two_centres):
    director_a, _ = two_centres
    items = client.get("/api/v1/centres", headers=director_a.headers).get_json()["items"]
    assert [c["code"] for c in items] == ["alpha"]
