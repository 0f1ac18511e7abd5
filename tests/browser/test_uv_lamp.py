"""The UV lamp walked in a real browser (issue #18): the caregiver starts it from the room's 表6 page, the room's
agent (the real interlock on a fake relay, talking HTTP to the live server) switches it on, movement in the room
cuts it off, and the panel and the director's monthly log say so plainly.

Every device fails the test on a console error, an uncaught exception or a CSP violation. Screenshots are kept in
`tmp_path`, as the other walks keep theirs.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import httpx
import pytest
from gpiozero.pins.mock import MockFactory
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from devices.agent.uv import HttpUvStateSource, UvInterlock, UvLampConfig
from devices.outbox import Outbox
from devices.wire.protocol import Batch
from hardware.relay import BreakableMockPin, Relay, RelaySpec
from server.auth.actor import Actor
from server.centre.models import Centre, Room
from server.database import db
from server.fleet.models import DeviceKind
from server.fleet.operations import create_enrolment_code, enroll_device
from tests.browser.parent_loop import DESKTOP, TABLET, local, log_in, move_to, new_device

pytestmark = pytest.mark.browser
PIN = 24


@pytest.fixture
def clock_start() -> datetime:
    """The demo centre is set up at 07:30 on the Monday; the walk happens after pick-up."""
    return local(7, 30)


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """The walk is about the browser: it runs once, on SQLite (the server tests run these routes on both)."""
    return sqlite_url


def _room_and_agent(clock) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    """The demo's first class and a freshly enrolled agent for it: (room id, device id, token)."""
    centre = db.session.execute(select(Centre).where(Centre.code == "demo")).scalar_one()
    room = db.session.execute(select(Room).where(Room.centre_id == centre.id).order_by(Room.id)).scalars().first()
    assert room is not None
    code, _ = create_enrolment_code(centre, kind=DeviceKind.AGENT, name="班级设备", actor=Actor.system(),
                                    now=clock.now())
    device, token = enroll_device(code, kind=DeviceKind.AGENT, name=None, version="test", now=clock.now())
    found = room.id, device.device_id, token
    db.session.commit()
    return found


def _shot(page: Page, tmp_path: Path, name: str) -> None:
    page.screenshot(path=str(tmp_path / f"uv-{name}.png"), full_page=True)


def test_a_caregiver_starts_the_lamp_and_movement_cuts_it_off(
        browser: Browser, live_server: str, clock, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    move_to(clock, 18, 0)
    room_id, device_id, token = _room_and_agent(clock)
    watched: list[list[str]] = []
    factory = MockFactory()
    factory.pin(PIN, pin_class=BreakableMockPin)
    relay = Relay(RelaySpec("uv-room", PIN), factory, clock)
    outbox = Outbox(tmp_path / "outbox.sqlite3", clock, device_id)
    http = httpx.Client(timeout=10)
    lamp = UvInterlock(UvLampConfig("uv-room", room_id, PIN, poll_s=5), relay, outbox, clock,
                       HttpUvStateSource(live_server, token, http))

    def agent_seconds(n: int) -> None:
        for _ in range(n):
            clock.advance(seconds=1)
            lamp.step()
            events = outbox.claim(100)
            if events:
                body = Batch(device_id=device_id, sent_at=clock.now(), events=events).model_dump(mode="json")
                answer = http.post(f"{live_server}/api/v1/devices/events", json=body,
                                   headers={"Authorization": f"Bearer {token}"})
                assert answer.status_code == 200, answer.text
                outbox.ack([event.key for event in events])

    try:
        # The caregiver's tablet: the class's 表6, the UV line, Start.
        _, tablet = new_device(browser, TABLET, watched)
        log_in(tablet, live_server, "caregiver")
        tablet.goto(f"{live_server}/rooms/{room_id}/hygiene")
        expect(tablet.locator("#uv-panel")).to_be_visible()
        _shot(tablet, tmp_path, "01-panel")
        tablet.locator("#uv-start").click()
        expect(tablet.locator("#uv-waiting")).to_be_visible()
        _shot(tablet, tmp_path, "02-waiting")

        # The room's agent takes the request at its next poll: the relay closes.
        agent_seconds(5)
        assert relay.is_on
        tablet.reload()
        expect(tablet.locator("#uv-running")).to_be_visible()
        expect(tablet.locator("#uv-stop")).to_be_visible()

        # Twenty minutes on, the cleaner walks in: the PIR sees it and the same step cuts the lamp off.
        agent_seconds(20 * 60)
        lamp.note_motion()
        agent_seconds(1)
        assert not relay.is_on
        tablet.reload()
        expect(tablet.locator("#uv-panel")).to_contain_text("检测到人员活动，已切断")
        expect(tablet.locator("#uv-panel")).to_contain_text("20 分钟")
        expect(tablet.locator("#uv-start")).to_be_visible()
        _shot(tablet, tmp_path, "03-cut-off")

        # Asking again at once: refused (movement within the quiet period), and said so.
        tablet.locator("#uv-start").click()
        agent_seconds(5)
        assert not relay.is_on
        tablet.reload()
        expect(tablet.locator("#uv-panel")).to_contain_text("拒绝开启")

        # The director's monthly log.
        _, desk = new_device(browser, DESKTOP, watched)
        log_in(desk, live_server, "director")
        desk.goto(f"{live_server}/rooms/{room_id}/hygiene/uv")
        expect(desk.locator("#uv-counts")).to_contain_text("联锁切断 1 次")
        expect(desk.locator("#uv-rows")).to_contain_text("检测到人员活动，已切断")
        _shot(desk, tmp_path, "04-monthly-log")
    finally:
        outbox.close()
        relay.close()
        factory.close()
        http.close()
    problems = [p for found in watched for p in found]
    assert not problems, "the pages reported errors:\n" + "\n".join(problems)
