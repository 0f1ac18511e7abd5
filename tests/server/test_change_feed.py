"""One change feed per process: each watched marker is read once a poll, however many streams watch it (issue #19).

The feed is driven poll by poll here (``autostart=False``, ``tick()``), as its thread drives it every
``PRESENCE_POLL_S`` in production; the streams are real (``poll_stream``) over the real app.
"""

from __future__ import annotations

import threading

import pytest

from server.streams import ChangeFeed, OpenStreams, poll_stream

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


class Counter:
    """A marker whose value the test sets, counting its reads."""

    def __init__(self) -> None:
        self.value, self.reads, self.fails = 0, 0, False

    def __call__(self) -> int:
        self.reads += 1
        if self.fails:
            raise RuntimeError("database went away")
        return self.value


def _streams_on_a_driven_feed(app) -> OpenStreams:  # type: ignore[no-untyped-def]
    streams = OpenStreams()
    streams._feed = ChangeFeed(app, streams.stop, poll_s=0.25, autostart=False)
    return streams


def test_twenty_streams_of_one_centre_cost_one_read_a_poll(app):
    streams = _streams_on_a_driven_feed(app)
    marker, messages = Counter(), []

    def message() -> str:
        messages.append(marker.value)
        return f"data: {marker.value}\n\n"

    opened = [poll_stream(app, streams, ("ratios", 1), marker, message) for _ in range(20)]
    assert [next(stream) for stream in opened] == ["data: 0\n\n"] * 20  # each sends at once
    assert marker.reads == 1  # the first watcher read the marker; the others share it
    for _ in range(10):  # ten quiet polls
        streams._feed.tick()
    assert marker.reads == 11
    marker.value = 1
    streams._feed.tick()  # one read sees the change ...
    assert marker.reads == 12
    assert [next(stream) for stream in opened] == ["data: 1\n\n"] * 20  # ... and every stream renders it
    for stream in opened:
        stream.close()
    assert streams._feed._watched == {}  # the last stream closed: nothing is read any more
    streams._feed.tick()
    assert marker.reads == 12


def test_different_keys_are_read_separately_and_wake_only_their_streams(app):
    streams = _streams_on_a_driven_feed(app)
    ratios, alerts = Counter(), Counter()
    feed = streams.feed(app)
    with feed.watch(("ratios", 1), ratios) as on_ratios, feed.watch(("alerts", (1,)), alerts) as on_alerts:
        alerts.value = 5
        feed.tick()
        assert (ratios.reads, alerts.reads) == (2, 2)
        assert (on_ratios.version, on_alerts.version) == (0, 1)
        assert on_ratios.wait(0, timeout=0) == 0 and on_alerts.wait(0, timeout=0) == 1


def test_a_waiting_stream_wakes_on_the_tick_that_sees_the_change(app):
    streams = _streams_on_a_driven_feed(app)
    marker = Counter()
    feed = streams.feed(app)
    with feed.watch(("presence", 1), marker) as watch:
        woke = []
        waiter = threading.Thread(target=lambda: woke.append(watch.wait(0, timeout=30)))
        waiter.start()
        marker.value = 1
        feed.tick()
        waiter.join(timeout=30)
    assert woke == [1]


def test_closing_all_streams_wakes_the_waiting_ones(app):
    streams = _streams_on_a_driven_feed(app)
    stream = poll_stream(app, streams, ("ratios", 1), Counter(), lambda: "data: x\n\n")
    next(stream)
    ended = []
    reader = threading.Thread(target=lambda: ended.append(list(stream)))
    reader.start()
    assert streams.close_all(timeout=30)
    reader.join(timeout=30)
    assert ended == [[]]


def test_a_failing_marker_is_logged_and_the_others_go_on(app, caplog):
    streams = _streams_on_a_driven_feed(app)
    feed, good, broken = streams.feed(app), Counter(), Counter()
    with feed.watch(("ratios", 1), good) as on_good, feed.watch(("presence", 1), broken):
        broken.fails, good.value = True, 1
        feed.tick()
        assert on_good.version == 1
    assert "a marker failed" in caplog.text
