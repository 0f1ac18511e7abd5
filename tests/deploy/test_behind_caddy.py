"""The demo served as docs/deploy.md sets it up: gunicorn on loopback behind Caddy with TLS (deploy/caddy/tuoyu.caddy).

The certificate comes from a CA the test creates; Chromium trusts that CA for real (an NSS database in its own
HOME, as an IT person would install a LAN root), resolves the site's name to Caddy's address, and opens the phone
pass. Caddy listens on the IPv6 loopback and reaches gunicorn over IPv4, so the app can tell the browser's address
(::1, from X-Forwarded-For) from the proxy's (127.0.0.1).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Error, expect
from sqlalchemy import select

from server.auth.models import LoginAttempt
from server.auth.roles import Role
from server.clock import utcnow
from server.database import db
from server.demo.seed import DEMO_PASSWORD, seed_demo
from tests.browser.page_watch import watch_for_errors
from tests.conftest import CHROMIUM
from tests.deploy.certs import TestCA
from tests.deploy.processes import free_port, require, stop, wait_until
from tests.factories import make_centre, make_login

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SITE = "tuoyu.test"
CADDY_ADDRESS = "::1"
PHONE = {"width": 390, "height": 844}
# Streams end after this long (PRESENCE_STREAM_MAX_S); an event held back by a buffer arrives only then.
STREAM_S = 20


@dataclass(frozen=True)
class Proxied:
    port: int
    ca: Path

    @property
    def url(self) -> str:
        return f"https://{SITE}:{self.port}"


def _caddyfile(tmp_path: Path, port: int, cert: Path, key: Path) -> Path:
    """A site block of the test's own around the shipped directives (tuoyu.caddy), as Caddyfile.lan has one."""
    config = tmp_path / "Caddyfile"
    config.write_text(f"""{{
	admin off
	auto_https disable_redirects
	skip_install_trust
	http_port {free_port()}
	https_port {port}
	grace_period 2s
	storage file_system {tmp_path / "caddy-data"}
}}

https://{SITE}:{port}, https://[{CADDY_ADDRESS}]:{port} {{
	bind {CADDY_ADDRESS}
	tls {cert} {key}
	import {REPO / "deploy" / "caddy" / "tuoyu.caddy"}
}}
""")
    return config


@pytest.fixture
def behind_caddy(app, tmp_path: Path) -> Iterator[Proxied]:
    """gunicorn (the unit's command line, on a free port, its own control socket) and Caddy in front of it."""
    caddy = require("caddy", "caddy")
    db.session.commit()
    upstream = free_port()
    env = {**os.environ, "TUOYU_INSTANCE_PATH": app.instance_path, "TUOYU_DATABASE_URL": app.config["DATABASE_URL"],
           "TUOYU_PROXY_FIX": "1", "TUOYU_PRESENCE_STREAM_MAX_S": str(STREAM_S)}
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "python:server.gunicorn_conf", "-w", "2", "-b", f"127.0.0.1:{upstream}",
             "--control-socket", str(tmp_path / "gunicorn.ctl"), "server:create_app()"],
            env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
    try:
        # Bounded, generously: each worker imports the app (seconds on an idle machine, much more on a loaded one).
        wait_until(lambda: _answers(f"http://127.0.0.1:{upstream}/healthz"), server, "gunicorn", log, within_s=180)
        ca = TestCA(tmp_path / "pki")
        site = ca.issue("site", [SITE, CADDY_ADDRESS])
        port = free_port()
        home = tmp_path / "caddy-home"
        caddy_log = tmp_path / "caddy.log"
        with caddy_log.open("wb") as out:
            proxy = subprocess.Popen(
                [caddy, "run", "--adapter", "caddyfile", "--config", str(_caddyfile(tmp_path, port, site.cert,
                                                                                      site.key))],
                env={**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "data"),
                     "XDG_CONFIG_HOME": str(home / "config"), "TUOYU_UPSTREAM": f"127.0.0.1:{upstream}"},
                stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_until(lambda: _listens_v6(port), proxy, "caddy", caddy_log)
            yield Proxied(port, ca.cert)
        finally:
            stop(proxy)
    finally:
        # SIGINT: gunicorn's quick stop (SIGTERM would wait for the open streams, up to its graceful timeout).
        stop(server, signal.SIGINT)


