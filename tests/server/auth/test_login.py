"""Log-in for the HTML UI: CSRF, lock-out, logging, session end, safe redirects."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from server.auth.models import LoginAttempt
from server.auth.roles import Role
from server.database import db
from tests.factories import make_centre, make_login
from tests.sessions import PASSWORD, log_in, page_csrf


@pytest.fixture
def director(app, clock):
    centre = make_centre("alpha", clock.now())
    return make_login("director", clock.now(), [(centre, Role.ADMIN)], password=PASSWORD)


def test_login_leads_to_the_chinese_dashboard(client, director):
    response = log_in(client, "director", PASSWORD)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert (response.status_code, "负责人工作台" in page) == (302, True)


def test_login_without_csrf_token_is_refused(client, director):
    response = client.post("/login", data={"username": "director", "password": PASSWORD})
    assert response.status_code == 400


def test_wrong_password_is_refused_and_logged(client, director):
    response = log_in(client, "director", "wrong-password")
    attempt = db.session.execute(select(LoginAttempt)).scalar_one()
    assert (response.status_code, attempt.username, attempt.succeeded) == (401, "director", False)


def test_account_locks_after_five_failures_even_with_the_right_password(client, director):
    for _ in range(5):
        log_in(client, "director", "wrong-password")
    response = log_in(client, "director", PASSWORD)
    assert (response.status_code, "15" in response.get_data(as_text=True)) == (429, True)


def test_lock_out_ends_after_the_window(client, director, clock):
    for _ in range(5):
        log_in(client, "director", "wrong-password")
    clock.advance(minutes=16)
    assert log_in(client, "director", PASSWORD).status_code == 302


def test_logout_kills_a_copied_session_cookie(app, client, director):
    log_in(client, "director", PASSWORD)
    copied = app.test_client()
    copied.set_cookie("session", client.get_cookie("session").value)
    assert copied.get("/").status_code == 200
    client.post("/logout", data={"csrf_token": page_csrf(client, "/")})
    assert copied.get("/").status_code == 302


def test_login_never_redirects_to_another_host(client, director):
    response = log_in(client, "director", PASSWORD, "?next=//evil.example/x")
    assert response.headers["Location"] == "/"


def test_dashboard_requireslog_in(client, director):
    response = client.get("/")
    assert response.headers["Location"].startswith("/login")


def test_language_switch_shows_english(client, director):
    log_in(client, "director", PASSWORD)
    client.get("/lang/en")
    assert "Director dashboard" in client.get("/").get_data(as_text=True)


def test_session_cookie_is_http_only(client, director):
    response = log_in(client, "director", PASSWORD)
    assert "HttpOnly" in response.headers["Set-Cookie"]


def test_cookie_authenticated_api_write_needs_the_csrf_header(client, director):
    log_in(client, "director", PASSWORD)
    refused = client.post("/api/v1/centres/alpha/contacts", json={"name": "李四"})
    allowed = client.post("/api/v1/centres/alpha/contacts", json={"name": "李四"},
                          headers={"X-CSRFToken": page_csrf(client, "/")})
    assert (refused.status_code, allowed.status_code) == (400, 201)


def test_many_failed_log_ins_from_one_address_are_rate_limited(app, client, director):
    # Different usernames, so the per-account lock-out does not answer first: this is Flask-Limiter.
    limit = int(app.config["LOGIN_RATE_LIMIT"].split()[0])
    statuses = [log_in(client, f"nobody-{i}", "wrong-password").status_code for i in range(limit + 1)]
    assert (set(statuses[:limit]), statuses[limit]) == ({401}, 429)
