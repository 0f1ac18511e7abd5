"""A centre's own closures (园所停园日): recorded and withdrawn append-only, audited; 出勤率 leaves them out."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from compliance import Period, attendance_by_class_month
from server.attendance.models import AttendanceKind
from server.attendance.operations.corrections import correct_attendance
from server.attendance.registers import attendance_rates, attendance_records
from server.audit.models import AuditEntry
from server.auth.roles import Role
from server.centre.closures import closed_days, record_closure, withdraw_closure
from server.centre.models import CentreClosure
from server.database import db
from tests.factories import SYSTEM, make_centre, make_child, make_login, make_room
from tests.sessions import csrf_token

SHANGHAI = ZoneInfo("Asia/Shanghai")
CLOSURE = {"first_day": "2026-10-09", "last_day": "2026-10-09", "reason": "全园消毒"}


@pytest.fixture
def centre(app, clock):
    centre = make_centre("alpha", clock.now())
    db.session.commit()
    return centre


def _director(centre, clock):
    return make_login("director", clock.now(), [(centre, Role.ADMIN)])


# --- the operations and the API ----------------------------------------------------------------------------


def test_the_director_records_a_closure_through_the_api(client, centre, clock):
    response = client.post("/api/v1/centres/alpha/closures", json=CLOSURE, headers=_director(centre, clock).headers)
    body = response.get_json()
    assert (response.status_code, body["first_day"], body["reason"], body["withdrawn"]) == (
        201, "2026-10-09", "全园消毒", False)


def test_a_closure_writes_an_audit_entry(client, centre, clock):
    director = _director(centre, clock)
    closure_id = client.post("/api/v1/centres/alpha/closures", json=CLOSURE, headers=director.headers).get_json()["id"]
    entry = db.session.execute(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).scalar_one()
    assert (entry.action, entry.object_id, entry.actor_id) == ("closure.record", str(closure_id), director.user.id)


def test_a_closure_ending_before_it_starts_is_refused_by_its_field(client, centre, clock):
    response = client.post("/api/v1/centres/alpha/closures", json={**CLOSURE, "last_day": "2026-10-08"},
                           headers=_director(centre, clock).headers)
    assert (response.status_code, response.get_json()["error"]["field"]) == (422, "last_day")


def test_a_caregiver_may_not_record_a_closure(client, centre, clock):
    caregiver = make_login("caregiver", clock.now(), [(centre, Role.CAREGIVER)])
    response = client.post("/api/v1/centres/alpha/closures", json=CLOSURE, headers=caregiver.headers)
    assert response.status_code == 403


def test_withdrawing_adds_a_row_and_keeps_the_closure(client, centre, clock):
    director = _director(centre, clock)
    closure_id = client.post("/api/v1/centres/alpha/closures", json=CLOSURE, headers=director.headers).get_json()["id"]
    response = client.post(f"/api/v1/closures/{closure_id}/withdraw", json={"reason": "照常开园"}, headers=director.headers)
    rows = db.session.execute(select(CentreClosure.id, CentreClosure.withdraws_id).order_by(CentreClosure.id)).all()
    assert (response.get_json()["withdrawn"], [tuple(r) for r in rows]) == (
        True, [(closure_id, None), (closure_id + 1, closure_id)])


def test_withdrawing_twice_is_a_conflict(client, centre, clock):
    director = _director(centre, clock)
    closure_id = client.post("/api/v1/centres/alpha/closures", json=CLOSURE, headers=director.headers).get_json()["id"]
    client.post(f"/api/v1/closures/{closure_id}/withdraw", json={"reason": "照常开园"}, headers=director.headers)
    response = client.post(f"/api/v1/closures/{closure_id}/withdraw", json={"reason": "再撤"}, headers=director.headers)
    assert (response.status_code, response.get_json()["error"]["code"]) == (409, "already_withdrawn")


def test_the_list_marks_a_withdrawn_closure(client, centre, clock):
    director = _director(centre, clock)
    closure_id = client.post("/api/v1/centres/alpha/closures", json=CLOSURE, headers=director.headers).get_json()["id"]
    client.post(f"/api/v1/closures/{closure_id}/withdraw", json={"reason": "照常开园"}, headers=director.headers)
    items = client.get("/api/v1/centres/alpha/closures", headers=director.headers).get_json()["items"]
    assert [(i["id"], i["withdrawn"], i["withdrawn_reason"]) for i in items] == [(closure_id, True, "照常开园")]


def test_another_centres_closure_cannot_be_withdrawn(client, centre, clock):
    other = make_centre("beta", clock.now())
    closure = record_closure(other, first_day=date(2026, 10, 9), last_day=date(2026, 10, 9), reason="停电",
                             actor=SYSTEM, now=clock.now())
    db.session.commit()
    response = client.post(f"/api/v1/closures/{closure.id}/withdraw", json={"reason": "x"},
                           headers=_director(centre, clock).headers)
    assert response.status_code == 404


def test_closed_days_are_the_days_of_closures_still_in_force(centre, clock):
    kept = record_closure(centre, first_day=date(2026, 10, 8), last_day=date(2026, 10, 9), reason="消毒",
                          actor=SYSTEM, now=clock.now())
    gone = record_closure(centre, first_day=date(2026, 10, 12), last_day=date(2026, 10, 12), reason="停电",
                          actor=SYSTEM, now=clock.now())
    withdraw_closure(gone, reason="恢复供电", actor=SYSTEM, now=clock.now())
    assert kept.id and closed_days(centre.id, date(2026, 10, 1), date(2026, 10, 31)) == {
        date(2026, 10, 8), date(2026, 10, 9)}


# --- 出勤率 over a 调休 week with a closure on top ----------------------------------------------------------
# The week of 2026-10-05: Mon–Wed are the National Day holiday (off), Thu 8 and Fri 9 are working days, and
# Sat 10 is a working day by 调休 (国务院办公厅 2025 notice); Sun 11 is off. The centre closes on Fri 9.
# Two full-day children: 甲 comes Thu, Fri (the closed day) and Sat; 乙 comes on Thu only.
#   without the closure: expected 3 + 3 = 6, present 3 + 1 = 4 → 4 / 6 = 66.7 %
#   with it:             expected 2 + 2 = 4 (Thu, Sat), present 2 + 1 = 3 (Fri counts for neither) → 75.0 %

WEEK = Period(date(2026, 10, 5), date(2026, 10, 11))


def _arrive(centre, child, day: date) -> None:
    at = datetime.combine(day, time(8, 30), tzinfo=SHANGHAI).astimezone(UTC)
    correct_attendance(centre, child, kind=AttendanceKind.CHECK_IN, at=at, reason="补录", actor=SYSTEM,
                       now=datetime(2026, 10, 12, 2, 0, tzinfo=UTC))


@pytest.fixture
def week(centre, clock):
    room = make_room(centre, clock.now())
    jia = make_child(centre, clock.now(), room=room, name="甲", enrolled_on=date(2026, 9, 1))
    yi = make_child(centre, clock.now(), room=room, name="乙", enrolled_on=date(2026, 9, 1))
    for day in (date(2026, 10, 8), date(2026, 10, 9), date(2026, 10, 10)):
        _arrive(centre, jia, day)
    _arrive(centre, yi, date(2026, 10, 8))
    return centre


def _month(centre):
    [row] = attendance_by_class_month(attendance_records(centre, WEEK))
    return row.expected, row.present, str(row.rate)


def test_the_tiaoxiu_week_without_a_closure_expects_thursday_to_saturday(week):
    assert _month(week) == (6, 4, "66.7")


def test_a_closure_on_the_friday_of_the_tiaoxiu_week_leaves_it_out(week, clock):
    record_closure(week, first_day=date(2026, 10, 9), last_day=date(2026, 10, 9), reason="全园消毒", actor=SYSTEM,
                   now=clock.now())
    assert _month(week) == (4, 3, "75.0")


def test_the_pack_figure_follows_the_closure(week, clock):
    record_closure(week, first_day=date(2026, 10, 9), last_day=date(2026, 10, 9), reason="全园消毒", actor=SYSTEM,
                   now=clock.now())
    assert [f.value for f in attendance_rates(week, WEEK)] == ["75.0 %"]


def test_a_withdrawn_closure_counts_the_day_again(week, clock):
    closure = record_closure(week, first_day=date(2026, 10, 9), last_day=date(2026, 10, 9), reason="全园消毒",
                             actor=SYSTEM, now=clock.now())
    withdraw_closure(closure, reason="照常开园", actor=SYSTEM, now=clock.now())
    assert _month(week) == (6, 4, "66.7")


def test_a_closure_on_the_tiaoxiu_saturday_leaves_only_thursday_and_friday(week, clock):
    record_closure(week, first_day=date(2026, 10, 10), last_day=date(2026, 10, 10), reason="停电", actor=SYSTEM,
                   now=clock.now())
    expected = sorted({r.on for r in attendance_records(week, WEEK) if r.expected})
    assert expected == [date(2026, 10, 8), date(2026, 10, 9)]


# --- the director's screen ---------------------------------------------------------------------------------

PAGE = "/centres/alpha/closures"


def _post(client, url: str, data: dict[str, object]):
    token = csrf_token(client.get(PAGE).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def test_the_director_records_a_closure_on_the_page(session_client, centre, clock):
    director = session_client(_director(centre, clock))
    response = _post(director, PAGE, CLOSURE)
    html = director.get(PAGE).get_data(as_text=True)
    assert (response.status_code, "全园消毒" in html) == (302, True)


def test_a_closure_form_without_a_reason_comes_back_with_what_was_typed(session_client, centre, clock):
    director = session_client(_director(centre, clock))
    response = _post(director, PAGE, {**CLOSURE, "reason": "", "first_day": "2026-10-08"})
    html = response.get_data(as_text=True)
    assert (response.status_code, 'id="reason-problem"' in html, 'value="2026-10-08"' in html) == (422, True, True)


def test_the_director_withdraws_a_closure_on_the_page(session_client, centre, clock):
    closure = record_closure(centre, first_day=date(2026, 10, 9), last_day=date(2026, 10, 9), reason="全园消毒",
                             actor=SYSTEM, now=clock.now())
    db.session.commit()
    director = session_client(_director(centre, clock))
    _post(director, f"{PAGE}/{closure.id}/withdraw", {"reason": "照常开园"})
    assert db.session.execute(select(func.count()).select_from(CentreClosure)
                              .where(CentreClosure.withdraws_id == closure.id)).scalar_one() == 1


def test_a_caregiver_sees_the_closures_without_the_forms(session_client, centre, clock):
    caregiver = session_client(make_login("caregiver", clock.now(), [(centre, Role.CAREGIVER)]))
    html = caregiver.get(PAGE).get_data(as_text=True)
    assert 'id="closure-form"' not in html


def test_the_directors_navigation_reaches_the_closures(session_client, centre, clock):
    html = session_client(_director(centre, clock)).get("/centres/alpha/classes").get_data(as_text=True)
    assert f'href="{PAGE}"' in html
