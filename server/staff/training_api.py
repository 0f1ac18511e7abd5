"""JSON API of the training log: list per person or centre, record, correct, and totals by category."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import Blueprint
from flask_babel import lazy_gettext as _l
from pydantic import Field

from compliance import Period
from compliance.staffing.records import TrainingCategory
from server.apispec import Day, Id, Schema, responses, spec
from server.auth.session import current_actor
from server.centre.operations import get_centre
from server.clock import utcnow
from server.errors import ProblemCollector
from server.people.operations import get_staff
from server.staff import training as ops
from server.staff.training_models import TrainingEntry, TrainingSource

bp = Blueprint("training_api", __name__, url_prefix="/api/v1")
MAX_PERIOD_DAYS = 400  # a year's totals, with room for a school year that straddles two


class TrainingOut(Schema):
    id: int
    staff_id: int
    category: TrainingCategory
    title: str
    hours: Decimal
    provider: str
    held_on: date
    certificate_no: str | None
    document_id: int | None
    source: TrainingSource
    source_ref: str | None
    amends_id: int | None
    note: str | None
    recorded_at: datetime


class TrainingList(Schema):
    items: list[TrainingOut]


class TrainingIn(Schema):
    category: TrainingCategory
    title: str = Field(min_length=1, max_length=120)
    hours: Decimal = Field(max_digits=7, decimal_places=3)
    provider: str = Field(min_length=1, max_length=120)
    held_on: Day
    certificate_no: str | None = Field(None, max_length=60)
    document_id: Id | None = None

    def values(self) -> ops.TrainingValues:
        return ops.TrainingValues(**self.model_dump())


class AmendIn(Schema):
    """A corrected entry (`entry`), or `withdraw` when the training never happened; `note` says why."""

    entry: TrainingIn | None = None
    withdraw: bool = False
    note: str = Field(min_length=1, max_length=200)


class ListQuery(Schema):
    from_: Day | None = Field(None, alias="from")
    to: Day | None = None
    staff_id: Id | None = None


class PeriodQuery(Schema):
    from_: Day = Field(alias="from")
    to: Day


class PersonTotalOut(Schema):
    staff_id: int
    hours: dict[str, Decimal]
    total: Decimal


class TotalsOut(Schema):
    period_from: date
    period_to: date
    per_person: list[PersonTotalOut]
    totals: dict[str, Decimal]
    total_hours: Decimal
    employed: int
    trained: int
    coverage: Decimal | None  # percent of staff employed in the period with any training in it


def _period(start: date | None, end: date | None) -> Period | None:
    problems = ProblemCollector()
    if (start is None) != (end is None):
        problems.add("bad_period", _l("Give both ends of the period, or neither"), "to")
    elif start is not None and end is not None and end < start:
        problems.add("bad_period", _l("The period ends before it starts"), "to")
    elif start is not None and end is not None and (end - start).days > MAX_PERIOD_DAYS:
        problems.add("period_too_long", _l("At most %(days)s days", days=MAX_PERIOD_DAYS), "to")
    problems.raise_if_any()
    return Period(start, end) if start is not None and end is not None else None


def _out(entries: list[TrainingEntry]) -> TrainingList:
    return TrainingList(items=[TrainingOut.model_validate(e) for e in entries])


@bp.get("/centres/<string:code>/training")
@spec.validate(query=ListQuery, resp=responses(HTTP_200=TrainingList), tags=["training"])
def list_centre_training(code: str, query: ListQuery):
    """The centre's training log as it stands (corrections in place), optionally of a period or a person."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    period = _period(query.from_, query.to)
    return _out(ops.list_training(centre.id, actor=actor, now=now, staff_id=query.staff_id, period=period))


@bp.get("/staff/<int:staff_id>/training")
@spec.validate(resp=responses(HTTP_200=TrainingList), tags=["training"])
def list_staff_training(staff_id: int):
    """One person's training log."""
    actor, now = current_actor(), utcnow()
    staff = get_staff(staff_id, actor=actor, now=now)
    return _out(ops.list_training(staff.centre_id, actor=actor, now=now, staff_id=staff.id))


@bp.post("/staff/<int:staff_id>/training")
@spec.validate(json=TrainingIn, resp=responses(HTTP_201=TrainingOut), tags=["training"])
def record_training(staff_id: int, json: TrainingIn):
    """Log a training a person attended (audited)."""
    actor, now = current_actor(), utcnow()
    staff = get_staff(staff_id, actor=actor, now=now)
    return TrainingOut.model_validate(ops.record_training(staff, json.values(), actor=actor, now=now)), 201


@bp.post("/training/<int:entry_id>/amendments")
@spec.validate(json=AmendIn, resp=responses(HTTP_201=TrainingOut), tags=["training"])
def amend_training(entry_id: int, json: AmendIn):
    """Correct an entry by a new one, or withdraw it; the original stays on record."""
    actor, now = current_actor(), utcnow()
    entry = ops.get_entry(entry_id, actor=actor, now=now)
    problems = ProblemCollector()
    if json.withdraw == (json.entry is not None):
        problems.add("entry_or_withdraw", _l("Give the corrected entry, or withdraw it"), "entry")
    problems.raise_if_any()
    values = json.entry.values() if json.entry is not None else None
    return TrainingOut.model_validate(ops.amend_training(entry, values, note=json.note, actor=actor, now=now)), 201


@bp.get("/centres/<string:code>/training/totals")
@spec.validate(query=PeriodQuery, resp=responses(HTTP_200=TotalsOut), tags=["training"])
def training_totals(code: str, query: PeriodQuery):
    """Hours per person and category, centre totals and coverage over a period."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    period = _period(query.from_, query.to)
    assert period is not None
    summary = ops.training_totals(centre, period, actor=actor, now=now)
    people = [PersonTotalOut(staff_id=staff_id, hours=dict(hours), total=summary.hours_of(staff_id))
              for staff_id, hours in summary.per_person.items()]
    return TotalsOut(period_from=period.start, period_to=period.end, per_person=people, totals=dict(summary.totals),
                     total_hours=summary.total_hours, employed=summary.employed, trained=summary.trained,
                     coverage=summary.coverage)
