"""持证上岗率 and training totals / 持证上岗率与培训统计.

持证上岗率 = certified person-days on duty ÷ person-days on duty × 100 %, one decimal (ROUND_HALF_UP, as the
出勤率 of 工作规范 附件5). On duty on a day = a roster shift or a kiosk check-in that day; a person counts once a day.
Someone on duty who is not in the staff records cannot show a certificate, so counts as on duty and uncertified.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from compliance.period import Period
from compliance.rulebook.model import Rulebook
from compliance.staffing.catalogue import CredentialCatalogue
from compliance.staffing.records import DutyRecord, StaffEvidence, TrainingCategory
from compliance.staffing.status import staff_status

_ONE_DECIMAL = Decimal("0.1")


def percent(part: int, whole: int) -> Decimal | None:
    """``part / whole`` as a percentage with one decimal (half up); None when ``whole`` is 0."""
    if whole == 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(_ONE_DECIMAL, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class CertifiedShare:
    """Person-days on duty and how many of them were certified."""

    on_duty: int
    certified: int

    @property
    def share(self) -> Decimal | None:
        """持证上岗率 in percent, one decimal; None when nobody was on duty."""
        return percent(self.certified, self.on_duty)

    def __add__(self, other: CertifiedShare) -> CertifiedShare:
        return CertifiedShare(self.on_duty + other.on_duty, self.certified + other.certified)


def on_duty_by_day(evidence: StaffEvidence, check_ins: Iterable[DutyRecord], period: Period) -> dict[date, set[int]]:
    """Who was on duty each day of the period (roster shifts and kiosk check-ins together)."""
    days: dict[date, set[int]] = defaultdict(set)
    for duty in (*evidence.duties, *check_ins):
        if duty.day in period:
            days[duty.day].add(duty.staff_id)
    return days


def certified_on(
    evidence: StaffEvidence, staff_id: int, day: date, catalogue: CredentialCatalogue, rules: Rulebook
) -> bool:
    """True when the person is a member in a role the catalogue knows and meets all its requirements that day."""
    member = next((m for m in evidence.members if m.staff_id == staff_id), None)
    if member is None or member.role not in catalogue.roles:
        return False
    return staff_status(staff_id, member.role, evidence.credentials_of(staff_id), day, catalogue, rules).certified


def certified_share_by_day(
    evidence: StaffEvidence,
    check_ins: Iterable[DutyRecord],
    period: Period,
    catalogue: CredentialCatalogue,
    rules: Rulebook,
) -> list[tuple[date, CertifiedShare]]:
    """Every day of the period with its person-days on duty and certified (0 / 0 on a day nobody worked)."""
    on_duty = on_duty_by_day(evidence, check_ins, period)
    result = []
    for day in period.each_day():
        people = on_duty.get(day, set())
        certified = sum(1 for staff_id in people if certified_on(evidence, staff_id, day, catalogue, rules))
        result.append((day, CertifiedShare(len(people), certified)))
    return result


def certified_share_for(
    evidence: StaffEvidence,
    check_ins: Iterable[DutyRecord],
    period: Period,
    catalogue: CredentialCatalogue,
    rules: Rulebook,
) -> CertifiedShare:
    """持证上岗率 over the whole period, in person-days."""
    total = CertifiedShare(0, 0)
    for _, share in certified_share_by_day(evidence, check_ins, period, catalogue, rules):
        total += share
    return total


def certified_share_by_month(
    evidence: StaffEvidence,
    check_ins: Iterable[DutyRecord],
    period: Period,
    catalogue: CredentialCatalogue,
    rules: Rulebook,
) -> list[tuple[date, CertifiedShare]]:
    """Each calendar month the period touches (keyed by its first day), over the period's days in it."""
    months: dict[date, CertifiedShare] = {}
    for day, share in certified_share_by_day(evidence, check_ins, period, catalogue, rules):
        key = day.replace(day=1)
        months[key] = months.get(key, CertifiedShare(0, 0)) + share
    return sorted(months.items())


@dataclass(frozen=True)
class TrainingSummary:
    """Training hours of the period: per person and category, centre totals, and coverage.

    ``coverage`` = members employed in the period with any training in it ÷ those members, percent one decimal.
    """

    per_person: Mapping[int, Mapping[str, Decimal]]
    totals: Mapping[str, Decimal]
    total_hours: Decimal
    employed: int
    trained: int

    @property
    def coverage(self) -> Decimal | None:
        """培训覆盖率 in percent; None when nobody was employed."""
        return percent(self.trained, self.employed)

    def hours_of(self, staff_id: int) -> Decimal:
        """One person's hours over all categories."""
        return sum(self.per_person.get(staff_id, {}).values(), Decimal(0))


def training_summary(evidence: StaffEvidence, period: Period) -> TrainingSummary:
    """Hours by person and category (categories in TrainingCategory order), centre totals and coverage."""
    order = {category.value: index for index, category in enumerate(TrainingCategory)}
    per_person: dict[int, dict[str, Decimal]] = defaultdict(dict)
    totals: dict[str, Decimal] = {}
    for entry in evidence.trainings:
        if entry.held_on not in period:
            continue
        mine = per_person[entry.staff_id]
        mine[entry.category] = mine.get(entry.category, Decimal(0)) + entry.hours
        totals[entry.category] = totals.get(entry.category, Decimal(0)) + entry.hours

    def ordered(hours: Mapping[str, Decimal]) -> dict[str, Decimal]:
        return dict(sorted(hours.items(), key=lambda item: (order.get(item[0], len(order)), item[0])))

    employed = [m for m in evidence.members if m.is_employed_between(period.start, period.end)]
    trained = sum(1 for m in employed if m.staff_id in per_person)
    return TrainingSummary(
        per_person={staff_id: ordered(hours) for staff_id, hours in sorted(per_person.items())},
        totals=ordered(totals),
        total_hours=sum(totals.values(), Decimal(0)),
        employed=len(employed),
        trained=trained,
    )
