"""The durable outbox: lifecycle pending -> sending -> acked, recovery, ordering, durability."""

from __future__ import annotations

import sqlite3
import threading
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from devices.outbox import SCHEMA_VERSION, Outbox, OutboxError, RowState, outbox_path_from_env
from devices.wire.protocol import PAYLOAD_MAX_BYTES, EventKind
from hardware.clock import FakeClock

DEVICE = "kiosk-01"


def test_put_returns_a_numbered_event_with_a_uuid4_key(outbox: Outbox, clock: FakeClock) -> None:
    first = outbox.put("reading", {"co2_ppm": 612})
    second = outbox.put(EventKind.HEARTBEAT, {})

    assert (first.sequence, second.sequence) == (1, 2)
    assert uuid.UUID(first.key).version == 4
    assert first.key != second.key
    assert first.device_id == DEVICE
    assert first.created_at == clock.now()
    assert first.stream == second.stream == outbox.stream


def test_put_event_survives_reopening_the_file(outbox_path: Path, clock: FakeClock) -> None:
    with Outbox(outbox_path, clock, DEVICE) as box:
        event = box.put("attendance.check_in", {"child": "c-1"})

    with Outbox(outbox_path, clock, DEVICE) as again:
        claimed = again.claim(10)

    assert claimed == [event]


def test_claim_moves_pending_to_sending(outbox: Outbox) -> None:
    outbox.put("reading", {"n": 1})
    outbox.put("reading", {"n": 2})

    claimed = outbox.claim(1)

    assert [event.payload["n"] for event in claimed] == [1]
    assert outbox.counts() == {RowState.PENDING: 1, RowState.SENDING: 1, RowState.DEAD: 0}


def test_claimed_events_are_not_claimed_twice(outbox: Outbox) -> None:
    outbox.put("reading", {"n": 1})
    outbox.claim(10)

    assert outbox.claim(10) == []


def test_ack_deletes_the_events(outbox: Outbox) -> None:
    events = [outbox.put("reading", {"n": n}) for n in range(3)]
    outbox.claim(10)

    outbox.ack([events[0].key, events[2].key])

    assert outbox.keys(RowState.SENDING) == [events[1].key]
    assert outbox.pending_count() == 1


def test_release_returns_sending_to_pending(outbox: Outbox) -> None:
    event = outbox.put("reading", {"n": 1})
    outbox.claim(10)

    outbox.release([event.key])

    assert outbox.keys(RowState.PENDING) == [event.key]
    assert outbox.claim(10) == [event]


def test_recover_after_a_crash_returns_sending_to_pending(outbox_path: Path, clock: FakeClock) -> None:
    box = Outbox(outbox_path, clock, DEVICE)
    events = [box.put("reading", {"n": n}) for n in range(3)]
    box.claim(2)
    box.close()  # the process dies here: two events were in flight

    with Outbox(outbox_path, clock, DEVICE) as restarted:
        assert restarted.counts()[RowState.SENDING] == 2
        assert restarted.recover() == 2
        assert restarted.keys(RowState.PENDING) == [event.key for event in events]


def test_priority_events_are_claimed_first_then_oldest(outbox: Outbox) -> None:
    reading = outbox.put("reading", {"n": 1})
    door = outbox.put("safety.door", {"open": True})
    check_in = outbox.put("attendance.check_in", {"child": "c-1"})
    panic = outbox.put("safety.panic", {})

    order = [event.key for event in outbox.claim(10)]

    assert order == [door.key, panic.key, reading.key, check_in.key]


def test_priority_can_be_set_against_the_kind(outbox: Outbox) -> None:
    reading = outbox.put("reading", {"n": 1})
    urgent = outbox.put("reading", {"n": 2}, priority=True)
    quiet_door = outbox.put("safety.door", {"open": False}, priority=False)

    assert [event.key for event in outbox.claim(10)] == [urgent.key, reading.key, quiet_door.key]


def test_claim_priority_only_leaves_other_events(outbox: Outbox) -> None:
    outbox.put("reading", {"n": 1})
    smoke = outbox.put("safety.smoke", {"level": 3})

    assert outbox.claim(10, priority_only=True) == [smoke]
    assert outbox.counts()[RowState.PENDING] == 1


def test_last_priority_sequence_names_the_newest_waiting_safety_event(outbox: Outbox) -> None:
    outbox.put("reading", {})
    assert outbox.last_priority_sequence() is None
    panic = outbox.put("safety.panic", {})

    assert outbox.last_priority_sequence() == panic.sequence


def test_pending_count_includes_events_in_flight(outbox: Outbox) -> None:
    for n in range(5):
        outbox.put("reading", {"n": n})
    outbox.claim(2)

    assert outbox.pending_count() == 5


def test_oldest_pending_age_follows_the_clock(outbox: Outbox, clock: FakeClock) -> None:
    assert outbox.oldest_pending_age() is None
    outbox.put("reading", {})
    clock.advance(minutes=5)
    outbox.put("reading", {})
    clock.advance(minutes=10)

    assert outbox.oldest_pending_age() == timedelta(minutes=15)


