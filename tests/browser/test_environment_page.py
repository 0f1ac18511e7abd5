"""The director opens the environment page and sees the room card and the CO2 chart with its limit band."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Page, expect
from sqlalchemy import select

from devices.wire.protocol import Batch, Event, new_key
from server.centre.models import Centre, Room
from server.database import db
from server.demo.seed import DEMO_PASSWORD
from server.fleet.models import DeviceKind
from server.fleet.operations import create_enrolment_code, enroll_device, ingest_batch
from tests.factories import SYSTEM


def _readings(app, now) -> str:
    centre = db.session.execute(select(Centre).where(Centre.code == "demo")).scalar_one()
    room = db.session.execute(select(Room).where(Room.centre_id == centre.id).order_by(Room.id)).scalars().first()
    code, _ = create_enrolment_code(centre, kind=DeviceKind.AGENT, name="一楼监测", actor=SYSTEM, now=now)
    device, _ = enroll_device(code, kind=DeviceKind.AGENT, name=None, version=None, now=now)
    stream = new_key()
    events = [Event(key=new_key(), device_id=device.device_id, stream=stream, sequence=i + 1, kind="reading",
                    created_at=now - timedelta(minutes=120 - i),
                    payload={"sensor": "scd41-a", "model": "SCD41", "location": f"room:{room.id}",
                             "values": {"co2_ppm": 700.0 + 5 * i}}) for i in range(120)]
    batch = Batch(device_id=device.device_id, sent_at=now, events=events)
    from devices.wire.protocol import parse_batch

    ingest_batch(device, parse_batch(batch.model_dump(mode="json")), app.extensions["tuoyu.event_router"], now=now)
    name = room.name
    db.session.commit()  # ends the transaction: the live server needs SQLite's write lock
    return name


def test_the_environment_page_shows_the_room_and_its_chart(page: Page, live_server, app, clock):
    room_name = _readings(app, clock.now())
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill("director")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto(f"{live_server}/centres/demo/environment")
    expect(page.locator("#environment-title")).to_contain_text("环境监测")
    expect(page.locator(".env-card").first).to_contain_text(room_name)
    chart = page.locator('figure[data-quantity="co2_ppm"][data-range="24h"] svg.env-chart')
    expect(chart).to_be_visible()
    expect(chart.locator("path.series")).to_have_count(1)
    expect(chart.locator("rect.limit-band")).to_have_count(1)
    assert chart.bounding_box()["width"] > 300
