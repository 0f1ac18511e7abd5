"""Security headers on every response, a strict CSP (a relaxed one only for the API docs), Secure cookies over HTTPS."""

from __future__ import annotations

import pytest

from tests.conftest import FAST_TEST_CONFIG


def _csp(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    directives = (part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";"))
    return {d[0]: d[1] if len(d) > 1 else "" for d in directives}


def test_pages_allow_scripts_from_the_app_only(client):
    assert _csp(client.get("/login"))["script-src"] == "'self'"


def test_pages_allow_styles_from_the_app_only(client):
    assert _csp(client.get("/login"))["style-src"] == "'self'"


def test_pages_cannot_be_framed_nor_embed_plugins(client):
    csp = _csp(client.get("/login"))
    assert (csp["frame-ancestors"], csp["object-src"], csp["base-uri"], csp["form-action"]) == (
        "'none'", "'none'", "'self'", "'self'")


def test_responses_carry_nosniff_frame_and_referrer_headers(client):
    headers = client.get("/login").headers
    assert (headers["X-Content-Type-Options"], headers["X-Frame-Options"], headers["Referrer-Policy"]) == (
        "nosniff", "DENY", "strict-origin-when-cross-origin")


def test_api_answers_carry_the_headers_too(client):
    assert client.get("/api/v1/centres").headers["X-Content-Type-Options"] == "nosniff"


def test_api_docs_alone_may_run_their_inline_code(client):
    assert "'unsafe-inline'" in _csp(client.get("/api/v1/docs/swagger/"))["script-src"]


def test_plain_http_gets_no_hsts(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_session_cookie_is_secure_over_https(app):
    response = app.test_client().get("/login", base_url="https://localhost")
    assert "Secure" in response.headers["Set-Cookie"]


def test_session_cookie_is_not_secure_over_plain_http_for_the_lan_demo(app):
    response = app.test_client().get("/login")
    assert "Secure" not in response.headers["Set-Cookie"]


def test_forwarded_https_is_ignored_without_a_trusted_proxy(app):
    response = app.test_client().get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Secure" not in response.headers["Set-Cookie"]


@pytest.fixture
def proxied_app(database_url, clock, tmp_path):  # type: ignore[no-untyped-def]
    from server import create_app

    return create_app({**FAST_TEST_CONFIG, "DATABASE_URL": database_url, "INSTANCE_PATH": str(tmp_path),
                       "CLOCK": clock, "PROXY_FIX": 1})


def test_forwarded_https_from_a_trusted_proxy_makes_the_cookie_secure(app, proxied_app):
    response = proxied_app.test_client().get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Secure" in response.headers["Set-Cookie"]
