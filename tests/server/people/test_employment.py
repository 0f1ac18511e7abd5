"""Employment history and line management: append-only steps, the managers on a day, no loops, the export."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy import select

from server.audit.models import AccessEvent
from server.auth.roles import Role
from server.database import db
from server.errors import ValidationFailed
from server.people.employment import managers_on, set_line_manager
from server.people.models import StaffRole
from server.people.operations import create_staff, update_staff
from server.people.staff_models import EmploymentEventKind, StaffEmploymentEvent
from tests.factories import SYSTEM, make_centre, make_login, make_room


@pytest.fixture
def team(app, clock):
    """Centre alpha: a director, a lead caregiver, two caregivers (hired in January); centre beta's teacher."""
    now = clock.now()
    alpha, beta = make_centre("alpha", now), make_centre("beta", now)

    def hire(centre, name, role=StaffRole.CAREGIVER, hired_on=date(2026, 1, 5)):
        return create_staff(centre, name=name, role=role, hired_on=hired_on, actor=SYSTEM, now=now)
    people = {"alpha": alpha, "director": hire(alpha, "周园长", StaffRole.DIRECTOR),
              "lead": hire(alpha, "吴组长"), "carer": hire(alpha, "郑老师"), "other": hire(alpha, "王老师"),
              "stranger": hire(beta, "冯老师")}
    db.session.commit()
    return people


def _manage(staff, manager, on, clock):
    return set_line_manager(staff, manager, effective_on=on, actor=SYSTEM, now=clock.now())


def _events(staff) -> list[tuple[str, date]]:
    rows = db.session.execute(select(StaffEmploymentEvent).where(StaffEmploymentEvent.staff_id == staff.id)
                              .order_by(StaffEmploymentEvent.id)).scalars()
    return [(e.kind.value, e.effective_on) for e in rows]


def test_a_hire_starts_the_history(team):
    assert _events(team["carer"]) == [("hire", date(2026, 1, 5))]


def test_role_class_and_exit_changes_are_steps_from_their_dates(team, clock):
    room = make_room(team["alpha"], clock.now())
    carer = team["carer"]
    update_staff(carer, {"role": StaffRole.TEACHER, "home_room_id": room.id}, effective_on=date(2026, 5, 1),
                 actor=SYSTEM, now=clock.now())
    update_staff(carer, {"left_on": date(2026, 8, 31)}, actor=SYSTEM, now=clock.now())
    assert _events(carer) == [("hire", date(2026, 1, 5)), ("role", date(2026, 5, 1)), ("home_room", date(2026, 5, 1)),
                              ("exit", date(2026, 8, 31))]


def test_a_change_that_is_no_step_writes_no_event(team, clock):
    update_staff(team["carer"], {"phone": "13800000000"}, actor=SYSTEM, now=clock.now())
    assert _events(team["carer"]) == [("hire", date(2026, 1, 5))]


def test_earlier_steps_are_never_rewritten(team, clock):
    carer = team["carer"]
    hire = db.session.execute(select(StaffEmploymentEvent).where(StaffEmploymentEvent.staff_id == carer.id)).scalar_one()
    update_staff(carer, {"role": StaffRole.TEACHER}, effective_on=date(2026, 3, 1), actor=SYSTEM, now=clock.now())
    update_staff(carer, {"role": StaffRole.CAREGIVER}, effective_on=date(2026, 4, 1), actor=SYSTEM, now=clock.now())
    db.session.refresh(hire)
    assert (hire.kind, hire.role, hire.effective_on) == (EmploymentEventKind.HIRE, StaffRole.CAREGIVER, date(2026, 1, 5))


def test_the_managers_on_a_day_follow_the_steps(team, clock):
    carer, lead, other = team["carer"], team["lead"], team["other"]
    _manage(carer, lead, date(2026, 2, 1), clock)
    _manage(carer, other, date(2026, 6, 1), clock)
    assert [[m.id for m in managers_on(carer.id, day)] for day in (
        date(2026, 1, 20), date(2026, 2, 1), date(2026, 5, 31), date(2026, 6, 1))] == [
        [], [lead.id], [lead.id], [other.id]]


def test_the_managers_on_a_day_reach_up_the_line(team, clock):
    carer, lead, director = team["carer"], team["lead"], team["director"]
    _manage(carer, lead, date(2026, 2, 1), clock)
    _manage(lead, director, date(2026, 3, 1), clock)
    assert ([m.id for m in managers_on(carer.id, date(2026, 2, 15))],
            [m.id for m in managers_on(carer.id, date(2026, 3, 1))]) == ([lead.id], [lead.id, director.id])


def test_a_back_dated_step_slots_into_the_history(team, clock):
    carer, lead, other = team["carer"], team["lead"], team["other"]
    _manage(carer, other, date(2026, 6, 1), clock)
    _manage(carer, lead, date(2026, 2, 1), clock)  # recorded later, effective earlier
    assert ([m.id for m in managers_on(carer.id, date(2026, 3, 1))],
            [m.id for m in managers_on(carer.id, date(2026, 7, 1))]) == ([lead.id], [other.id])


def test_a_manager_who_left_manages_nobody_after(team, clock):
    carer, lead = team["carer"], team["lead"]
    _manage(carer, lead, date(2026, 2, 1), clock)
    update_staff(lead, {"left_on": date(2026, 4, 30)}, actor=SYSTEM, now=clock.now())
    assert ([m.id for m in managers_on(carer.id, date(2026, 4, 30))], managers_on(carer.id, date(2026, 5, 1))) == (
        [lead.id], [])


