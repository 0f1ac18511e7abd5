"""Illness: exclusion, outbreaks, the entry exam / 传染病隔离、聚集性疫情、离园后重新体检.

Exclusion until a return certificate, outbreak alerts, a new entry exam after a long absence. One definition for
the kiosk's refusal, the alert job and the evaluator.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from compliance.health.records import Id, IllnessCaseRecord
from compliance.period import add_months
from compliance.rulebook.model import Rulebook

EXCLUSION_RULE = "health.exclusion"
OUTBREAK_RULE = "health.outbreak"
ENTRY_EXAM_RULE = "health.entry_exam"


def is_excluded(cases: Iterable[IllnessCaseRecord], child_id: Id, day: date) -> IllnessCaseRecord | None:
    """The case that keeps the child out on ``day``, if any.

    Excluded from its first day until the day a return certificate is recorded (that day the child may come
    back). The doctor's expected date does not end it.
    """
    for case in sorted(cases, key=lambda c: (c.onset_on, str(c.id))):
        if case.child_id != child_id or case.excluded_from is None or day < case.excluded_from:
            continue
        if case.return_certificate_on is None or day < case.return_certificate_on:
            return case
    return None


def disease_key(disease: str) -> str:
    """Diseases compare by name without spaces or case (手足口病 = 手足口病 )."""
    return "".join(disease.split()).casefold()


@dataclass(frozen=True)
class Outbreak:
    """≥ N cases of one disease in one class with onsets within D days (聚集性疫情)."""

    class_id: Id
    disease: str
    cases: tuple[IllnessCaseRecord, ...]

    @property
    def first_onset(self) -> date:
        return min(c.onset_on for c in self.cases)

    @property
    def last_onset(self) -> date:
        return max(c.onset_on for c in self.cases)


def outbreak_figures(rules: Rulebook) -> tuple[int, int] | None:
    """(cases, days) of ``health.outbreak``; None when the rule is not in force."""
    rule = rules.get(OUTBREAK_RULE)
    return None if rule is None else (int(rule.value("min_cases")), int(rule.value("window_days")))


def outbreaks(cases: Iterable[IllnessCaseRecord], day: date, rules: Rulebook) -> list[Outbreak]:
    """The outbreaks standing on ``day``.

    Per class and disease, the infectious cases with onset in the D days ending that day, when there are at least
    N of them (distinct children).
    """
    figures = outbreak_figures(rules)
    if figures is None:
        return []
    least, days = figures
    start = day - timedelta(days=days - 1)
    groups: dict[tuple[str, str], list[IllnessCaseRecord]] = {}
    for case in cases:
        if case.infectious and start <= case.onset_on <= day:
            groups.setdefault((str(case.class_id), disease_key(case.disease)), []).append(case)
    found = []
    for _, group in sorted(groups.items()):
        if len({str(c.child_id) for c in group}) >= least:
            ordered = tuple(sorted(group, key=lambda c: (c.onset_on, str(c.id))))
            found.append(Outbreak(ordered[0].class_id, ordered[0].disease, ordered))
    return found


def max_absence_months(rules: Rulebook) -> int | None:
    """Months of absence after which a new entry exam is needed; None when the rule is not in force."""
    rule = rules.get(ENTRY_EXAM_RULE)
    return None if rule is None else int(rule.value("max_absence"))


def needs_new_entry_exam(
    last_present: date | None, returning_on: date, last_exam: date | None, rules: Rulebook
) -> bool:
    """Does a child coming (back) on ``returning_on`` need an entry exam first?

    No when the rule is not in force; yes without any exam on file; yes after an absence longer than the rule's months (back later than
    ``last_present`` + months) unless an exam was done after the last day present.
    """
    months = max_absence_months(rules)
    if months is None:
        return False
    if last_exam is None:
        return True
    if last_present is None:
        return False
    return returning_on > add_months(last_present, months) and last_exam <= last_present
