"""Plain care records the server maps its models onto / 保育照护记录: naps, outdoor time, medication.

Kept free of ``compliance.records`` so that ``ComplianceInputs`` can hold them without an import cycle. Ids are
whatever the server uses (int or str); times are aware datetimes, days centre-local dates.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum
from functools import cached_property

Id = int | str


class SleepPosition(StrEnum):
    """睡姿 / sleeping position seen at a patrol check."""

    BACK = "back"
    SIDE = "side"
    STOMACH = "stomach"

    @property
    def zh(self) -> str:
        """Chinese label."""
        return {"back": "仰卧", "side": "侧卧", "stomach": "俯卧"}[self.value]


class CareType(StrEnum):
    """托育服务类型 of a class (seed 000/001/004: 全日托、半日托、计时托、临时托); outdoor time binds full-day care."""

    FULL_DAY = "full_day"
    HALF_DAY = "half_day"
    HOURLY = "hourly"
    TEMPORARY = "temporary"

    @property
    def zh(self) -> str:
        """Chinese label."""
        return {"full_day": "全日托", "half_day": "半日托", "hourly": "计时托", "temporary": "临时托"}[self.value]


@dataclass(frozen=True)
class NapRecord:
    """One nap: one session from start to end (``ended_at`` None while the child sleeps)."""

    id: Id
    child_id: Id
    class_id: Id
    started_at: datetime
    on: date  # the centre-local day it started
    ended_at: datetime | None = None
    recorded_by: str = ""


@dataclass(frozen=True)
class NapCheckRecord:
    """A patrol check of one sleeping child (午睡巡查): position, breathing, colour, and the action when needed.

    ``breathing_ok`` / ``colour_ok`` False is an abnormal sign; ``action`` is what the checker did (turned the
    child onto the back, woke the child, called the 保健员 …), required at once for a stomach position.
    """

    id: Id
    nap_id: Id
    at: datetime
    position: SleepPosition
    breathing_ok: bool = True
    colour_ok: bool = True
    action: str = ""
    checked_by: str = ""

    @property
    def needs_action(self) -> bool:
        """A stomach position or an abnormal sign asks for an action recorded with the check."""
        return self.position is SleepPosition.STOMACH or not self.breathing_ok or not self.colour_ok


@dataclass(frozen=True)
class OutdoorRecord:
    """户外活动: one spell of outdoor time of a class on a day, in minutes."""

    class_id: Id
    day: date
    minutes: int
    started_at: datetime | None = None
    recorded_by: str = ""


@dataclass(frozen=True)
class OutdoorExemptionRecord:
    """A day outdoor time could not be held (雨雪、雾霾、高温预警 …); ``class_id`` None: the whole centre."""

    day: date
    reason: str
    class_id: Id | None = None


@dataclass(frozen=True)
class MedicationConsentRecord:
    """委托服药: what the guardian signed — drug, dose, route, times of day, first and last day.

    ``times`` are the local clock times the doses are due; a dose counts within ``window_minutes`` of one.
    ``max_doses_per_day`` defaults to the number of times. A consent cannot change after its first dose: a change
    is a new consent (the server refuses an edit; :func:`compliance.care.medication.consent_locked` says when).
    """

    id: Id
    child_id: Id
    drug: str
    dose: Decimal
    dose_unit: str
    route: str
    times: tuple[time, ...]
    first_day: date
    last_day: date
    signed_by: str
    signed_at: datetime
    window_minutes: int = 60
    max_doses_per_day: int | None = None
    withdrawn_at: datetime | None = None

    @property
    def daily_limit(self) -> int:
        """Doses allowed on one day."""
        return self.max_doses_per_day if self.max_doses_per_day is not None else len(self.times)


@dataclass(frozen=True)
class DoseRecord:
    """One dose given (服药记录): by whom, witnessed by a second member of staff, against which consent."""

    id: Id
    child_id: Id
    consent_id: Id | None
    at: datetime
    drug: str
    dose: Decimal
    dose_unit: str
    route: str
    given_by: str
    witnessed_by: str | None = None


@dataclass(frozen=True)
class CareEvidence:
    """The care records of a centre for the evaluators: naps and checks, outdoor time, consents and doses.

    ``class_care`` maps a class id to its :class:`CareType` value; a class not in it counts as full-day. ``zone``
    is the centre's time zone (IANA name), in which a consent's days and clock times are read.
    """

    naps: Sequence[NapRecord] = field(default_factory=tuple)
    nap_checks: Sequence[NapCheckRecord] = field(default_factory=tuple)
    outdoor: Sequence[OutdoorRecord] = field(default_factory=tuple)
    outdoor_exemptions: Sequence[OutdoorExemptionRecord] = field(default_factory=tuple)
    consents: Sequence[MedicationConsentRecord] = field(default_factory=tuple)
    doses: Sequence[DoseRecord] = field(default_factory=tuple)
    class_care: Mapping[Id, str] = field(default_factory=dict)
    zone: str = "Asia/Shanghai"

    def checks_of(self, nap_id: Id) -> tuple[NapCheckRecord, ...]:
        """The checks of one nap, in time order."""
        return self._checks_by_nap.get(nap_id, ())

    @cached_property
    def _checks_by_nap(self) -> dict[Id, tuple[NapCheckRecord, ...]]:
        # Grouped once: a year holds tens of thousands of naps and hundreds of thousands of checks, and a scan of
        # every check for every nap is quadratic (bench/pack_year.py).
        grouped: dict[Id, list[NapCheckRecord]] = defaultdict(list)
        for check in self.nap_checks:
            grouped[check.nap_id].append(check)
        return {nap_id: tuple(sorted(checks, key=lambda c: c.at)) for nap_id, checks in grouped.items()}

    def care_type(self, class_id: Id) -> str:
        """The class's care type (full-day unless told)."""
        return self.class_care.get(class_id, CareType.FULL_DAY.value)
