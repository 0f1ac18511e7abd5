"""The office's classes page: the list for every reader, the forms for whoever manages rooms."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from server.auth.roles import Role
from server.centre.models import Room
from server.database import db
from tests.factories import make_centre, make_login, make_room
from tests.sessions import csrf_token

PAGE = "/centres/alpha/classes"
NEW = {"name": "小太阳班", "class_type": "infant", "capacity": "6"}


@pytest.fixture
def centre(app, clock):
    centre = make_centre("alpha", clock.now())
    db.session.commit()
    return centre


def _as(session_client, centre, clock, role: Role):
    return session_client(make_login(role.value, clock.now(), [(centre, role)]))


def _post(client, url: str, data: dict[str, object]):
    token = csrf_token(client.get(PAGE).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def test_classes_are_listed_with_their_type_and_capacity(session_client, centre, clock):
    make_room(centre, clock.now(), name="小星星班", capacity=14)
    db.session.commit()
    html = _as(session_client, centre, clock, Role.CAREGIVER).get(PAGE).get_data(as_text=True)
    assert ("小星星班" in html, "托小班" in html, ">14<" in html) == (True, True, True)


def test_caregiver_sees_no_class_forms(session_client, centre, clock):
    make_room(centre, clock.now())
    db.session.commit()
    html = _as(session_client, centre, clock, Role.CAREGIVER).get(PAGE).get_data(as_text=True)
    assert ('id="class-form"' in html, 'id="edit-class-' in html) == (False, False)


def test_director_adds_a_class(session_client, centre, clock):
    response = _post(_as(session_client, centre, clock, Role.ADMIN), PAGE, NEW)
    room = db.session.execute(select(Room).where(Room.name == "小太阳班")).scalar_one()
    assert (response.status_code, room.class_type, room.capacity) == (302, "infant", 6)


def test_a_class_with_a_bad_capacity_keeps_what_was_typed(session_client, centre, clock):
    response = _post(_as(session_client, centre, clock, Role.ADMIN), PAGE, {**NEW, "capacity": "0"})
    html = response.get_data(as_text=True)
    assert (response.status_code, 'value="小太阳班"' in html, 'id="capacity-problem"' in html) == (422, True, True)


def test_a_taken_class_name_is_shown_on_its_field(session_client, centre, clock):
    make_room(centre, clock.now(), name="小太阳班")
    db.session.commit()
    response = _post(_as(session_client, centre, clock, Role.ADMIN), PAGE, NEW)
    assert (response.status_code, 'id="name-problem"' in response.get_data(as_text=True)) == (422, True)


def test_director_renames_and_resizes_a_class(session_client, centre, clock):
    room = make_room(centre, clock.now())
    db.session.commit()
    _post(_as(session_client, centre, clock, Role.ADMIN), f"{PAGE}/{room.id}",
          {"name": "大月亮班", "class_type": "preschool", "capacity": "20"})
    room = db.session.get(Room, room.id)
    assert (room.name, room.class_type, room.capacity) == ("大月亮班", "preschool", 20)


def test_director_retires_a_class(session_client, centre, clock):
    room = make_room(centre, clock.now())
    db.session.commit()
    _post(_as(session_client, centre, clock, Role.ADMIN), f"{PAGE}/{room.id}/active", {"is_active": "0"})
    assert db.session.get(Room, room.id).is_active is False


def test_caregiver_adding_a_class_is_refused_in_the_layout(session_client, centre, clock):
    response = _post(_as(session_client, centre, clock, Role.CAREGIVER), PAGE, NEW)
    assert (response.status_code, 'id="refused-back"' in response.get_data(as_text=True)) == (403, True)


def test_the_director_finds_classes_in_the_shell(session_client, centre, clock):
    html = _as(session_client, centre, clock, Role.ADMIN).get(PAGE).get_data(as_text=True)
    assert 'data-nav="centre_pages.classes"' in html
