"""Who may scrape /metrics: the configured bearer token, or (without one) a direct loopback caller only."""

from __future__ import annotations

LOOPBACK, LAN = {"REMOTE_ADDR": "127.0.0.1"}, {"REMOTE_ADDR": "192.168.1.20"}


def test_without_a_token_a_loopback_caller_may_scrape(client):
    assert client.get("/metrics", environ_base=LOOPBACK).status_code == 200


def test_without_a_token_a_caller_off_loopback_is_refused(client):
    response = client.get("/metrics", environ_base=LAN)
    assert (response.status_code, response.get_json()["error"]["code"]) == (403, "forbidden")


def test_without_a_token_a_request_through_a_proxy_is_refused_although_the_proxy_is_on_loopback(client):
    response = client.get("/metrics", environ_base=LOOPBACK, headers={"X-Forwarded-For": "203.0.113.9"})
    assert response.status_code == 403


def test_with_a_token_a_request_without_it_is_refused_even_from_loopback(app, client):
    app.config["METRICS_TOKEN"] = "scrape-secret"
    response = client.get("/metrics", environ_base=LOOPBACK)
    assert (response.status_code, response.headers["WWW-Authenticate"]) == (401, 'Bearer realm="metrics"')


def test_with_a_token_a_wrong_token_is_refused(app, client):
    app.config["METRICS_TOKEN"] = "scrape-secret"
    response = client.get("/metrics", environ_base=LAN, headers={"Authorization": "Bearer scrape-secreT"})
    assert response.status_code == 401


def test_with_a_token_the_token_scrapes_from_anywhere(app, client):
    app.config["METRICS_TOKEN"] = "scrape-secret"
    response = client.get("/metrics", environ_base=LAN, headers={"Authorization": "Bearer scrape-secret"})
    assert response.status_code == 200 and b"tuoyu_build_info" in response.get_data()
