"""Every input that used to answer 500 or be taken for an empty change is refused with a 4xx (SQLite and PostgreSQL)."""

from __future__ import annotations

import re

import pytest

from server.auth.roles import Role
from server.database import db
from tests.factories import link, make_centre, make_child, make_contact, make_login, make_room
from tests.sessions import log_in

HUGE = 2**63  # "Python int too large to convert to SQLite INTEGER"
PAST_INT4 = 2**31  # PostgreSQL integer out of range
DEEP_ARRAY = b"[" * 5000 + b"]" * 5000
DEEP_OBJECT = b'{"a":' * 1000 + b"1" + b"}" * 1000


@pytest.fixture
def world(app, clock):
    now = clock.now()
    centre = make_centre("alpha", now)
    room = make_room(centre, now)
    other_room = make_room(centre, now, name="大太阳班")
    child = make_child(centre, now, room=room)
    link(child, make_contact(centre, now), now)
    director = make_login("director", now, [(centre, Role.ADMIN)])
    db.session.commit()
    return {"director": director, "room": room, "other_room": other_room, "child": child}


def _json_writes(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            for method in sorted(rule.methods & {"POST", "PUT", "PATCH"}):
                yield method, re.sub(r"<(?:\w+:)?\w+>", "1", rule.rule.replace("<string:code>", "alpha"))


def _id_routes(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") and any(c == "int" for _, c, _ in _converters(rule)):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield method, rule.rule


def _converters(rule):
    return re.findall(r"<((?:(\w+):)?(\w+))>", rule.rule)


@pytest.mark.parametrize("body", [DEEP_ARRAY, DEEP_OBJECT], ids=["array", "object"])
def test_deeply_nested_json_is_refused_on_every_write_before_authentication(app, client, world, body):
    answers = {(method, url): client.open(url, method=method, data=body, content_type="application/json").status_code
               for method, url in _json_writes(app)}
    assert {a for a in answers.values() if a >= 500 or a < 400} == set(), answers


def test_deeply_nested_json_from_a_signed_in_caller_is_named_too_deep(client, world):
    body = b'{"name":' + b'{"a":' * 40 + b"1" + b"}" * 40 + b"}"
    response = client.patch("/api/v1/centres/alpha", data=body, content_type="application/json",
                            headers=world["director"].headers)
    assert (response.status_code, response.get_json()["error"]["code"]) == (400, "too_deep")


@pytest.mark.parametrize("value", [HUGE, PAST_INT4])
def test_an_id_past_the_integer_column_in_a_path_is_not_found(app, client, world, value):
    answers = {}
    for method, rule in _id_routes(app):
        url = re.sub(r"<int:\w+>", str(value), rule.replace("<string:code>", "alpha"))
        answers[(method, url)] = client.open(url, method=method, json={}, headers=world["director"].headers).status_code
    assert set(answers.values()) == {404}, answers


@pytest.mark.parametrize("url", [
    f"/api/v1/centres/alpha/children?room_id={HUGE}",
    f"/api/v1/centres/alpha/ratio-violations?from=2026-09-01&to=2026-09-07&room_id={HUGE}",
])
def test_an_id_past_the_integer_column_in_a_query_is_invalid(client, world, url):
    assert client.get(url, headers=world["director"].headers).status_code == 422


def test_an_id_past_the_integer_column_in_a_body_is_invalid(client, world):
    response = client.post(f"/api/v1/children/{world['child'].id}/moves", json={"room_id": HUGE},
                           headers=world["director"].headers)
    assert (response.status_code, response.get_json()["error"]["field"]) == (422, "room_id")


@pytest.mark.parametrize("url", ["/centres/alpha/rooms/move?staff=", "/centres/alpha/ratio-violations?room="])
def test_an_id_past_the_integer_column_in_a_page_query_is_a_bad_request(client, world, url):
    log_in(client, "director")
    assert client.get(f"{url}{HUGE}").status_code == 400


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
@pytest.mark.parametrize("url", [
    "/api/v1/centres/alpha/attendance?on={day}",
    "/api/v1/centres/alpha/ratio-violations?from={day}&to={day}",
    "/api/v1/centres/alpha/occupancy?from={day}&to={day}",
    "/api/v1/centres/alpha/packs?from={day}&to={day}",
])
def test_a_date_at_the_calendar_edge_is_invalid(client, world, url, day):
    response = client.get(url.format(day=day), headers=world["director"].headers)
    assert (response.status_code, response.get_json()["error"]["code"].startswith("invalid")) == (422, True)


def test_a_date_at_the_calendar_edge_on_a_page_is_a_bad_request(client, world):
    log_in(client, "director")
    assert client.get("/centres/alpha/occupancy?from=9999-12-31&to=9999-12-31").status_code == 400


def test_renaming_a_room_onto_another_rooms_name_is_a_conflict(client, world):
    response = client.patch(f"/api/v1/rooms/{world['room'].id}", json={"name": world["other_room"].name},
                            headers=world["director"].headers)
    assert (response.status_code, response.get_json()["error"]["code"]) == (409, "name_taken")


def test_an_inspector_grant_without_a_time_zone_is_invalid(client, world):
    response = client.post("/api/v1/centres/alpha/inspectors", headers=world["director"].headers,
                           json={"username": "insp", "display_name": "检查员", "expires_at": "2026-12-01T00:00:00"})
    assert (response.status_code, response.get_json()["error"]["field"]) == (422, "expires_at")


def test_an_unknown_region_is_refused_and_the_centre_keeps_working(client, world):
    response = client.patch("/api/v1/centres/alpha", json={"region": "atlantis"}, headers=world["director"].headers)
    after = client.post("/api/v1/centres/alpha/evaluations", headers=world["director"].headers)
    assert (response.status_code, response.get_json()["error"]["code"], after.status_code) == (
        422, "unknown_region", 201)


@pytest.mark.parametrize("body, status, code", [
    (b"{not json", 400, "invalid_json"),
    (b"", 400, "body_required"),
    (b"[]", 422, "body_not_object"),
    (b"null", 422, "body_not_object"),
    (b'"a string"', 422, "body_not_object"),
], ids=["invalid", "empty", "array", "null", "string"])
@pytest.mark.parametrize("target", ["centre", "child", "room"])
def test_a_patch_whose_body_is_not_a_json_object_is_refused(client, world, target, body, status, code):
    url = {"centre": "/api/v1/centres/alpha", "child": f"/api/v1/children/{world['child'].id}",
           "room": f"/api/v1/rooms/{world['room'].id}"}[target]
    response = client.patch(url, data=body, content_type="application/json", headers=world["director"].headers)
    assert (response.status_code, response.get_json()["error"]["code"]) == (status, code)


def test_a_body_that_is_not_json_is_an_unsupported_media_type(client, world):
    response = client.patch("/api/v1/centres/alpha", data="name=x", content_type="application/x-www-form-urlencoded",
                            headers=world["director"].headers)
    assert response.status_code == 415


def test_a_body_over_the_api_limit_is_too_large(app, client, world):
    body = b'{"name": "' + b"x" * app.config["API_MAX_BODY_BYTES"] + b'"}'
    response = client.patch("/api/v1/centres/alpha", data=body, content_type="application/json",
                            headers=world["director"].headers)
    assert (response.status_code, response.get_json()["error"]["code"]) == (413, "too_large")
