"""Schemathesis on the 表6 operations only (the shared tests/server/test_api_fuzz.py runs them all): bad input
never yields a 5xx or an off-schema response."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation import GenerationMode

from tests.server.test_api_fuzz import CHECKS, director_headers  # noqa: F401 - the fixture

EXAMPLES = 25


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["positive", "negative"])
def test_the_checklist_api_answers_bad_input_without_server_errors(app, director_headers, mode):  # noqa: F811
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures: dict[str, str] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        if "hygiene" not in operation.path or "/uv" in operation.path or "/devices/" in operation.path:
            continue

        @given(case=operation.as_strategy(generation_mode=mode, headers=director_headers))
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
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
    assert failures == {}
