"""The open follow-ups (the 保健员's queue and the dashboard, on every load): SQL leaves out the closed and
corrected history, which is never loaded, and the answer is the same as judging every abnormal check."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from server.health.checks.models import HealthCheck
from server.health.checks.operations import amend_check, close_follow_up
from server.health.checks.queries import open_follow_up_lines
from tests.server.health.checks.conftest import full_check
from tests.server.health.loaded import rows_loaded

FEVER = {"temperature": Decimal("38.4")}


def _amend(row, actors, now, **changes):  # type: ignore[no-untyped-def]
    values = {"temperature": Decimal("38.4"), "hands_mouth_eyes_ok": True, "skin_ok": True, "spirits_ok": True,
              "asked_ok": True, "dangerous_objects_found": False, "findings": "", "to_observation_room": False,
              **changes}
    return amend_check(row, reason="更正", **values, actor=actors["health"], now=now)


def test_open_follow_ups_never_load_the_closed_or_corrected_history(world, clock, actors):
    now, kids = clock.now(), world["kids"]
    long_ago = now - timedelta(days=120)
    closed = full_check(kids["王小明"], long_ago, **FEVER)
    close_follow_up(closed, outcome="已就医", actor=actors["health"], now=long_ago)
    to_normal = full_check(kids["李小红"], long_ago, **FEVER)
    corrected_to_normal = _amend(to_normal, actors, long_ago, temperature=Decimal("36.5"))
    closed_then_corrected = full_check(kids["张小华"], long_ago, **FEVER)
    close_follow_up(closed_then_corrected, outcome="已就医", actor=actors["health"], now=long_ago)
    correction = _amend(closed_then_corrected, actors, long_ago)
    twice = _amend(correction, actors, long_ago)  # a correction of a correction: SQL keeps it, the chain closes it
    still_open = full_check(kids["赵小军"], now - timedelta(days=40), **FEVER)
    today = full_check(kids["王小明"], now, skin_ok=False, findings="皮疹")
    with rows_loaded(HealthCheck) as loaded:
        found = [line.row.id for line in open_follow_up_lines(world["alpha"].id)]
    assert found == [still_open.id, today.id]
    never = {closed.id, to_normal.id, corrected_to_normal.id, closed_then_corrected.id, correction.id}
    assert loaded.isdisjoint(never)
    assert loaded <= {still_open.id, today.id, twice.id}
    # nothing changed for the readers of a chain: the twice-corrected check is closed through its first row
    assert twice.id not in found
