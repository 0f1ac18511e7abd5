"""The centre's effective rulebook: national rules, its region's overlay and its own policy, in one place."""

from __future__ import annotations

import json
from datetime import date
from functools import lru_cache

from compliance.rulebook import Rulebook, effective_rulebook
from server.centre.models import Centre


@lru_cache(maxsize=256)
def _rulebook(region: str | None, policy_json: str, on: date) -> Rulebook:
    return effective_rulebook(region, json.loads(policy_json) or None, on)


def effective_rules(centre: Centre, on: date) -> Rulebook:
    """The rules in force at the centre on a day (cached: they change with its region, policy or the date only)."""
    return _rulebook(centre.region, json.dumps(centre.rule_policy or {}, sort_keys=True, default=str), on)
