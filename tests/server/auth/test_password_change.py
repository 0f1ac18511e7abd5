"""A new inspector's one-time password: changed at the first log-in before anything else opens."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from server.audit.models import AuditEntry
from server.auth.models import User
from server.database import db
from server.inspections.operations import grant_inspector
from tests.conftest import FreshContextClient
from tests.factories import SYSTEM, make_centre
from tests.sessions import csrf_token, log_in

NEW = "my-own-horse-staple"


def _new_inspector(app, clock):  # type: ignore[no-untyped-def]
    centre = make_centre("alpha", clock.now())
    _, password = grant_inspector(centre, username="inspector-wang", display_name="王检查",
                                  expires_at=clock.now() + timedelta(days=3), actor=SYSTEM, now=clock.now())
    db.session.commit()
    app.test_client_class = FreshContextClient
    client = app.test_client()
    return client, password, log_in(client, "inspector-wang", password)


def _change(client, current: str, new: str = NEW, again: str = NEW):  # type: ignore[no-untyped-def]
    token = csrf_token(client.get("/password").get_data(as_text=True))
    return client.post("/password", data={"current_password": current, "new_password": new,
                                          "confirm_password": again, "csrf_token": token})


def test_log_in_with_a_one_time_password_leads_to_the_change(app, clock):
    _, _, answer = _new_inspector(app, clock)
    assert answer.headers["Location"].endswith("/password")


def test_a_new_inspector_sees_nothing_before_changing_the_password(app, clock):
    client, _, _ = _new_inspector(app, clock)
    response = client.get("/centres/alpha/inspection")
    assert (response.status_code, response.headers["Location"].endswith("/password")) == (302, True)


def test_the_api_refuses_a_session_that_must_change_its_password(app, clock):
    client, _, _ = _new_inspector(app, clock)
    response = client.get("/api/v1/centres/alpha/findings")
    assert (response.status_code, response.get_json()["error"]["code"]) == (403, "password_change_required")


def test_after_the_change_the_pages_open(app, clock):
    client, password, _ = _new_inspector(app, clock)
    _change(client, password)
    assert client.get("/centres/alpha/inspection").status_code == 200


def test_the_old_password_stops_working_and_the_new_one_works(app, clock):
    client, password, _ = _new_inspector(app, clock)
    _change(client, password)
    app.test_client_class = FreshContextClient
    old, new = log_in(app.test_client(), "inspector-wang", password), log_in(app.test_client(), "inspector-wang", NEW)
    assert (old.status_code, new.status_code, new.headers["Location"].endswith("/password")) == (401, 302, False)


def test_the_change_is_audited(app, clock):
    client, password, _ = _new_inspector(app, clock)
    _change(client, password)
    entry = db.session.execute(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).scalar_one()
    user = db.session.execute(select(User).where(User.username == "inspector-wang")).scalar_one()
    assert (entry.action, entry.actor_id, user.must_change_password) == ("user.change_password", user.id, False)


def test_a_wrong_current_password_is_shown_by_its_field(app, clock):
    client, _, _ = _new_inspector(app, clock)
    response = _change(client, "not-the-password")
    assert (response.status_code, 'id="current_password-problem"' in response.get_data(as_text=True)) == (422, True)


def test_two_different_new_passwords_are_a_problem(app, clock):
    client, password, _ = _new_inspector(app, clock)
    response = _change(client, password, again="something-else")
    assert (response.status_code, 'id="confirm_password-problem"' in response.get_data(as_text=True)) == (422, True)
