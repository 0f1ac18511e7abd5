"""The director's dashboard updates live when a child is checked in at the kiosk."""

from __future__ import annotations

from datetime import date

import httpx
from playwright.sync_api import Page, expect
from sqlalchemy import select

from devices.wire.protocol import Batch, Event, new_key
from server.attendance.operations.credentials import issue_credential
from server.centre.models import Centre
from server.database import db
from server.demo.seed import DEMO_PASSWORD
from server.fleet.models import DeviceKind
from server.fleet.operations import create_enrolment_code, enroll_device
from server.people.models import ChildContact, Contact
from tests.factories import SYSTEM


def test_a_kiosk_check_in_appears_on_the_open_dashboard(page: Page, live_server, clock):
    centre = db.session.execute(select(Centre).where(Centre.code == "demo")).scalar_one()
    link = db.session.execute(select(ChildContact).where(ChildContact.may_drop_off).limit(1)).scalar_one()
    contact = db.session.get(Contact, link.contact_id)
    credential = issue_credential(centre, contact=contact, expires_on=date(2027, 9, 1), actor=SYSTEM, now=clock.now())
    code, _ = create_enrolment_code(centre, kind=DeviceKind.KIOSK, name="门口", actor=SYSTEM, now=clock.now())
    device, token = enroll_device(code, kind=DeviceKind.KIOSK, name=None, version=None, now=clock.now())
    ids = {"device": device.device_id, "contact": contact.id, "child": link.child_id, "credential": credential.id}
    # End the test's transaction: on SQLite it would hold the write lock the server needs.
    db.session.commit()

    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill("director")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#present-total")).to_have_text("0")

    event = Event(key=new_key(), device_id=ids["device"], stream=new_key(), sequence=1, kind="attendance.check_in",
                  created_at=clock.now(), payload={"person_id": f"c{ids['contact']}", "children": [ids["child"]],
                                                   "method": "card", "credential_id": ids["credential"]})
    body = Batch(device_id=ids["device"], sent_at=clock.now(), events=[event]).model_dump(mode="json")
    answer = httpx.post(f"{live_server}/api/v1/devices/events", json=body, headers={"Authorization": f"Bearer {token}"})
    assert answer.json()["results"][0]["status"] == "accepted"
    expect(page.locator("#present-total")).to_have_text("1", timeout=2000)
