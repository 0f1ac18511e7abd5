"""晨午检 coverage and follow-ups of abnormal checks / 晨检覆盖与异常随访; allergy warnings for meals and doses."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from compliance.health.records import AllergyRecord, CheckKind, HealthCheckRecord, Id
from compliance.rulebook.model import Rulebook

MORNING_RULE = "health.morning_check"
FOLLOW_UP_RULE = "health.follow_up"


def morning_check_of(checks: Iterable[HealthCheckRecord], child_id: Id, day: date) -> HealthCheckRecord | None:
    """The child's first 晨检 of the (centre-local) day, if any."""
    mine = [c for c in checks if c.child_id == child_id and c.on == day and c.kind is CheckKind.MORNING]
    return min(mine, key=lambda c: c.at, default=None)


def follow_up_limit(rules: Rulebook) -> timedelta | None:
    """How long an abnormal check's follow-up may stay open (``health.follow_up.max_days``)."""
    rule = rules.get(FOLLOW_UP_RULE)
    return None if rule is None else timedelta(days=float(rule.value("max_days")))


def follow_up_overdue(check: HealthCheckRecord, now: datetime, rules: Rulebook) -> bool:
    """True when an abnormal check's follow-up was closed later than allowed, or is still open past the limit."""
    limit = follow_up_limit(rules)
    if limit is None or not check.opens_follow_up:
        return False
    closed = check.follow_up_closed_at
    end = closed if closed is not None and closed <= now else now
    return end - check.at > limit


def open_follow_ups(checks: Iterable[HealthCheckRecord], now: datetime) -> list[HealthCheckRecord]:
    """Abnormal checks made by ``now`` whose follow-up is not closed by then, oldest first."""
    return sorted(
        (c for c in checks if c.opens_follow_up and c.at <= now
         and (c.follow_up_closed_at is None or c.follow_up_closed_at > now)),
        key=lambda c: c.at,
    )


def allergy_warnings(
    allergies: Iterable[AllergyRecord], child_id: Id, allergens: Iterable[str], day: date
) -> list[AllergyRecord]:
    """The child's allergies in force on ``day`` that match any allergen code of a meal, bottle or drug."""
    wanted = {a.strip().casefold() for a in allergens}
    return [a for a in allergies
            if a.child_id == child_id and a.active_on(day) and a.allergen.strip().casefold() in wanted]
