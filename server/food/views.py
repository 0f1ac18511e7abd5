"""Food-sample pages: the kitchen's tablet, a sample's page and the office's month.

The kitchen's tablet shows today's dishes, weigh and seal, the fridge and disposal; a sample's page its fridge
evidence and its corrections; the office's month is the director's and the inspector's.

Each form calls the same operation as the API: a refused form answers 422 (or 409 for a disposal before the
keep-until time, with the time) and shows what was typed.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from compliance.food.samples import FRIDGE_RULE, Meal, dish_key, meal_label
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.auth.session import current_actor, refuse_form
from server.centre.models import Centre
from server.centre.operations import centre_by_id, get_centre
from server.centre.rules import effective_rules
from server.centre.timezones import centre_today, centre_zone
from server.clock import utcnow
from server.database import db
from server.errors import Conflict, Forbidden, Problem, ValidationFailed, problems_by_field
from server.food import operations as ops
from server.food.fridge import centre_fridges
from server.food.kitchen_staff import certificate_warnings
from server.food.menu_source import menu_dishes
from server.food.registers import FIELD_NAMES, KeptSample, amendment_text, kept_samples, month_figures
from server.i18n import is_chinese
from server.people.views import PROBLEM_TEXTS

bp = Blueprint("food", __name__)
TEXTS = {**PROBLEM_TEXTS, "required": _l("This is required.")}
PRESETS = (100, 125, 150)  # grams: the weights a cook taps most
FIELD_LABELS = {"meal": _l("Meal"), "dish": _l("Dish"), "weight_g": _l("Weight (g)"), "sealed_at": _l("Sealed at"),
                "fridge": _l("Fridge")}


def _centre(code: str, perm: Perm) -> tuple[Centre, Actor, datetime]:
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    authorise(actor, perm, centre.id, now)
    return centre, actor, now


def _meal_name(value: str) -> str:
    zh, en = meal_label(value)
    return zh if is_chinese() else en


def _local(centre: Centre, at: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return at.astimezone(centre_zone(centre)).strftime(fmt) if at else ""


def _instant(centre: Centre, day: date, raw: str) -> Any:
    """A `time` input's value on the day, in the centre's zone (None: now; the raw text when unreadable)."""
    if not raw:
        return None
    try:
        return datetime.combine(day, datetime.strptime(raw, "%H:%M").time(), centre_zone(centre))
    except ValueError:
        return raw


def _today_meals(centre: Centre, today: date, kept: list[KeptSample]) -> list[dict[str, Any]]:
    """Each meal of today: the menu's dishes (sampled or still to take) and dishes sampled off the menu."""
    served = menu_dishes(centre.id, today, today)
    taken: dict[tuple[str, str], list[KeptSample]] = {}
    for k in kept:
        taken.setdefault((k.line.values["meal"].value, dish_key(k.line.values["dish"])), []).append(k)
    meals = []
    for meal in Meal:
        dishes = [{"dish": d.dish, "samples": taken.pop((meal.value, dish_key(d.dish)), [])}
                  for d in served if d.meal == meal.value]
        dishes += [{"dish": ks[0].line.values["dish"], "samples": ks} for (m, _), ks in list(taken.items())
                   if m == meal.value]
        for key in [key for key in taken if key[0] == meal.value]:
            del taken[key]
        if dishes:
            meals.append({"meal": meal.value, "name": _meal_name(meal.value), "dishes": dishes})
    return meals


def _kitchen_page(centre: Centre, actor: Actor, now: datetime, *, form: dict[str, list[str]] | None = None,
                  errors: dict[str, list[str]] | None = None) -> str:
    today = centre_today(centre, now)
    todays = kept_samples(centre, ops.samples_between(centre.id, today, today), now)
    in_fridge = [line for line in ops.sample_lines(ops.samples_kept(centre.id)) if line.sample.day < today]
    limits = ops.limits_for(centre, today)
    fridges = centre_fridges(centre.id)
    rules = effective_rules(centre, today)
    fridge_rule = rules.get(FRIDGE_RULE)
    fridge_limits = (float(fridge_rule.value("lower")), float(fridge_rule.value("upper"))) if fridge_rule else (
        float("-inf"), float("inf"))
    return render_template(
        "food/kitchen.html", centre=centre, today=today, meals=_today_meals(centre, today, todays),
        has_menu=bool(menu_dishes(centre.id, today, today)), in_fridge=in_fridge, limits=limits, fridges=fridges,
        warnings=certificate_warnings(centre.id, today, rules), now=now, fridge_limits=fridge_limits,
        all_meals=[(m.value, _meal_name(m.value)) for m in Meal], presets=PRESETS, form=form or {},
        errors=errors or {}, may_write=actor.can(Perm.FOOD_WRITE, centre.id, now),
        local=lambda at, fmt="%m-%d %H:%M": _local(centre, at, fmt), meal_name=_meal_name)


@bp.get("/centres/<string:code>/kitchen/samples")
@login_required
def kitchen(code: str) -> ResponseReturnValue:
    """The kitchen's tablet: today's dishes to sample, the weigh-and-seal form, the fridge and what is due out."""
    centre, actor, now = _centre(code, Perm.FOOD_READ)
    return _kitchen_page(centre, actor, now)


