"""Schemathesis on the care routes alone: bad input never yields a 5xx or an off-schema answer."""

from __future__ import annotations

import pytest

from server.auth.actor import Actor
from server.auth.roles import Role
from server.care.notes import write_note
from server.care.operations.log import log_entry
from server.care.operations.naps import start_nap
from server.database import db
from tests.factories import make_centre, make_child, make_login, make_room
from tests.server.test_api_fuzz import MODES, fuzz_operations

CARE_PATHS = ("/naps", "/care-entries", "/care-log", "/outdoor", "/care-notes")


@pytest.fixture
def caregiver_headers(app, clock):  # type: ignore[no-untyped-def]
    centre = make_centre("alpha", clock.now())
    room = make_room(centre, clock.now())
    child = make_child(centre, clock.now(), room=room)
    start_nap(child, actor=Actor.system(), now=clock.now())
    log_entry(child, kind="water", actor=Actor.system(), now=clock.now())
    write_note(child, body="今天很开心。", actor=Actor.system(), now=clock.now())
    login = make_login("fuzzer", clock.now(), [(centre, Role.CAREGIVER)])
    db.session.commit()
    return login.headers


@MODES
def test_care_routes_answer_bad_input_without_server_errors(app, caregiver_headers, mode):
    seen, failures = fuzz_operations(app, caregiver_headers, mode, examples=25,
                                     keep=lambda path: any(part in path for part in CARE_PATHS) and "medication" not in path)
    assert seen >= 10
    assert failures == {}