def test_nobody_manages_themselves(team, clock):
    with pytest.raises(ValidationFailed) as refused:
        _manage(team["carer"], team["carer"], date(2026, 2, 1), clock)
    assert refused.value.code == "self_manager"


def test_a_loop_of_managers_is_refused(team, clock):
    carer, lead, director = team["carer"], team["lead"], team["director"]
    _manage(carer, lead, date(2026, 2, 1), clock)
    _manage(lead, director, date(2026, 2, 1), clock)
    with pytest.raises(ValidationFailed) as refused:
        _manage(director, carer, date(2026, 3, 1), clock)
    assert refused.value.code == "manager_cycle"


def test_a_loop_that_would_begin_on_a_later_step_is_refused(team, clock):
    carer, lead = team["carer"], team["lead"]
    _manage(lead, carer, date(2026, 6, 1), clock)  # from June the carer manages the lead
    with pytest.raises(ValidationFailed) as refused:
        _manage(carer, lead, date(2026, 3, 1), clock)  # from March the lead would manage the carer: a loop in June
    assert refused.value.code == "manager_cycle"


def test_a_loop_that_ended_before_the_step_is_allowed(team, clock):
    carer, lead = team["carer"], team["lead"]
    _manage(lead, carer, date(2026, 2, 1), clock)
    _manage(lead, None, date(2026, 5, 1), clock)
    assert _manage(carer, lead, date(2026, 6, 1), clock).manager_id == lead.id


def test_a_manager_of_another_centre_is_refused(team, clock):
    with pytest.raises(ValidationFailed) as refused:
        _manage(team["carer"], team["stranger"], date(2026, 2, 1), clock)
    assert refused.value.code == "unknown_manager"


def test_a_manager_not_yet_hired_is_refused(team, clock):
    late = create_staff(team["alpha"], name="新组长", role=StaffRole.CAREGIVER, hired_on=date(2026, 7, 1), actor=SYSTEM,
                        now=clock.now())
    with pytest.raises(ValidationFailed) as refused:
        _manage(team["carer"], late, date(2026, 2, 1), clock)
    assert refused.value.code == "manager_not_employed"


# --- through the API -------------------------------------------------------------------------------------


def test_the_director_sets_a_manager_and_asks_who_managed_on_a_day(client, team, clock):
    director = make_login("director", clock.now(), [(team["alpha"], Role.ADMIN)])
    carer, lead = team["carer"], team["lead"]
    put = client.put(f"/api/v1/staff/{carer.id}/manager", headers=director.headers,
                     json={"manager_id": lead.id, "effective_on": "2026-02-01"})
    asked = client.get(f"/api/v1/staff/{carer.id}/managers?on=2026-03-01", headers=director.headers)
    assert (put.status_code, put.get_json()["manager"], [m["id"] for m in asked.get_json()["managers"]]) == (
        200, "吴组长", [lead.id])


def test_a_loop_through_the_api_is_refused_in_the_error_shape(client, team, clock):
    director = make_login("director", clock.now(), [(team["alpha"], Role.ADMIN)])
    carer = team["carer"]
    response = client.put(f"/api/v1/staff/{carer.id}/manager", headers=director.headers,
                          json={"manager_id": carer.id, "effective_on": "2026-02-01"})
    assert (response.status_code, response.get_json()["error"]["code"]) == (422, "self_manager")


def test_a_patch_changes_the_role_from_a_day(client, team, clock):
    director = make_login("director", clock.now(), [(team["alpha"], Role.ADMIN)])
    carer = team["carer"]
    response = client.patch(f"/api/v1/staff/{carer.id}", headers=director.headers,
                            json={"role": "teacher", "effective_on": "2026-09-01"})
    assert (response.status_code, response.get_json()["role"], _events(carer)[-1]) == (
        200, "teacher", ("role", date(2026, 9, 1)))


def test_the_history_exports_as_json_and_csv_and_the_read_is_logged(client, team, clock):
    director = make_login("director", clock.now(), [(team["alpha"], Role.ADMIN)])
    carer, lead = team["carer"], team["lead"]
    _manage(carer, lead, date(2026, 2, 1), clock)
    update_staff(carer, {"id_number": "11010519491231002X"}, actor=SYSTEM, now=clock.now())
    db.session.commit()
    body = client.get(f"/api/v1/staff/{carer.id}/history", headers=director.headers).get_json()
    exported = client.get(f"/api/v1/staff/{carer.id}/history.csv", headers=director.headers)
    rows = list(csv.reader(io.StringIO(exported.get_data().decode("utf-8-sig"))))
    assert (body["staff"]["id_number_masked"], [e["kind"] for e in body["events"]]) == (
        "1101**********002X", ["hire", "manager"])
    assert (rows[0][:5], rows[2][0], rows[2][4]) == (["生效日期", "事项", "岗位", "班级", "直接上级"], "2026-02-01", "吴组长")
    logged = db.session.execute(select(AccessEvent.object_type).where(AccessEvent.object_id == str(carer.id))).all()
    assert logged == [("staff_history",), ("staff_history",)]


def test_a_caregiver_cannot_export_a_colleagues_history(client, team, clock):
    carer_login = make_login("carer", clock.now(), [(team["alpha"], Role.CAREGIVER)])
    assert client.get(f"/api/v1/staff/{team['lead'].id}/history", headers=carer_login.headers).status_code == 403
