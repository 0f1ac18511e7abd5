"""Browser tests: Playwright drives Debian's chromium against a live server on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import make_server

from server.database import db
from server.demo.seed import seed_demo

CHROMIUM = os.environ.get("TUOYU_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's chromium (Playwright's own browser download is not available here)."""
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(f"chromium is required under CI=true ({CHROMIUM})")
        pytest.skip(f"chromium not installed at {CHROMIUM}")
    with sync_playwright() as playwright:
        # As root in a sandbox without network: no sandbox, no background calls home.
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context per test, sized like a 10-inch tablet in landscape."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def live_server(app, clock) -> Iterator[str]:
    """The app, seeded with the demo centre, served by werkzeug in a thread."""
    seed_demo(code="demo", now=clock.now())
    db.session.commit()
    # Open presence streams end (and EventSource reconnects) quickly, so no stream outlives its test by much.
    app.config["PRESENCE_STREAM_MAX_S"] = 3
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
