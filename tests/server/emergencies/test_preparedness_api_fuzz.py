"""Schemathesis on the preparedness API only (the whole API's run is tests/server/test_api_fuzz.py): bad input never
yields a 5xx or an off-schema response."""

from __future__ import annotations

from tests.server.test_api_fuzz import MODES, director_headers, fuzz_operations  # noqa: F401 - the fixture

PATHS = ("emergency-plan", "drill", "fire-c", "supplies", "isolation-room")


@MODES
def test_the_preparedness_api_answers_bad_input_without_server_errors(app, director_headers, mode):  # noqa: F811
    _, failures = fuzz_operations(app, director_headers, mode, examples=20,
                                  keep=lambda path: any(p in path for p in PATHS))
    assert failures == {}
