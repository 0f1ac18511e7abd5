"""The JSON shapes of the preparedness API (server/emergencies/preparedness_api.py), in the OpenAPI document."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from server.apispec import Day, Id, Instant, Schema
from server.emergencies import drills as drill_ops
from server.emergencies import plans as plan_ops
from server.emergencies import supplies as supply_ops
from server.emergencies.fire_checks_models import FireItem
from server.emergencies.plans_models import PlanScenario
from server.emergencies.supplies_models import MovementKind, SupplyKind
from server.people.models import StaffRole


class VersionOut(Schema):
    id: int
    plan_id: int
    version_no: int
    title: str
    responsible_roles: list[str]
    change_note: str | None
    has_file: bool
    published_at: datetime


class PlanLineOut(Schema):
    scenario: PlanScenario
    version: VersionOut | None
    versions: int
    read_count: int
    unread_staff_ids: list[int]
    read_by_me: bool
    due_at: datetime | None


class LibraryOut(Schema):
    items: list[PlanLineOut]


class VersionDetailOut(VersionOut):
    scenario: PlanScenario
    body: str
    is_current: bool
    readers: dict[str, datetime]  # staff id → when they confirmed


class PublishIn(Schema):
    scenario: PlanScenario
    title: str = Field(min_length=1, max_length=120)
    body: str = Field(min_length=1, max_length=plan_ops.MAX_BODY)
    responsible_roles: list[StaffRole] = Field(min_length=1, max_length=6)
    change_note: str | None = Field(None, max_length=300)


class ReadOut(Schema):
    version_id: int
    staff_id: int
    read_at: datetime


class ScheduleIn(Schema):
    scenario: PlanScenario
    planned_on: Day
    note: str | None = Field(None, max_length=200)


class ScheduleOut(Schema):
    id: int
    scenario: PlanScenario
    planned_on: date
    note: str | None


class ActionIn(Schema):
    action: str = Field(min_length=1, max_length=300)
    owner_staff_id: Id
    due_on: Day


class DrillIn(Schema):
    scenario: PlanScenario
    held_at: Instant
    children_count: int = Field(ge=0, le=drill_ops.MAX_CHILDREN)
    evacuation_s: int | None = Field(None, ge=1, le=drill_ops.MAX_EVACUATION_S)
    duration_min: int = Field(ge=1, le=drill_ops.MAX_DURATION_MIN)
    problems: str = Field("", max_length=4000)
    participant_ids: list[Id] = Field(min_length=1, max_length=200)
    actions: list[ActionIn] = Field(default_factory=list, max_length=50)
    schedule_id: Id | None = None

    def values(self) -> drill_ops.DrillValues:
        return drill_ops.DrillValues(
            scenario=self.scenario.value, held_at=self.held_at, children_count=self.children_count,
            evacuation_s=self.evacuation_s, duration_min=self.duration_min, problems=self.problems,
            participant_ids=tuple(self.participant_ids), schedule_id=self.schedule_id,
            actions=tuple(drill_ops.ActionValues(a.action, a.owner_staff_id, a.due_on) for a in self.actions))


class ActionOut(Schema):
    id: int
    action: str
    owner_staff_id: int
    due_on: date
    done_on: date | None


class DrillOut(Schema):
    id: int
    scenario: PlanScenario
    held_at: datetime
    children_count: int
    evacuation_s: int | None
    duration_min: int
    problems: str
    participant_ids: list[int]
    actions: list[ActionOut]


class DrillsOut(Schema):
    upcoming: list[ScheduleOut]
    items: list[DrillOut]


class DoneIn(Schema):
    done_on: Day
    note: str | None = Field(None, max_length=200)


class ItemIn(Schema):
    is_ok: bool
    note: str | None = Field(None, max_length=200)


class FireCheckIn(Schema):
    checked_at: Instant
    items: dict[FireItem, ItemIn]
    note: str | None = Field(None, max_length=300)


class FireItemOut(Schema):
    item: FireItem
    is_ok: bool
    note: str | None


class FireCheckOut(Schema):
    id: int
    checked_at: datetime
    checker_name: str
    note: str | None
    items: list[FireItemOut]


class CertificateIn(Schema):
    issued_on: Day
    valid_until: Day
    issuer: str = Field(min_length=1, max_length=120)
    number: str | None = Field(None, max_length=60)


class CertificateOut(Schema):
    id: int
    issued_on: date
    valid_until: date
    issuer: str
    number: str | None
    has_file: bool


class FireOut(Schema):
    checked_this_month: bool
    checks: list[FireCheckOut]
    certificates: list[CertificateOut]


class SupplyOut(Schema):
    kind: SupplyKind
    minimum: int
    balance: int
    below: bool
    below_since: datetime | None


class IsolationOut(Schema):
    has_room: bool
    location: str | None
    checked_on: date | None


class SuppliesOut(Schema):
    isolation_room: IsolationOut | None
    items: list[SupplyOut]


class MovementIn(Schema):
    kind: SupplyKind
    movement: MovementKind
    quantity: int = Field(ge=0, le=supply_ops.MAX_QUANTITY)
    note: str | None = Field(None, max_length=200)


class MovementOut(Schema):
    id: int
    kind: SupplyKind
    movement: MovementKind
    quantity: int
    balance: int
    recorded_at: datetime


class MinimumIn(Schema):
    kind: SupplyKind
    minimum: int = Field(ge=0, le=supply_ops.MAX_QUANTITY)


class IsolationIn(Schema):
    has_room: bool
    location: str | None = Field(None, max_length=120)
    checked_on: Day | None = None
    note: str | None = Field(None, max_length=200)
