"""Emergency drills (应急演练, seed 002 L67): planned, then recorded with who took part and what must be fixed.

A recorded drill is kept as it was entered; each corrective action is its own row with an owner and a due date,
and its completion another row (done on, by whom), so nothing is edited in place. A correction is an amendment
row referencing the drill (field, value before and after, reason); a planned drill is called off by a cancellation
row with its reason.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.centre.models import str_enum
from server.database import UTCDateTime, db
from server.emergencies.plans_models import PlanScenario


class DrillSchedule(db.Model):
    """A drill planned for a day (the dashboard shows the next one)."""

    __tablename__ = "drill_schedule"
    __table_args__ = (Index("ix_drill_schedule_centre_on", "centre_id", "planned_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    scenario: Mapped[PlanScenario] = mapped_column(str_enum(PlanScenario, 24))
    planned_on: Mapped[date]
    note: Mapped[str | None] = mapped_column(String(200))
    scheduled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Drill(db.Model):
    """A drill that was held: when, which scenario, how many children, how long the evacuation took."""

    __tablename__ = "drill"
    __table_args__ = (Index("ix_drill_centre_held_at", "centre_id", "held_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    schedule_id: Mapped[int | None] = mapped_column(ForeignKey("drill_schedule.id"), unique=True)
    scenario: Mapped[PlanScenario] = mapped_column(str_enum(PlanScenario, 24))
    held_at: Mapped[datetime] = mapped_column(UTCDateTime)
    children_count: Mapped[int]
    evacuation_s: Mapped[int | None]  # None: a drill without an evacuation (e.g. a table-top exercise)
    duration_min: Mapped[int]  # how long the drill took: the hours of the participants' training entries
    problems: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DrillParticipant(db.Model):
    """A member of staff who took part in a drill (each gets an emergency-training entry in the staff record)."""

    __tablename__ = "drill_participant"
    __table_args__ = (UniqueConstraint("drill_id", "staff_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    drill_id: Mapped[int] = mapped_column(ForeignKey("drill.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))


class DrillAction(db.Model):
    """A corrective action found by a drill: what to do, who owns it, by when."""

    __tablename__ = "drill_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    drill_id: Mapped[int] = mapped_column(ForeignKey("drill.id"), index=True)
    action: Mapped[str] = mapped_column(String(300))
    owner_staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    due_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DrillActionDone(db.Model):
    """A corrective action was carried out (once)."""

    __tablename__ = "drill_action_done"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    action_id: Mapped[int] = mapped_column(ForeignKey("drill_action.id"), unique=True)
    done_on: Mapped[date]
    note: Mapped[str | None] = mapped_column(String(200))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DrillScheduleCancellation(db.Model):
    """A planned drill called off (once), with why: it leaves the plan and can no longer be recorded against."""

    __tablename__ = "drill_schedule_cancellation"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("drill_schedule.id"), unique=True)
    reason: Mapped[str] = mapped_column(String(300))
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    cancelled_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DrillAmendment(db.Model):
    """A correction of one field of a recorded drill: the value before and after (as JSON), why, who, when."""

    __tablename__ = "drill_amendment"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    drill_id: Mapped[int] = mapped_column(ForeignKey("drill.id"), index=True)
    field: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    new_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    reason: Mapped[str] = mapped_column(String(300))
    amended_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    amended_at: Mapped[datetime] = mapped_column(UTCDateTime)
