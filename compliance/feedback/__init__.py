"""Parents' ratings (用户评价) and complaints / 家长评价与投诉.

The rating items are data (``items.yaml`` beside this module); the scale, the anonymity threshold and the
complaint deadlines are the rules ``families.parent_rating`` and ``families.complaint_handling``. The records here
are what the server maps its rows onto: a response carries its month and answers only (never a person), a
complaint its times. The same functions answer the server's screens and the evaluator.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path

import yaml

from compliance.rulebook.model import Rulebook

ITEMS_FILE = Path(__file__).resolve().parent / "items.yaml"
RATING_RULE = "families.parent_rating"
COMPLAINT_RULE = "families.complaint_handling"
OTHER = "other"  # a complaint's category outside the rating items
LOWEST_SCORE = 1  # every scale starts at 1; its top is the rule's scale_max


@dataclass(frozen=True)
class RatingItem:
    """One item of the questionnaire: its key, names and question in Chinese and English."""

    key: str
    zh: str
    en: str
    question_zh: str
    question_en: str


class RatingItemsError(ValueError):
    """The items file is wrong; every problem is listed."""


@lru_cache(maxsize=1)
def rating_items() -> tuple[RatingItem, ...]:
    """The questionnaire's items, in file order (checked: every item has both names and both questions)."""
    data = yaml.safe_load(ITEMS_FILE.read_text(encoding="utf-8"))
    problems: list[str] = []
    items = []
    if not isinstance(data, dict) or data.get("kind") != "rating_items" or not isinstance(data.get("items"), dict):
        raise RatingItemsError("items.yaml: kind must be rating_items and items a mapping")
    for key, entry in data["items"].items():
        question = entry.get("question") if isinstance(entry, dict) else None
        texts = [entry.get("zh"), entry.get("en")] if isinstance(entry, dict) else []
        texts += [question.get("zh"), question.get("en")] if isinstance(question, dict) else []
        if key == OTHER or not str(key).isidentifier() or len(texts) != 4 or not all(
                isinstance(t, str) and t.strip() for t in texts):
            problems.append(f"item {key!r}: needs zh, en and a question with zh and en (and may not be {OTHER!r})")
            continue
        items.append(RatingItem(str(key), *texts))  # type: ignore[arg-type]
    if problems or not items:
        raise RatingItemsError("; ".join(problems) or "items.yaml has no items")
    return tuple(items)


def item_keys() -> tuple[str, ...]:
    """The keys of the rating items, in order."""
    return tuple(item.key for item in rating_items())


def complaint_categories() -> tuple[str, ...]:
    """What a complaint may be about: a rating item, or other."""
    return (*item_keys(), OTHER)


@dataclass(frozen=True)
class RatingResponseRecord:
    """One family's answers for one month: no person, no child, no time of day (anonymity by construction)."""

    month: date  # the first day of the centre-local month
    answers: Mapping[str, int]  # item key -> score


@dataclass(frozen=True)
class ItemSummary:
    """One item of one month: how many answered, the mean and the count of each score; hidden below the minimum."""

    month: date
    item: str
    responses: int
    shown: bool
    mean: Decimal | None = None
    counts: tuple[int, ...] = ()  # counts[0] is the number of 1s


def month_of(day: date) -> date:
    """The first day of the month of ``day``."""
    return day.replace(day=1)


def scale_max(rules: Rulebook) -> int | None:
    """The top of the rating scale, or None when the rule is not in force."""
    rule = rules.get(RATING_RULE)
    return int(rule.value("scale_max")) if rule is not None and "scale_max" in rule.parameters else None


def min_responses(rules: Rulebook) -> int | None:
    """Below this many responses a month's aggregates are not shown (anonymity), or None without the rule."""
    rule = rules.get(RATING_RULE)
    return int(rule.value("min_responses")) if rule is not None and "min_responses" in rule.parameters else None


