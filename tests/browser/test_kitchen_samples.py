"""The kitchen's food samples walked in a real browser (issue #18), by the screens alone.

The kitchen (郑师傅), on the kitchen's 10-inch tablet (1280×800), opens 食品留样 from the top bar at lunch: types the
day's dish (no menu is published in the empty demo), chooses 午餐, taps the 125 g preset and seals it; the dish shows
as sampled. In the fridge are Saturday's sample (kept more than 48 hours: disposed of with one tap) and Sunday's
(not yet: the tablet refuses and says until when). The director reads the month's register at her desk.

Every device fails the test on a console error, an uncaught exception or a CSP violation (the refused disposal's
409 answer excepted: it is the point). Screenshots are kept in `tmp_path`, as the other walks keep theirs.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from server.auth.roles import Role
from server.centre.models import Centre
from server.database import db
from server.demo.members import acting_as
from server.food.models import FoodSample, FoodSampleDisposal
from server.food.operations import record_sample
from tests.browser.parent_loop import DESKTOP, TABLET, local, log_in, move_to, new_device

pytestmark = pytest.mark.browser
CODE = "demo"
SATURDAY, SUNDAY = date(2026, 9, 5), date(2026, 9, 6)


@pytest.fixture
def clock_start() -> datetime:
    """The demo centre is set up at 07:30 on the Monday, before anyone arrives."""
    return local(7, 30)


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """The walk is about the browser: it runs once, on SQLite (the server tests run these routes on both)."""
    return sqlite_url


def _weekend_samples() -> tuple[int, int]:
    """Saturday's and Sunday's lunch samples, in the fridge (ids: plain values, see the incident walk)."""
    centre = db.session.execute(select(Centre).where(Centre.code == CODE)).scalar_one()
    kitchen = acting_as(centre, Role.KITCHEN)
    ids = []
    for day, dish in ((SATURDAY, "红烧狮子头"), (SUNDAY, "清蒸鲈鱼")):
        sealed = local(11, 45, day)
        ids.append(record_sample(centre, meal="lunch", dish=dish, weight_g=140, sealed_at=sealed,
                                 fridge="fridge-sample", actor=kitchen, now=sealed).id)
    db.session.commit()
    return ids[0], ids[1]


def _shot(page: Page, tmp_path: Path, name: str) -> None:
    page.screenshot(path=str(tmp_path / f"kitchen-{name}.png"), full_page=True)


def test_the_kitchen_logs_the_days_samples_and_disposes_of_old_ones(
        browser: Browser, live_server: str, clock, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    saturday, sunday = _weekend_samples()
    watched: list[list[str]] = []
    move_to(clock, 12, 0)

    _, tablet = new_device(browser, TABLET, watched)
    log_in(tablet, live_server, "kitchen")
    tablet.get_by_role("link", name="食品留样").first.click()
    expect(tablet.locator("#kitchen-page")).to_be_visible()
    expect(tablet.locator("#no-menu")).to_be_visible()
    expect(tablet.locator(f"#kept-{saturday}")).to_contain_text("可以处理")
    expect(tablet.locator(f"#kept-{sunday}")).to_contain_text("保留中")
    _shot(tablet, tmp_path, "01-tablet")

    # Weigh and seal today's dish: 午餐, typed, the 125 g preset.
    tablet.locator("label.food-choice", has_text="午餐").click()
    tablet.locator("#dish").fill("番茄炒蛋")
    tablet.locator("button[data-grams='125']").click()
    expect(tablet.locator("#weight_g")).to_have_value("125")
    tablet.locator("#seal-submit").click()
    expect(tablet.locator("#meal-lunch")).to_contain_text("番茄炒蛋")
    expect(tablet.locator("#meal-lunch")).to_contain_text("已留样")
    _shot(tablet, tmp_path, "02-sealed")

    # Saturday's sample: 48 h 15 min since sealing, disposed of with one tap.
    tablet.locator(f"#dispose-{saturday}").click()
    expect(tablet.locator(f"#kept-{saturday}")).to_have_count(0)
    # Sunday's: 24 h 15 min; refused, with the time it may go.
    tablet.locator(f"#dispose-{sunday}").click()
    expect(tablet.locator("#dispose-problem")).to_contain_text("2026-09-08 11:45")
    expect(tablet.locator(f"#kept-{sunday}")).to_be_visible()
    _shot(tablet, tmp_path, "03-refused")

    # The director's month.
    move_to(clock, 13, 0)
    _, desk = new_device(browser, DESKTOP, watched)
    log_in(desk, live_server, "director")
    desk.get_by_role("link", name="食品留样").first.click()
    expect(desk.locator("#register")).to_contain_text("番茄炒蛋")
    expect(desk.locator(f"#sample-{saturday}")).to_contain_text("郑师傅")
    _shot(desk, tmp_path, "04-month")

    disposed = db.session.execute(select(FoodSampleDisposal.sample_id)).scalars().all()
    taken = db.session.execute(select(FoodSample.weight_g).where(FoodSample.dish == "番茄炒蛋")).scalars().all()
    db.session.rollback()  # SQLite: the test's read must not hold the database while the server writes
    assert disposed == [saturday] and taken == [125]
    reported = [p for problems in watched for p in problems if "status of 409" not in p]
    assert not reported, "the pages reported errors:\n" + "\n".join(reported)
