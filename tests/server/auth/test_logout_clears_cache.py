"""Logging out leaves no page copy in the browser's cache (the room tablet's kept screen among them)."""

from __future__ import annotations

from server.auth.roles import Role
from tests.factories import make_centre, make_login
from tests.sessions import PASSWORD, log_in, page_csrf


def test_the_logout_answer_clears_the_browsers_cache(client, clock):
    make_login("director", clock.now(), [(make_centre("alpha", clock.now()), Role.ADMIN)], password=PASSWORD)
    log_in(client, "director", PASSWORD)
    response = client.post("/logout", data={"csrf_token": page_csrf(client, "/")})
    assert response.status_code == 302 and response.headers["Clear-Site-Data"] == '"cache"'
    # Only the cache: the tablet's outboxes (local storage) keep what other users have not uploaded yet.
    assert "storage" not in response.headers["Clear-Site-Data"]
