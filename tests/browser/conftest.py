"""Browser tests: Playwright drives Debian's chromium against a live server on 127.0.0.1."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page
from werkzeug.serving import make_server

from server.database import db
from server.demo.seed import seed_demo


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
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    # End open presence streams before the database is emptied under them.
    assert app.extensions["tuoyu.streams"].close_all(timeout=5)
    server.shutdown()
    thread.join()
