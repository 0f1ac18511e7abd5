"""The 保健员's screens: the queue as the landing (abnormal screens first, open follow-ups), the check form's
per-field problems with what was typed kept, recording from the form, closing a follow-up."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from server.audit.models import AccessEvent
from server.database import db
from server.health.checks.models import CheckStatus, FollowUpClosure, HealthCheck
from server.health.checks.operations import record_quick_screen
from tests.server.health.checks.conftest import full_check
from tests.sessions import csrf_token

GOOD = {"kind": "morning", "temperature": "36.6", "hands_mouth_eyes_ok": "ok", "skin_ok": "ok", "spirits_ok": "ok",
        "asked_ok": "ok", "dangerous_objects_found": "no", "findings": ""}


def _count(model) -> int:  # type: ignore[no-untyped-def]
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def _form_url(world, name: str) -> str:
    return f"/centres/alpha/health-checks/children/{world['kids'][name].id}"


def _post(client, page: str, url: str, data: dict):  # type: ignore[no-untyped-def]
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def test_the_queue_is_the_health_officers_landing_and_first_in_her_navigation(session_client, world):
    home = session_client(world["health"]).get("/", follow_redirects=True)
    nav = re.findall(r'data-nav="([\w.]+)"', home.get_data(as_text=True))
    assert (home.request.path, nav[:2]) == ("/centres/alpha/health-checks", ["dashboard.dashboard",
                                                                             "health_checks.queue"])


def test_the_queue_lists_abnormal_screens_first_then_screens_then_no_check(session_client, world, clock):
    kids, now = world["kids"], clock.now()
    record_quick_screen(kids["张小华"], temperature=Decimal("36.4"), hands_mouth_eyes_ok=True, device_id=None,
                        at=now, now=now)
    record_quick_screen(kids["李小红"], temperature=None, hands_mouth_eyes_ok=False, device_id=None, at=now, now=now)
    db.session.commit()
    html = session_client(world["health"]).get("/centres/alpha/health-checks").get_data(as_text=True)
    tiles = re.findall(r'class="check-tile outline" data-status="(\w+)" data-child="(\d+)"', html)
    assert tiles == [("abnormal_screen", str(kids["李小红"].id)), ("screened", str(kids["张小华"].id)),
                     ("missing", str(kids["王小明"].id))]  # 赵小军 is not in today
    assert "门口初筛异常" in html
    assert db.session.execute(select(AccessEvent).where(AccessEvent.object_type == "health_check_queue")).first()


def test_the_form_records_a_check_and_goes_back_to_the_queue(session_client, world):
    client = session_client(world["health"])
    page = _form_url(world, "王小明")
    answer = _post(client, page, page, GOOD)
    assert (answer.status_code, answer.headers["Location"]) == (302, "/centres/alpha/health-checks")
    row = db.session.execute(select(HealthCheck)).scalar_one()
    assert (row.result, row.temperature, row.checked_by_id) == (CheckStatus.NORMAL, Decimal("36.6"),
                                                                world["health"].user.id)
    queue = client.get("/centres/alpha/health-checks").get_data(as_text=True)
    assert "王小明" in queue.split('id="follow-ups-title"')[0] and "已记录" in queue


def test_the_form_completes_the_kiosk_screen_with_its_reading_filled_in(session_client, world, clock):
    screen = record_quick_screen(world["kids"]["张小华"], temperature=Decimal("37.9"), hands_mouth_eyes_ok=True,
                                 device_id=None, at=clock.now(), now=clock.now())
    db.session.commit()
    client = session_client(world["health"])
    page = _form_url(world, "张小华")
    html = client.get(page).get_data(as_text=True)
    assert 'value="37.9"' in html and 'id="screen-note"' in html
    _post(client, page, page, {**GOOD, "temperature": "37.9", "to_observation_room": "y"})
    row = db.session.execute(select(HealthCheck).where(HealthCheck.completes_id == screen.id)).scalar_one()
    assert (row.result, row.to_observation_room) == (CheckStatus.ABNORMAL, True)


def test_a_temperature_typed_with_a_comma_and_the_unit_is_read(session_client, world):
    client = session_client(world["health"])
    page = _form_url(world, "王小明")
    assert _post(client, page, page, {**GOOD, "temperature": " 36,5℃ "}).status_code == 302
    assert db.session.execute(select(HealthCheck.temperature)).scalar_one() == Decimal("36.5")


@pytest.mark.parametrize(("changes", "field", "text"), [
    ({"temperature": ""}, "temperature", "晨检须测体温"),
    ({"temperature": "36,5x"}, "temperature", "请输入体温"),
    ({"temperature": "47"}, "temperature", "体温应在 34.0 至 43.0 °C 之间"),
    ({"temperature": "nan"}, "temperature", "请输入体温"),
    ({"temperature": "47", "kind": "snack"}, "temperature", "体温应在 34.0 至 43.0 °C 之间"),  # with a bad choice
    ({"kind": "snack"}, "kind", "选项"),
    ({"skin_ok": "maybe"}, "skin_ok", "选项"),
    ({"skin_ok": "off", "findings": ""}, "findings", "请说明发现的情况"),
    ({"to_observation_room": "y"}, "to_observation_room", "保健观察室"),
])
def test_bad_input_comes_back_with_its_problem_under_the_field(session_client, world, changes, field, text):
    client = session_client(world["health"])
    page = _form_url(world, "王小明")
    answer = _post(client, page, page, {**GOOD, "findings": "typed before", **changes})
    html = answer.get_data(as_text=True)
    problem = re.search(rf'<small class="error" id="{field}-problem">([^<]+)</small>', html)
    assert answer.status_code == 422 and problem is not None and text in problem.group(1), html[:200]
    assert ("typed before" if field != "findings" else 'value="36.6"') in html  # what was typed is kept
    assert _count(HealthCheck) == 0


def test_a_follow_up_is_closed_from_the_queue_and_needs_an_outcome(session_client, world, clock):
    row = full_check(world["kids"]["李小红"], clock.now(), temperature=Decimal("38.4"))
    db.session.commit()
    client = session_client(world["health"])
    url = f"/centres/alpha/health-checks/{row.id}/close"
    empty = _post(client, "/centres/alpha/health-checks", url, {"outcome": " "})
    assert empty.status_code == 422 and f'id="outcome-{row.id}-problem"' in empty.get_data(as_text=True)
    done = _post(client, "/centres/alpha/health-checks", url, {"outcome": "家长接回就医"})
    assert done.status_code == 302 and _count(FollowUpClosure) == 1
    html = client.get("/centres/alpha/health-checks").get_data(as_text=True)
    assert 'id="no-follow-ups"' in html


def test_a_caregiver_records_but_cannot_close(session_client, world, clock):
    row = full_check(world["kids"]["李小红"], clock.now(), temperature=Decimal("38.4"))
    db.session.commit()
    client = session_client(world["caregiver"])
    html = client.get("/centres/alpha/health-checks").get_data(as_text=True)
    assert f'data-check="{row.id}"' in html and "close-form" not in html
    answer = _post(client, "/centres/alpha/health-checks", f"/centres/alpha/health-checks/{row.id}/close",
                   {"outcome": "x"})
    assert answer.status_code == 403 and _count(FollowUpClosure) == 0


def test_the_kitchen_does_not_see_the_queue(session_client, world):
    assert session_client(world["kitchen"]).get("/centres/alpha/health-checks").status_code == 403


@pytest.mark.parametrize(("given", "goes_to"), [("/centres/alpha/tablet", "/centres/alpha/tablet"),
                                                ("//evil.example/x", "/centres/alpha/health-checks"),
                                                ("https://evil.example/", "/centres/alpha/health-checks")])
def test_the_form_goes_back_where_it_was_opened_from_on_this_site_only(session_client, world, given, goes_to):
    client = session_client(world["caregiver"])
    page = _form_url(world, "王小明") + f"?next={given}"
    html = client.get(page).get_data(as_text=True)
    assert ('name="next"' in html) == (given == goes_to)
    answer = _post(client, page, _form_url(world, "王小明"), {**GOOD, "next": given})
    assert (answer.status_code, answer.headers["Location"]) == (302, goes_to)
