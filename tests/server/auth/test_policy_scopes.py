"""Scopes the role table alone does not show: the roll call in an emergency, health fields by permission."""

from __future__ import annotations

import pytest

from server.alerts.operations import raise_alert
from server.auth.roles import Role
from server.database import db
from tests.factories import SYSTEM, link, make_centre, make_child, make_contact, make_login, make_room
from tests.sessions import log_in


@pytest.fixture
def centre(app, clock):
    centre = make_centre("alpha", clock.now())
    room = make_room(centre, clock.now())
    child = make_child(centre, clock.now(), room=room)
    link(child, make_contact(centre, clock.now()), clock.now())
    db.session.commit()
    return centre


def test_the_kitchen_may_not_open_the_roll_call_on_an_ordinary_day(client, centre, clock):
    make_login("cook", clock.now(), [(centre, Role.KITCHEN)])
    log_in(client, "cook")
    assert client.get("/centres/alpha/rollcall").status_code == 403


def test_the_kitchen_opens_the_roll_call_while_an_emergency_is_open(client, centre, clock):
    make_login("cook", clock.now(), [(centre, Role.KITCHEN)])
    raise_alert(centre.id, kind="safety.smoke", severity="emergency", dedupe_key="smoke", message_zh="烟雾",
                message_en="smoke", now=clock.now())
    db.session.commit()
    log_in(client, "cook")
    assert client.get("/centres/alpha/rollcall").status_code == 200


def test_a_guardian_never_opens_the_roll_call_even_in_an_emergency(client, centre, clock):
    make_login("mum", clock.now(), [(centre, Role.GUARDIAN)])
    raise_alert(centre.id, kind="safety.panic", severity="emergency", dedupe_key="panic", message_zh="紧急",
                message_en="panic", now=clock.now())
    db.session.commit()
    log_in(client, "mum")
    assert client.get("/centres/alpha/rollcall").status_code == 403


@pytest.mark.parametrize("role, sees", [(Role.KITCHEN, False), (Role.SECURITY, False), (Role.HEALTH, True),
                                        (Role.CAREGIVER, True)])
def test_a_childs_conditions_reach_only_those_who_may_read_health(client, centre, clock, role, sees):
    from server.people.models import Child
    from server.people.operations import update_child

    child = db.session.execute(db.select(Child)).scalar_one()
    update_child(child, {"conditions": "哮喘"}, actor=SYSTEM, now=clock.now(), today=clock.now().date())
    db.session.commit()
    login = make_login("someone", clock.now(), [(centre, role)])
    body = client.get(f"/api/v1/children/{child.id}", headers=login.headers).get_json()
    assert (body["conditions"] == "哮喘", body["allergies"]) == (sees, "花生 / peanut")


def test_an_inspector_may_not_acknowledge_an_alert(client, centre, clock):
    alert = raise_alert(centre.id, kind="test", severity="warning", dedupe_key="x", message_zh="测试",
                        message_en="test", now=clock.now())
    inspector = make_login("inspector", clock.now(), [(centre, Role.INSPECTOR)])
    response = client.post(f"/api/v1/alerts/{alert.id}/acknowledge", headers=inspector.headers)
    assert response.status_code == 403
