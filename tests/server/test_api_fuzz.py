"""Schemathesis against /api/v1/openapi.json: bad input never yields a 5xx or an off-schema response."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from server.auth.roles import Role
from server.database import db
from tests.factories import link, make_centre, make_child, make_contact, make_login, make_room

CHECKS = {
    GenerationMode.POSITIVE: [not_a_server_error, response_schema_conformance, status_code_conformance],
    # Data that breaks the schema must be refused with a 4xx: never a 5xx, never accepted.
    GenerationMode.NEGATIVE: [not_a_server_error, negative_data_rejection, status_code_conformance],
}
EXAMPLES_PER_OPERATION = 20


# The domain runs that fuzz their operations as the director too, with the same checks, in a world holding the one
# `director_headers` builds, with at least EXAMPLES_PER_OPERATION examples: the whole-API run leaves their operations
# to them (each operation is fuzzed once per mode and database, not twice; the suite's time, issue #19). The care run
# fuzzes as a caregiver: its operations stay in the whole-API run as well.
def hygiene_paths(path: str) -> bool:
    """表6's operations (tests/server/hygiene/test_fuzz.py, 25 examples, this module's `director_headers`)."""
    return "hygiene" in path and "/uv" not in path and "/devices/" not in path


PREPAREDNESS = ("emergency-plan", "drill", "fire-c", "supplies", "isolation-room")


def preparedness_paths(path: str) -> bool:
    """Preparedness' operations (tests/server/emergencies/test_preparedness_api_fuzz.py, 20, `director_headers`)."""
    return any(part in path for part in PREPAREDNESS)


def safeguarding_paths(path: str) -> bool:
    """Safeguarding's (tests/server/safeguarding/test_api_fuzz.py, 20, its world's director with a concern)."""
    return "safeguarding" in path


DOMAIN_RUNS = (hygiene_paths, preparedness_paths, safeguarding_paths)


def whole_api_paths(path: str) -> bool:
    """Every operation no domain run above fuzzes."""
    return not any(run(path) for run in DOMAIN_RUNS)


@pytest.fixture
def director_headers(app, clock):
    centre = make_centre("alpha", clock.now())
    room = make_room(centre, clock.now())
    child = make_child(centre, clock.now(), room=room)
    link(child, make_contact(centre, clock.now()), clock.now())
    login = make_login("fuzzer", clock.now(), [(centre, Role.ADMIN)])
    db.session.commit()
    return login.headers


def test_openapi_document_is_served_and_lists_the_api(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/centres/{code}/children" in spec["paths"]


def fuzz_operations(app, headers: dict[str, str], mode: GenerationMode, *, examples: int = EXAMPLES_PER_OPERATION,
                    keep: Callable[[str], bool] = lambda path: True) -> tuple[int, dict[str, str]]:
    """Run every operation whose path ``keep`` accepts with generated cases; (operations run, failures by label).

    pytest-9 and schemathesis' lazy fixture loader disagree, so hypothesis is driven per operation here; the domain
    runs (care, safeguarding, preparedness, 表6) call this with their own world and paths.
    """
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures: dict[str, str] = {}
    seen = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if not keep(operation.path):
            continue
        seen += 1

        @given(case=operation.as_strategy(generation_mode=mode, headers=headers))
        @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def fuzz(case):  # type: ignore[no-untyped-def]
            case.call_and_validate(checks=CHECKS[mode])

        try:
            fuzz()
        except Unsatisfiable:
            if mode is GenerationMode.POSITIVE:
                raise
            # An operation whose only input is a free string (e.g. a centre code) has nothing to negate.
        except Exception as exc:  # noqa: BLE001 - collect every operation's failure, then report all
            failures[operation.label] = str(exc)[:2000]
    return seen, failures


MODES = pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
                                ids=["positive", "negative"])


@MODES
def test_api_answers_bad_input_without_server_errors(app, director_headers, mode):
    seen, failures = fuzz_operations(app, director_headers, mode, keep=whole_api_paths)
    assert seen > 150  # the whole API but the domain runs' (the OpenAPI document lists 235 operations)
    assert failures == {}
