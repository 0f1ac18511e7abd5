"""The deliverer against a real HTTP server on 127.0.0.1 that can fail on demand."""

from __future__ import annotations

import math
import random
import sqlite3
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from devices.delivery import Backoff, Deliverer, DeliveryState, Outcome
from devices.fake_event_server import DEVICE, TOKEN, FakeEventServer
from devices.outbox import Outbox, RowState
from devices.uplink import HttpUplink
from devices.wire.protocol import Ack, Batch
from hardware.clock import FakeClock


def wait_out(deliverer: Deliverer, clock: FakeClock, at_most: float | None = None) -> None:
    """Move the fake clock to the next attempt (rounded up to the clock's microsecond), or by ``at_most``."""
    wait = deliverer.seconds_until_next_attempt()
    if at_most is not None:
        wait = min(wait, at_most)
    clock.advance(microseconds=math.ceil(wait * 1e6) + 1)


def drain(deliverer: Deliverer, clock: FakeClock, *, limit: int = 200) -> list[Outcome]:
    """Step until the outbox is empty, jumping the clock over every back-off (no sleeping)."""
    outcomes = []
    for _ in range(limit):
        outcome = deliverer.step()
        outcomes.append(outcome)
        if outcome is Outcome.IDLE:
            return outcomes
        wait_out(deliverer, clock)
    raise AssertionError(f"not drained after {limit} steps: {outcomes[-5:]}")


def test_happy_path_delivers_everything_once(deliverer: Deliverer, outbox: Outbox, server: FakeEventServer,
                                             clock: FakeClock) -> None:
    for n in range(45):
        outbox.put("reading", {"n": n})

    drain(deliverer, clock)

    assert server.payload_values("n") == list(range(45))
    assert outbox.pending_count() == 0
    assert len(server.batches) == 3  # batch_size=20
    assert set(server.deliveries.values()) == {1}


def test_status_after_success_is_online_with_the_time(deliverer: Deliverer, outbox: Outbox,
                                                      clock: FakeClock) -> None:
    outbox.put("heartbeat", {})
    deliverer.step()

    status = deliverer.status()

    assert (status.state, status.pending, status.dead, status.last_success_at) == (
        DeliveryState.ONLINE, 0, 0, clock.now())


def test_status_before_any_contact_is_offline(deliverer: Deliverer) -> None:
    assert deliverer.status().state is DeliveryState.OFFLINE


def test_nothing_to_send_is_idle(deliverer: Deliverer, server: FakeEventServer) -> None:
    assert deliverer.step() is Outcome.IDLE
    assert server.requests == 0


def test_503_keeps_the_events_and_backs_off(deliverer: Deliverer, outbox: Outbox, server: FakeEventServer) -> None:
    outbox.put("reading", {"n": 1})
    server.faults = [503]

    assert deliverer.step() is Outcome.RETRY
    assert outbox.counts()[RowState.PENDING] == 1
    assert deliverer.status().state is DeliveryState.OFFLINE


def test_no_request_is_made_during_a_back_off(deliverer: Deliverer, outbox: Outbox, server: FakeEventServer,
                                              clock: FakeClock) -> None:
    outbox.put("reading", {"n": 1})
    server.always = 503
    for _ in range(4):  # grow the back-off past its first, sub-second, windows
        deliverer.step()
        wait_out(deliverer, clock)
    deliverer.step()
    requests = server.requests
    wait = deliverer.seconds_until_next_attempt()

    clock.advance(seconds=wait / 2)

    assert wait > 0
    assert deliverer.step() is Outcome.BACKING_OFF
    assert server.requests == requests


def test_back_off_is_retried_once_it_has_passed(deliverer: Deliverer, outbox: Outbox, server: FakeEventServer,
                                                clock: FakeClock) -> None:
    outbox.put("reading", {"n": 1})
    server.faults = [503]
    deliverer.step()

    wait_out(deliverer, clock)

    assert deliverer.step() is Outcome.DELIVERED
    assert server.payload_values("n") == [1]


