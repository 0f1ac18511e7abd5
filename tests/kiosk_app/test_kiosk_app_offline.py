"""A whole day without the server: check-ins and check-outs keep working, the banner counts what waits,
and when the server is back every event arrives exactly once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from kiosk_app_factories import Rig, card, make_document, make_rig, make_server

from kiosk.fake_server import FakeKioskServer

FAMILIES = 20
MORNING = datetime(2026, 9, 6, 23, 0, tzinfo=UTC)  # 07:00 on Monday 7 September in Shanghai


@dataclass
class Day:
    """What happened, for the tests to look at."""

    server: FakeKioskServer
    rig: Rig
    accepted: list[bool]
    green: list[int]
    noon: dict[str, Any]
    next_morning: dict[str, Any]
    after: dict[str, Any]


def visit(rig: Rig, text: str, then: timedelta) -> tuple[bool, int]:
    verdicts = rig.scan(text)
    green = rig.signals.value("green_led")
    rig.lower()
    rig.clock.advance(then)
    rig.kiosk.step()
    return all(v.accepted for v in verdicts) and len(verdicts) == 1, green


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Day]:
    server = make_server(make_document(families=FAMILIES, generated_at=MORNING - timedelta(hours=1)))
    server.up()
    rig = make_rig(tmp_path_factory.mktemp("offline-day"), server, now=MORNING)
    server.down()
    accepted, green = [], []
    rig.clock.advance(minutes=30)  # 07:30: the first family
    for i in range(FAMILIES):
        ok, led = visit(rig, card(2000 + i), timedelta(minutes=5))
        accepted.append(ok)
        green.append(led)
    rig.clock.advance(datetime(2026, 9, 7, 4, 0, tzinfo=UTC) - rig.clock.now())  # noon
    rig.kiosk.step()
    noon = rig.kiosk.state()
    rig.clock.advance(hours=4)  # 16:00: pick-up
    for i in range(FAMILIES):
        ok, led = visit(rig, card(2000 + i), timedelta(minutes=6))
        accepted.append(ok)
        green.append(led)
    rig.clock.advance(datetime(2026, 9, 7, 23, 0, tzinfo=UTC) - rig.clock.now())  # 07:00 the next morning
    rig.kiosk.step()
    next_morning = rig.kiosk.state()
    server.up()
    for _ in range(20):
        if rig.events.pending_count() == 0:
            break
        rig.clock.advance(seconds=max(rig.deliverer.seconds_until_next_attempt(), 1 / 30))
        rig.kiosk.step()
    after = rig.kiosk.state()
    yield Day(server, rig, accepted, green, noon, next_morning, after)
    rig.close()
    server.down()


def test_every_scan_during_the_outage_is_accepted(day: Day) -> None:
    assert (day.accepted.count(True), day.green.count(1)) == (2 * FAMILIES, 2 * FAMILIES)


def test_banner_shows_offline_with_the_morning_waiting(day: Day) -> None:
    assert (day.noon["banner"]["kind"], day.noon["banner"]["message_zh"]) == ("offline", f"离线，{FAMILIES} 条待上传")


def test_banner_counts_the_whole_day_the_next_morning(day: Day) -> None:
    assert day.next_morning["banner"]["pending"] == 2 * FAMILIES


def test_roster_too_old_warning_appears_after_a_day_without_sync(day: Day) -> None:
    assert [w["code"] for w in day.next_morning["warnings"]] == ["roster_too_old"]


def test_all_events_arrive_when_the_server_is_back(day: Day) -> None:
    kinds = Counter(str(e.kind) for e in day.server.events())
    assert (kinds, day.rig.events.pending_count(), day.rig.events.outbox.dead_count()) == (
        Counter({"attendance.check_in": FAMILIES, "attendance.check_out": FAMILIES}), 0, 0)


def test_each_event_arrives_exactly_once(day: Day) -> None:
    assert (len(day.server.deliveries), set(day.server.deliveries.values())) == (2 * FAMILIES, {1})


def test_every_child_is_checked_in_and_out_once(day: Day) -> None:
    children = Counter((str(e.kind), c) for e in day.server.events() for c in e.payload["children"])
    assert set(children.values()) == {1} and len(children) == 2 * FAMILIES


def test_events_keep_the_time_of_the_scan_not_of_the_delivery(day: Day) -> None:
    first = day.server.events()[0]
    assert first.created_at == MORNING + timedelta(minutes=30, microseconds=33333)


def test_banner_clears_once_everything_is_delivered(day: Day) -> None:
    assert day.after["banner"] is None
