"""Supplies: stock moves, the minimum-stock alert raised below the minimum and resolved by restocking (not by hand),
and the isolation room record."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from server.alerts.models import Alert
from server.alerts.operations import resolve
from server.database import db
from server.emergencies.supplies import ALERT_KIND, record_movement, supply_line
from server.emergencies.supplies_models import SupplyKind
from server.errors import Conflict
from tests.server.emergencies import preparedness_world
from tests.server.emergencies.preparedness_world import actor_of

world = preparedness_world.world  # the fixture
MOVES = "/api/v1/centres/alpha/supplies/movements"


def _alerts(world) -> list[Alert]:  # type: ignore[no-untyped-def]
    return list(db.session.execute(select(Alert).where(Alert.centre_id == world["alpha"].id,
                                                       Alert.kind == ALERT_KIND)).scalars())


def _move(world, now, movement: str, quantity: int) -> None:  # type: ignore[no-untyped-def]
    record_movement(world["alpha"], kind="masks", movement=movement, quantity=quantity,
                    actor=actor_of(world["director"]), now=now)
    db.session.commit()


def test_stock_above_the_minimum_raises_nothing(world, clock):
    _move(world, clock.now(), "received", 300)
    assert (supply_line(world["alpha"].id, SupplyKind.MASKS).balance, _alerts(world)) == (300, [])


def test_using_below_the_minimum_raises_one_alert(world, clock):
    _move(world, clock.now(), "received", 300)
    _move(world, clock.now(), "used", 150)
    _move(world, clock.now(), "used", 20)
    alerts = _alerts(world)
    assert [(a.dedupe_key, a.resolved_at) for a in alerts] == [("supply:masks", None)]
    assert "150" in alerts[0].message_zh  # the alert keeps the move that opened it


def test_the_alert_cannot_be_resolved_by_hand_while_stock_is_low(world, clock):
    _move(world, clock.now(), "counted", 50)
    alert = _alerts(world)[0]
    try:
        resolve(alert, actor=actor_of(world["director"]), now=clock.now(),
                conditions=current_app.extensions["tuoyu.alert_conditions"])
    except Conflict as exc:
        assert exc.code == "still_in_breach"
    else:
        raise AssertionError("resolved while still below the minimum")


def test_restocking_resolves_the_alert(world, clock):
    _move(world, clock.now(), "counted", 50)
    clock.advance(days=2)
    _move(world, clock.now(), "received", 200)
    assert [a.resolved_at for a in _alerts(world)] == [clock.now()]


def test_lowering_the_minimum_resolves_the_alert_too(client, world, clock):
    _move(world, clock.now(), "counted", 50)
    response = client.post("/api/v1/centres/alpha/supplies/minimums", json={"kind": "masks", "minimum": 40},
                           headers=world["director"].headers)
    assert (response.status_code, response.get_json()["below"]) == (201, False)
    assert _alerts(world)[0].resolved_at is not None


def test_using_more_than_is_in_stock_is_refused(client, world, clock):
    _move(world, clock.now(), "received", 10)
    response = client.post(MOVES, json={"kind": "masks", "movement": "used", "quantity": 11},
                           headers=world["director"].headers)
    assert (response.status_code, response.get_json()["error"]["code"]) == (422, "not_enough_stock")


def test_an_unknown_supply_is_refused_with_its_field(client, world):
    response = client.post(MOVES, json={"kind": "sandbags", "movement": "received", "quantity": 1},
                           headers=world["director"].headers)
    assert (response.status_code, response.get_json()["error"]["field"]) == (422, "kind")


def test_a_caregiver_sees_the_stock_but_may_not_move_it(client, world):
    assert client.get("/api/v1/centres/alpha/supplies", headers=world["carer"].headers).status_code == 200
    assert client.post(MOVES, json={"kind": "masks", "movement": "received", "quantity": 1},
                       headers=world["carer"].headers).status_code == 403


def test_the_isolation_room_needs_a_place(client, world):
    url = "/api/v1/centres/alpha/isolation-room"
    refused = client.post(url, json={"has_room": True}, headers=world["director"].headers)
    assert (refused.status_code, refused.get_json()["error"]["field"]) == (422, "location")
    saved = client.post(url, json={"has_room": True, "location": "一楼东侧观察室", "checked_on": "2026-09-07"},
                        headers=world["director"].headers)
    assert saved.status_code == 201
    listed = client.get("/api/v1/centres/alpha/supplies", headers=world["carer"].headers).get_json()
    assert listed["isolation_room"]["location"] == "一楼东侧观察室"
