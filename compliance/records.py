"""Plain input records the server streams out of its database / 评估输入记录.

These are deliberately dumb dataclasses: the server maps its models onto them,
so the library never sees SQL or Flask.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from compliance.care.records import CareEvidence
from compliance.feedback import FeedbackEvidence
from compliance.health.records import HealthEvidence
from compliance.incidents import IncidentEvidence
from compliance.notices import NoticeEvidence
from compliance.staffing.records import DutyRecord, StaffEvidence

if TYPE_CHECKING:  # the evaluator's own records (it imports this module)
    from compliance.evaluators.emergency_preparedness import PreparednessEvidence

if TYPE_CHECKING:  # defined beside its evaluator, which imports this module
    from compliance.evaluators.safeguarding import SafeguardingEvidence

if TYPE_CHECKING:  # live emergencies: kept beside their evaluator, which imports this module
    from compliance.evaluators.emergency_response import EmergencyResponseEvidence

if TYPE_CHECKING:  # hygiene (表6, UV, device evidence) and food (samples; menus and meal fees), issue #18
    from compliance.food.meals import MealsEvidence
    from compliance.food.samples import FoodSampleEvidence
    from compliance.hygiene.records import HygieneEvidence

RecordId = int | str


class LegalForm(StrEnum):
    """机构性质 / legal form of the centre."""

    FOR_PROFIT = "for_profit"
    NON_PROFIT = "non_profit"
    KINDERGARTEN_CLASS = "kindergarten_class"
    FAMILY_POINT = "family_point"

    @property
    def zh(self) -> str:
        """Chinese label."""
        return _LEGAL_FORM_ZH[self]


_LEGAL_FORM_ZH = {
    LegalForm.FOR_PROFIT: "营利性",
    LegalForm.NON_PROFIT: "非营利性",
    LegalForm.KINDERGARTEN_CLASS: "幼儿园托班",
    LegalForm.FAMILY_POINT: "家庭托育点",
}


class FilingStatus(StrEnum):
    """备案状态 / status of the filing with the county health authority."""

    FILED = "filed"
    PENDING = "pending"
    NOT_FILED = "not_filed"
    REVOKED = "revoked"

    @property
    def zh(self) -> str:
        """Chinese label."""
        return _FILING_ZH[self]


_FILING_ZH = {
    FilingStatus.FILED: "已备案",
    FilingStatus.PENDING: "备案审核中",
    FilingStatus.NOT_FILED: "未备案",
    FilingStatus.REVOKED: "备案已注销",
}


class ClassType(StrEnum):
    """班型 / class type; the value is the suffix of the rule ids ``class_size.*`` and ``ratio.*``."""

    RUERBAN = "ruerban"
    TUOXIAOBAN = "tuoxiaoban"
    TUODABAN = "tuodaban"
    HUNHEBAN = "hunheban"
    JIATING = "jiating"

    @property
    def zh(self) -> str:
        """Chinese label."""
        return _CLASS_TYPE_ZH[self]


_CLASS_TYPE_ZH = {
    ClassType.RUERBAN: "乳儿班",
    ClassType.TUOXIAOBAN: "托小班",
    ClassType.TUODABAN: "托大班",
    ClassType.HUNHEBAN: "混合班",
    ClassType.JIATING: "家庭托育点",
}


@dataclass(frozen=True)
class CentreRecord:
    """托育机构 / the centre as registered and filed."""

    code: str
    name: str
    legal_form: LegalForm
    registering_authority: str
    filing_status: FilingStatus
    filed_on: date | None
    approved_places: int
    puhui_places: int
    region: str | None = None
    address: str = ""
    timezone: str = "Asia/Shanghai"  # the centre's local day is the day rules speak of


@dataclass(frozen=True)
class ClassRecord:
    """班级 / a class (room group) with its approved capacity."""

    id: RecordId
    name: str
    class_type: ClassType
    capacity: int


@dataclass(frozen=True)
class ChildRecord:
    """在托婴幼儿 / a child's enrolment.

    ``left_on`` is the last day of enrolment (inclusive); ``None`` while enrolled.
    """

    id: RecordId
    class_id: RecordId
    enrolled_on: date
    left_on: date | None = None
    consent_given_on: date | None = None
    consent_withdrawn_on: date | None = None
    name: str = ""  # how findings name the child (the pack's 幼儿名册 holds it too)

    def is_enrolled_on(self, day: date) -> bool:
        """True when the child is enrolled on ``day``."""
        return self.enrolled_on <= day and (self.left_on is None or day <= self.left_on)

    def has_consent_on(self, day: date) -> bool:
        """True when guardian consent was given by ``day`` and not withdrawn by then."""
        if self.consent_given_on is None or self.consent_given_on > day:
            return False
        withdrawn = self.consent_withdrawn_on
        # A withdrawal before a (re-)consent does not cancel the later consent.
        return withdrawn is None or withdrawn < self.consent_given_on or withdrawn > day


@dataclass(frozen=True)
class AttendanceRecord:
    """出勤登记 line: one child, one day (附件4 出勤登记)."""

    child_id: RecordId
    class_id: RecordId
    on: date
    present: bool
    expected: bool = True
    absence_reason: str | None = None
    disease: str | None = None  # 因病缺勤: the disease name (附件4)


@dataclass(frozen=True)
class AccessLogEntry:
    """One line of the access register (个人信息访问记录, 儿童个人信息网络保护规定 第15条)."""

    at: datetime
    actor: str
    role: str
    action: str
    object: str
    purpose: str = ""


@dataclass(frozen=True)
class RatioViolationRecord:
    """An interval a room was out of ratio or over its class size (师幼比违规区间)."""

    id: int
    class_id: int
    class_name: str
    kind: str  # ratio | class_size
    rule_id: str  # the rule that was broken, e.g. ratio.tuoxiaoban
    opened_at: datetime
    closed_at: datetime | None  # None: still open at `as_of`
    day: date  # the centre-local day it opened


@dataclass(frozen=True)
class EnvironmentAlertRecord:
    """An environment, sensor, safety or agent alert opened in the period."""

    id: RecordId
    kind: str
    severity: str
    opened_at: datetime
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None


@dataclass(frozen=True)
class MonitoredRoomRecord:
    """A class room and the local days of the period on which it had environment data."""

    class_id: RecordId
    days_with_data: frozenset[date] = field(default_factory=frozenset)


@dataclass(frozen=True)
class EnvironmentEvidence:
    monitored: bool
    alerts: tuple[EnvironmentAlertRecord, ...] = ()
    rooms: tuple[MonitoredRoomRecord, ...] = ()


@dataclass(frozen=True)
class ComplianceInputs:
    """Everything the evaluators read, for one centre."""

    centre: CentreRecord
    classes: Sequence[ClassRecord] = field(default_factory=tuple)
    children: Sequence[ChildRecord] = field(default_factory=tuple)
    ratio_violations: Sequence[RatioViolationRecord] = field(default_factory=tuple)
    as_of: datetime | None = None  # when the inputs were read (ends intervals still open)
    environment: EnvironmentEvidence | None = None  # None: the centre does not monitor its environment
    staff: StaffEvidence | None = None  # None: the centre keeps no staff files here
    staff_check_ins: Sequence[DutyRecord] = field(default_factory=tuple)  # staff kiosk check-ins (attendance)
    attendance: Sequence[AttendanceRecord] = field(default_factory=tuple)  # children's 出勤登记 lines (attendance)
    care: CareEvidence | None = None  # None: the centre keeps no care records here
    health: HealthEvidence | None = None  # None: the centre keeps no health records here
    notices: NoticeEvidence | None = None  # notices to guardians and their acknowledgement (notices)
    feedback: FeedbackEvidence | None = None  # complaints and their handling (families); None: none kept here
    preparedness: PreparednessEvidence | None = None  # plans, drills, fire checks, supplies (emergencies)
    incidents: IncidentEvidence | None = None  # 表9 injury reports and the CCTV retention (incidents)
    safeguarding: SafeguardingEvidence | None = None  # concerns and when each was first reported (safeguarding)
    hygiene: HygieneEvidence | None = None  # 表6 checklists, window/UV/cabinet device evidence (hygiene)
    food_samples: FoodSampleEvidence | None = None  # 食品留样 with fridge evidence (food)
    meals: MealsEvidence | None = None  # 带量食谱 and 膳食费 publication (meals)
    emergency_response: EmergencyResponseEvidence | None = None  # live emergencies, reviews, follow-ups