def test_back_off_delays_are_full_jitter_doubling_to_the_cap() -> None:
    backoff = Backoff(random.Random(7), base_s=1.0, cap_s=300.0)

    delays = [backoff.next_delay() for _ in range(40)]

    ceilings = [min(300.0, 2.0**n) for n in range(40)]
    assert all(0.0 <= delay <= ceiling for delay, ceiling in zip(delays, ceilings, strict=True))
    assert max(delays[10:]) > 150.0  # it really reaches towards the cap


def test_back_off_is_reproducible_from_its_seed() -> None:
    first, second = (Backoff(random.Random(7)) for _ in range(2))

    assert [first.next_delay() for _ in range(20)] == [second.next_delay() for _ in range(20)]


def test_success_resets_the_back_off(deliverer: Deliverer, outbox: Outbox, server: FakeEventServer,
                                     clock: FakeClock) -> None:
    outbox.put("reading", {"n": 1})
    server.faults = [503] * 6
    drain(deliverer, clock)

    outbox.put("reading", {"n": 2})

    assert deliverer.seconds_until_next_attempt() == 0
    assert deliverer.step() is Outcome.DELIVERED


@pytest.fixture
def ram_outbox(ram_outbox_path: Path, clock: FakeClock) -> Iterator[Outbox]:
    with Outbox(ram_outbox_path, clock, DEVICE) as box:
        yield box


def test_server_down_for_a_whole_day_then_everything_arrives_once(
        ram_outbox: Outbox, server: FakeEventServer, clock: FakeClock, http_client: httpx.Client) -> None:
    outbox = ram_outbox  # ~1,000 fsynced commits: tmpfs keeps this test quick
    deliverer = Deliverer(outbox, HttpUplink(server.base_url, TOKEN, client=http_client), clock,
                          random.Random(2024), batch_size=20)
    server.down()  # connection refused from now on
    attempts = 0
    start = clock.now()
    n = 0
    while clock.now() - start < timedelta(days=1):
        outbox.put("reading", {"n": n})  # a reading every 10 minutes keeps arriving
        n += 1
        tick_end = clock.now() + timedelta(minutes=10)
        while clock.now() < tick_end:
            if deliverer.step() is Outcome.RETRY:
                attempts += 1
            wait_out(deliverer, clock, at_most=(tick_end - clock.now()).total_seconds())
    status = deliverer.status()
    assert (status.state, status.pending) == (DeliveryState.OFFLINE, 144)
    assert status.oldest_pending_age is not None and status.oldest_pending_age >= timedelta(hours=23, minutes=50)
    # Capped at 5 minutes with full jitter: about 2.5 minutes apart on average, never a hammering.
    assert 300 < attempts < 1100

    server.up()  # same port
    wait_out(deliverer, clock)
    drain(deliverer, clock)

    assert server.payload_values("n") == list(range(144))
    assert set(server.deliveries.values()) == {1}
    assert outbox.pending_count() == 0
    assert deliverer.status().state is DeliveryState.ONLINE


def test_lost_ack_is_resent_answered_duplicate_and_stored_once(
        deliverer: Deliverer, outbox: Outbox, server: FakeEventServer, clock: FakeClock) -> None:
    for n in range(5):
        outbox.put("reading", {"n": n})
    server.faults = ["drop_after"]  # the server stores the batch, then the answer is lost

    assert deliverer.step() is Outcome.RETRY
    assert server.payload_values("n") == list(range(5))
    assert outbox.pending_count() == 5

    drain(deliverer, clock)

    assert outbox.pending_count() == 0
    assert set(server.deliveries.values()) == {2}  # sent twice ...
    assert server.payload_values("n") == list(range(5))  # ... stored once


