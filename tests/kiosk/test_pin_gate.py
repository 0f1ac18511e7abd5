"""kiosk.pin.PinGate: PINs checked offline, 5 failures lock a person and 20 the kiosk for 15 minutes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from kiosk_factories import MOTHER_PIN, XIAOHONG, XIAOMING, fast_pin_hash, make_document, make_roster

from devices.wire.roster import PersonKind, RosterPerson
from hardware.clock import FakeClock
from kiosk.pin import PinGate, PinResult
from kiosk.verify import Method, Refusal


def many_parents(count: int) -> tuple[RosterPerson, ...]:
    return tuple(RosterPerson(f"c{100 + i}", f"家长{i}", PersonKind.GUARDIAN, pin_hash=fast_pin_hash("572904"),
                              drop_off=(XIAOMING,), pick_up=(XIAOMING,)) for i in range(count))


@pytest.fixture
def gate(clock: FakeClock) -> PinGate:
    document = make_document()
    return PinGate(make_roster(persons=document.persons + many_parents(25)), clock)


def fail(gate: PinGate, person_id: str, times: int) -> list[PinResult]:
    return [gate.attempt(person_id, "000001") for _ in range(times)]


def test_right_pin_is_accepted_with_the_persons_children(gate: PinGate) -> None:
    verdict = gate.attempt("c1", MOTHER_PIN).verdict
    assert (verdict.accepted, verdict.method, [c.id for c in verdict.pick_up]) == (
        True, Method.PIN, [XIAOMING, XIAOHONG])


def test_accepted_pin_returns_no_event(gate: PinGate) -> None:
    assert gate.attempt("c1", MOTHER_PIN).event is None


def test_wrong_pin_is_refused_and_logged(gate: PinGate) -> None:
    result = gate.attempt("c1", "000001")
    assert result.verdict.reason is Refusal.WRONG_PIN
    assert (result.event.kind, result.event.payload) == ("attendance.refused", {
        "reason": "wrong_pin", "method": "pin", "person_id": "c1", "failures_person": 1, "failures_kiosk": 1,
        "locked": False})


def test_fifth_failure_reports_the_lock(gate: PinGate) -> None:
    last = fail(gate, "c1", 5)[-1]
    assert (last.event.payload["locked"], last.retry_after) == (True, timedelta(minutes=15))


def test_five_failures_lock_the_person_even_with_the_right_pin(gate: PinGate) -> None:
    fail(gate, "c1", 5)
    result = gate.attempt("c1", MOTHER_PIN)
    assert (result.verdict.reason, result.event.payload["reason"]) == (Refusal.PERSON_LOCKED, "person_locked")


def test_person_lock_lifts_after_the_window(gate: PinGate, clock: FakeClock) -> None:
    fail(gate, "c1", 5)
    clock.advance(minutes=15)
    assert gate.attempt("c1", MOTHER_PIN).verdict.accepted


def test_person_lock_holds_until_the_window_has_passed(gate: PinGate, clock: FakeClock) -> None:
    fail(gate, "c1", 5)
    clock.advance(minutes=14, seconds=59)
    result = gate.attempt("c1", MOTHER_PIN)
    assert (result.verdict.reason, result.retry_after) == (Refusal.PERSON_LOCKED, timedelta(seconds=1))


def test_locked_attempts_do_not_extend_the_lock(gate: PinGate, clock: FakeClock) -> None:
    fail(gate, "c1", 5)
    clock.advance(minutes=10)
    fail(gate, "c1", 3)
    clock.advance(minutes=5)
    assert gate.attempt("c1", MOTHER_PIN).verdict.accepted


def test_failures_spread_over_more_than_the_window_do_not_lock(gate: PinGate, clock: FakeClock) -> None:
    for _ in range(8):
        fail(gate, "c1", 1)
        clock.advance(minutes=4)
    assert gate.attempt("c1", MOTHER_PIN).verdict.accepted


def test_success_clears_the_persons_failures(gate: PinGate) -> None:
    fail(gate, "c1", 4)
    gate.attempt("c1", MOTHER_PIN)
    assert gate.failures("c1") == 0


def test_one_persons_lock_leaves_others_free(gate: PinGate) -> None:
    fail(gate, "c100", 5)
    assert gate.attempt("c1", MOTHER_PIN).verdict.accepted


def test_twenty_failures_lock_the_kiosk_for_everyone(gate: PinGate) -> None:
    for i in range(5):
        fail(gate, f"c{100 + i}", 4)
    result = gate.attempt("c1", MOTHER_PIN)
    assert (result.verdict.reason, result.event.payload["failures_kiosk"]) == (Refusal.KIOSK_LOCKED, 20)


def test_kiosk_lock_lifts_after_the_window(gate: PinGate, clock: FakeClock) -> None:
    for i in range(5):
        fail(gate, f"c{100 + i}", 4)
    clock.advance(minutes=15)
    assert gate.attempt("c1", MOTHER_PIN).verdict.accepted


def test_a_known_pin_does_not_reset_the_kiosk_count(gate: PinGate) -> None:
    for i in range(5):
        fail(gate, f"c{100 + i}", 3)
        gate.attempt("c1", MOTHER_PIN)
    assert gate.kiosk_failures() == 15


def test_unknown_person_counts_against_the_kiosk(gate: PinGate) -> None:
    result = gate.attempt("c999", MOTHER_PIN)
    assert (result.verdict.reason, gate.kiosk_failures()) == (Refusal.UNKNOWN_PERSON, 1)


def test_person_without_a_pin_is_told_so_without_a_failure(gate: PinGate) -> None:
    result = gate.attempt("c2", "572904")
    assert (result.verdict.reason, gate.kiosk_failures()) == (Refusal.NO_PIN, 0)


def test_pin_of_letters_is_a_wrong_pin(gate: PinGate) -> None:
    assert gate.attempt("c1", "abcdef").verdict.reason is Refusal.WRONG_PIN


def test_right_pin_of_a_person_without_children_is_no_children(clock: FakeClock) -> None:
    document = make_document()
    lonely = RosterPerson("c50", "赵先生", PersonKind.PICKUP, pin_hash=fast_pin_hash("572904"))
    gate = PinGate(make_roster(persons=(*document.persons, lonely)), clock)
    assert gate.attempt("c50", "572904").verdict.reason is Refusal.NO_CHILDREN


def test_staff_pin_is_accepted_without_children(gate: PinGate) -> None:
    assert gate.attempt("s1", "730261").verdict.accepted
