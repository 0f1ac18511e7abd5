"""Drills: planning, recording (participants get emergency-training entries), corrective actions and their owners."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from server.database import db
from server.emergencies.drills import ActionValues, DrillValues, complete_action, drill_lines, record_drill
from server.staff.training import current_entries
from server.staff.training_models import TrainingSource
from tests.server.emergencies import preparedness_world
from tests.server.emergencies.preparedness_world import actor_of

world = preparedness_world.world  # the fixture
DRILLS = "/api/v1/centres/alpha/drills"


def _drill(world, now, **changes):  # type: ignore[no-untyped-def]
    staff = world["staff"]
    values = {"scenario": "fire", "held_at": now - timedelta(hours=1), "children_count": 24, "evacuation_s": 160,
              "duration_min": 30, "problems": "二楼疏散通道堆放杂物",
              "participant_ids": (staff["carer"].id, staff["carer2"].id),
              "actions": (ActionValues("清理二楼通道", staff["guard"].id, date(2026, 9, 10)),), **changes}
    drill = record_drill(world["alpha"], DrillValues(**values), actor=actor_of(world["director"]), now=now)
    db.session.commit()
    return drill


def test_a_recorded_drill_is_emergency_training_for_each_participant(world, clock):
    drill = _drill(world, clock.now())
    entries = current_entries(world["alpha"].id, source=TrainingSource.DRILL)
    assert [(e.staff_id, e.category.value, e.hours, e.source_ref, e.held_on) for e in entries] == [
        (world["staff"]["carer"].id, "emergency", Decimal("0.50"), f"drill:{drill.id}", date(2026, 9, 7)),
        (world["staff"]["carer2"].id, "emergency", Decimal("0.50"), f"drill:{drill.id}", date(2026, 9, 7))]


def test_the_api_records_a_drill_with_its_actions(client, world, clock):
    staff = world["staff"]
    body = {"scenario": "earthquake", "held_at": "2026-09-07T00:30:00Z", "children_count": 20, "evacuation_s": 150,
            "duration_min": 20, "participant_ids": [staff["carer"].id],
            "actions": [{"action": "加固书架", "owner_staff_id": staff["guard"].id, "due_on": "2026-09-14"}]}
    response = client.post(DRILLS, json=body, headers=world["director"].headers)
    assert response.status_code == 201, response.get_json()
    listed = client.get(DRILLS, headers=world["carer"].headers).get_json()["items"]
    assert [(d["scenario"], d["evacuation_s"], [a["action"] for a in d["actions"]]) for d in listed] == [
        ("earthquake", 150, ["加固书架"])]


def test_a_participant_who_is_not_staff_here_is_refused_and_nothing_is_kept(client, world, clock):
    body = {"scenario": "fire", "held_at": "2026-09-07T00:30:00Z", "children_count": 20, "duration_min": 20,
            "participant_ids": [999999]}
    response = client.post(DRILLS, json=body, headers=world["director"].headers)
    assert (response.status_code, response.get_json()["error"]["field"]) == (422, "participant_ids")
    assert drill_lines(world["alpha"].id) == []


def test_a_drill_in_the_future_and_an_action_due_before_it_are_both_reported(client, world, clock):
    body = {"scenario": "fire", "held_at": "2026-09-08T00:30:00Z", "children_count": 20, "duration_min": 20,
            "participant_ids": [world["staff"]["carer"].id],
            "actions": [{"action": "x", "owner_staff_id": world["staff"]["carer"].id, "due_on": "2026-09-01"}]}
    details = client.post(DRILLS, json=body, headers=world["director"].headers).get_json()["error"]["details"]
    assert [d["field"] for d in details] == ["held_at", "actions.0.due_on"]


def test_a_caregiver_may_not_record_a_drill(client, world):
    body = {"scenario": "fire", "held_at": "2026-09-07T00:30:00Z", "children_count": 20, "duration_min": 20,
            "participant_ids": [world["staff"]["carer"].id]}
    assert client.post(DRILLS, json=body, headers=world["carer"].headers).status_code == 403


def test_the_owner_marks_their_action_done_once(client, world, clock):
    _drill(world, clock.now())
    action = drill_lines(world["alpha"].id)[0].actions[0][0]
    url = f"/api/v1/drill-actions/{action.id}/done"
    assert client.post(url, json={"done_on": "2026-09-07"}, headers=world["guard"].headers).status_code == 201
    again = client.post(url, json={"done_on": "2026-09-07"}, headers=world["guard"].headers)
    assert (again.status_code, again.get_json()["error"]["code"]) == (409, "already_done")


def test_someone_else_on_the_staff_may_not_close_anothers_action(client, world, clock):
    _drill(world, clock.now())
    action = drill_lines(world["alpha"].id)[0].actions[0][0]
    response = client.post(f"/api/v1/drill-actions/{action.id}/done", json={"done_on": "2026-09-07"},
                           headers=world["carer"].headers)
    assert response.status_code == 403


def test_an_action_cannot_be_done_before_its_drill(world, clock):
    _drill(world, clock.now())
    action = drill_lines(world["alpha"].id)[0].actions[0][0]
    try:
        complete_action(action, done_on=date(2026, 9, 1), actor=actor_of(world["director"]), now=clock.now())
    except Exception as exc:  # noqa: BLE001 - the one error shape's code is what matters
        assert getattr(exc, "code", None) == "done_before_drill"
    else:
        raise AssertionError("accepted a completion before the drill")


def test_planning_a_drill_shows_it_as_upcoming_until_recorded(client, world, clock):
    created = client.post("/api/v1/centres/alpha/drill-schedule", json={"scenario": "fire", "planned_on": "2026-09-20"},
                          headers=world["director"].headers)
    schedule_id = created.get_json()["id"]
    assert [s["id"] for s in client.get(DRILLS, headers=world["carer"].headers).get_json()["upcoming"]] == [schedule_id]
    _drill(world, clock.now(), schedule_id=schedule_id)
    assert client.get(DRILLS, headers=world["carer"].headers).get_json()["upcoming"] == []


def test_a_drill_cannot_be_planned_in_the_past(client, world):
    response = client.post("/api/v1/centres/alpha/drill-schedule", json={"scenario": "fire", "planned_on": "2026-09-01"},
                           headers=world["director"].headers)
    assert (response.status_code, response.get_json()["error"]["code"]) == (422, "in_past")
