"""Schemathesis over safeguarding's operations only, as the director with a concern in place: bad input never yields
a 5xx or an off-schema response (the whole API's run, tests/server/test_api_fuzz.py, leaves them to this one)."""

from __future__ import annotations

from tests.server.safeguarding.conftest import raise_one
from tests.server.test_api_fuzz import EXAMPLES_PER_OPERATION, MODES, fuzz_operations, safeguarding_paths

EXAMPLES = EXAMPLES_PER_OPERATION  # as many as the whole-API run gave them when it fuzzed them too


@MODES
def test_safeguarding_api_answers_bad_input_without_server_errors(app, world, clock, mode):
    raise_one(world, clock.now())
    seen, failures = fuzz_operations(app, world["director"].headers, mode, examples=EXAMPLES, keep=safeguarding_paths)
    assert seen >= 9
    assert failures == {}
