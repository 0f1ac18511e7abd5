"""Inspector grants on the 合规 page: listed with their state, revoked by the director, refused at once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from server.audit.models import AuditEntry
from server.auth.models import Membership
from server.auth.roles import Role
from server.database import db
from tests.factories import make_centre, make_login
from tests.sessions import csrf_token

PAGE = "/centres/alpha/inspection"


def _revoke(client, username: str):  # type: ignore[no-untyped-def]
    token = csrf_token(client.get("/", follow_redirects=True).get_data(as_text=True))
    return client.post("/centres/alpha/inspectors/revoke", data={"username": username, "csrf_token": token})


def _world(clock):  # type: ignore[no-untyped-def]
    centre = make_centre("alpha", clock.now())
    director = make_login("director", clock.now(), [(centre, Role.ADMIN)])
    inspector = make_login("inspector-li", clock.now(), [(centre, Role.INSPECTOR)])
    make_login("inspector-old", clock.now() - timedelta(days=9), [(centre, Role.INSPECTOR)],
               expires_at=clock.now() - timedelta(days=1))
    return centre, director, inspector


def test_the_director_sees_each_grant_with_its_state(app, session_client, clock):
    _, director, _ = _world(clock)
    html = session_client(director).get(PAGE).get_data(as_text=True)
    states = {name: html.split(f'data-username="{name}"')[1].split('data-state="')[1].split('"')[0]
              for name in ("inspector-li", "inspector-old")}
    assert states == {"inspector-li": "active", "inspector-old": "expired"}


def test_a_revoked_grant_is_refused_at_once(app, session_client, clock):
    _, director, inspector = _world(clock)
    _revoke(session_client(director), "inspector-li")
    response = app.test_client().get("/api/v1/centres/alpha/findings", headers=inspector.headers)
    assert (response.status_code, response.get_json()["error"]["code"]) == (403, "grant_revoked")


def test_a_revocation_is_audited(app, session_client, clock):
    _, director, _ = _world(clock)
    _revoke(session_client(director), "inspector-li")
    entry = db.session.execute(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).scalar_one()
    assert (entry.action, entry.actor_id) == ("membership.revoke", director.user.id)


def test_a_revoked_grant_shows_as_revoked(app, session_client, clock):
    _, director, _ = _world(clock)
    client = session_client(director)
    _revoke(client, "inspector-li")
    html = client.get(PAGE).get_data(as_text=True)
    assert html.split('data-username="inspector-li"')[1].split('data-state="')[1].startswith("revoked")


def test_a_caregiver_cannot_revoke_a_grant(app, session_client, clock):
    centre, _, inspector = _world(clock)
    caregiver = make_login("caregiver", clock.now(), [(centre, Role.CAREGIVER)])
    response = _revoke(session_client(caregiver), "inspector-li")
    membership = db.session.execute(select(Membership).where(Membership.user_id == inspector.user.id)).scalar_one()
    assert (response.status_code, membership.revoked_at) == (403, None)


def test_revoking_an_unknown_inspector_is_a_problem(app, session_client, clock):
    _, director, _ = _world(clock)
    response = _revoke(session_client(director), "nobody")
    assert (response.status_code, 'id="username-problem"' in response.get_data(as_text=True)) == (422, True)


def test_granting_again_restores_a_revoked_grant(app, session_client, clock):
    _, director, inspector = _world(clock)
    client = session_client(director)
    _revoke(client, "inspector-li")
    token = csrf_token(client.get(PAGE).get_data(as_text=True))
    client.post("/centres/alpha/inspectors", data={"username": "inspector-li", "display_name": "李",
                                                   "expires_at": "2026-12-01T08:00", "csrf_token": token})
    response = app.test_client().get("/api/v1/centres/alpha/findings", headers=inspector.headers)
    assert response.status_code == 200
