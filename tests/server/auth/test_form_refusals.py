"""A refused HTML form post is written to the access log like a refused API call, and shown in the layout."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from server.audit.models import AccessEvent
from server.auth.roles import Role
from server.database import db
from tests.factories import make_centre, make_login
from tests.sessions import log_in, page_csrf

GRANT = {"username": "inspector-y", "display_name": "检查员", "expires_at": "2026-12-01T08:00"}


@pytest.fixture
def caregiver(app, clock):  # type: ignore[no-untyped-def]
    centre = make_centre("alpha", clock.now())
    return make_login("caregiver", clock.now(), [(centre, Role.CAREGIVER)])


def _post_grant_as(client, username: str):  # type: ignore[no-untyped-def]
    log_in(client, username)
    return client.post("/centres/alpha/inspectors", data={**GRANT, "csrf_token": page_csrf(client, "/")})


def test_caregivers_refused_inspector_grant_is_logged_as_denied(client, caregiver):
    _post_grant_as(client, "caregiver")
    event = db.session.execute(select(AccessEvent).where(AccessEvent.action == "denied")).scalar_one()
    assert (event.user_id, event.object_id) == (caregiver.user.id, "/centres/alpha/inspectors")


def test_refused_form_post_answers_403(client, caregiver):
    assert _post_grant_as(client, "caregiver").status_code == 403


def test_refused_form_post_shows_the_refusal_in_the_layout_with_a_way_back(client, caregiver):
    html = _post_grant_as(client, "caregiver").get_data(as_text=True)
    assert ('class="flash"' in html, 'href="/centres/alpha/inspection"' in html) == (True, True)
