"""Each role lands on its own day: the 保健员's children and absences, the kitchen's head count, the guard's gate."""

from __future__ import annotations

from datetime import date

import pytest

from server.attendance.models import AbsenceReason
from server.attendance.operations.absences import record_absence
from server.auth.roles import Role
from server.database import db
from tests.factories import SYSTEM, make_centre, make_child, make_login, make_room


@pytest.fixture
def centre(app, clock):
    now = clock.now()
    centre = make_centre("alpha", now)
    room = make_room(centre, now, name="小星星班")
    a = make_child(centre, now, room=room, name="王小明")
    b = make_child(centre, now, room=room, name="李小红")
    make_child(centre, now, room=room, name="张小刚")
    record_absence(a, on=date(2026, 9, 7), reason=AbsenceReason.PERSONAL, actor=SYSTEM, now=now, today=date(2026, 9, 7))
    record_absence(b, on=date(2026, 9, 7), reason=AbsenceReason.SICK, disease="手足口病", actor=SYSTEM, now=now,
                   today=date(2026, 9, 7))
    db.session.commit()
    return centre


def _landing(session_client, centre, clock, role: Role) -> str:
    return session_client(make_login(role.value, clock.now(), [(centre, role)])).get("/").get_data(as_text=True)


def test_the_health_officer_lands_on_the_morning_check_queue(session_client, centre, clock):
    """UI.md: the 保健员's day is today's 晨检 queue with the open follow-ups."""
    client = session_client(make_login("health", clock.now(), [(centre, Role.HEALTH)]))
    answer = client.get("/")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/centres/alpha/health-checks")


def test_the_caregiver_lands_on_her_room_tablet(session_client, centre, clock):
    client = session_client(make_login("caregiver", clock.now(), [(centre, Role.CAREGIVER)]))
    answer = client.get("/")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/centres/alpha/tablet")


def test_a_director_who_also_cares_for_a_class_lands_on_the_dashboard(session_client, centre, clock):
    client = session_client(make_login("both", clock.now(), [(centre, Role.ADMIN), (centre, Role.CAREGIVER)]))
    assert client.get("/").status_code == 200


def test_the_kitchen_sees_the_expected_head_count_by_class(session_client, centre, clock):
    html = _landing(session_client, centre, clock, Role.KITCHEN)
    assert 'data-expected="小星星班">3<' in html


def test_the_kitchen_landing_carries_no_disease_name(session_client, centre, clock):
    assert "手足口病" not in _landing(session_client, centre, clock, Role.KITCHEN)


def test_the_security_landing_links_the_roll_call(session_client, centre, clock):
    html = _landing(session_client, centre, clock, Role.SECURITY)
    assert 'id="security-day"' in html and 'href="/centres/alpha/rollcall"' in html
