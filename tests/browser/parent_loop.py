"""The parent-loop walks' cast and day: a family of the demo caregiver's class, and their child's morning made
through the real operations (a kiosk scan in, an abnormal 晨检, a meal, a nap) with the injected clock moving on.

Plain values only leave here (ids, names): a row touched after the commit would hold SQLite's write lock against
the live server.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select

from compliance.health import CheckKind
from devices.wire.protocol import Event, new_key
from server.attendance.models import Credential
from server.attendance.operations.kiosk_events import handle_kiosk_event
from server.auth.models import User
from server.care.operations.log import log_entry
from server.care.operations.naps import end_nap, record_nap_check, start_nap
from server.centre.models import Centre, Room
from server.database import db
from server.demo.seed import DEMO_PASSWORD
from server.fleet.models import DeviceKind
from server.fleet.operations import create_enrolment_code, enroll_device
from server.health.checks.operations import record_check
from server.people.models import Child, ChildContact, Contact, Relationship, Staff
from tests.browser.page_watch import watch_for_errors
from tests.factories import SYSTEM

ZONE = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 9, 7)  # a Monday (the suite's T0 day)
PHONE = {"width": 390, "height": 844}
TABLET = {"width": 1280, "height": 800}
DESKTOP = {"width": 1440, "height": 900}
SKIN_FINDINGS = "手背有几处红疹，不痒"


def local(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    """An instant given as the demo centre's local time of day."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE).astimezone(UTC)


def move_to(clock: Any, hour: int, minute: int = 0, day: date = DAY) -> None:
    """Advance the injected clock (the live server's too) to a local time; never back."""
    target = local(hour, minute, day)
    assert target >= clock.now(), "the clock only moves forward"
    clock.advance(target - clock.now())


@dataclass(frozen=True)
class Cast:
    child_id: int
    child_name: str
    room_name: str
    mother_name: str
    father_id: int  # the guardian without a log-in yet: the director opens one for him
    father_name: str
    father_phone: str


def family_of_the_class() -> Cast:
    """The first child of the demo caregiver's class whose father, a guardian, has no log-in yet."""
    user = db.session.execute(select(User).where(User.username == "caregiver")).scalar_one()
    giver = db.session.execute(select(Staff).where(Staff.user_id == user.id)).scalar_one()
    room = db.session.get(Room, giver.home_room_id)
    for child in db.session.execute(select(Child).where(Child.room_id == giver.home_room_id)
                                    .order_by(Child.id)).scalars():
        links = {link.relationship: link for link in db.session.execute(
            select(ChildContact).where(ChildContact.child_id == child.id)).scalars()}
        father, mother = links.get(Relationship.FATHER), links.get(Relationship.MOTHER)
        if father is None or mother is None or not father.is_guardian:
            continue
        dad, mum = db.session.get(Contact, father.contact_id), db.session.get(Contact, mother.contact_id)
        if dad.user_id is None and dad.phone:  # the mothers have log-ins (the demo opens theirs)
            assert room is not None
            return Cast(child.id, child.name, room.name, mum.name, dad.id, dad.name, dad.phone)
    raise AssertionError("no father without a log-in in the caregiver's class")


