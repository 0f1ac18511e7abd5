"""A child leaves (离园/退托): reason and note kept, audited, once; the lists, roster and registers follow."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from compliance import Period
from server.attendance.models import AttendanceEvent, AttendanceKind
from server.attendance.registers import attendance_records
from server.audit.models import AuditEntry
from server.auth.roles import Role
from server.database import db
from server.people.leaving import leave_child
from server.people.models import Child, LeaveReason
from tests.factories import SYSTEM, make_centre, make_child, make_login, make_room
from tests.server.attendance.kiosk_helpers import kiosk_event, post_events
from tests.sessions import csrf_token

LEAVE = {"left_on": "2026-09-30", "reason": "graduated", "note": "升入幼儿园"}


@pytest.fixture
def centre(app, clock):
    centre = make_centre("alpha", clock.now())
    db.session.commit()
    return centre


@pytest.fixture
def child(centre, clock):
    child = make_child(centre, clock.now(), room=make_room(centre, clock.now(), name="小星星班"), name="王小明")
    db.session.commit()
    return child


def _director(centre, clock):
    return make_login("director", clock.now(), [(centre, Role.ADMIN)])


def _leave(child, clock, left_on: date) -> Child:
    return leave_child(child, left_on=left_on, reason=LeaveReason.TRANSFERRED, note=None, actor=SYSTEM,
                       now=clock.now(), today=clock.now().date())


# --- the operation and the API -----------------------------------------------------------------------------


def test_the_director_records_a_leaving_with_its_reason_and_note(client, centre, child, clock):
    response = client.post(f"/api/v1/children/{child.id}/leave", json=LEAVE, headers=_director(centre, clock).headers)
    body = response.get_json()
    assert (response.status_code, body["left_on"], body["left_reason"], body["left_note"]) == (
        200, "2026-09-30", "graduated", "升入幼儿园")


def test_a_leaving_writes_one_audit_entry_by_the_director(client, centre, child, clock):
    director = _director(centre, clock)
    client.post(f"/api/v1/children/{child.id}/leave", json=LEAVE, headers=director.headers)
    entry = db.session.execute(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).scalar_one()
    assert (entry.action, entry.object_id, entry.actor_id) == ("child.leave", str(child.id), director.user.id)


def test_leaving_twice_is_a_conflict_in_the_error_shape(client, centre, child, clock):
    director = _director(centre, clock)
    client.post(f"/api/v1/children/{child.id}/leave", json=LEAVE, headers=director.headers)
    response = client.post(f"/api/v1/children/{child.id}/leave", json=LEAVE, headers=director.headers)
    assert (response.status_code, response.get_json()["error"]["code"]) == (409, "already_left")


def test_a_leaving_date_before_enrolment_is_refused_by_its_field(client, centre, child, clock):
    response = client.post(f"/api/v1/children/{child.id}/leave", json={**LEAVE, "left_on": "2026-02-27"},
                           headers=_director(centre, clock).headers)
    problems = response.get_json()["error"]["details"]
    assert (response.status_code, [(p["code"], p["field"]) for p in problems]) == (
        422, [("left_before_enrolled", "left_on")])


def test_a_reason_outside_the_closed_set_is_refused(client, centre, child, clock):
    response = client.post(f"/api/v1/children/{child.id}/leave", json={**LEAVE, "reason": "moved"},
                           headers=_director(centre, clock).headers)
    assert response.status_code == 422


def test_a_caregiver_may_not_record_a_leaving(client, centre, child, clock):
    caregiver = make_login("caregiver", clock.now(), [(centre, Role.CAREGIVER)])
    response = client.post(f"/api/v1/children/{child.id}/leave", json=LEAVE, headers=caregiver.headers)
    assert (response.status_code, db.session.get(Child, child.id).left_on) == (403, None)


# --- what follows from leaving ------------------------------------------------------------------------------


def test_a_left_child_is_listed_on_its_last_day_and_not_the_day_after(client, centre, child, clock):
    _leave(child, clock, date(2026, 9, 7))
    db.session.commit()
    headers = _director(centre, clock).headers
    on = [client.get(f"/api/v1/centres/alpha/children?on={day}", headers=headers).get_json()["total"]
          for day in ("2026-09-07", "2026-09-08")]
    assert on == [1, 0]


def test_a_left_child_is_expected_up_to_the_last_day_only(centre, child, clock):
    _leave(child, clock, date(2026, 9, 8))
    records = attendance_records(centre, Period(date(2026, 9, 7), date(2026, 9, 10)))
    assert [r.on for r in records if r.expected] == [date(2026, 9, 7), date(2026, 9, 8)]


def test_a_left_child_drops_out_of_the_kiosk_roster_the_day_after(client, centre, child, clock):
    from server.attendance.operations.roster import build_roster

    _leave(child, clock, date(2026, 9, 7))
    today = [c["id"] for c in json.loads(build_roster(centre, now=clock.now())[0])["children"]]
    tomorrow = [c["id"] for c in json.loads(build_roster(centre, now=clock.now() + timedelta(days=1))[0])["children"]]
    assert (today, tomorrow) == ([child.id], [])


def test_the_class_list_moves_a_left_child_to_the_left_section(session_client, centre, child, clock):
    _leave(child, clock, date(2026, 9, 6))
    db.session.commit()
    html = session_client(_director(centre, clock)).get("/centres/alpha/children").get_data(as_text=True)
    section = html[html.index('id="left-children"'):]
    assert "王小明" in section and "王小明" not in html[:html.index('id="left-children"')]


# --- the kiosk ---------------------------------------------------------------------------------------------


def test_a_kiosk_check_in_of_a_left_child_is_refused_with_its_reason(client, world, clock):
    _leave(world["child"], clock, date(2026, 9, 6))
    db.session.commit()
    post_events(client, world, kiosk_event(world, clock))
    row = db.session.execute(select(AttendanceEvent).order_by(AttendanceEvent.id.desc()).limit(1)).scalar_one()
    assert (row.kind, row.reason, row.child_id) == (AttendanceKind.REFUSED, "child_left", world["child"].id)


def test_a_refused_check_in_of_a_left_child_does_not_make_it_present(client, world, clock):
    _leave(world["child"], clock, date(2026, 9, 6))
    db.session.commit()
    post_events(client, world, kiosk_event(world, clock))
    body = client.get("/api/v1/centres/alpha/presence", headers=world["director"].headers).get_json()
    assert body["children_present"] == 0


def test_staff_are_alerted_of_a_refused_check_in_of_a_left_child(client, world, clock):
    _leave(world["child"], clock, date(2026, 9, 6))
    db.session.commit()
    post_events(client, world, kiosk_event(world, clock))
    alerts = client.get("/api/v1/centres/alpha/alerts", headers=world["director"].headers).get_json()["items"]
    assert [a["kind"] for a in alerts] == ["attendance.refused"]


def test_a_check_in_on_the_last_day_is_still_taken(client, world, clock):
    _leave(world["child"], clock, date(2026, 9, 7))
    db.session.commit()
    post_events(client, world, kiosk_event(world, clock))
    row = db.session.execute(select(AttendanceEvent).order_by(AttendanceEvent.id.desc()).limit(1)).scalar_one()
    assert (row.kind, row.flags) == (AttendanceKind.CHECK_IN, [])


# --- the child's page --------------------------------------------------------------------------------------


def _post(client, page: str, url: str, data: dict[str, object]):
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def test_the_director_records_a_leaving_from_the_childs_page(session_client, centre, child, clock):
    page = f"/centres/alpha/children/{child.id}"
    director = session_client(_director(centre, clock))
    response = _post(director, page, f"{page}/leave", {"left_on": "2026-09-30", "reason": "withdrawn", "note": "搬家"})
    stored = db.session.get(Child, child.id)
    assert (response.status_code, stored.left_on, stored.left_reason, stored.left_note) == (
        302, date(2026, 9, 30), LeaveReason.WITHDRAWN, "搬家")


def test_a_leaving_form_with_a_date_before_enrolment_comes_back_with_its_problem(session_client, centre, child, clock):
    page = f"/centres/alpha/children/{child.id}"
    director = session_client(_director(centre, clock))
    response = _post(director, page, f"{page}/leave", {"left_on": "2026-01-01", "reason": "withdrawn", "note": "搬家"})
    html = response.get_data(as_text=True)
    assert (response.status_code, 'id="left_on-problem"' in html, 'value="搬家"' in html) == (422, True, True)


def test_the_childs_page_has_no_leaving_form_once_left(session_client, centre, child, clock):
    _leave(child, clock, date(2026, 9, 30))
    db.session.commit()
    html = session_client(_director(centre, clock)).get(f"/centres/alpha/children/{child.id}").get_data(as_text=True)
    assert ('id="leave-form"' in html, 'id="child-left"' in html) == (False, True)


def test_the_caregiver_sees_no_leaving_form(session_client, centre, child, clock):
    caregiver = session_client(make_login("caregiver", clock.now(), [(centre, Role.CAREGIVER)]))
    html = caregiver.get(f"/centres/alpha/children/{child.id}").get_data(as_text=True)
    assert 'id="leave-form"' not in html


def test_the_reason_reads_in_chinese_on_the_childs_page(session_client, centre, child, clock):
    _leave(child, clock, date(2026, 9, 30))
    db.session.commit()
    html = session_client(_director(centre, clock)).get(f"/centres/alpha/children/{child.id}").get_data(as_text=True)
    assert "转园" in html


