"""Schemathesis on the 表6 operations only (the shared tests/server/test_api_fuzz.py runs all the others): bad input
never yields a 5xx or an off-schema response."""

from __future__ import annotations

from tests.server.test_api_fuzz import MODES, director_headers, fuzz_operations, hygiene_paths  # noqa: F401 - fixture

EXAMPLES = 25


@MODES
def test_the_checklist_api_answers_bad_input_without_server_errors(app, director_headers, mode):  # noqa: F811
    seen, failures = fuzz_operations(app, director_headers, mode, examples=EXAMPLES, keep=hygiene_paths)
    assert seen >= 5
    assert failures == {}
