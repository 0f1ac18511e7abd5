"""Schemathesis over safeguarding's operations only, as the director with a concern in place: bad input never yields
a 5xx or an off-schema response (the whole API's run is tests/server/test_api_fuzz.py)."""

from __future__ import annotations

from tests.server.safeguarding.conftest import raise_one
from tests.server.test_api_fuzz import MODES, fuzz_operations

EXAMPLES = 15


@MODES
def test_safeguarding_api_answers_bad_input_without_server_errors(app, world, clock, mode):
    raise_one(world, clock.now())
    _, failures = fuzz_operations(app, world["director"].headers, mode, examples=EXAMPLES,
                                  keep=lambda path: "safeguarding" in path)
    assert failures == {}
