"""Browser tests: Playwright drives Debian's chromium against a live server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from server.database import db
from server.demo.seed import seed_demo
from tests.browser.page_watch import watch_for_errors
from tests.serving import serving


@pytest.fixture
def expected_console_errors() -> list[str]:
    """Texts of console errors a test provokes on purpose (e.g. the 401 page of a refused log-in)."""
    return []


@pytest.fixture
def page(browser: Browser, expected_console_errors: list[str]) -> Iterator[Page]:
    """A fresh browser context per test, sized like a 10-inch tablet in landscape; fails the test on a
    console error, an uncaught exception or a CSP violation in any of its pages."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    problems = watch_for_errors(context)
    page = context.new_page()
    yield page
    reported = [p for p in problems if not any(expected in p for expected in expected_console_errors)]
    context.close()
    assert not reported, "the pages reported errors:\n" + "\n".join(reported)


@pytest.fixture
def live_server(app, clock) -> Iterator[str]:
    """The app, seeded with the demo centre, served by werkzeug in a thread."""
    seed_demo(code="demo", now=clock.now(), history_days=0)  # no history: the tests start from an empty day
    db.session.commit()
    with serving(app) as url:
        yield url
