"""Small factories for the care and health tests: naps, checks, consents, doses, cases, measurements."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import count
from zoneinfo import ZoneInfo

from compliance.care import DoseRecord, MedicationConsentRecord, NapCheckRecord, NapRecord, SleepPosition
from compliance.health import CheckKind, CheckResult, HealthCheckRecord, IllnessCaseRecord
from compliance.records import AttendanceRecord
from compliance.rulebook import Rulebook, effective_rulebook

SHANGHAI = ZoneInfo("Asia/Shanghai")
RULES: Rulebook = effective_rulebook(None, None, date(2025, 6, 1))
_ids = count(1)


def at(day: date, hh: int, mm: int = 0) -> datetime:
    """A Shanghai wall-clock time on ``day``."""
    return datetime.combine(day, time(hh, mm), SHANGHAI)


def nap(day: date, start: tuple[int, int] = (12, 30), end: tuple[int, int] | None = (14, 30), *, child: int = 1,
        klass: int = 10) -> NapRecord:
    """A nap of ``child`` in ``klass`` on ``day`` (ended unless ``end`` is None)."""
    return NapRecord(next(_ids), child, klass, at(day, *start), day, at(day, *end) if end else None)


def check(of: NapRecord, minutes: int, position: SleepPosition = SleepPosition.BACK, *, action: str = "",
          breathing_ok: bool = True, colour_ok: bool = True) -> NapCheckRecord:
    """A patrol check ``minutes`` after the nap started."""
    return NapCheckRecord(next(_ids), of.id, of.started_at + timedelta(minutes=minutes), position,
                          breathing_ok, colour_ok, action, "李老师")


def every(of: NapRecord, step: int, until: int) -> list[NapCheckRecord]:
    """Checks every ``step`` minutes from ``step`` to ``until`` minutes after the start."""
    return [check(of, m) for m in range(step, until + 1, step)]


def consent(*, child: int = 1, drug: str = "布洛芬混悬液", dose: str = "5", unit: str = "ml", route: str = "口服",
            times: tuple[time, ...] = (time(10, 0), time(15, 0)), first: date = date(2025, 6, 2),
            last: date = date(2025, 6, 4), withdrawn_at: datetime | None = None) -> MedicationConsentRecord:
    """A guardian's consent for one drug twice a day over three days."""
    return MedicationConsentRecord(next(_ids), child, drug, Decimal(dose), unit, route, times, first, last,
                                   "王妈妈", at(first - timedelta(days=1), 18), withdrawn_at=withdrawn_at)


def dose(of: MedicationConsentRecord | None, when: datetime, *, child: int = 1, drug: str | None = None,
         amount: str | None = None, route: str | None = None, witness: str | None = "赵老师",
         giver: str = "保健员张") -> DoseRecord:
    """A dose as the consent says unless told otherwise."""
    return DoseRecord(next(_ids), child, of.id if of else None, when, drug or (of.drug if of else "药"),
                      Decimal(amount) if amount else (of.dose if of else Decimal(1)),
                      of.dose_unit if of else "ml", route or (of.route if of else "口服"), giver, witness)


def health_check(child: int, day: date, kind: CheckKind = CheckKind.MORNING, *, abnormal: bool = False,
                 closed_after: timedelta | None = None, klass: int = 10, hh: int = 8) -> HealthCheckRecord:
    """A check at ``hh``:00; an abnormal one closed ``closed_after`` later (None: still open)."""
    when = at(day, hh)
    return HealthCheckRecord(
        next(_ids), child, klass, kind, when, day, CheckResult.ABNORMAL if abnormal else CheckResult.NORMAL,
        Decimal("37.8") if abnormal else Decimal("36.6"), findings="发热" if abnormal else "",
        follow_up_closed_at=when + closed_after if abnormal and closed_after is not None else None,
    )


def case(child: int, onset: date, disease: str = "手足口病", *, klass: int = 10, excluded: bool = True,
         certificate: date | None = None, infectious: bool = True) -> IllnessCaseRecord:
    """A 表4 case excluded from its onset unless told otherwise."""
    return IllnessCaseRecord(next(_ids), child, klass, disease, onset, onset,
                             excluded_from=onset if excluded else None, return_certificate_on=certificate,
                             infectious=infectious)


def present(child: int, day: date, klass: int = 10) -> AttendanceRecord:
    """A child present that day."""
    return AttendanceRecord(child, klass, day, present=True)


def sick(child: int, day: date, disease: str | None, klass: int = 10) -> AttendanceRecord:
    """A sick absence, with or without the disease name."""
    return AttendanceRecord(child, klass, day, present=False, absence_reason="sick", disease=disease)
