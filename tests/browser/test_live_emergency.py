"""A smoke alarm opens the live emergency; two tablets tick the shared roll call and each sees the other's ticks;
the director tells the families and closes it, and the red banner goes away."""

from __future__ import annotations

import httpx
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select

from devices.wire.protocol import Batch, Event, new_key
from server.auth.models import User
from server.centre.models import Centre
from server.database import db
from server.demo.seed import DEMO_PASSWORD
from server.fleet.models import DeviceKind
from server.fleet.operations import create_enrolment_code, enroll_device
from server.people.models import Child, Staff
from tests.browser.page_watch import watch_for_errors
from tests.factories import SYSTEM


def _device(centre: Centre, kind: DeviceKind, now) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    code, _ = create_enrolment_code(centre, kind=kind, name=kind.value, actor=SYSTEM, now=now)
    device, token = enroll_device(code, kind=kind, name=None, version=None, now=now)
    return device.device_id, token


def _send(url: str, device: tuple[str, str], kind: str, payload: dict, now) -> None:  # type: ignore[no-untyped-def]
    event = Event(key=new_key(), device_id=device[0], stream=new_key(), sequence=1, kind=kind, created_at=now,
                  payload=payload)
    body = Batch(device_id=device[0], sent_at=now, events=[event]).model_dump(mode="json")
    answer = httpx.post(f"{url}/api/v1/devices/events", json=body, headers={"Authorization": f"Bearer {device[1]}"})
    assert answer.json()["results"][0]["status"] == "accepted", answer.json()


def _log_in(page: Page, url: str, username: str) -> None:
    page.goto(f"{url}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#emergency-banner")).to_be_attached()


def _tablet(browser: Browser, problems: list[list[str]]) -> tuple[BrowserContext, Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    problems.append(watch_for_errors(context))
    return context, context.new_page()


def test_a_smoke_alarm_two_tablets_and_the_director_close_it(page: Page, browser: Browser, live_server, clock,
                                                              tmp_path):
    now = clock.now()
    centre = db.session.execute(select(Centre).where(Centre.code == "demo")).scalar_one()
    carer_user = db.session.execute(select(User).where(User.username == "caregiver")).scalar_one()
    carer = db.session.execute(select(Staff).where(Staff.user_id == carer_user.id)).scalar_one()
    kids = db.session.execute(select(Child).where(Child.room_id == carer.home_room_id, Child.left_on.is_(None))
                              .order_by(Child.id).limit(3)).scalars().all()
    kiosk, agent = _device(centre, DeviceKind.KIOSK, now), _device(centre, DeviceKind.AGENT, now)
    carer_id, room_id = carer.id, carer.home_room_id
    kid_ids, kid_names = [k.id for k in kids], [k.name for k in kids]
    db.session.commit()  # on SQLite the test's transaction would hold the lock the server needs (touch no row after)
    _send(live_server, kiosk, "attendance.check_in", {"person_id": f"s{carer_id}", "children": [], "method": "pin"},
          now)
    _send(live_server, kiosk, "attendance.check_in", {"person_id": f"s{carer_id}", "method": "pin",
                                                      "children": kid_ids}, now)

    problems: list[list[str]] = []
    second_context, second = _tablet(browser, problems)
    _log_in(page, live_server, "caregiver")
    _log_in(second, live_server, "health")
    _send(live_server, agent, "safety.smoke", {"input": "smoke-kitchen", "location": f"room:{room_id}",
                                               "state": "alarm", "label": "厨房 / Kitchen"}, now)

    banner = page.locator("#emergency-banner")
    expect(banner).to_be_visible(timeout=5000)
    banner.get_by_role("link", name="突发事件处置页面").click()
    expect(page.locator("#live-title")).to_contain_text("火灾")
    second.goto(f"{live_server}/centres/demo/live-emergencies/now")

    first_kid, second_kid, third_kid = (f'[data-person="c{k}"]' for k in kid_ids)
    page.locator(first_kid).get_by_role("button", name="在场").click()
    second.locator(second_kid).get_by_role("button", name="在场").click()
    expect(second.locator(first_kid)).to_have_attribute("data-status", "present", timeout=5000)
    expect(page.locator(second_kid)).to_have_attribute("data-status", "present", timeout=5000)
    second.locator(third_kid).get_by_role("button", name="未到").click()
    expect(page.locator("#missing")).to_have_text("1", timeout=5000)
    expect(page.locator("#timeline")).to_contain_text(kid_names[2], timeout=5000)
    page.locator(third_kid).get_by_role("button", name="在场").click()
    expect(second.locator("#missing")).to_have_text("0", timeout=5000)
    page.screenshot(path=str(tmp_path / "live-emergency.png"))

    director_context, director = _tablet(browser, problems)
    _log_in(director, live_server, "director")
    director.goto(f"{live_server}/centres/demo/live-emergencies/now")
    director.get_by_label("所有幼儿均安全").check()
    director.get_by_role("button", name="发送给家长").click()
    expect(director.locator("#timeline")).to_contain_text("已通知家长")
    director.get_by_label("处置结果如何？").fill("厨房油烟误报")
    director.locator("#close-button").click()
    expect(director.locator("#record-status")).to_have_text("已解除")
    expect(banner).to_be_hidden(timeout=5000)
    director.screenshot(path=str(tmp_path / "emergency-record.png"))
    second_context.close()
    director_context.close()
    reported = [p for found in problems for p in found]
    assert not reported, "the pages reported errors:\n" + "\n".join(reported)
