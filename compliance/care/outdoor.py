"""Outdoor time per class and day / 户外活动时间, judged against ``care.outdoor_time`` for full-day care."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from compliance.care.records import Id, OutdoorExemptionRecord, OutdoorRecord
from compliance.rulebook.model import Rulebook

OUTDOOR_RULE = "care.outdoor_time"


def outdoor_minutes(records: Iterable[OutdoorRecord], class_id: Id, day: date) -> int:
    """Minutes outdoors of one class on one day (every spell added up)."""
    return sum(max(0, r.minutes) for r in records if r.class_id == class_id and r.day == day)


def required_minutes(rules: Rulebook) -> int | None:
    """The daily minimum in minutes (``min_hours`` × 60); None when the rule is not in force."""
    rule = rules.get(OUTDOOR_RULE)
    return None if rule is None else int(rule.value("min_hours") * 60)


def exemption_for(
    exemptions: Iterable[OutdoorExemptionRecord], class_id: Id, day: date
) -> OutdoorExemptionRecord | None:
    """The recorded reason the class could not go out that day (its own, or the whole centre's)."""
    return next((e for e in exemptions if e.day == day and e.class_id in (None, class_id)), None)


def outdoor_shortfall(records: Iterable[OutdoorRecord], class_id: Id, day: date, rules: Rulebook) -> int:
    """Minutes the class fell short of the rule that day (0 when met or when the rule is not in force)."""
    needed = required_minutes(rules)
    if needed is None:
        return 0
    return max(0, needed - outdoor_minutes(records, class_id, day))
