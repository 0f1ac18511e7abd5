"""Who is in now reads a correction at its own time and never the kiosk row it replaced.

Kiosk times here are wrong the way a queued scan can be: the row says one time, staff correct it to the real one.
"""

from __future__ import annotations

from datetime import timedelta

from server.attendance.models import AttendanceKind
from server.attendance.operations.corrections import correct_attendance
from server.attendance.operations.presence import last_moves, presence
from server.attendance.rooms.operations.live import whereabouts
from server.auth.actor import Actor
from server.database import db
from tests.factories import SYSTEM
from tests.server.attendance.kiosk_helpers import kiosk_event, post_events


def _scan(client, world, clock, kind: str) -> None:
    post_events(client, world, kiosk_event(world, clock, kind=kind))


def _correct(world, clock, kind: AttendanceKind, at) -> None:  # type: ignore[no-untyped-def]
    correct_attendance(world["centre"], world["child"], kind=kind, at=at, reason="终端时间有误", actor=SYSTEM,
                       now=clock.now())
    db.session.commit()


def _present(world, clock) -> set[int]:
    rooms = presence(world["centre"], actor=Actor.system(), now=clock.now())
    return {child for room in rooms for child in room.children}


def _collected_and_brought_back(client, world, clock):
    """09:30 in; back at 10:30 after a doctor's visit; the check-out of 10:00 reached the server stamped 10:45."""
    start = clock.now()
    _scan(client, world, clock, "attendance.check_in")
    clock.advance(minutes=60)
    _scan(client, world, clock, "attendance.check_in")
    clock.advance(minutes=15)
    _scan(client, world, clock, "attendance.check_out")
    clock.advance(minutes=15)
    _correct(world, clock, AttendanceKind.CHECK_OUT, start + timedelta(minutes=30))


def _arrival_stamped_late(client, world, clock):
    """Collected at 10:00; the morning's arrival (really 09:30) reached the server stamped 10:30."""
    start = clock.now()
    clock.advance(minutes=30)
    _scan(client, world, clock, "attendance.check_out")
    clock.advance(minutes=30)
    _scan(client, world, clock, "attendance.check_in")
    clock.advance(minutes=15)
    _correct(world, clock, AttendanceKind.CHECK_IN, start)


def test_a_check_out_corrected_to_before_the_return_leaves_the_child_present(client, world, clock):
    _collected_and_brought_back(client, world, clock)
    assert _present(world, clock) == {world["child"].id}


def test_a_check_in_corrected_to_before_the_check_out_leaves_the_child_out(client, world, clock):
    _arrival_stamped_late(client, world, clock)
    assert _present(world, clock) == set()


def test_a_check_out_corrected_to_an_earlier_time_is_not_present_after_it(client, world, clock):
    start = clock.now()
    _scan(client, world, clock, "attendance.check_in")
    clock.advance(minutes=60)
    _scan(client, world, clock, "attendance.check_out")
    _correct(world, clock, AttendanceKind.CHECK_OUT, start + timedelta(minutes=30))
    assert _present(world, clock) == set()


def test_the_kiosks_last_moves_read_the_corrected_time(client, world, clock):
    _collected_and_brought_back(client, world, clock)
    children, _ = last_moves(world["centre"], clock.now())
    move = children[world["child"].id]
    assert (move.inside, move.at) == (True, clock.now() - timedelta(minutes=30))


def test_the_kiosks_last_moves_leave_out_a_replaced_check_in(client, world, clock):
    _arrival_stamped_late(client, world, clock)
    children, _ = last_moves(world["centre"], clock.now())
    assert children[world["child"].id].inside is False


def test_the_rooms_whereabouts_leave_out_a_replaced_check_in(client, world, clock):
    _arrival_stamped_late(client, world, clock)
    assert whereabouts(world["centre"].id, clock.now()).children == {}


def test_the_presence_api_counts_the_corrected_child(client, world, clock):
    _collected_and_brought_back(client, world, clock)
    body = client.get("/api/v1/centres/alpha/presence", headers=world["director"].headers).get_json()
    assert body["children_present"] == 1
