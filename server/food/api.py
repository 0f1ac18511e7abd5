"""JSON API of the food samples (食品留样): record, list, read with the fridge's evidence, correct, dispose.

Staff who read food (and inspectors) read; the kitchen and the 保健员 write. A disposal before the sample's
keep-until time is refused with 409 `kept_too_short` (the message says until when); a sample is never edited:
a correction is `POST /food-samples/<id>/amendments`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint
from flask_babel import lazy_gettext as _l
from pydantic import Field

from compliance.food.samples import Meal
from server.apispec import Day, Instant, Schema, responses, spec
from server.auth.roles import Perm
from server.auth.session import current_actor
from server.centre.operations import centre_by_id, get_centre
from server.centre.timezones import centre_today
from server.clock import utcnow
from server.errors import Problem, ValidationFailed
from server.food import operations as ops
from server.food.fridge import centre_fridges
from server.food.registers import KeptSample, kept_samples
from server.idempotency import idempotent

bp = Blueprint("food_api", __name__, url_prefix="/api/v1")
MOST_DAYS = 62


class SampleIn(Schema):
    meal: Meal
    dish: str = Field(min_length=1, max_length=ops.MAX_DISH)
    weight_g: int = Field(ge=1, le=ops.MOST_GRAMS, description="grams, as weighed")
    fridge: str = Field(min_length=1, max_length=48, description="an environment fridge point, e.g. fridge-sample")
    sealed_at: Instant | None = Field(None, description="default: now")
    day: Day | None = Field(None, description="the meal's local day (default: the sealing day)")


class AmendmentIn(Schema):
    field: str = Field(max_length=16, description="one of: " + ", ".join(ops.AMENDABLE))
    value: Any = Field(description="the new value (ISO instant for sealed_at)")
    reason: str = Field(max_length=ops.MAX_REASON)


class ListQuery(Schema):
    start: Day | None = Field(None, description="first day (default: today)")
    end: Day | None = Field(None, description="last day (default: start)")


class ExcursionOut(Schema):
    started_at: datetime
    ended_at: datetime | None
    bound: str
    limit_c: float
    worst_c: float


class FridgeEvidenceOut(Schema):
    monitored: bool
    start: datetime
    end: datetime
    readings: int = Field(description="minutes with a reading while kept")
    min_c: float | None
    max_c: float | None
    gaps: int
    gap_minutes: int
    excursions: list[ExcursionOut]


class AmendmentOut(Schema):
    id: int
    field: str
    old_value: Any
    new_value: Any
    reason: str
    amended_at: datetime
    amended_by: str


class SampleOut(Schema):
    id: int
    day: str
    meal: Meal
    dish: str
    weight_g: int
    underweight: bool
    min_weight_g: int
    sealed_at: datetime
    fridge: str
    sampled_by: str
    recorded_at: datetime
    keep_until: datetime
    may_dispose: bool
    disposed_at: datetime | None
    disposed_by: str | None
    amendments: list[AmendmentOut]
    fridge_evidence: FridgeEvidenceOut


class SampleList(Schema):
    items: list[SampleOut]


class FridgeOut(Schema):
    point: str
    label: str
    current_c: float | None
    current_at: datetime | None


class FridgeList(Schema):
    items: list[FridgeOut]


def sample_out(kept: KeptSample, now: datetime) -> SampleOut:
    line, stats, s = kept.line, kept.stats, kept.line.sample
    v = line.values
    assert line.keep_until is not None and line.limits is not None
    return SampleOut(
        id=s.id, day=s.day.isoformat(), meal=v["meal"], dish=v["dish"], weight_g=v["weight_g"],
        underweight=line.underweight, min_weight_g=line.limits.min_weight_g, sealed_at=v["sealed_at"],
        fridge=v["fridge"], sampled_by=s.sampled_by, recorded_at=s.recorded_at, keep_until=line.keep_until,
        may_dispose=line.may_dispose(now), disposed_at=line.disposal.disposed_at if line.disposal else None,
        disposed_by=line.disposal.disposed_by if line.disposal else None,
        amendments=[AmendmentOut(id=a.id, field=a.field, old_value=a.old_value, new_value=a.new_value,
                                 reason=a.reason, amended_at=a.amended_at, amended_by=a.amended_by)
                    for a in line.amendments],
        fridge_evidence=FridgeEvidenceOut(
            monitored=kept.monitored, start=stats.start, end=stats.end, readings=stats.readings, min_c=stats.min_c,
            max_c=stats.max_c, gaps=stats.gaps, gap_minutes=stats.gap_minutes,
            excursions=[ExcursionOut(started_at=x.started_at, ended_at=x.ended_at, bound=x.bound,
                                     limit_c=x.limit_c, worst_c=x.worst_c) for x in stats.excursions]))


def _one(sample_id: int, now: datetime) -> SampleOut:
    row = ops.get_sample(sample_id, actor=current_actor(), now=now)
    [kept] = kept_samples(centre_by_id(row.centre_id), [row], now)
    return sample_out(kept, now)


@bp.get("/centres/<string:code>/food-samples")
@spec.validate(query=ListQuery, resp=responses(HTTP_200=SampleList), tags=["food"])
def list_samples(code: str, query: ListQuery):
    """The centre's samples of days start..end (at most 62 days), each with its fridge's readings while kept."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now, perm=Perm.FOOD_READ)
    start = query.start or centre_today(centre, now)
    end = query.end or start
    if end < start or end - start > timedelta(days=MOST_DAYS):
        raise ValidationFailed([Problem("bad_range", _l("The end must be on or after the start, within %(most)s days",
                                                        most=MOST_DAYS), "end")])
    kept = kept_samples(centre, ops.samples_between(centre.id, start, end), now)
    return SampleList(items=[sample_out(k, now) for k in kept])


