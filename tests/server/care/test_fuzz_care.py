"""Schemathesis on the care routes alone: bad input never yields a 5xx or an off-schema answer."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation import GenerationMode

from server.auth.actor import Actor
from server.auth.roles import Role
from server.care.notes import write_note
from server.care.operations.log import log_entry
from server.care.operations.naps import start_nap
from server.database import db
from tests.factories import make_centre, make_child, make_login, make_room
from tests.server.test_api_fuzz import CHECKS

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


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["positive", "negative"])
def test_care_routes_answer_bad_input_without_server_errors(app, caregiver_headers, mode):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures: dict[str, str] = {}
    seen = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if not any(part in operation.path for part in CARE_PATHS) or "medication" in operation.path:
            continue
        seen += 1

        @given(case=operation.as_strategy(generation_mode=mode, headers=caregiver_headers))
        @settings(max_examples=25, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def fuzz(case):  # type: ignore[no-untyped-def]
            case.call_and_validate(checks=CHECKS[mode])

        try:
            fuzz()
        except Unsatisfiable:
            if mode is GenerationMode.POSITIVE:
                raise
        except Exception as exc:  # noqa: BLE001 - collect every operation's failure, then report all
            failures[operation.label] = str(exc)[:2000]
    assert seen >= 10
    assert failures == {}
