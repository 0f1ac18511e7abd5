"""Plain health records the server maps its models onto / 卫生保健记录.

晨午检及全日健康观察, 表4 儿童传染病登记, 表5 营养性疾病及常见疾病登记, allergies, the entry exam and growth
measurements (托儿所幼儿园卫生保健工作规范 2012, 附件4). Kept free of ``compliance.records`` so that
``ComplianceInputs`` can hold them without an import cycle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

Id = int | str


class CheckKind(StrEnum):
    """晨检 on arrival, 午检 after the nap, or an observation during the day (全日健康观察)."""

    MORNING = "morning"
    NOON = "noon"
    OBSERVATION = "observation"

    @property
    def zh(self) -> str:
        """Chinese label."""
        return {"morning": "晨检", "noon": "午检", "observation": "全日观察"}[self.value]


class CheckResult(StrEnum):
    """Result of a check."""

    NORMAL = "normal"
    ABNORMAL = "abnormal"

    @property
    def zh(self) -> str:
        """Chinese label."""
        return {"normal": "正常", "abnormal": "异常"}[self.value]


@dataclass(frozen=True)
class HealthCheckRecord:
    """One check of one child (一摸二看三问四查).

    一摸: ``temperature`` (°C) and touch for fever; 二看: ``hands_mouth_eyes_ok`` (手/口/眼, e.g. 手足口),
    ``skin_ok``, ``spirits_ok``; 三问: ``asked_ok`` (sleep, diet, stool at home as the guardian says);
    四查: ``dangerous_objects_found``. An abnormal result opens a follow-up, closed when
    ``follow_up_closed_at`` is set (guardian notified, sent home, seen by a doctor …).
    """

    id: Id
    child_id: Id
    class_id: Id
    kind: CheckKind
    at: datetime
    on: date  # the centre-local day of ``at``
    result: CheckResult
    temperature: Decimal | None = None
    hands_mouth_eyes_ok: bool = True
    skin_ok: bool = True
    spirits_ok: bool = True
    asked_ok: bool = True
    dangerous_objects_found: bool = False
    findings: str = ""
    checked_by: str = ""
    guardian_notified_at: datetime | None = None
    follow_up_closed_at: datetime | None = None
    follow_up_outcome: str = ""

    @property
    def opens_follow_up(self) -> bool:
        """An abnormal result must be followed up."""
        return self.result is CheckResult.ABNORMAL


@dataclass(frozen=True)
class IllnessCaseRecord:
    """表4 儿童传染病登记表 line: one case of an infectious disease and its exclusion.

    The child is excluded from ``excluded_from`` until a return certificate is recorded
    (``return_certificate_on``); ``excluded_until`` is the day the doctor expects, which does not end the
    exclusion by itself. ``class_id`` is the class at onset, for the outbreak count.
    """

    id: Id
    child_id: Id
    class_id: Id
    disease: str
    onset_on: date
    reported_on: date
    excluded_from: date | None = None
    excluded_until: date | None = None
    return_certificate_on: date | None = None
    certificate_issuer: str = ""
    infectious: bool = True
    reported_to: str = ""


@dataclass(frozen=True)
class ChronicConditionRecord:
    """表5 营养性疾病及常见疾病登记表 line (营养不良, 贫血, 肥胖, 先心病, 哮喘, 癫痫, 听力, 视力, 龋齿 …)."""

    id: Id
    child_id: Id
    condition: str
    found_on: date
    managed_by: str = ""
    plan: str = ""
    outcome: str = ""
    closed_on: date | None = None


@dataclass(frozen=True)
class AllergyRecord:
    """One allergy as a structured item, never free text: an allergen code from a closed list, its kind.

    ``kind`` is food | drug | other; ``severity`` mild | moderate | severe (anaphylaxis).
    """

    id: Id
    child_id: Id
    allergen: str
    kind: str
    severity: str
    reaction: str = ""
    recorded_on: date | None = None
    ended_on: date | None = None

    def active_on(self, day: date) -> bool:
        """In force on ``day`` (recorded by then, not ended)."""
        return (self.recorded_on is None or self.recorded_on <= day) and (self.ended_on is None or day < self.ended_on)


@dataclass(frozen=True)
class EntryExamRecord:
    """入园（所）健康检查: the exam and the check of the 预防接种证 (vaccination certificate)."""

    id: Id
    child_id: Id
    examined_on: date
    vaccination_checked: bool
    passed: bool = True
    examined_by: str = ""


@dataclass(frozen=True)
class GrowthMeasurementRecord:
    """生长发育监测: one measurement; ``recumbent`` True when length was taken lying down."""

    id: Id
    child_id: Id
    measured_on: date
    height_cm: Decimal | None = None
    weight_kg: Decimal | None = None
    head_cm: Decimal | None = None
    recumbent: bool | None = None
    measured_by: str = ""


@dataclass(frozen=True)
class ChildHealthRecord:
    """What growth charts need of a child: sex (male | female) and birth date."""

    child_id: Id
    sex: str
    born_on: date


@dataclass(frozen=True)
class HealthEvidence:
    """The centre's health records for the evaluators."""

    checks: Sequence[HealthCheckRecord] = field(default_factory=tuple)
    cases: Sequence[IllnessCaseRecord] = field(default_factory=tuple)
    conditions: Sequence[ChronicConditionRecord] = field(default_factory=tuple)
    allergies: Sequence[AllergyRecord] = field(default_factory=tuple)
    entry_exams: Sequence[EntryExamRecord] = field(default_factory=tuple)
    measurements: Sequence[GrowthMeasurementRecord] = field(default_factory=tuple)
    children: Sequence[ChildHealthRecord] = field(default_factory=tuple)