def _listens_v6(port: int) -> bool:
    try:
        with socket.create_connection((CADDY_ADDRESS, port), timeout=0.2):
            return True
    except OSError:
        return False


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=5).status_code == 200
    except httpx.TransportError:
        return False


@pytest.fixture
def trusting_browser(browser: Browser, behind_caddy: Proxied, tmp_path: Path) -> Iterator[Browser]:
    """A second Chromium whose HOME holds an NSS database trusting the test's CA, resolving the site to loopback."""
    certutil = require("certutil", "libnss3-tools")
    nssdb = tmp_path / "home" / ".pki" / "nssdb"
    nssdb.mkdir(parents=True)
    subprocess.run([certutil, "-d", f"sql:{nssdb}", "-N", "--empty-password"], check=True, capture_output=True)
    subprocess.run([certutil, "-d", f"sql:{nssdb}", "-A", "-t", "C,,", "-n", "tuoyu test CA",
                    "-i", str(behind_caddy.ca)], check=True, capture_output=True)
    trusting = browser.browser_type.launch(
        executable_path=CHROMIUM, env={**os.environ, "HOME": str(tmp_path / "home")},
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
              "--disable-sync", "--no-first-run", f"--host-resolver-rules=MAP {SITE} [{CADDY_ADDRESS}]"])
    yield trusting
    trusting.close()


def test_the_phone_pass_opens_over_https_behind_caddy_in_a_secure_context(app, behind_caddy, browser,
                                                                          trusting_browser):
    seed_demo(code="demo", now=utcnow(), history_days=0)
    db.session.commit()
    # Without the CA the certificate is refused: the trust below is the NSS database's, not a flag's.
    stranger = browser.new_context()
    with pytest.raises(Error, match="ERR_CERT_AUTHORITY_INVALID"):
        stranger.new_page().goto(f"https://[{CADDY_ADDRESS}]:{behind_caddy.port}/login")
    stranger.close()

    context = trusting_browser.new_context(viewport=PHONE, locale="zh-CN")
    problems = watch_for_errors(context)
    page = context.new_page()
    login_page = page.goto(f"{behind_caddy.url}/login?next=/pass")
    page.get_by_label("用户名").fill("parent")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#qr")).to_have_attribute("data-qr-text", re.compile(r"^TY1P:"))
    # The service worker that keeps the pass offline registers only in a secure context.
    expect(page.locator("#pass")).to_have_attribute("data-offline", "ready")
    secure = page.evaluate("() => [window.isSecureContext, location.origin, typeof crypto.subtle.sign]")
    # The app saw https through the proxy (TUOYU_PROXY_FIX): a Secure session cookie, and HSTS; and the browser's
    # address, not Caddy's, in the log-in record.
    cookies = {c["name"]: c["secure"] for c in context.cookies()}
    hsts = login_page.headers.get("strict-transport-security", "") if login_page else ""
    context.close()
    db.session.rollback()  # see what the server committed
    logged_from = db.session.execute(select(LoginAttempt.remote_addr).where(LoginAttempt.username == "parent")).scalars()
    assert (secure, cookies.get("session"), hsts.startswith("max-age="), list(logged_from), problems) == (
        [True, behind_caddy.url, "function"], True, True, [CADDY_ADDRESS], [])


def test_server_sent_events_come_through_caddy_as_they_are_written(app, behind_caddy):
    now = utcnow()
    centre = make_centre("sse", now)
    login = make_login("director", now, [(centre, Role.ADMIN)])
    trust = ssl.create_default_context(cafile=str(behind_caddy.ca))
    url = f"https://[{CADDY_ADDRESS}]:{behind_caddy.port}/api/v1/centres/sse/presence/stream"
    with httpx.Client(verify=trust, timeout=STREAM_S + 10) as client:
        started = time.monotonic()
        # Accept-Encoding: gzip, as a browser asks: a compressor must not hold the events back either.
        with client.stream("GET", url, headers={**login.headers, "Accept-Encoding": "gzip"}) as response:
            first = next(response.iter_raw())
            waited = time.monotonic() - started
    # Held back by a buffer, the first event would come with the stream's end, STREAM_S after it opened.
    assert (response.status_code, response.headers["content-type"].split(";")[0], first.startswith(b"event: presence"),
            waited < STREAM_S / 2) == (200, "text/event-stream", True, True), (first[:200], waited)