def test_connection_dropped_before_storing_is_retried(deliverer: Deliverer, outbox: Outbox,
                                                      server: FakeEventServer, clock: FakeClock) -> None:
    outbox.put("reading", {"n": 1})
    server.faults = ["drop_before"]

    outcomes = drain(deliverer, clock)

    assert outcomes[0] is Outcome.RETRY
    assert server.payload_values("n") == [1]


def test_slow_answer_times_out_and_the_resend_is_a_duplicate(
        outbox: Outbox, server: FakeEventServer, clock: FakeClock) -> None:
    with httpx.Client(timeout=0.2) as client:
        deliverer = Deliverer(outbox, HttpUplink(server.base_url, TOKEN, client=client), clock, random.Random(3))
        outbox.put("reading", {"n": 1})
        server.faults = ["slow"]

        assert deliverer.step() is Outcome.RETRY
        server.unblock.set()
        drain(deliverer, clock)

    assert server.deliveries == {outbox_key: 2 for outbox_key in server.stored_keys()}
    assert outbox.pending_count() == 0


def test_unreadable_ack_keeps_the_events(deliverer: Deliverer, outbox: Outbox, server: FakeEventServer,
                                         clock: FakeClock) -> None:
    outbox.put("reading", {"n": 1})
    server.faults = ["garbage"]

    assert deliverer.step() is Outcome.RETRY
    assert outbox.pending_count() == 1
    drain(deliverer, clock)
    assert outbox.pending_count() == 0


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_stop_sending(status: int, deliverer: Deliverer, outbox: Outbox,
                                         server: FakeEventServer) -> None:
    outbox.put("reading", {"n": 1})
    server.faults = [status]

    assert deliverer.step() is Outcome.UNAUTHORISED
    assert deliverer.step() is Outcome.UNAUTHORISED
    assert server.requests == 1


def test_401_makes_the_device_unauthorised_and_deletes_nothing(
        deliverer: Deliverer, outbox: Outbox, server: FakeEventServer, clock: FakeClock) -> None:
    for n in range(3):
        outbox.put("reading", {"n": n})
    server.revoked.add(DEVICE)

    assert deliverer.step() is Outcome.UNAUTHORISED

    status = deliverer.status()
    assert (status.state, status.pending) == (DeliveryState.UNAUTHORISED, 3)
    assert outbox.counts()[RowState.PENDING] == 3


def test_unauthorised_device_stops_sending(deliverer: Deliverer, outbox: Outbox, server: FakeEventServer,
                                           clock: FakeClock) -> None:
    outbox.put("reading", {"n": 1})
    server.revoked.add(DEVICE)
    deliverer.step()

    for _ in range(59):
        clock.advance(minutes=1)
        outbox.put("safety.panic", {})  # not even safety events hammer a server that refused us
        assert deliverer.step() is Outcome.UNAUTHORISED

    assert server.requests == 1


def test_unauthorised_device_probes_once_an_hour(deliverer: Deliverer, outbox: Outbox, server: FakeEventServer,
                                                 clock: FakeClock) -> None:
    outbox.put("reading", {"n": 1})
    server.revoked.add(DEVICE)
    deliverer.step()
    server.revoked.clear()  # e.g. an administrator re-enabled the device

    clock.advance(hours=1)

    assert deliverer.step() is Outcome.DELIVERED
    assert deliverer.state is DeliveryState.ONLINE


def test_new_token_and_resume_deliver_at_once(outbox: Outbox, server: FakeEventServer, clock: FakeClock,
                                              http_client: httpx.Client) -> None:
    uplink = HttpUplink(server.base_url, "old-token", client=http_client)
    deliverer = Deliverer(outbox, uplink, clock, random.Random(5))
    outbox.put("reading", {"n": 1})
    assert deliverer.step() is Outcome.UNAUTHORISED

    uplink.set_token(TOKEN)
    deliverer.resume()

    assert deliverer.step() is Outcome.DELIVERED


