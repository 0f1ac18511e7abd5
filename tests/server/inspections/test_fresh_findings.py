"""The dashboard, the 合规 page and a pack built at the same moment tell the same findings."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from sqlalchemy import select

from compliance.pack.layout import FINDINGS_JSON
from server.auth.roles import Role
from server.centre.models import ClassType
from server.centre.timezones import centre_zone
from server.database import db
from server.inspections.models import EvaluationRun
from server.inspections.operations import evaluation_period
from tests.factories import make_centre, make_child, make_login, make_room

SEEN = re.compile(r'data-rule="([^"]+)"[^>]*>\s*<strong[^>]*data-severity="([^"]+)"')


@pytest.fixture
def world(app, clock):
    centre = make_centre("alpha", clock.now(), approved_places=2, inclusive_places=1)
    director = make_login("director", clock.now(), [(centre, Role.ADMIN)])
    db.session.commit()
    return centre, director


def _page(client, path: str) -> list[tuple[str, str]]:
    return sorted(SEEN.findall(client.get(path).get_data(as_text=True)))


def _pack(client, director, centre, now) -> list[tuple[str, str]]:
    period = evaluation_period(centre, now)
    url = f"/api/v1/centres/alpha/packs?from={period.start}&to={period.end}"
    with zipfile.ZipFile(io.BytesIO(client.get(url, headers=director.headers).data)) as zf:
        return sorted((f["rule_id"], f["severity"]) for f in json.loads(zf.read(FINDINGS_JSON)))


def test_dashboard_compliance_page_and_pack_agree_after_records_change(client, session_client, world, clock):
    centre, director = world
    browser = session_client(director)
    browser.get("/?centre=alpha")  # evaluated now, before the records below exist
    make_room(centre, clock.now(), class_type=ClassType.TODDLER, capacity=16)
    make_child(centre, clock.now())
    db.session.commit()
    dashboard, page = _page(browser, "/?centre=alpha"), _page(browser, "/centres/alpha/inspection")
    pack = _pack(client, director, centre, clock.now())
    assert (dashboard == page == pack, "class_size.tuoxiaoban" in dict(pack)) == (True, True)


def test_findings_older_than_the_limit_are_re_evaluated(session_client, world, clock):
    centre, director = world
    browser = session_client(director)
    browser.get("/centres/alpha/inspection")
    clock.advance(minutes=11)
    html = browser.get("/centres/alpha/inspection").get_data(as_text=True)
    assert clock.now().astimezone(centre_zone(centre)).strftime("%Y-%m-%d %H:%M") in html


def test_severity_shows_as_a_word_not_the_code(session_client, world, clock):
    centre, director = world
    make_child(centre, clock.now())
    db.session.commit()
    html = session_client(director).get("/centres/alpha/inspection").get_data(as_text=True)
    assert ">violation<" not in html and 'data-severity="violation"' in html


def test_the_evaluate_button_makes_a_new_run(session_client, world, clock):
    from tests.sessions import csrf_token

    centre, director = world
    browser = session_client(director)
    token = csrf_token(browser.get("/centres/alpha/inspection").get_data(as_text=True))
    browser.post("/centres/alpha/inspection/evaluate", data={"csrf_token": token})
    triggers = db.session.execute(select(EvaluationRun.trigger).order_by(EvaluationRun.id)).scalars().all()
    assert triggers == ["stale", "manual"]
