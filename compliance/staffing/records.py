"""Plain staff records the server maps its models onto / 工作人员档案记录.

Kept free of ``compliance.records`` so that ``ComplianceInputs`` can hold them without an import cycle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum


class TrainingCategory(StrEnum):
    """培训类别 / training category (seed 001 L190: 道德、法律法规、安全教育和职业技能培训; 000 L280 应急知识)."""

    PRE_SERVICE = "pre_service"
    SKILLS = "skills"
    ETHICS = "ethics"
    LAW = "law"
    SAFETY = "safety"
    EMERGENCY = "emergency"
    OTHER = "other"

    @property
    def zh(self) -> str:
        """Chinese label."""
        return _TRAINING_ZH[self]


_TRAINING_ZH = {
    TrainingCategory.PRE_SERVICE: "岗前",
    TrainingCategory.SKILLS: "技能提升",
    TrainingCategory.ETHICS: "职业道德",
    TrainingCategory.LAW: "法律法规",
    TrainingCategory.SAFETY: "安全教育",
    TrainingCategory.EMERGENCY: "应急知识",
    TrainingCategory.OTHER: "其他",
}


@dataclass(frozen=True)
class HeldCredential:
    """One certificate a person holds (a renewal is another row of the same type).

    ``expires_on`` is the date printed on it (the last valid day); ``None`` when it states none.
    """

    credential_id: int
    staff_id: int
    type_code: str
    number_masked: str
    issuer: str
    issued_on: date
    expires_on: date | None
    level: str | None = None


@dataclass(frozen=True)
class StaffMemberRecord:
    """A member of staff; ``left_on`` is the last day employed (inclusive), ``None`` while employed."""

    staff_id: int
    name: str
    role: str
    hired_on: date
    left_on: date | None = None

    def is_employed_on(self, day: date) -> bool:
        """True when the person is on the staff on ``day``."""
        return self.hired_on <= day and (self.left_on is None or day <= self.left_on)

    def is_employed_between(self, start: date, end: date) -> bool:
        """True when the person is on the staff on at least one day from ``start`` to ``end``."""
        return self.hired_on <= end and (self.left_on is None or start <= self.left_on)


@dataclass(frozen=True)
class DutyRecord:
    """One person on duty one day: a roster shift (``source="roster"``) or a kiosk check-in (``"kiosk"``)."""

    staff_id: int
    day: date
    room_id: int | None = None
    source: str = "roster"


@dataclass(frozen=True)
class TrainingRecord:
    """One line of the training log (a drill counts as ``emergency`` training)."""

    staff_id: int
    held_on: date
    category: str
    hours: Decimal
    provider: str
    title: str
    certificate: str = ""


@dataclass(frozen=True)
class StaffEvidence:
    """The centre's staff files for the evaluators: members, certificates, roster shifts, training."""

    members: Sequence[StaffMemberRecord] = field(default_factory=tuple)
    credentials: Sequence[HeldCredential] = field(default_factory=tuple)
    duties: Sequence[DutyRecord] = field(default_factory=tuple)
    trainings: Sequence[TrainingRecord] = field(default_factory=tuple)

    def credentials_of(self, staff_id: int) -> tuple[HeldCredential, ...]:
        """Every certificate of one person."""
        return tuple(c for c in self.credentials if c.staff_id == staff_id)
