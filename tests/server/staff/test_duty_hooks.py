"""Attendance asks the staff files who is certified today: the live ratio and the kiosk's flag."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from server.alerts.models import Alert
from server.attendance.models import AttendanceEvent
from server.attendance.rooms.operations.live import board
from server.database import db
from tests.server.attendance.rooms.conftest import Rooms
from tests.server.staff.factories import TODAY, certify


@pytest.fixture
def rooms(app, client, clock):
    return Rooms(client, clock, certified=False)


def _certify(rooms, clock, *, expired: tuple[int, ...] = ()) -> None:
    for index, (staff, _) in enumerate(rooms.carers):
        certify(staff, clock.now(), background_expires_on=TODAY - timedelta(days=1) if index in expired else None)
    db.session.commit()


def test_the_ratio_engine_ignores_an_expired_caregiver(rooms, clock):
    _certify(rooms, clock, expired=(2,))
    rooms.staff_in(0, 1, 2)
    toddlers = next(v for v in board(rooms.centre, clock.now()) if v.room_id == rooms.toddlers.id)
    assert toddlers.staff_ids == (rooms.carers[0][0].id, rooms.carers[1][0].id)


def test_the_ratios_page_counts_only_certified_caregivers(rooms, clock):
    _certify(rooms, clock, expired=(1, 2))
    rooms.staff_in(0, 1, 2)
    assert rooms.ratios()[rooms.toddlers.id]["caregivers"] == 1


def test_a_centre_that_has_recorded_no_credential_counts_no_caregiver(rooms, clock):
    rooms.staff_in(0, 1, 2)
    assert rooms.ratios()[rooms.toddlers.id]["caregivers"] == 0
    assert [_own_check_in(s.id).flags for s, _ in rooms.carers[:3]] == [["not_certified"]] * 3


def _own_check_in(staff_id: int) -> AttendanceEvent:
    return db.session.execute(select(AttendanceEvent).where(
        AttendanceEvent.staff_id == staff_id, AttendanceEvent.child_id.is_(None))).scalar_one()


def test_an_expired_caregivers_check_in_is_kept_but_flagged(rooms, clock):
    _certify(rooms, clock, expired=(2,))
    rooms.staff_in(2)
    assert _own_check_in(rooms.carers[2][0].id).flags == ["not_certified"]


def test_the_director_is_alerted_of_an_uncertified_check_in(rooms, clock):
    _certify(rooms, clock, expired=(2,))
    rooms.staff_in(2)
    alerts = db.session.execute(select(Alert.kind, Alert.severity, Alert.message_zh)).all()
    assert [(kind, severity) for kind, severity, _ in alerts] == [("attendance.check_in", "urgent")]
    assert "保育员2" in alerts[0][2] and "证件" in alerts[0][2]


def test_a_certified_caregivers_check_in_is_not_flagged(rooms, clock):
    _certify(rooms, clock, expired=(2,))
    rooms.staff_in(0)
    assert _own_check_in(rooms.carers[0][0].id).flags == []
