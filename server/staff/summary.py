"""The director's dashboard card of staff files: expiring, expired and missing credentials, 持证上岗率, training.

Read-only; the figures come from the same operations as the expiry list and the registers, so they agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from compliance import Period
from compliance.staffing import CertifiedShare, TrainingSummary
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.centre.models import Centre
from server.centre.rules import effective_rules
from server.staff.badges import badges_by_person
from server.staff.operations.expiry import employed, expiry_report
from server.staff.registers import share_by_day
from server.staff.training import training_totals

SHARE_RULE, SHARE_PARAMETER = "staff.certified_share", "min_share"


@dataclass(frozen=True)
class StaffFilesCard:
    expiring: int  # credentials expiring within 60 days (not yet renewed)
    expired: int  # credentials expired and not renewed
    missing: int  # requirements with no credential on file at all
    month: str  # YYYY-MM
    share: Decimal | None  # 持证上岗率 of the month so far (person-days), None when nobody was on duty
    target: Decimal | None  # the region's minimum from the rulebook, None when no rule is in force
    days: list[tuple[date, CertifiedShare]]
    training: TrainingSummary  # this year so far: coverage and hours

    @property
    def below_target(self) -> bool:
        return self.share is not None and self.target is not None and self.share < self.target

    def chart(self) -> dict[str, object]:
        """The day series for the chart (x: seconds since the epoch at each day's UTC midnight)."""
        return {"x": [int(datetime.combine(d, datetime.min.time(), tzinfo=UTC).timestamp()) for d, _ in self.days],
                "share": [None if s.share is None else float(s.share) for _, s in self.days],
                "target": None if self.target is None else float(self.target)}


def staff_files_card(centre: Centre, today: date, *, actor: Actor, now: datetime) -> StaffFilesCard:
    """The card's counts and this month's 持证上岗率 against the rulebook's minimum."""
    authorise(actor, Perm.STAFF_FILES_READ, centre.id, now)
    report = expiry_report(centre, today=today, actor=actor, now=now)
    badges = badges_by_person(centre, employed(centre.id, today), today)
    missing = sum(1 for person in badges.values() for badge in person if badge.state == "missing")
    days = share_by_day(centre, Period(today.replace(day=1), today))
    total = CertifiedShare(0, 0)
    for _, share in days:
        total += share
    rule = effective_rules(centre, today).get(SHARE_RULE)
    target = Decimal(str(rule.value(SHARE_PARAMETER))) if rule is not None and SHARE_PARAMETER in rule.parameters \
        else None
    training = training_totals(centre, Period(today.replace(month=1, day=1), today), actor=actor, now=now)
    return StaffFilesCard(len(report.expiring), len(report.expired), missing, today.strftime("%Y-%m"), total.share,
                          target, days, training)
