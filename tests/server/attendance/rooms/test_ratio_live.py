"""Live ratios per room from who is present: kiosk check-ins, tablet moves, violations and alerts."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from devices.wire.protocol import Batch
from server.alerts.models import Alert
from server.attendance.rooms.models import RatioViolation, RoomMove
from server.database import db


def test_toddler_room_at_every_boundary_from_real_check_ins(rooms):
    rooms.staff_in(0, 1)
    rooms.children_in(rooms.toddler_kids[:10])
    assert rooms.ratios()[rooms.toddlers.id]["state"] == "near_limit"  # 10 / 2 at 1:5: one more breaches
    rooms.staff_in(2)
    room = rooms.ratios()[rooms.toddlers.id]
    assert (room["children"], room["caregivers"], room["state"], room["headroom"]) == (10, 3, "ok", 5)
    rooms.children_in(rooms.toddler_kids[10:15])
    room = rooms.ratios()[rooms.toddlers.id]
    assert (room["children"], room["state"], room["headroom"]) == (15, "near_limit", 0)  # 15/3 at the cap
    rooms.children_in(rooms.toddler_kids[15:16])
    room = rooms.ratios()[rooms.toddlers.id]
    assert (room["children"], room["state"], room["over_cap"], room["under_staffed"]) == (16, "breach", True, True)


def test_only_caregivers_count_not_the_cook_in_the_room(rooms):
    rooms.staff_in(0)
    rooms.kiosk("attendance.check_in", f"s{rooms.cook.id}")  # the cook's home room is the toddler room
    rooms.children_in(rooms.toddler_kids[:6])
    room = rooms.ratios()[rooms.toddlers.id]
    assert (room["caregivers"], room["state"]) == (1, "breach")


def test_a_caregiver_leaving_opens_a_violation_and_alerts_the_director_then_it_closes(rooms, clock):
    rooms.staff_in(0, 1)
    rooms.children_in(rooms.toddler_kids[:10])
    clock.advance(minutes=5)
    warned = rooms.move(1, reason="break", dry_run=True).get_json()
    assert [w["room_id"] for w in warned["warnings"]] == [rooms.toddlers.id]
    assert "超出师幼比" in warned["warnings"][0]["message_zh"]
    assert db.session.execute(select(RoomMove)).first() is None  # a dry run records nothing
    response = rooms.move(1, reason="break")
    assert response.status_code == 201 and response.get_json()["warnings"]  # recorded anyway, warned
    opened_at = clock.now()
    assert rooms.ratios()[rooms.toddlers.id]["state"] == "breach"
    violation = db.session.execute(select(RatioViolation)).scalar_one()
    alert = db.session.get(Alert, violation.alert_id)
    assert (violation.kind.value, violation.rule_id, violation.opened_at, violation.closed_at) == (
        "ratio", "ratio.tuoxiaoban", opened_at, None)
    assert (alert.kind, alert.severity, alert.resolved_at) == ("ratio.ratio", "urgent", None)
    clock.advance(minutes=12)
    rooms.move(1, rooms.toddlers)
    db.session.expire_all()
    violation = db.session.get(RatioViolation, violation.id)
    assert violation.closed_at == opened_at + timedelta(minutes=12)
    assert db.session.get(Alert, violation.alert_id).resolved_at == violation.closed_at
    assert rooms.ratios()[rooms.toddlers.id]["state"] == "near_limit"


def test_a_staff_member_is_counted_in_one_room_at_a_time(rooms):
    rooms.staff_in(0)
    refused = rooms.move(0, rooms.older)
    body = refused.get_json()
    assert (refused.status_code, body["error"]["code"], body["error"]["field"]) == (409, "in_another_room", "room_id")
    assert "托小班" in body["error"]["message"]
    moved = rooms.move(0, rooms.older, from_room=rooms.toddlers)
    assert moved.status_code == 201
    ratios = rooms.ratios()
    assert (ratios[rooms.toddlers.id]["caregivers"], ratios[rooms.older.id]["caregivers"]) == (0, 1)


def test_a_move_needs_a_check_in_and_a_room_of_the_centre(rooms):
    refused = rooms.move(0, rooms.toddlers)
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (409, "not_checked_in")
    rooms.staff_in(0)
    bad = rooms.client.post(f"/api/v1/staff/{rooms.carers[0][0].id}/moves", json={"room_id": 999999},
                            headers=rooms.carers[0][1].headers)
    assert (bad.status_code, bad.get_json()["error"]["field"]) == (422, "room_id")
    nothing = rooms.client.post(f"/api/v1/staff/{rooms.carers[0][0].id}/moves", json={"reason": "room"},
                                headers=rooms.carers[0][1].headers)
    assert nothing.status_code == 422


def test_a_caregiver_may_not_move_a_colleague_but_the_director_may(rooms):
    rooms.staff_in(0, 1)
    staff, _ = rooms.carers[1]
    other = rooms.client.post(f"/api/v1/staff/{staff.id}/moves", json={"reason": "break"},
                              headers=rooms.carers[0][1].headers)
    assert other.status_code == 403
    assert rooms.move(1, reason="break", as_director=True).status_code == 201


def test_the_youngest_child_sets_the_ratio_of_a_mixed_room(rooms, clock):
    rooms.staff_in(3)  # one caregiver in the older room (1:7)
    rooms.children_in(rooms.older_kids[:6])
    assert rooms.ratios()[rooms.older.id]["state"] == "near_limit"  # the only caregiver leaving would breach
    # A toddler (18 months) joins the older room: 7 children, the toddler rule 1:5 governs.
    response = rooms.client.post(f"/api/v1/children/{rooms.toddler_kids[0].id}/moves",
                                 json={"room_id": rooms.older.id}, headers=rooms.director.headers)
    assert response.status_code == 409  # not checked in yet
    rooms.children_in(rooms.toddler_kids[:1])
    response = rooms.client.post(f"/api/v1/children/{rooms.toddler_kids[0].id}/moves",
                                 json={"room_id": rooms.older.id}, headers=rooms.director.headers)
    assert response.status_code == 201 and response.get_json()["warnings"]
    room = rooms.ratios()[rooms.older.id]
    assert (room["children"], room["ratio_rule_id"], room["state"], room["caregivers_needed"]) == (
        7, "ratio.tuoxiaoban", "breach", 2)


def test_checkout_ends_the_breach_and_the_kiosk_never_refuses_a_child(rooms):
    rooms.staff_in(0)
    rooms.children_in(rooms.toddler_kids[:6])  # 6 children, 1 caregiver at 1:5: a breach, recorded anyway
    assert rooms.ratios()[rooms.toddlers.id]["state"] == "breach"
    rooms.children_out(rooms.toddler_kids[:1])
    assert rooms.ratios()[rooms.toddlers.id]["state"] == "near_limit"
    assert db.session.execute(select(RatioViolation.closed_at)).scalar_one() is not None


def test_an_open_violation_keeps_its_worst_figures_and_everyone_who_was_there(rooms, clock):
    rooms.staff_in(0)
    rooms.children_in(rooms.toddler_kids[:7])  # 7 children, 1 caregiver at 1:5: out of ratio
    violation = db.session.execute(select(RatioViolation)).scalar_one()
    assert (violation.most_children, violation.fewest_caregivers) == (7, 1)
    clock.advance(minutes=1)
    rooms.children_out(rooms.toddler_kids[6:7])  # 6 left, still out of ratio: nothing widens
    db.session.expire_all()
    violation = db.session.get(RatioViolation, violation.id)
    assert (violation.most_children, len(violation.child_ids), violation.closed_at) == (7, 7, None)
    clock.advance(minutes=1)
    rooms.children_in(rooms.toddler_kids[7:9])  # 8 present, two of them new
    db.session.expire_all()
    violation = db.session.get(RatioViolation, violation.id)
    assert violation.most_children == 8
    assert set(violation.child_ids) == {kid.id for kid in rooms.toddler_kids[:9]}


def test_a_kiosk_backlog_is_judged_once_at_its_end_not_at_each_event(rooms):
    """Children checked in before their caregiver in one offline backlog: no breach opens and closes at once."""
    events = [rooms._event("attendance.check_in", f"s{rooms.carers[0][0].id}", [k.id for k in rooms.toddler_kids[:8]]),
              rooms._event("attendance.check_in", f"s{rooms.carers[0][0].id}", []),
              rooms._event("attendance.check_in", f"s{rooms.carers[1][0].id}", [])]
    body = Batch(device_id=rooms.device["device_id"], sent_at=events[0].created_at, events=events).model_dump(mode="json")
    response = rooms.client.post("/api/v1/devices/events", json=body,
                                 headers={"Authorization": f"Bearer {rooms.device['token']}"})
    assert [r["status"] for r in response.get_json()["results"]] == ["accepted"] * 3
    assert rooms.ratios()[rooms.toddlers.id]["caregivers"] == 2  # 8 children, 2 caregivers at 1:5: within ratio
    assert db.session.execute(select(RatioViolation)).first() is None
    assert db.session.execute(select(Alert).where(Alert.kind == "ratio.ratio")).first() is None