def morning(cast: Cast, clock: Any) -> None:
    """The child's morning: in at 08:10 with the mother (a card at the door kiosk), a 晨检 at 08:15 with a rash
    on the skin (abnormal: a notice to the guardians), a meal at 10:00, a nap from 12:00 to 14:00, checked twice."""
    child = db.session.get(Child, cast.child_id)
    assert child is not None
    mother = db.session.execute(select(Contact).where(Contact.centre_id == child.centre_id,
                                                      Contact.name == cast.mother_name)).scalars().first()
    credential = db.session.execute(select(Credential).where(Credential.contact_id == mother.id)).scalar_one()
    code, _ = create_enrolment_code(db.session.get(Centre, child.centre_id), kind=DeviceKind.KIOSK, name="门口",
                                    actor=SYSTEM, now=clock.now())
    device, _ = enroll_device(code, kind=DeviceKind.KIOSK, name=None, version=None, now=clock.now())
    move_to(clock, 8, 10)
    event = Event(key=new_key(), device_id=device.device_id, stream=new_key(), sequence=1,
                  kind="attendance.check_in", created_at=clock.now(),
                  payload={"person_id": f"c{mother.id}", "children": [child.id], "method": "card",
                           "credential_id": credential.id})
    handle_kiosk_event(device, event, clock.now())
    move_to(clock, 8, 15)
    record_check(child, kind=CheckKind.MORNING, temperature="36.8", hands_mouth_eyes_ok=True, skin_ok=False,
                 spirits_ok=True, asked_ok=True, dangerous_objects_found=False, findings=SKIN_FINDINGS,
                 to_observation_room=False, completes_id=None, actor=SYSTEM, now=clock.now())
    move_to(clock, 10, 0)
    log_entry(child, kind="meal", share_eaten="most", note="上午加餐：香蕉和酸奶", actor=SYSTEM, now=clock.now())
    move_to(clock, 12, 0)
    nap = start_nap(child, actor=SYSTEM, now=clock.now())
    for minute in (15, 45):
        move_to(clock, 12, minute)
        record_nap_check(nap, position="back", actor=SYSTEM, now=clock.now())
    move_to(clock, 14, 0)
    end_nap(nap, actor=SYSTEM, now=clock.now())
    db.session.commit()


def new_device(browser: Browser, viewport: dict[str, int], watched: list[list[str]], *, phone: bool = False
               ) -> tuple[BrowserContext, Page]:
    """A person's own device (a browser context, Chinese); the list of its console errors, uncaught exceptions
    and CSP violations is added to `watched`."""
    context = browser.new_context(viewport=viewport, locale="zh-CN", is_mobile=phone, has_touch=phone)
    watched.append(watch_for_errors(context))
    return context, context.new_page()


def log_in(page: Page, live_server: str, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


# The innermost elements reaching past the phone's right edge (outside any box that scrolls sideways itself, as
# the top bar does): what makes the page scroll sideways.
WIDEST = """(limit) => Array.from(document.querySelectorAll("body *"))
  .filter((e) => e.getBoundingClientRect().right > limit + 1
                 && !Array.from(e.children).some((c) => c.getBoundingClientRect().right > limit + 1))
  .filter((e) => { for (let p = e.parentElement; p; p = p.parentElement) {  // not inside a bar scrolling itself
                     if (["auto", "scroll"].includes(getComputedStyle(p).overflowX)) return false; } return true; })
  .slice(0, 5).map((e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
                   (e.className && typeof e.className === "string" ? "." + e.className.trim().replace(/ +/g, ".") : "") +
                   " (right " + Math.round(e.getBoundingClientRect().right) + " px)")"""


def sideways_scroll(page: Page) -> str | None:
    """Why the phone page scrolls sideways (it never should: the top bar scrolls inside itself), or None."""
    width = page.evaluate("document.documentElement.scrollWidth")
    if width <= PHONE["width"]:
        return None
    wide = page.evaluate(WIDEST, PHONE["width"])
    return f"{page.url} is {width} px wide on a {PHONE['width']} px phone; past the edge: {wide}"


def finger_signature(page: Page, selector: str = "#signature-pad") -> None:
    """A finger's signature on a touch screen: touch events through the DevTools protocol, two strokes."""
    box = page.locator(selector).bounding_box()
    assert box is not None
    page.locator(selector).scroll_into_view_if_needed()
    box = page.locator(selector).bounding_box()
    assert box is not None
    session = page.context.new_cdp_session(page)
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    for stroke in (((.1, .6), (.2, .3), (.3, .7), (.4, .35)), ((.5, .6), (.6, .3), (.7, .65), (.85, .4))):
        points = [(x + w * fx, y + h * fy) for fx, fy in stroke]
        session.send("Input.dispatchTouchEvent",
                     {"type": "touchStart", "touchPoints": [{"x": points[0][0], "y": points[0][1]}]})
        for (ax, ay), (bx, by) in zip(points, points[1:], strict=False):
            for step in range(1, 9):
                px, py = ax + (bx - ax) * step / 8, ay + (by - ay) * step / 8
                session.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": px, "y": py}]})
        session.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    session.detach()
    expect(page.locator("#signature-state")).to_have_text("已签名")