def test_rejected_event_is_dead_lettered_and_the_rest_delivered(
        deliverer: Deliverer, outbox: Outbox, server: FakeEventServer, clock: FakeClock) -> None:
    outbox.put("reading", {"n": 1})
    bad = outbox.put("reading", {"n": 2, "bad": True})
    outbox.put("reading", {"n": 3})

    drain(deliverer, clock)

    assert server.payload_values("n") == [1, 3]
    [letter] = outbox.dead_letters()
    assert (letter.event.key, letter.reason) == (bad.key, "payload.invalid")
    assert outbox.pending_count() == 0
    assert deliverer.status().dead == 1


def test_dead_letter_is_not_retried(deliverer: Deliverer, outbox: Outbox, server: FakeEventServer,
                                    clock: FakeClock) -> None:
    outbox.put("reading", {"n": 2, "bad": True})
    drain(deliverer, clock)
    requests = server.requests

    clock.advance(days=1)
    drain(deliverer, clock)

    assert server.requests == requests


def test_malformed_event_is_rejected_by_the_server_and_dead_lettered(
        deliverer: Deliverer, outbox: Outbox, server: FakeEventServer, outbox_path: Path, clock: FakeClock) -> None:
    good = outbox.put("reading", {"n": 1})
    odd = outbox.put("reading", {"n": 2})
    # A payload the server's envelope check refuses but this device still reads: a list, not an object.
    with sqlite3.connect(outbox_path) as raw:
        raw.execute("UPDATE events SET payload = '[1, 2]' WHERE key = ?", (odd.key,))
    raw.close()

    drain(deliverer, clock)

    assert server.stored_keys() == {good.key}
    assert [letter.event.key for letter in outbox.dead_letters()] == [odd.key]


def test_batch_refused_as_a_whole_is_split_to_dead_letter_only_the_culprit(
        deliverer: Deliverer, outbox: Outbox, server: FakeEventServer, clock: FakeClock) -> None:
    server.refuse_batch = lambda events: "poisoned" if any(e.payload.get("poison") for e in events) else None
    for n in range(6):
        outbox.put("reading", {"n": n, "poison": n == 3})

    outcomes = drain(deliverer, clock)

    assert outcomes[0] is Outcome.REFUSED
    assert server.payload_values("n") == [0, 1, 2, 4, 5]
    [letter] = outbox.dead_letters()
    assert (letter.event.payload["n"], letter.reason) == (3, "poisoned")
    assert letter.message is not None and "422" in letter.message


def test_404_is_retried_not_dead_lettered(outbox: Outbox, server: FakeEventServer, clock: FakeClock,
                                          http_client: httpx.Client) -> None:
    deliverer = Deliverer(outbox, HttpUplink(server.base_url + "/wrong", TOKEN, client=http_client), clock,
                          random.Random(5))
    outbox.put("reading", {"n": 1})

    assert deliverer.step() is Outcome.RETRY
    assert outbox.counts() == {RowState.PENDING: 1, RowState.SENDING: 0, RowState.DEAD: 0}


def test_server_on_another_protocol_version_is_waited_for_not_dead_lettered(
        deliverer: Deliverer, outbox: Outbox, server: FakeEventServer) -> None:
    outbox.put("reading", {"n": 1})
    outbox.put("reading", {"n": 2})
    server.faults = [(422, "unsupported_protocol_version")]

    assert deliverer.step() is Outcome.RETRY
    assert outbox.counts() == {RowState.PENDING: 2, RowState.SENDING: 0, RowState.DEAD: 0}


def test_retry_after_is_honoured(deliverer: Deliverer, outbox: Outbox, server: FakeEventServer) -> None:
    outbox.put("reading", {"n": 1})
    server.faults = [429]
    server.retry_after = 120

    deliverer.step()

    assert deliverer.seconds_until_next_attempt() >= 120


def test_safety_event_goes_first_and_alone(deliverer: Deliverer, outbox: Outbox, server: FakeEventServer,
                                           clock: FakeClock) -> None:
    for n in range(30):
        outbox.put("reading", {"n": n})
    panic = outbox.put("safety.panic", {"button": "room-2"})

    drain(deliverer, clock)

    assert server.batches[0] == [panic.key]
    assert sum(len(batch) for batch in server.batches) == 31


