"""Registers on screen: newest first, a bounded date range, pages of 500, and the same rows as CSV."""

from __future__ import annotations

import codecs
import csv
import io
import re

import pytest

from server.auth.roles import Role
from server.database import db
from server.inspections import views
from tests.factories import make_centre, make_child, make_login

URL = "/centres/alpha/registers/{name}"


@pytest.fixture
def world(app, clock):
    from datetime import timedelta

    centre = make_centre("alpha", clock.now())
    for day in range(3):
        make_child(centre, clock.now() - timedelta(days=day), name=f"孩子{day}")
    director = make_login("director", clock.now(), [(centre, Role.ADMIN)])
    db.session.commit()
    return centre, director


def _name():
    from server.people.registers import CHILDREN

    return CHILDREN.name


def _screen_rows(html: str) -> list[list[str]]:
    body = html.split('id="register-rows"', 1)[1].split("</tbody>", 1)[0].split("<tbody>", 1)[1]
    return [re.findall(r"<td>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_the_csv_holds_the_rows_on_screen_with_a_bom(session_client, world):
    _, director = world
    browser = session_client(director)
    url = URL.format(name=_name())
    screen = _screen_rows(browser.get(url).get_data(as_text=True))
    data = browser.get(url + "?format=csv").data
    rows = list(csv.reader(io.StringIO(data[len(codecs.BOM_UTF8):].decode("utf-8"))))[1:]
    assert (data.startswith(codecs.BOM_UTF8), [[c for c in r] for r in rows] == screen, len(screen)) == (True, True, 3)


def test_a_day_outside_the_calendar_is_refused(session_client, world):
    _, director = world
    response = session_client(director).get(URL.format(name=_name()) + "?from=1999-12-31")
    assert response.status_code == 400


def test_rows_past_a_page_go_to_the_next_page(session_client, world, monkeypatch):
    _, director = world
    monkeypatch.setattr(views, "REGISTER_PAGE_ROWS", 2)
    browser = session_client(director)
    first = _screen_rows(browser.get(URL.format(name=_name())).get_data(as_text=True))
    second = _screen_rows(browser.get(URL.format(name=_name()) + "?page=2").get_data(as_text=True))
    assert (len(first), len(second)) == (2, 1)
