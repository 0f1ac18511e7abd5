"""JSON API of the weekly menu (带量食谱) and the monthly 膳食费 publication.

Staff with `food.read` read the week as the kitchen sees it (the draft, with its allergy warnings); anyone who may
read the centre (its families among them) reads the published version and the published accounts — a public 公示 —
and nothing of a draft. Allergy warnings name the children (name and class) only to staff who read children.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Blueprint
from flask_babel import lazy_gettext as _l
from pydantic import Field

from server.apispec import FIRST_DAY, LAST_DAY, Day, Schema, responses, spec
from server.auth.actor import Actor
from server.auth.roles import Perm
from server.auth.session import current_actor
from server.centre.models import Centre
from server.centre.operations import get_centre
from server.clock import utcnow
from server.errors import Problem, ValidationFailed
from server.idempotency import idempotent
from server.meals import operations as ops
from server.meals.models import Meal

bp = Blueprint("meals_api", __name__, url_prefix="/api/v1")


class IngredientSchema(Schema):
    name: str = Field(min_length=1, max_length=40)
    grams: int = Field(ge=1, le=ops.MAX_GRAMS, description="grams per child")
    allergens: list[str] = Field(default_factory=list, max_length=10,
                                 description="food allergen codes of compliance/health/allergens.yaml")


class DishSchema(Schema):
    day: Day
    meal: Meal
    name: str = Field(min_length=1, max_length=60)
    ingredients: list[IngredientSchema] = Field(default_factory=list, max_length=ops.MAX_INGREDIENTS)


class DraftIn(Schema):
    dishes: list[DishSchema] = Field(max_length=ops.MAX_DISHES)
    change_note: str | None = Field(None, max_length=300)


class CopyIn(Schema):
    from_week: Day = Field(description="a day of the week to copy (its latest published version)")


class ChildOut(Schema):
    name: str
    room: str
    severity: str


class WarningOut(Schema):
    day: date
    meal: Meal
    dish: str
    allergen: str
    label_zh: str
    label_en: str
    children: list[ChildOut] = Field(description="only for staff who read children; else empty")
    count: int


class DishOut(Schema):
    day: date
    meal: Meal
    name: str
    ingredients: list[dict[str, Any]]


class WeekOut(Schema):
    week_of: date
    version: int | None
    is_draft: bool
    published_at: datetime | None
    published_by: str | None
    updated: bool = Field(description="published more than once")
    change_note: str | None
    dishes: list[DishOut]
    warnings: list[WarningOut]


class WeekQuery(Schema):
    week: Day | None = Field(None, description="any day of the week (default: this week)")


class FeeIn(Schema):
    month: str = Field(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")
    income_fen: int = Field(ge=0, le=ops.MAX_FEN)
    spending_fen: int = Field(ge=0, le=ops.MAX_FEN)
    categories: dict[str, int] = Field(default_factory=dict, description="spending by category, fen")
    note: str | None = Field(None, max_length=300)


class FeeOut(Schema):
    month: str
    version: int
    income_fen: int
    spending_fen: int
    balance_fen: int
    balance_share: float | None = Field(description="|balance| / income in %, two decimals")
    categories: dict[str, int]
    note: str | None
    published_at: datetime
    published_by: str


class FeeList(Schema):
    items: list[FeeOut]


def _week_out(week: ops.WeekMenu, centre: Centre, actor: Actor, now: datetime) -> WeekOut:
    names = actor.can(Perm.CHILDREN_READ, centre.id, now) and actor.can(Perm.FOOD_READ, centre.id, now)
    if names:
        ops.log_allergy_names_read(centre, week, actor=actor, now=now)
    v = week.version
    return WeekOut(
        week_of=week.week_of, version=v.version_no if v else None, is_draft=bool(v and v.published_at is None),
        published_at=v.published_at if v else None, published_by=v.publisher_name if v else None,
        updated=week.is_updated, change_note=v.change_note if v else None,
        dishes=[DishOut(day=d.day, meal=d.meal, name=d.name, ingredients=list(d.ingredients)) for d in week.dishes],
        warnings=[WarningOut(day=w.day, meal=w.meal, dish=w.dish, allergen=w.allergen, label_zh=w.label_zh,
                             label_en=w.label_en, count=len(w.children),
                             children=[ChildOut(name=c.name, room=c.room, severity=c.severity) for c in w.children]
                             if names else []) for w in week.warnings])


def _dishes(json: DraftIn) -> list[ops.DishIn]:
    return [ops.DishIn(d.day, d.meal.value, d.name, tuple(ops.IngredientIn(i.name, i.grams, tuple(i.allergens))
                                                          for i in d.ingredients)) for d in json.dishes]


@bp.get("/centres/<string:code>/menus/current")
@spec.validate(query=WeekQuery, resp=responses(HTTP_200=WeekOut), tags=["meals"])
def published_menu(code: str, query: WeekQuery):
    """The week's latest published menu (families, staff, inspectors); empty dishes when none is published."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    week = ops.published_week(centre, query.week or now.date(), actor=actor, now=now)
    return _week_out(week, centre, actor, now)


