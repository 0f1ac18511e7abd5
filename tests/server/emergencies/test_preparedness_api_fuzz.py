"""Schemathesis on the preparedness API only (the whole API's run, tests/server/test_api_fuzz.py, leaves it to this
one): bad input never yields a 5xx or an off-schema response."""

from __future__ import annotations

from tests.server.test_api_fuzz import (  # noqa: F401 - the fixture
    EXAMPLES_PER_OPERATION,
    MODES,
    director_headers,
    fuzz_operations,
    preparedness_paths,
)


@MODES
def test_the_preparedness_api_answers_bad_input_without_server_errors(app, director_headers, mode):  # noqa: F811
    seen, failures = fuzz_operations(app, director_headers, mode, examples=EXAMPLES_PER_OPERATION,
                                     keep=preparedness_paths)
    assert seen >= 20
    assert failures == {}
