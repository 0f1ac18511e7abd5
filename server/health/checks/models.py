"""晨午检及全日健康观察: one row per check of one child (一摸二看三问四查), and the closing of a follow-up.

Append-only. A correction is a new row with `amends_id` and `reason` (readers use the latest); the kiosk's quick
screen at check-in is a `pending` morning row that a full check completes (`completes_id`); an abnormal check's
follow-up is closed by its own `FollowUpClosure` row.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Numeric, Text
from sqlalchemy.orm import Mapped, mapped_column

from compliance.health import CheckKind
from server.centre.models import str_enum
from server.database import UTCDateTime, db


class CheckStatus(StrEnum):
    """The result of a check; `pending`: the kiosk's quick screen, until the 保健员 completes it."""

    NORMAL = "normal"
    ABNORMAL = "abnormal"
    PENDING = "pending"


class CheckSource(StrEnum):
    TABLET = "tablet"  # a member of staff, on a tablet or the office's screen
    KIOSK = "kiosk"  # the door kiosk's quick screen at check-in


LABELS: dict[StrEnum, tuple[str, str]] = {
    CheckKind.MORNING: ("晨检", "Morning check"),
    CheckKind.NOON: ("午检", "Noon check"),
    CheckKind.OBSERVATION: ("全日观察", "Observation"),
    CheckStatus.NORMAL: ("正常", "Normal"),
    CheckStatus.ABNORMAL: ("异常", "Abnormal"),
    CheckStatus.PENDING: ("待完成", "To complete"),
    CheckSource.TABLET: ("保健员", "Staff"),
    CheckSource.KIOSK: ("门口终端", "Door kiosk"),
}


class HealthCheck(db.Model):
    """One check of one child: temperature and the signs of 一摸二看三问四查, the result and where the child went.

    The signs a kiosk screen does not look at (skin, spirits, questions, objects) are None on its row.
    """

    __tablename__ = "health_check"
    __table_args__ = (Index("ix_health_check_centre_on", "centre_id", "on"),
                      Index("ix_health_check_child_on", "child_id", "on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"))
    room_id: Mapped[int | None] = mapped_column(ForeignKey("room.id"))  # the child's class at the time
    kind: Mapped[CheckKind] = mapped_column(str_enum(CheckKind, 16))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    on: Mapped[date]  # the centre-local day of `at`
    source: Mapped[CheckSource] = mapped_column(str_enum(CheckSource, 8))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("device.id"))  # the kiosk of a quick screen
    temperature: Mapped[Decimal | None] = mapped_column(Numeric(3, 1))  # °C
    hands_mouth_eyes_ok: Mapped[bool]
    skin_ok: Mapped[bool | None]
    spirits_ok: Mapped[bool | None]
    asked_ok: Mapped[bool | None]  # sleep, diet, stool at home, as the guardian says
    dangerous_objects_found: Mapped[bool | None]
    findings: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[CheckStatus] = mapped_column(str_enum(CheckStatus, 16))
    to_observation_room: Mapped[bool] = mapped_column(default=False)  # sent to the 保健观察室
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    completes_id: Mapped[int | None] = mapped_column(ForeignKey("health_check.id"), index=True)
    # One correction per row: a later correction amends the correction.
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("health_check.id"), unique=True)
    reason: Mapped[str | None] = mapped_column(Text)  # why a correction was made
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FollowUpClosure(db.Model):
    """An abnormal check's follow-up closed: what came of it (sent home, seen by a doctor, fine on return …)."""

    __tablename__ = "health_follow_up_closure"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    check_id: Mapped[int] = mapped_column(ForeignKey("health_check.id"), unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(Text)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