def test_dead_letter_keeps_the_event_aside_with_its_reason(outbox: Outbox) -> None:
    event = outbox.put("attendance.check_in", {"child": "nobody"})
    outbox.claim(10)

    outbox.dead_letter(event.key, "unknown_child", "no such child")

    [letter] = outbox.dead_letters()
    assert (letter.event.key, letter.reason, letter.message) == (event.key, "unknown_child", "no such child")
    assert outbox.pending_count() == 0
    assert outbox.claim(10) == []


def test_dead_letters_survive_recover(outbox: Outbox) -> None:
    event = outbox.put("reading", {})
    outbox.claim(1)
    outbox.dead_letter(event.key, "payload.invalid")

    outbox.recover()

    assert outbox.dead_count() == 1


def test_requeue_dead_sends_a_dead_letter_again(outbox: Outbox) -> None:
    event = outbox.put("reading", {})
    outbox.claim(1)
    outbox.dead_letter(event.key, "payload.invalid")

    assert outbox.requeue_dead([event.key]) == 1
    assert outbox.claim(10) == [event]


def test_settle_applies_a_whole_answer_at_once(outbox: Outbox) -> None:
    a, b, c = (outbox.put("reading", {"n": n}) for n in range(3))
    outbox.claim(10)

    outbox.settle(acked=[a.key], released=[b.key], dead={c.key: ("payload.invalid", None)})

    assert outbox.counts() == {RowState.PENDING: 1, RowState.SENDING: 0, RowState.DEAD: 1}


def test_sequence_numbers_are_never_reused(outbox: Outbox) -> None:
    first = outbox.put("reading", {})
    outbox.claim(1)
    outbox.ack([first.key])

    assert outbox.put("reading", {}).sequence == 2
    assert outbox.last_sequence() == 2


def test_oversized_payload_is_refused_and_nothing_stored(outbox: Outbox) -> None:
    with pytest.raises(ValidationError, match="limit"):
        outbox.put("reading", {"blob": "x" * PAYLOAD_MAX_BYTES})

    assert outbox.last_sequence() == 0


def test_payload_that_is_not_plain_json_is_refused(outbox: Outbox) -> None:
    with pytest.raises(ValidationError, match="plain JSON"):
        outbox.put("reading", {"value": float("nan")})


def test_unknown_kind_is_refused(outbox: Outbox) -> None:
    with pytest.raises(ValueError, match="attendance.teleport"):
        outbox.put("attendance.teleport", {})


def test_returned_event_does_not_change_with_the_callers_dict(outbox: Outbox) -> None:
    payload = {"child": "c-1", "tags": ["a"]}
    event = outbox.put("attendance.check_in", payload)
    payload["tags"].append("b")

    assert event.payload == {"child": "c-1", "tags": ["a"]}


def test_file_uses_wal_full_sync_and_versioned_schema(outbox: Outbox) -> None:
    assert outbox.settings() == {"journal_mode": "wal", "synchronous": "full", "user_version": SCHEMA_VERSION}


def test_newer_schema_is_refused(outbox_path: Path, clock: FakeClock) -> None:
    Outbox(outbox_path, clock, DEVICE).close()
    with sqlite3.connect(outbox_path) as raw:
        raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()

    with pytest.raises(OutboxError, match="newer"):
        Outbox(outbox_path, clock, DEVICE)


def test_file_of_another_device_is_refused(outbox_path: Path, clock: FakeClock) -> None:
    Outbox(outbox_path, clock, DEVICE).close()

    with pytest.raises(OutboxError, match="belongs to device"):
        Outbox(outbox_path, clock, "kiosk-02")


def test_stream_identity_is_kept_across_reopen(outbox_path: Path, clock: FakeClock) -> None:
    with Outbox(outbox_path, clock, DEVICE) as box:
        stream = box.stream

    with Outbox(outbox_path, clock, DEVICE) as again:
        assert again.stream == stream


def test_invalid_stored_row_is_dead_lettered_not_sent(outbox: Outbox, outbox_path: Path) -> None:
    good = outbox.put("reading", {"n": 1})
    bad = outbox.put("reading", {"n": 2})
    with sqlite3.connect(outbox_path) as raw:
        raw.execute("UPDATE events SET kind = 'no.such.kind' WHERE key = ?", (bad.key,))
    raw.close()

    assert outbox.claim(10) == [good]
    assert [letter.reason for letter in outbox.dead_letters()] == ["invalid_local"]


def test_path_comes_from_the_environment() -> None:
    assert outbox_path_from_env({"TUOYU_OUTBOX_PATH": "/data/outbox.db"}) == Path("/data/outbox.db")
    assert outbox_path_from_env({}) == Path("instance/outbox.sqlite3")


def test_writer_thread_and_delivery_thread_share_one_outbox(outbox: Outbox) -> None:
    total = 300
    written = threading.Event()
    delivered: list[str] = []

    def write() -> None:
        for n in range(total):
            outbox.put("reading", {"n": n})
        written.set()

    def deliver() -> None:
        while not (written.is_set() and outbox.pending_count() == 0):
            batch = outbox.claim(7)
            delivered.extend(event.key for event in batch)
            outbox.ack([event.key for event in batch])

    threads = [threading.Thread(target=write), threading.Thread(target=deliver)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert len(delivered) == len(set(delivered)) == total
    assert outbox.integrity_check() == "ok"