@bp.post("/centres/<string:code>/food-samples")
@idempotent
@spec.validate(json=SampleIn, resp=responses(HTTP_201=SampleOut), tags=["food"])
def create_sample(code: str, json: SampleIn):
    """Record one dish's sample: meal, dish, grams, the fridge, when it was sealed (default now)."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now, perm=Perm.FOOD_READ)
    row = ops.record_sample(centre, meal=json.meal, dish=json.dish, weight_g=json.weight_g, sealed_at=json.sealed_at,
                            fridge=json.fridge, day=json.day, actor=actor, now=now)
    return _one(row.id, now), 201


@bp.get("/food-samples/<int:sample_id>")
@spec.validate(resp=responses(HTTP_200=SampleOut), tags=["food"])
def get_sample(sample_id: int):
    """One sample with its corrections, its disposal and its fridge's readings while kept."""
    return _one(sample_id, utcnow())


@bp.post("/food-samples/<int:sample_id>/amendments")
@idempotent
@spec.validate(json=AmendmentIn, resp=responses(HTTP_201=SampleOut), tags=["food"])
def amend_sample(sample_id: int, json: AmendmentIn):
    """Correct one field (meal, dish, weight_g, sealed_at, fridge) with the reason; the original stays."""
    actor, now = current_actor(), utcnow()
    row = ops.get_sample(sample_id, actor=actor, now=now)
    ops.amend_sample(row, field=json.field, value=json.value, reason=json.reason, actor=actor, now=now)
    return _one(row.id, now), 201


@bp.post("/food-samples/<int:sample_id>/disposal")
@idempotent
@spec.validate(resp=responses(HTTP_201=SampleOut), tags=["food"])
def dispose_sample(sample_id: int):
    """Log the sample's disposal now; 409 `kept_too_short` before its keep-until time, `already_disposed` twice."""
    actor, now = current_actor(), utcnow()
    row = ops.get_sample(sample_id, actor=actor, now=now)
    ops.dispose_sample(row, actor=actor, now=now)
    return _one(row.id, now), 201


@bp.get("/centres/<string:code>/fridges")
@spec.validate(resp=responses(HTTP_200=FridgeList), tags=["food"])
def list_fridges(code: str):
    """The centre's fridges (environment points with fridge_c readings) with their latest temperature."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now, perm=Perm.FOOD_READ)
    return FridgeList(items=[FridgeOut(point=f.point, label=f.label_zh, current_c=f.current_c,
                                       current_at=f.current_at) for f in centre_fridges(centre.id)])
