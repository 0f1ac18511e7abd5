"""The 表6 class hygiene checklist walked in a real browser (issue #18): a caregiver ticks the room's day on the
10-inch tablet (1280×800) and signs it; the director reads the month at her desk.

The caregiver opens 卫生消毒检查 from the top bar (her own class), ticks the morning airing (15 minutes from
09:00), the four cleaning lines and the tableware (the cabinet), corrects the airing with a reason, and signs with
her password: the page shows the signature and that changes now need a reason. The director opens 卫生消毒记录 and
sees the day with the correction marked. Every device fails the test on a console error, an uncaught exception or
a CSP violation. Screenshots are kept in `tmp_path`, as the other walks keep theirs.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from server.database import db
from server.demo.seed import DEMO_PASSWORD
from server.hygiene.models import HygieneCheck, HygieneSignature
from tests.browser.parent_loop import DESKTOP, TABLET, local, log_in, move_to, new_device

pytestmark = pytest.mark.browser


@pytest.fixture
def clock_start() -> datetime:
    """The demo centre is set up at 07:30 on the Monday, before anyone arrives."""
    return local(7, 30)


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """The walk is about the browser: it runs once, on SQLite (the server tests run these routes on both)."""
    return sqlite_url


def test_a_caregiver_ticks_the_rooms_checklist_and_signs_it(browser: Browser, live_server: str, clock,
                                                            tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    watched: list[list[str]] = []
    move_to(clock, 10, 5)
    _, tablet = new_device(browser, TABLET, watched)
    log_in(tablet, live_server, "caregiver")
    tablet.get_by_role("link", name="卫生消毒检查").first.click()
    expect(tablet.locator("h1")).to_contain_text("班级卫生消毒检查记录")
    room_name = tablet.locator("#room-name").inner_text()
    tablet.locator('#tick-ventilation input[name="preset"][value="15"]').check()
    tablet.locator("#ventilation-started").fill("09:00")
    tablet.locator("#tick-ventilation-submit").click()
    expect(tablet.locator("#line-ventilation .hy-value")).to_have_text("15 分钟（09:00 起）")
    for key in ("surfaces", "toys", "towels_cups", "toilets"):
        tablet.locator(f"#tick-{key}-submit").click()
        expect(tablet.locator(f"#line-{key} .hy-count")).to_have_text("✓ 1")
    tablet.locator('#tick-tableware input[name="method"][value="cabinet"]').check()
    tablet.locator("#tick-tableware-submit").click()
    expect(tablet.locator("#line-tableware .hy-value")).to_have_text("消毒柜")
    tablet.screenshot(path=str(tmp_path / "hygiene-01-tablet-ticked.png"), full_page=True)

    # A refused tick keeps what was typed: tableware boiled without its minutes.
    tablet.locator('#tick-tableware input[name="method"][value="boil"]').check()
    tablet.locator("#tick-tableware-submit").click()
    expect(tablet.locator("#minutes-problem")).to_be_visible()
    expect(tablet.locator('#tick-tableware input[name="method"][value="boil"]')).to_be_checked()

    # The airing was 18 minutes: corrected with the reason, the original kept beside it.
    tablet.locator("#line-ventilation details summary").click()
    tablet.locator('#line-ventilation details input[name="minutes"]').fill("18")
    tablet.locator('#line-ventilation details input[name="reason"]').fill("计时器看错")
    tablet.locator("#line-ventilation details button").click()
    expect(tablet.locator("#line-ventilation .hy-amend")).to_contain_text("计时器看错")

    tablet.locator("#sign-password").fill(DEMO_PASSWORD)
    tablet.locator("#sign-submit").click()
    expect(tablet.locator("#signed")).to_be_visible()
    tablet.screenshot(path=str(tmp_path / "hygiene-02-tablet-signed.png"), full_page=True)

    move_to(clock, 17, 0)
    _, desk = new_device(browser, DESKTOP, watched)
    log_in(desk, live_server, "director")
    desk.get_by_role("link", name="卫生消毒记录").first.click()
    desk.locator("#room-select").select_option(label=room_name)
    desk.locator("#show-month").click()
    expect(desk.locator("#month-table")).to_contain_text("18 分钟（09:00 起）*")
    desk.screenshot(path=str(tmp_path / "hygiene-03-office-month.png"), full_page=True)

    rows = db.session.execute(select(HygieneCheck)).scalars().all()
    signed = db.session.execute(select(HygieneSignature)).scalars().all()
    db.session.rollback()
    assert len(rows) == 7 and len(signed) == 1 and signed[0].signed_with.value == "password"
    # the refused tick answers 422 on purpose (the page with the form kept and its problem)
    reported = [problem for problems in watched for problem in problems if "status of 422" not in problem]
    assert not reported, "the pages reported errors:\n" + "\n".join(reported)
