"""Medication against the guardian's signed consent / 委托服药: may this dose be given, and is a consent locked.

A dose is allowed only within the consent's days and times, within its daily count, for exactly its drug, dose and
route, before it is withdrawn, given by one member of staff with another as witness. The server calls
:func:`dose_allowed` before it stores a dose; the evaluator calls it on every stored dose, so both agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum

from compliance.care.records import DoseRecord, MedicationConsentRecord
from compliance.rulebook.model import Rulebook

CONSENT_RULE = "care.medication_consent"


class Refusal(StrEnum):
    """Why a dose may not be given (or should not have been)."""

    NO_CONSENT = "no_consent"
    OTHER_CHILD = "other_child"
    WITHDRAWN = "withdrawn"
    BEFORE_FIRST_DAY = "before_first_day"
    AFTER_LAST_DAY = "after_last_day"
    OUTSIDE_TIMES = "outside_times"
    DAILY_LIMIT = "daily_limit"
    WRONG_DRUG = "wrong_drug"
    WRONG_DOSE = "wrong_dose"
    WRONG_ROUTE = "wrong_route"
    NO_WITNESS = "no_witness"
    WITNESS_IS_GIVER = "witness_is_giver"

    @property
    def zh(self) -> str:
        """Chinese text."""
        return _ZH[self]

    @property
    def en(self) -> str:
        """English text."""
        return _EN[self]


_ZH = {
    Refusal.NO_CONSENT: "无监护人签字的委托服药单", Refusal.OTHER_CHILD: "委托单不是该幼儿的",
    Refusal.WITHDRAWN: "委托已撤回", Refusal.BEFORE_FIRST_DAY: "早于委托的首日", Refusal.AFTER_LAST_DAY: "晚于委托的末日",
    Refusal.OUTSIDE_TIMES: "不在委托的服药时间内", Refusal.DAILY_LIMIT: "超过每日次数", Refusal.WRONG_DRUG: "药名与委托不符",
    Refusal.WRONG_DOSE: "剂量与委托不符", Refusal.WRONG_ROUTE: "给药途径与委托不符", Refusal.NO_WITNESS: "无第二名工作人员见证",
    Refusal.WITNESS_IS_GIVER: "见证人与喂药人为同一人",
}
_EN = {
    Refusal.NO_CONSENT: "no consent signed by the guardian", Refusal.OTHER_CHILD: "the consent is for another child",
    Refusal.WITHDRAWN: "the consent was withdrawn", Refusal.BEFORE_FIRST_DAY: "before the consent's first day",
    Refusal.AFTER_LAST_DAY: "after the consent's last day", Refusal.OUTSIDE_TIMES: "outside the consented times",
    Refusal.DAILY_LIMIT: "over the daily count", Refusal.WRONG_DRUG: "not the consented drug",
    Refusal.WRONG_DOSE: "not the consented dose", Refusal.WRONG_ROUTE: "not the consented route",
    Refusal.NO_WITNESS: "no second member of staff as witness", Refusal.WITNESS_IS_GIVER: "the witness is the giver",
}


@dataclass(frozen=True)
class ConsentLimits:
    """What a consent may say under the rulebook (``care.medication_consent``).

    ``window_minutes`` is the widest window either side of a consented time and a new consent's default;
    ``narrowest_window`` the narrowest a consent may set (the low end of the rule's allowed range);
    ``max_times`` how many times of day a consent may name.
    """

    window_minutes: int
    narrowest_window: int
    max_times: int

    def window_allowed(self, minutes: int) -> bool:
        """True when a consent may allow ``minutes`` either side of each time."""
        return self.narrowest_window <= minutes <= self.window_minutes


def consent_limits(rules: Rulebook) -> ConsentLimits | None:
    """The consent limits of the rules in force; None when ``care.medication_consent`` is not in force."""
    rule = rules.get(CONSENT_RULE)
    if rule is None:
        return None
    window = rule.parameters["window_minutes"]
    widest = int(window.value)
    narrowest = int(window.allowed.low) if window.allowed is not None else widest
    return ConsentLimits(window_minutes=widest, narrowest_window=min(narrowest, widest),
                         max_times=int(rule.value("max_times_per_day")))


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _within_times(consent: MedicationConsentRecord, local: datetime) -> bool:
    window = timedelta(minutes=consent.window_minutes)
    naive = local.replace(tzinfo=None)
    return any(abs(naive - datetime.combine(naive.date(), due)) <= window for due in consent.times)


def dose_allowed(
    consent: MedicationConsentRecord | None,
    doses_so_far: Iterable[DoseRecord],
    at: datetime,
    dose: DoseRecord,
    *,
    tz: tzinfo | None = None,
    live: bool = False,
) -> tuple[Refusal, ...]:
    """Every reason ``dose`` at ``at`` may not be given under ``consent``; ``()`` when it may.

    ``doses_so_far`` are the doses already given (any consent; only this consent's count, the dose itself
    excluded); ``tz`` is the centre's zone, in which the consent's days and times are read. The evaluator judges
    stored doses in order: only those given before ``at`` count towards the day's limit. ``live``: the dose is
    about to be stored, so every dose of that day already stored counts, whatever its time (a dose queued on a
    tablet may arrive after a later one, or at the very same instant as another tablet's).
    """
    reasons: list[Refusal] = []
    if not dose.witnessed_by or not dose.witnessed_by.strip():
        reasons.append(Refusal.NO_WITNESS)
    elif _same(dose.witnessed_by, dose.given_by):
        reasons.append(Refusal.WITNESS_IS_GIVER)
    if consent is None:
        return (Refusal.NO_CONSENT, *reasons)
    local = at.astimezone(tz) if tz is not None else at
    day = local.date()
    if consent.child_id != dose.child_id:
        reasons.append(Refusal.OTHER_CHILD)
    if consent.withdrawn_at is not None and consent.withdrawn_at <= at:
        reasons.append(Refusal.WITHDRAWN)
    if day < consent.first_day:
        reasons.append(Refusal.BEFORE_FIRST_DAY)
    elif day > consent.last_day:
        reasons.append(Refusal.AFTER_LAST_DAY)
    elif not _within_times(consent, local):
        reasons.append(Refusal.OUTSIDE_TIMES)
    given_today = [
        d for d in doses_so_far
        if d.consent_id == consent.id and d.id != dose.id and (live or d.at < at)
        and (d.at.astimezone(tz) if tz is not None else d.at).date() == day
    ]
    if len(given_today) >= consent.daily_limit:
        reasons.append(Refusal.DAILY_LIMIT)
    if not _same(dose.drug, consent.drug):
        reasons.append(Refusal.WRONG_DRUG)
    if dose.dose != consent.dose or not _same(dose.dose_unit, consent.dose_unit):
        reasons.append(Refusal.WRONG_DOSE)
    if not _same(dose.route, consent.route):
        reasons.append(Refusal.WRONG_ROUTE)
    return tuple(reasons)


def consent_locked(consent: MedicationConsentRecord, doses: Iterable[DoseRecord]) -> bool:
    """True once a dose was given under the consent: from then on it cannot change (a change is a new consent)."""
    return any(d.consent_id == consent.id for d in doses)
