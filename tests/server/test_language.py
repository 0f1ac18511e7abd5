"""The language of what the server says: the session's choice, else (API callers) Accept-Language, else Chinese.

Messages are catalogue strings made lazily (operations may run in a job or the CLI, outside any request) and
put into words only when the error is serialised.
"""

from __future__ import annotations

import json

from flask_babel import lazy_gettext as _l

from server.auth.roles import Role
from server.errors import ProblemCollector, ValidationFailed
from server.i18n import select_locale
from tests.factories import make_centre, make_login
from tests.sessions import PASSWORD, log_in


def _too_many_inclusive_places(client, headers):
    return client.patch("/api/v1/centres/alpha", json={"inclusive_places": 50}, headers=headers)


def _director(clock):
    return make_login("director", clock.now(), [(make_centre("alpha", clock.now()), Role.ADMIN)])


def test_an_api_validation_error_is_chinese_by_default(client, clock):
    response = _too_many_inclusive_places(client, _director(clock).headers)
    error = response.get_json()["error"]
    assert (response.status_code, error["code"], error["message"], error["details"][0]["message"]) == (
        422, "inclusive_exceeds_approved", "普惠托位不能多于核定托位", "普惠托位不能多于核定托位")


def test_an_api_validation_error_is_english_for_an_english_caller(client, clock):
    headers = {**_director(clock).headers, "Accept-Language": "en"}
    error = _too_many_inclusive_places(client, headers).get_json()["error"]
    assert (error["code"], error["message"]) == ("inclusive_exceeds_approved", "Inclusive places exceed approved places")


def test_a_chinese_caller_that_also_reads_english_gets_chinese(client, clock):
    headers = {**_director(clock).headers, "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}
    assert _too_many_inclusive_places(client, headers).get_json()["error"]["message"] == "普惠托位不能多于核定托位"


def test_a_language_the_server_does_not_speak_falls_back_to_chinese(client, clock):
    headers = {**_director(clock).headers, "Accept-Language": "fr"}
    assert _too_many_inclusive_places(client, headers).get_json()["error"]["message"] == "普惠托位不能多于核定托位"


def test_errors_raised_before_any_view_follow_accept_language(client):
    response = client.get("/api/v1/no-such-thing", headers={"Accept-Language": "en"})
    assert (response.status_code, response.get_json()["error"]["message"]) == (404, "No such address or record")


def test_the_sessions_choice_beats_accept_language(client, clock):
    _director(clock)
    log_in(client, "director", PASSWORD)
    client.get("/lang/en")
    response = client.get("/api/v1/centres/nowhere", headers={"Accept-Language": "zh-CN"})
    assert (response.status_code, response.get_json()["error"]["message"]) == (404, "Not found")


def test_pages_stay_chinese_for_a_browser_that_asks_for_english(client):
    html = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert ('lang="zh-CN"' in html, "登录" in html) == (True, True)


def test_a_message_made_outside_a_request_is_worded_when_serialised(app):
    with app.app_context():  # a job or the CLI: no request, the default language
        problems = ProblemCollector()
        problems.add("required", _l("Name is required"), "name")
        try:
            problems.raise_if_any()
        except ValidationFailed as exc:
            failed = exc
        assert (select_locale(), str(failed.message)) == ("zh_Hans_CN", "机构名称必填")
    with app.test_request_context("/api/v1/centres", headers={"Accept-Language": "en"}):
        body = json.loads(json.dumps(failed.body()))  # plain strings: the JSON encoder never sees a lazy one
    assert (body["error"]["message"], body["error"]["details"][0]["message"]) == ("Name is required",) * 2
