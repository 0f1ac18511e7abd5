"""Open dashboards hear of a check-in through server-sent events within a second."""

from __future__ import annotations

import json
import time

from tests.server.attendance.kiosk_helpers import kiosk_event, post_events


def _next_event(chunks) -> dict:
    for chunk in chunks:
        text = chunk.decode() if isinstance(chunk, bytes) else chunk
        if text.startswith("event: presence"):
            return json.loads(text.split("data: ", 1)[1])
    raise AssertionError("stream ended")


def test_a_check_in_reaches_an_open_stream_within_a_second(client, world, clock):
    response = client.get("/api/v1/centres/alpha/presence/stream", headers=world["director"].headers, buffered=False)
    chunks = iter(response.response)
    first = _next_event(chunks)
    post_events(client, world, kiosk_event(world, clock))
    posted = time.monotonic()
    second = _next_event(chunks)
    elapsed = time.monotonic() - posted
    response.close()
    assert (first["children_present"], second["children_present"], elapsed < 1.0) == (0, 1, True)


def test_the_stream_needs_a_reader_of_the_centre(client, world, clock):
    from server.auth.roles import Role
    from tests.factories import make_centre, make_login

    outsider = make_login("outsider", clock.now(), [(make_centre("beta", clock.now()), Role.ADMIN)])
    response = client.get("/api/v1/centres/alpha/presence/stream", headers=outsider.headers)
    assert response.status_code == 404
