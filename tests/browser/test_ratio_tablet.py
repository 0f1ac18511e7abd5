"""The caregiver's tablet warns before a break that breaks the ratio; the director's card turns red; roll call."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect
from sqlalchemy import select

from devices.wire.protocol import Batch, Event, new_key
from server.centre.models import Centre, ClassType, Room
from server.database import db
from server.demo.seed import DEMO_PASSWORD
from server.fleet.models import DeviceKind
from server.fleet.operations import create_enrolment_code, enroll_device
from server.people.models import Child, Staff
from tests.factories import SYSTEM


def _log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_a_break_that_breaches_is_warned_then_recorded_and_the_director_sees_it(page: Page, browser, live_server, tmp_path,
                                                                                 clock):
    centre = db.session.execute(select(Centre).where(Centre.code == "demo")).scalar_one()
    room = db.session.execute(select(Room).where(Room.centre_id == centre.id,
                                                Room.class_type == ClassType.TODDLER)).scalars().first()
    me = db.session.execute(select(Staff).where(Staff.home_room_id == room.id, Staff.user_id.is_not(None))).scalar_one()
    kids = db.session.execute(select(Child.id).where(Child.room_id == room.id).limit(4)).scalars().all()
    code, _ = create_enrolment_code(centre, kind=DeviceKind.KIOSK, name="门口", actor=SYSTEM, now=clock.now())
    device, token = enroll_device(code, kind=DeviceKind.KIOSK, name=None, version=None, now=clock.now())
    device_id, me_id, room_id, room_name = device.device_id, me.id, room.id, room.name
    db.session.commit()  # on SQLite the test's transaction would hold the lock the server needs
    stream = new_key()
    events = [Event(key=new_key(), device_id=device_id, stream=stream, sequence=n + 1, kind="attendance.check_in",
                    created_at=clock.now(), payload={"person_id": f"s{me_id}", "children": children, "method": "pin"})
              for n, children in enumerate([[], list(kids)])]
    body = Batch(device_id=device_id, sent_at=clock.now(), events=events).model_dump(mode="json")
    answer = httpx.post(f"{live_server}/api/v1/devices/events", json=body, headers={"Authorization": f"Bearer {token}"})
    assert [r["status"] for r in answer.json()["results"]] == ["accepted", "accepted"]

    _log_in(page, live_server, "caregiver")
    page.goto(f"{live_server}/centres/demo/rooms/move")
    expect(page.locator("#current-room")).to_have_text(room_name)
    page.get_by_role("button", name="休息").click()
    dialog = page.locator("#breach-warning")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(f"{room_name} 将超出师幼比")
    page.screenshot(path=str(tmp_path / "ratio-warning.png"))
    page.get_by_role("button", name="仍然继续").click()
    expect(page.locator("#current-room")).to_contain_text("未在班级")

    director = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN").new_page()
    _log_in(director, live_server, "director")
    card = director.locator(f'[data-room-card="{room_id}"]')
    expect(card).to_have_attribute("data-state", "breach")
    expect(card.locator(".ratio-label")).to_contain_text("超标")
    expect(card.locator("svg.timeline")).to_be_visible()

    director.goto(f"{live_server}/centres/demo/rollcall")
    expect(director.locator("#unticked")).to_have_text(str(len(kids) + 1))
    # Ticks are stored on the server with an emergency: a child marked missing opens one, then is found.
    row = director.locator(f'[data-person="c{kids[0]}"]')
    row.get_by_role("button", name="未到").click()
    expect(director.locator("#missing")).to_have_text("1")
    row.get_by_role("button", name="在场").click()
    expect(director.locator("#unticked")).to_have_text(str(len(kids)))
    director.reload()  # ticks survive a reload in the yard
    expect(director.locator("#unticked")).to_have_text(str(len(kids)))
    director.context.close()
