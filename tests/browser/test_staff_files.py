"""The director renews a credential by the screens alone, from the dashboard's card to the person's file, and the
roster refuses someone whose health certificate has expired, saying why. Screenshots are kept in `tmp_path`.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from datetime import date

from playwright.sync_api import Page, expect
from sqlalchemy import select

from server.centre.models import Centre, Room
from server.database import db
from server.demo.seed import DEMO_PASSWORD
from server.people.models import Staff, StaffRole
from server.people.operations import create_staff
from server.staff.operations.credentials import record_credential
from tests.factories import SYSTEM

PHONE = {"width": 390, "height": 844}
ISSUER = "广州市越秀区妇幼保健院"


def _png() -> bytes:
    """A real 8×8 red PNG, as a phone photo of a certificate would be (only smaller)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + b"\xff\x00\x00" * 8 for _ in range(8))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def _file(staff: Staff, now, health_issued: date, health_expires: date) -> None:  # type: ignore[no-untyped-def]
    """A caregiver's file: a health certificate with the given dates, a background check and a 保育师 certificate."""
    today = now.date()
    for code, number, issued, expires in (("health_certificate", "YX2025-0101", health_issued, health_expires),
                                          ("criminal_record_check", "穗公证2025-0042", date(2025, 3, 1), None),
                                          ("childcare_worker", "1931000000123456", date(2021, 6, 1), None)):
        record_credential(staff, type_code=code, number=number, issuer=ISSUER, issued_on=issued, expires_on=expires,
                          level="四级" if code == "childcare_worker" else None, actor=SYSTEM, now=now, today=today)


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    home_room_id: int | None


def _caregivers(clock) -> tuple[Person, Person]:  # type: ignore[no-untyped-def]
    """Two caregivers hired into the demo's first class: one whose health certificate expires in 19 days, one
    whose has expired (the demo's own staff files are left as the demo seeds them).

    Plain values, read before the commit: touching a row afterwards would open a transaction that holds SQLite's
    write lock against the live server.
    """
    centre = db.session.execute(select(Centre).where(Centre.code == "demo")).scalar_one()
    room = db.session.execute(select(Room).where(Room.centre_id == centre.id).order_by(Room.id).limit(1)).scalar_one()
    soon, lapsed = (create_staff(centre, name=name, role=StaffRole.CAREGIVER, hired_on=date(2025, 8, 18),
                                 home_room_id=room.id, actor=SYSTEM, now=clock.now()) for name in ("林晓雯", "郭敏"))
    _file(soon, clock.now(), date(2025, 9, 27), date(2026, 9, 26))  # valid through 2026-09-26: 19 days from T0
    _file(lapsed, clock.now(), date(2025, 9, 1), date(2026, 8, 31))  # expired a week before T0
    people = tuple(Person(s.id, s.name, s.home_room_id) for s in (soon, lapsed))
    db.session.commit()
    return people  # type: ignore[return-value]