def summarise(responses: Iterable[RatingResponseRecord], *, top: int, minimum: int,
              items: Iterable[str] | None = None) -> list[ItemSummary]:
    """Per month (oldest first) per item: responses, mean (2 decimals) and the count per score 1…top.

    A month with fewer responses than ``minimum`` shows nothing but that it is hidden (its count is not shown
    either: ``responses`` is 0 on a hidden row). Scores outside 1…top are not counted.
    """
    keys = tuple(items) if items is not None else item_keys()
    by_month: dict[date, list[RatingResponseRecord]] = {}
    for response in responses:
        by_month.setdefault(month_of(response.month), []).append(response)
    out = []
    for month in sorted(by_month):
        rows = by_month[month]
        shown = len(rows) >= minimum
        for key in keys:
            if not shown:
                out.append(ItemSummary(month, key, 0, False))
                continue
            scores = [r.answers[key] for r in rows
                      if isinstance(r.answers.get(key), int) and LOWEST_SCORE <= r.answers[key] <= top]
            counts = tuple(scores.count(score) for score in range(LOWEST_SCORE, top + 1))
            mean = (Decimal(sum(scores)) / len(scores)).quantize(Decimal("0.01"), ROUND_HALF_UP) if scores else None
            out.append(ItemSummary(month, key, len(scores), True, mean, counts))
    return out


@dataclass(frozen=True)
class ComplaintRecord:
    """A complaint and its handling: received, answered, closed (each an instant, None while not done)."""

    id: int | str
    received_at: datetime
    category: str
    answered_at: datetime | None = None
    closed_at: datetime | None = None


@dataclass(frozen=True)
class FeedbackEvidence:
    """The complaints of a centre (the ratings are aggregates and carry no finding)."""

    complaints: tuple[ComplaintRecord, ...] = ()


@dataclass(frozen=True)
class ComplaintLimits:
    """How long a complaint may wait for its answer and for its closing, counted from its receipt."""

    answer: timedelta
    close: timedelta


def complaint_limits(rules: Rulebook) -> ComplaintLimits | None:
    """The rule's deadlines, or None when it is not in force."""
    rule = rules.get(COMPLAINT_RULE)
    if rule is None:
        return None
    return ComplaintLimits(timedelta(days=float(rule.value("answer_within_days"))),
                           timedelta(days=float(rule.value("close_within_days"))))


@dataclass(frozen=True)
class ComplaintTiming:
    """Where a complaint stands against its deadlines at an instant."""

    answer_due: datetime
    close_due: datetime
    answered_late: bool  # answered after its deadline
    unanswered_overdue: bool  # not answered by ``now`` and past its deadline
    closed_late: bool
    unclosed_overdue: bool

    @property
    def answered_in_time(self) -> bool:
        return not (self.answered_late or self.unanswered_overdue)

    @property
    def closed_in_time(self) -> bool:
        return not (self.closed_late or self.unclosed_overdue)


def complaint_timing(complaint: ComplaintRecord, limits: ComplaintLimits, now: datetime) -> ComplaintTiming:
    """The complaint's deadlines and whether each step came (or is still missing) late, as seen at ``now``."""
    answer_due, close_due = complaint.received_at + limits.answer, complaint.received_at + limits.close
    answered = complaint.answered_at if complaint.answered_at is not None and complaint.answered_at <= now else None
    closed = complaint.closed_at if complaint.closed_at is not None and complaint.closed_at <= now else None
    return ComplaintTiming(
        answer_due, close_due,
        answered_late=answered is not None and answered > answer_due,
        unanswered_overdue=answered is None and now > answer_due,
        closed_late=closed is not None and closed > close_due,
        unclosed_overdue=closed is None and now > close_due,
    )


__all__ = [
    "COMPLAINT_RULE",
    "OTHER",
    "RATING_RULE",
    "ComplaintLimits",
    "ComplaintRecord",
    "ComplaintTiming",
    "FeedbackEvidence",
    "ItemSummary",
    "RatingItem",
    "RatingResponseRecord",
    "complaint_categories",
    "complaint_limits",
    "complaint_timing",
    "item_keys",
    "min_responses",
    "month_of",
    "rating_items",
    "scale_max",
    "summarise",
]
