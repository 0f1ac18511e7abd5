"""Window contacts and disinfection cabinets: edges stored once, periods built whatever order they arrive in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from compliance import Period
from server.database import db
from server.fleet.operations import EventRejected
from server.hygiene.devices import cabinet_periods, handle_cabinet_event, handle_window_event, window_periods
from server.hygiene.evidence import hygiene_evidence
from server.hygiene.models import HygieneWindowEvent
from tests.server.hygiene.conftest import DAY, World, at


def _window(world: World, state: str, hh_mm: str, room=None, name: str = "window-a", seq: int = 1) -> None:
    event = world.event("hygiene.window", {"input": name, "room_id": (room or world.room).id, "state": state},
                        at(hh_mm), seq)
    handle_window_event(world.agent, event, world.now)


def _periods(world: World) -> list[tuple[str, str | None]]:
    start, end = at("00:00"), at("00:00", DAY + timedelta(days=1))
    fmt = "%H:%M"
    return [((p.started_at + timedelta(hours=8)).strftime(fmt),
             (p.ended_at + timedelta(hours=8)).strftime(fmt) if p.ended_at else None)
            for p in window_periods(world.centre.id, start, end, world.room.id)]


def test_open_then_closed_is_a_period(world: World) -> None:
    _window(world, "open", "09:02")
    _window(world, "closed", "09:17")
    assert _periods(world) == [("09:02", "09:17")]


def test_duplicates_are_dropped_and_late_edges_slot_in(world: World) -> None:
    _window(world, "closed", "09:17")  # the close arrives first (outbox order)
    _window(world, "closed", "09:17")  # and twice
    _window(world, "open", "15:00")
    _window(world, "open", "09:02")  # late
    assert db.session.execute(select(func.count()).select_from(HygieneWindowEvent)).scalar_one() == 3
    assert _periods(world) == [("09:02", "09:17"), ("15:00", None)]
    _window(world, "closed", "15:12")
    assert _periods(world) == [("09:02", "09:17"), ("15:00", "15:12")]


def test_two_windows_open_at_once_air_the_room_once(world: World) -> None:
    _window(world, "open", "09:00", name="window-a")
    _window(world, "open", "09:05", name="window-b")
    _window(world, "closed", "09:12", name="window-a")
    _window(world, "closed", "09:20", name="window-b")
    _window(world, "closed", "09:30", name="window-b")  # a close without an open: ignored
    assert _periods(world) == [("09:00", "09:20")]


def test_bad_payloads_and_other_centres_rooms_are_rejected(world: World) -> None:
    with pytest.raises(EventRejected) as exc:
        handle_window_event(world.agent, world.event("hygiene.window", {"input": "w", "room_id": world.room.id,
                                                                        "state": "ajar"}, at("09:00")), world.now)
    assert exc.value.reason == "hygiene.window.invalid"
    with pytest.raises(EventRejected) as other:
        _window(world, "open", "09:00", room=world.beta_room)
    assert other.value.reason == "hygiene.window.unknown_room"


def test_cabinet_cycles(world: World) -> None:
    for state, hh in (("ended", "13:40"), ("started", "13:00"), ("started", "13:00")):
        handle_cabinet_event(world.agent, world.event("hygiene.cabinet", {"input": "cabinet-kitchen",
                                                                          "location": "kitchen", "state": state},
                                                      at(hh)), world.now)
    (cycle,) = cabinet_periods(world.centre.id, at("00:00"), at("00:00", DAY + timedelta(days=1)))
    assert (cycle.key, cycle.started_at, cycle.ended_at) == ("kitchen", at("13:00"), at("13:40"))
    with pytest.raises(EventRejected):
        handle_cabinet_event(world.agent, world.event("hygiene.cabinet", {"input": "c", "location": "garage",
                                                                          "state": "started"}, at("13:00")), world.now)


def test_the_router_hands_hygiene_kinds_to_these_handlers(app, world: World) -> None:  # type: ignore[no-untyped-def]
    router = app.extensions["tuoyu.event_router"]
    assert router.handler_for("hygiene.window") is handle_window_event
    assert router.handler_for("hygiene.cabinet") is handle_cabinet_event


def test_the_evidence_holds_the_periods_and_the_rooms_with_contacts(world: World) -> None:
    _window(world, "open", "09:02")
    _window(world, "closed", "09:17")
    handle_cabinet_event(world.agent, world.event("hygiene.cabinet", {"input": "cab", "location": "kitchen",
                                                                      "state": "started"}, at("13:00")), world.now)
    evidence = hygiene_evidence(world.centre, Period(DAY, DAY), as_of=world.now + timedelta(hours=10))
    assert [(p.class_id, p.opened_at, p.closed_at) for p in evidence.ventilation] == [
        (world.room.id, at("09:02"), at("09:17"))]
    assert evidence.rooms_with_window_contacts == frozenset({world.room.id})
    assert [(c.location, c.class_id) for c in evidence.cabinet_cycles] == [("kitchen", None)]