def _log_in(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill("director")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#home-link")).to_be_visible()


def _fits_a_phone(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_the_director_renews_an_expiring_health_certificate_from_the_dashboard(page: Page, live_server, clock,
                                                                                 tmp_path):
    soon, _ = _caregivers(clock)
    _log_in(page, live_server)
    expiring = int(page.locator("#staff-expiring-count").inner_text())
    assert expiring >= 1
    expect(page.locator("#share-chart canvas")).to_have_count(1)  # uPlot drew the month's 持证上岗率
    page.screenshot(path=str(tmp_path / "dashboard-staff-card-tablet.png"), full_page=True)

    page.locator("#staff-files-link").click()
    expect(page.locator("#expiry-title")).to_have_text("证件到期提醒")
    row = page.locator(f'#expiring-list tr[data-staff="{soon.id}"]')
    expect(row).to_contain_text("19 天后到期")
    row.locator("td.name a").click()

    expect(page.locator("#person-name")).to_have_text(soon.name)
    health = page.locator('#credential-list article[data-type="health_certificate"]')
    expect(health.locator("code")).to_have_text("YX20***0101")  # masked until the director asks
    health.locator("button[id^=reveal-]").click()
    expect(health.locator("code.full-number")).to_have_text("YX2025-0101")
    health.locator("a[id^=renew-]").click()

    expect(page.locator("#record-type_code")).to_have_value("health_certificate")
    page.locator("#record-number").fill("YX2026-0907")
    page.locator("#record-issued_on").fill("2026-09-07")
    page.locator("#record-expires_on").fill("2027-09-06")
    page.locator("#record-file").set_input_files(files=[{"name": "健康证2026.png", "mimeType": "image/png",
                                                         "buffer": _png()}])
    page.locator("#record-submit").click()

    health_requirement = page.locator("#requirements li").first
    expect(health_requirement).to_have_attribute("data-state", "valid")
    expect(health_requirement).to_contain_text("有效")
    renewed = page.locator('#credential-list article[data-type="health_certificate"]').first
    expect(renewed).to_contain_text("2027-09-06")
    expect(renewed.locator("a[id^=scan-of-]")).to_have_text("查看扫描件")
    expect(page.locator("#document-list")).to_contain_text("2026.png")
    page.screenshot(path=str(tmp_path / "person-file-tablet.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(tmp_path / "person-file-phone.png"), full_page=True)
    assert _fits_a_phone(page)

    page.locator("#home-link").click()
    expect(page.locator("#staff-expiring-count")).to_have_text(str(expiring - 1))
    page.screenshot(path=str(tmp_path / "dashboard-staff-card-phone.png"), full_page=True)
    assert _fits_a_phone(page)


def test_the_roster_refuses_a_caregiver_whose_health_certificate_expired(page: Page, live_server, clock, tmp_path,
                                                                          expected_console_errors):
    expected_console_errors.append("status of 422")  # the refused assignment's page is a 422
    soon, lapsed = _caregivers(clock)
    _log_in(page, live_server)
    page.locator('.role-nav a[data-nav="staff_office.roster"]').click()
    expect(page.locator("#roster-week")).to_have_text("2026-09-07")
    page.locator("#assign summary").click()
    page.locator("#assign-staff_id").select_option(str(lapsed.id))
    page.locator("#assign-room_id").select_option(str(lapsed.home_room_id))
    page.locator("#assign-submit").click()

    expect(page.locator("#assign-staff_id-problem")).to_contain_text("已于 2026-08-31 过期")
    expect(page.locator("#assign-staff_id")).to_have_value(str(lapsed.id))  # the form keeps what was chosen
    cell = page.locator(f'td[data-cell="{lapsed.home_room_id}-2026-09-07"] .refused')
    expect(cell).to_contain_text("已于 2026-08-31 过期")
    page.screenshot(path=str(tmp_path / "roster-refused-tablet.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(tmp_path / "roster-refused-phone.png"), full_page=True)
    assert _fits_a_phone(page)


def test_a_shift_is_assigned_and_cancelled_in_place_on_the_roster(page: Page, live_server, clock, tmp_path):
    soon, _ = _caregivers(clock)
    _log_in(page, live_server)
    page.locator('.role-nav a[data-nav="staff_office.roster"]').click()
    page.locator("#assign summary").click()
    page.locator("#assign-staff_id").select_option(str(soon.id))
    page.locator("#assign-room_id").select_option(str(soon.home_room_id))
    page.locator("#assign-submit").click()
    cell = page.locator(f'td[data-cell="{soon.home_room_id}-2026-09-07"]')
    shift = cell.locator(".shift", has_text=soon.name)
    expect(shift).to_contain_text("08:00–16:00")
    shift.locator("summary").click()
    shift.locator("input[name=reason]").fill("临时调班")
    shift.get_by_role("button", name="取消排班").click()
    expect(cell.locator(".shift.cancelled", has_text=soon.name)).to_contain_text("临时调班")
    page.screenshot(path=str(tmp_path / "roster-cancelled-tablet.png"), full_page=True)


def test_the_director_filters_the_staff_list_to_the_expired(page: Page, live_server, clock, tmp_path):
    _, lapsed = _caregivers(clock)
    _log_in(page, live_server)
    page.locator('.role-nav a[data-nav="people.staff"]').click()
    page.locator('#state-filter a[data-filter="expired"]').click()
    row = page.locator(f'#staff-list tr[data-staff="{lapsed.id}"]')
    expect(row.locator('.badge[data-state="expired"]')).to_contain_text("已过期 2026-08-31")
    expect(page.locator('#staff-list .badge[data-state="expired"]').first).to_be_visible()
    page.screenshot(path=str(tmp_path / "staff-expired-tablet.png"), full_page=True)
    name = row.locator("td.name a")
    assert name.bounding_box()["height"] < 40  # one line: a name is never broken a character per line
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(tmp_path / "staff-expired-phone.png"), full_page=True)
    assert _fits_a_phone(page)