def test_new_safety_event_is_tried_at_once_during_a_back_off(
        deliverer: Deliverer, outbox: Outbox, server: FakeEventServer, clock: FakeClock) -> None:
    outbox.put("reading", {"n": 1})
    server.always = 503
    for _ in range(8):
        deliverer.step()
        wait_out(deliverer, clock)
    deliverer.step()
    assert deliverer.seconds_until_next_attempt() > 0
    server.always = None

    smoke = outbox.put("safety.smoke", {"room": "nap"})

    assert deliverer.step() is Outcome.DELIVERED
    assert server.stored_keys() == {smoke.key}
    assert deliverer.step() is Outcome.DELIVERED  # that success proved the server is back: no more waiting


def test_a_failed_safety_attempt_does_not_bypass_the_back_off_again(
        deliverer: Deliverer, outbox: Outbox, server: FakeEventServer, clock: FakeClock) -> None:
    outbox.put("reading", {"n": 1})
    server.always = 503
    for _ in range(8):
        deliverer.step()
        wait_out(deliverer, clock)
    deliverer.step()
    outbox.put("safety.smoke", {"room": "nap"})
    assert deliverer.step() is Outcome.RETRY
    requests = server.requests

    assert deliverer.step() is Outcome.BACKING_OFF
    assert server.requests == requests


def test_events_left_unanswered_by_the_ack_are_kept(outbox: Outbox, server: FakeEventServer,
                                                    clock: FakeClock, http_client: httpx.Client) -> None:
    class ForgetfulUplink(HttpUplink):
        def send(self, batch: Batch) -> Ack:
            ack = super().send(batch)
            return ack.model_copy(update={"results": ack.results[:1]})

    deliverer = Deliverer(outbox, ForgetfulUplink(server.base_url, TOKEN, client=http_client), clock,
                          random.Random(9))
    first = outbox.put("reading", {"n": 1})
    second = outbox.put("reading", {"n": 2})

    assert deliverer.step() is Outcome.DELIVERED

    assert outbox.keys(RowState.PENDING) == [second.key]
    assert first.key in server.stored_keys()
    assert deliverer.step() is Outcome.BACKING_OFF  # no hot loop on a server that forgets events


def test_run_forever_delivers_until_stopped(outbox: Outbox, server: FakeEventServer, clock: FakeClock,
                                            http_client: httpx.Client) -> None:
    deliverer = Deliverer(outbox, HttpUplink(server.base_url, TOKEN, client=http_client), clock,
                          random.Random(11))
    for n in range(10):
        outbox.put("reading", {"n": n})
    outbox.claim(3)  # left in sending by a "previous run": run_forever recovers them first
    stop = threading.Event()
    thread = threading.Thread(target=deliverer.run_forever, args=(stop,), kwargs={"poll_interval_s": 0.01})

    thread.start()
    try:
        for _ in range(500):
            if outbox.pending_count() == 0:
                break
            stop.wait(0.01)
    finally:
        stop.set()
        thread.join(5)

    assert not thread.is_alive()
    assert server.payload_values("n") == list(range(10))


def test_run_forever_returns_when_already_stopped(deliverer: Deliverer, server: FakeEventServer) -> None:
    stop = threading.Event()
    stop.set()

    deliverer.run_forever(stop)

    assert server.requests == 0


@pytest.mark.parametrize("status", [400, 413, 422])
def test_single_event_refused_with_a_4xx_is_dead_lettered(status: int, deliverer: Deliverer, outbox: Outbox,
                                                          server: FakeEventServer) -> None:
    event = outbox.put("reading", {"n": 1})
    server.faults = [status]

    assert deliverer.step() is Outcome.REFUSED
    [letter] = outbox.dead_letters()
    assert (letter.event.key, letter.reason) == (event.key, f"fault_{status}")