@bp.post("/centres/<string:code>/kitchen/samples")
@login_required
def record(code: str) -> ResponseReturnValue:
    """Weigh and seal one dish's sample (the form stays filled in when refused)."""
    centre, actor, now = _centre(code, Perm.FOOD_READ)
    f = request.form
    back = url_for("food.kitchen", code=code)
    try:
        ops.record_sample(centre, meal=f.get("meal", ""), dish=f.get("dish", ""), weight_g=f.get("weight_g", ""),
                          sealed_at=_instant(centre, centre_today(centre, now), f.get("sealed_at", "").strip()),
                          fridge=f.get("fridge", ""), actor=actor, now=now)
    except Forbidden as exc:
        return refuse_form(exc, back=back)
    except ValidationFailed as exc:
        db.session.rollback()
        return _kitchen_page(centre, actor, now, form=f.to_dict(flat=False),
                             errors=problems_by_field(exc.problems, TEXTS)), 422
    return redirect(back)


@bp.post("/food-samples/<int:sample_id>/dispose")
@login_required
def dispose(sample_id: int) -> ResponseReturnValue:
    """Log a sample's disposal; before its keep-until time the tablet says until when (409)."""
    actor, now = current_actor(), utcnow()
    sample = ops.get_sample(sample_id, actor=actor, now=now)
    centre = centre_by_id(sample.centre_id)
    back = url_for("food.kitchen", code=centre.code)
    try:
        ops.dispose_sample(sample, actor=actor, now=now)
    except Forbidden as exc:
        return refuse_form(exc, back=back)
    except Conflict as exc:
        db.session.rollback()
        return _kitchen_page(centre, actor, now, errors={"dispose": [str(exc.message)],
                                                         "dispose_id": [str(sample_id)]}), 409
    return redirect(request.form.get("next") or back)


def _sample_page(sample_id: int, *, form: dict[str, list[str]] | None = None,
                 errors: dict[str, list[str]] | None = None) -> str:
    actor, now = current_actor(), utcnow()
    sample = ops.get_sample(sample_id, actor=actor, now=now)
    centre = centre_by_id(sample.centre_id)
    [kept] = kept_samples(centre, [sample], now)
    fixes = [(FIELD_NAMES.get(a.field, a.field), *amendment_text(centre, a.field, a.old_value, a.new_value), a)
             for a in kept.line.amendments]
    return render_template(
        "food/sample.html", centre=centre, kept=kept, line=kept.line, stats=kept.stats, fixes=fixes, now=now,
        form=form or {}, errors=errors or {}, field_labels=FIELD_LABELS, fields=ops.AMENDABLE,
        may_write=actor.can(Perm.FOOD_WRITE, centre.id, now), all_meals=[(m.value, _meal_name(m.value)) for m in Meal],
        fridges=centre_fridges(centre.id), local=lambda at: _local(centre, at), meal_name=_meal_name)


@bp.get("/food-samples/<int:sample_id>")
@login_required
def sample_page(sample_id: int) -> ResponseReturnValue:
    """One sample: its values, its fridge's readings while kept, its corrections and its disposal."""
    return _sample_page(sample_id)


@bp.post("/food-samples/<int:sample_id>/amend")
@login_required
def amend(sample_id: int) -> ResponseReturnValue:
    """Correct one field with the reason (the original stays beside it)."""
    actor, now = current_actor(), utcnow()
    sample = ops.get_sample(sample_id, actor=actor, now=now)
    centre = centre_by_id(sample.centre_id)
    field = request.form.get("field", "")
    raw: Any = request.form.get("value", "").strip()
    if field == "sealed_at" and raw:
        try:
            raw = datetime.fromisoformat(raw).replace(tzinfo=centre_zone(centre))
        except ValueError:
            pass
    try:
        ops.amend_sample(sample, field=field, value=raw, reason=request.form.get("reason", ""), actor=actor, now=now)
    except Forbidden as exc:
        return refuse_form(exc, back=url_for("food.sample_page", sample_id=sample_id))
    except ValidationFailed as exc:
        db.session.rollback()
        errors = problems_by_field(exc.problems, TEXTS)
        if "field" not in errors and field in ops.AMENDABLE:
            errors["value"] = [*errors.pop(field, []), *errors.get("value", [])]
        return _sample_page(sample_id, form=request.form.to_dict(flat=False), errors=errors), 422
    except Conflict as exc:
        db.session.rollback()
        return _sample_page(sample_id, form=request.form.to_dict(flat=False),
                            errors=problems_by_field([Problem(exc.code, exc.message, "")])), 409
    return redirect(url_for("food.sample_page", sample_id=sample_id))


def _month(raw: str | None, today: date) -> date:
    try:
        return datetime.strptime(raw or "", "%Y-%m").date()
    except ValueError:
        return today.replace(day=1)


@bp.get("/centres/<string:code>/food-samples")
@login_required
def month(code: str) -> ResponseReturnValue:
    """The office's month: every sample with its fridge readings, the figures, the dishes without a sample."""
    centre, actor, now = _centre(code, Perm.FOOD_READ)
    today = centre_today(centre, now)
    first = _month(request.args.get("month"), today)
    last = min((first + timedelta(days=32)).replace(day=1) - timedelta(days=1), today)
    kept = kept_samples(centre, ops.samples_between(centre.id, first, last), now) if first <= today else []
    figures = month_figures(centre, first, max(last, first), now, kept)
    taken = {(k.line.sample.day, k.line.values["meal"].value, dish_key(k.line.values["dish"])) for k in kept}
    missing = [d for d in menu_dishes(centre.id, first, last) if (d.day, d.meal, dish_key(d.dish)) not in taken]
    previous = (first - timedelta(days=1)).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return render_template(
        "food/month.html", centre=centre, first=first, kept=kept, figures=figures, missing=missing, now=now,
        previous=previous.strftime("%Y-%m"), following=following.strftime("%Y-%m") if following <= today else None,
        local=lambda at: _local(centre, at), meal_name=_meal_name,
        may_write=actor.can(Perm.FOOD_WRITE, centre.id, now))
