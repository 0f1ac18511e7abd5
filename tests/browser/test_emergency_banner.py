"""A panic press shows a red banner on a staff screen that is already open, and acknowledging it is one tap."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect
from sqlalchemy import select

from devices.wire.protocol import Batch, Event, new_key
from server.centre.models import Centre, Room
from server.database import db
from server.demo.seed import DEMO_PASSWORD
from server.fleet.models import DeviceKind
from server.fleet.operations import create_enrolment_code, enroll_device
from tests.factories import SYSTEM


def test_a_panic_press_appears_on_the_open_dashboard(page: Page, live_server, clock, tmp_path):
    centre = db.session.execute(select(Centre).where(Centre.code == "demo")).scalar_one()
    room_id = db.session.execute(select(Room.id).where(Room.centre_id == centre.id)).scalars().first()
    code, _ = create_enrolment_code(centre, kind=DeviceKind.AGENT, name="一楼监测", actor=SYSTEM, now=clock.now())
    device, token = enroll_device(code, kind=DeviceKind.AGENT, name=None, version=None, now=clock.now())
    device_id = device.device_id
    db.session.commit()  # on SQLite the test's transaction would hold the lock the server needs

    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill("caregiver")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    banner = page.locator("#emergency-banner")
    expect(banner).to_be_hidden()

    event = Event(key=new_key(), device_id=device_id, stream=new_key(), sequence=1, kind="safety.panic",
                  created_at=clock.now(), payload={"input": "panic-office", "location": f"room:{room_id}",
                                                   "state": "pressed", "label": "办公室 / Office"})
    body = Batch(device_id=device_id, sent_at=clock.now(), events=[event]).model_dump(mode="json")
    answer = httpx.post(f"{live_server}/api/v1/devices/events", json=body, headers={"Authorization": f"Bearer {token}"})
    assert answer.json()["results"][0]["status"] == "accepted"
    expect(banner).to_be_visible(timeout=5000)  # polled every 3 s
    expect(banner).to_contain_text("紧急")
    page.screenshot(path=str(tmp_path / "emergency-banner.png"))
    banner.get_by_role("button", name="确认").click()
    expect(banner.get_by_role("button")).to_have_count(0)
