"""Nap patrols / 午睡巡查: when the next check is due, gaps, checks that needed an action.

The gaps are those longer than the rulebook interval; the checks those that needed an action at once. One
definition for the caregiver's live timer and the evaluator.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from compliance.care.records import NapCheckRecord, NapRecord
from compliance.rulebook.model import Rulebook

PATROL_RULE = "care.nap_patrol"


def patrol_interval(rules: Rulebook) -> timedelta | None:
    """The longest time allowed between patrol checks (``care.nap_patrol.max_interval``); None if not in force."""
    rule = rules.get(PATROL_RULE)
    return None if rule is None else timedelta(minutes=float(rule.value("max_interval")))


def _checks(nap: NapRecord, checks: Iterable[NapCheckRecord], until: datetime) -> list[datetime]:
    return sorted(c.at for c in checks if c.nap_id == nap.id and nap.started_at <= c.at <= until)


def nap_check_due(
    nap: NapRecord, checks: Iterable[NapCheckRecord], now: datetime, rules: Rulebook
) -> tuple[datetime | None, bool]:
    """When the next check of ``nap`` is due, and whether it is overdue at ``now``.

    Due is the latest check (or the start) plus the interval. ``(None, False)`` once the nap has ended or when the
    rule is not in force.
    """
    interval = patrol_interval(rules)
    if interval is None or (nap.ended_at is not None and nap.ended_at <= now):
        return None, False
    seen = _checks(nap, checks, now)
    due = (seen[-1] if seen else nap.started_at) + interval
    return due, now > due


@dataclass(frozen=True)
class PatrolGap:
    """A stretch of a nap longer than the interval without a check.

    From the last check (or the start) to the next check (or the end of the nap, or ``until`` while it goes on).
    """

    nap_id: object
    since: datetime
    until: datetime

    @property
    def minutes(self) -> int:
        """Length in whole minutes."""
        return int((self.until - self.since) / timedelta(minutes=1))


def patrol_gaps(
    nap: NapRecord, checks: Iterable[NapCheckRecord], until: datetime, rules: Rulebook
) -> list[PatrolGap]:
    """Every gap of ``nap`` longer than the interval, up to its end or ``until`` (what has happened by then)."""
    interval = patrol_interval(rules)
    if interval is None:
        return []
    end = min(nap.ended_at, until) if nap.ended_at is not None else until
    if end <= nap.started_at:
        return []
    points = [nap.started_at, *_checks(nap, checks, end), end]
    return [PatrolGap(nap.id, a, b) for a, b in zip(points, points[1:], strict=False) if b - a > interval]


def checks_without_action(checks: Iterable[NapCheckRecord]) -> list[NapCheckRecord]:
    """Checks that found a stomach position or an abnormal sign and record no action."""
    return [c for c in checks if c.needs_action and not c.action.strip()]
