"""The pack's staff registers, 持证上岗率 against hand-computed figures, and the evaluator's evidence."""

from __future__ import annotations

from datetime import timedelta

import pytest

from compliance import Period
from compliance.evaluators.staff import evaluate_staff
from server.centre.records import centre_record
from server.centre.rules import effective_rules
from server.database import db
from server.inspections.sources import app_sources, compliance_inputs
from server.staff.registers import CERTIFIED_SHARE, QUALIFICATIONS, ROSTER, certified_share_figures
from tests.factories import make_centre
from tests.server.attendance.rooms.conftest import Rooms
from tests.server.staff.factories import TODAY, certify

THREE_DAYS = Period(TODAY, TODAY + timedelta(days=2))


@pytest.fixture
def duty(app, client, clock):
    """Carer 0 certified with shifts today and tomorrow; carer 1 uncertified, checked in at the kiosk today."""
    rooms = Rooms(client, clock, certified=False)
    certify(rooms.carers[0][0], clock.now())
    db.session.commit()
    for day in (TODAY, TODAY + timedelta(days=1)):
        response = client.post("/api/v1/centres/alpha/roster", json={
            "staff_id": rooms.carers[0][0].id, "room_id": rooms.toddlers.id, "day": day.isoformat(),
            "starts": "08:00", "ends": "17:00"}, headers=rooms.director.headers)
        assert response.status_code == 201
    rooms.staff_in(1)
    return rooms


def test_the_certified_share_of_each_day(duty):
    rows = list(CERTIFIED_SHARE.rows(centre_record(duty.centre), THREE_DAYS))
    assert rows == [(TODAY, 2, 1, "50.0 %"), (TODAY + timedelta(days=1), 1, 1, "100.0 %"),
                    (TODAY + timedelta(days=2), 0, 0, "—")]


def test_the_key_figure_is_the_periods_person_days(duty):
    figures = certified_share_figures(duty.centre, THREE_DAYS)
    assert [(f.label_zh, f.value) for f in figures] == [("持证上岗率 2026-09", "66.7 %")]


def test_the_month_so_far_through_the_api(client, duty):
    body = client.get("/api/v1/centres/alpha/staff-files/certified-share?month=2026-09",
                      headers=duty.director.headers).get_json()
    assert (body["on_duty"], body["certified"], body["share"], len(body["days"])) == (2, 1, 50.0, 7)


def test_a_bad_month_is_refused(client, duty):
    response = client.get("/api/v1/centres/alpha/staff-files/certified-share?month=2026-13",
                          headers=duty.director.headers)
    assert (response.status_code, response.get_json()["error"]["field"]) == (422, "month")


def test_the_qualification_register_masks_numbers(duty):
    rows = list(QUALIFICATIONS.rows(centre_record(duty.centre), THREE_DAYS))
    cells = [str(c) for row in rows for c in row]
    assert len(rows) == 3 and "4401**********1234" in cells and "440102199001011234" not in cells
    assert {row[-1] for row in rows} == {"有效"}


def test_the_roster_register_lists_cancelled_shifts(client, duty):
    shift_id = client.get("/api/v1/centres/alpha/roster", headers=duty.director.headers).get_json()["items"][1]["id"]
    client.post(f"/api/v1/shifts/{shift_id}/cancel", json={"reason": "调休"}, headers=duty.director.headers)
    rows = list(ROSTER.rows(centre_record(duty.centre), THREE_DAYS))
    assert [(r[0], r[3], r[4], r[5], r[7], r[8]) for r in rows] == [
        (TODAY, "托小班", "08:00", "17:00", "否", ""), (TODAY + timedelta(days=1), "托小班", "08:00", "17:00", "是", "调休")]


def test_the_registers_go_into_the_pack_under_their_names(app):
    names = [r.name for r in app_sources().registers]
    assert {"从业人员资质登记", "持证上岗率", "排班记录"} <= set(names)


def test_the_evaluators_read_members_credentials_duties_and_check_ins(duty, clock):
    inputs = compliance_inputs(duty.centre, THREE_DAYS, app_sources(), clock.now())
    assert inputs.staff is not None
    assert (len(inputs.staff.members), len(inputs.staff.credentials), len(inputs.staff.duties)) == (5, 3, 2)
    assert [(d.staff_id, d.day, d.source) for d in inputs.staff_check_ins] == [(duty.carers[1][0].id, TODAY, "kiosk")]


def test_a_centre_that_has_recorded_no_credential_is_judged_all_the_same(app, client, clock):
    rooms = Rooms(client, clock, certified=False)
    rooms.staff_in(0)
    inputs = compliance_inputs(rooms.centre, THREE_DAYS, app_sources(), clock.now())
    rules = effective_rules(rooms.centre, TODAY)
    findings = evaluate_staff(inputs, rules, THREE_DAYS)
    carer = f"staff:{rooms.carers[0][0].id}"
    assert inputs.staff is not None and len(inputs.staff.members) == 5 and inputs.staff.credentials == ()
    assert {f.rule_id for f in findings if carer in f.evidence} >= {
        "staff.health_certificate", "staff.background_check", "staff.qualification", "staff.uncertified_on_duty"}


def test_a_centre_without_staff_has_empty_evidence_and_no_staff_finding(app, clock):
    centre = make_centre("empty", clock.now())
    db.session.commit()
    inputs = compliance_inputs(centre, THREE_DAYS, app_sources(), clock.now())
    assert inputs.staff is not None and inputs.staff.members == ()
    assert evaluate_staff(inputs, effective_rules(centre, TODAY), THREE_DAYS) == []


def test_a_drill_months_before_a_monthly_period_still_counts_as_this_years_emergency_training(app, client, clock):
    # staff.emergency_training looks back twelve months from the period's end, not just across the period.
    rooms = Rooms(client, clock)
    carer = rooms.carers[0][0]
    drill = {"category": "emergency", "title": "消防疏散演练", "hours": "1.5", "provider": "本园",
             "held_on": (TODAY - timedelta(days=150)).isoformat()}
    assert client.post(f"/api/v1/staff/{carer.id}/training", json=drill, headers=rooms.director.headers).status_code == 201
    month = Period(TODAY.replace(day=1), TODAY)
    inputs = compliance_inputs(rooms.centre, month, app_sources(), clock.now())
    findings = evaluate_staff(inputs, effective_rules(rooms.centre, TODAY), month)
    untrained = {e for f in findings if f.rule_id == "staff.emergency_training" for e in f.evidence}
    assert f"staff:{carer.id}" not in untrained and f"staff:{rooms.carers[1][0].id}" in untrained
