"""Schemathesis on the 表6 operations only (the shared tests/server/test_api_fuzz.py runs them all): bad input
never yields a 5xx or an off-schema response."""

from __future__ import annotations

from tests.server.test_api_fuzz import MODES, director_headers, fuzz_operations  # noqa: F401 - the fixture

EXAMPLES = 25


@MODES
def test_the_checklist_api_answers_bad_input_without_server_errors(app, director_headers, mode):  # noqa: F811
    _, failures = fuzz_operations(app, director_headers, mode, examples=EXAMPLES,
                                  keep=lambda path: "hygiene" in path and "/uv" not in path and "/devices/" not in path)
    assert failures == {}