@bp.get("/centres/<string:code>/menus/draft")
@spec.validate(query=WeekQuery, resp=responses(HTTP_200=WeekOut), tags=["meals"])
def draft_menu(code: str, query: WeekQuery):
    """The week as the kitchen works on it: the draft if any, else the latest published version (food.read)."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    week = ops.staff_week(centre, query.week or now.date(), actor=actor, now=now)
    return _week_out(week, centre, actor, now)


@bp.put("/centres/<string:code>/menus/<string:week_of>/draft")
@idempotent
@spec.validate(json=DraftIn, resp=responses(HTTP_200=WeekOut), tags=["meals"])
def save_draft(code: str, week_of: str, json: DraftIn):
    """Replace the week's draft (week_of: its Monday, YYYY-MM-DD); the answer carries the allergy warnings."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    week = ops.save_draft(centre, _monday(week_of), _dishes(json), change_note=json.change_note, actor=actor, now=now)
    return _week_out(week, centre, actor, now)


@bp.post("/centres/<string:code>/menus/<string:week_of>/copy")
@idempotent
@spec.validate(json=CopyIn, resp=responses(HTTP_200=WeekOut), tags=["meals"])
def copy_menu(code: str, week_of: str, json: CopyIn):
    """Start the week's draft from another week's published menu (e.g. last week's); 409 `nothing_to_copy`."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    week = ops.copy_week(centre, _monday(week_of), json.from_week, actor=actor, now=now)
    return _week_out(week, centre, actor, now)


@bp.post("/centres/<string:code>/menus/<string:week_of>/publish")
@idempotent
@spec.validate(resp=responses(HTTP_201=WeekOut), tags=["meals"])
def publish_menu(code: str, week_of: str):
    """Publish the week's draft as its next version; the families are told (409 `no_draft`, `empty_menu`)."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    monday = _monday(week_of)
    ops.publish_menu(centre, monday, actor=actor, now=now)
    return _week_out(ops.published_week(centre, monday, actor=actor, now=now), centre, actor, now), 201


@bp.get("/centres/<string:code>/meal-fees")
@spec.validate(resp=responses(HTTP_200=FeeList), tags=["meals"])
def list_fees(code: str):
    """Each month's latest published 膳食费 account, newest first (a public 公示: staff and families)."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    return FeeList(items=[FeeOut(**ops.fee_values(r)) for r in ops.list_fees(centre, actor=actor, now=now)])


@bp.post("/centres/<string:code>/meal-fees")
@idempotent
@spec.validate(json=FeeIn, resp=responses(HTTP_201=FeeOut), tags=["meals"])
def publish_fee(code: str, json: FeeIn):
    """Publish a month's income and spending (a correction: the same month again, as its next version)."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    row = ops.publish_meal_fee(centre, month=_month(json.month), income_fen=json.income_fen,
                               spending_fen=json.spending_fen, categories=json.categories, note=json.note,
                               actor=actor, now=now)
    return FeeOut(**ops.fee_values(row)), 201


def _monday(text: str) -> date:
    """The week's Monday from the path (the operation refuses another weekday); 422 for a date out of range."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        day = None
    if day is None or not FIRST_DAY <= day <= LAST_DAY:
        raise ValidationFailed([Problem("invalid_date", _l("Enter a date as YYYY-MM-DD"), "week_of")])
    return day


def _month(text: str) -> date:
    try:
        month = date.fromisoformat(text + "-01")
    except ValueError:
        month = None
    if month is None or not FIRST_DAY <= month <= LAST_DAY:
        raise ValidationFailed([Problem("not_a_month", _l("Choose a month"), "month")])
    return month
