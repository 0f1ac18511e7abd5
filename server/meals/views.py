"""The menu and meal-fee pages: the kitchen's week (tablet), its editor, the office's 膳食费 page, the family's phone.

Thin: the same operations as the API. The editor takes one text box per day and meal, a dish a line:
``番茄炒蛋：番茄 60，鸡蛋 25`` (grams per child); a refused form comes back with what was typed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from compliance.evaluators.meals import BALANCE_RULE
from compliance.food.meals import monday_of
from server.apispec import FIRST_DAY, LAST_DAY
from server.auth.actor import AccessRefused, Actor, authorise
from server.auth.roles import Perm, Role
from server.auth.session import current_actor, refuse_form
from server.centre.models import Centre
from server.centre.operations import get_centre
from server.centre.rules import effective_rules
from server.centre.timezones import centre_today, centre_zone
from server.clock import utcnow
from server.database import db
from server.errors import Conflict, Forbidden, Problem, ProblemCollector, ValidationFailed, problems_by_field
from server.i18n import is_chinese
from server.meals import operations as ops
from server.meals.models import MEAL_LABELS, Meal
from server.people.links import linked_child_ids

bp = Blueprint("meals", __name__)
EDIT_DAYS = 5  # the editor shows Monday to Friday
_SPLIT_DISH = re.compile(r"[:：]")
_SPLIT_ITEMS = re.compile(r"[,，、;；]")
_ITEM = re.compile(r"^(.+?)\s*(\d{1,4})\s*(?:g|克)?$")


def _page(code: str) -> tuple[Centre, Actor, datetime]:
    actor, now = current_actor(), utcnow()
    return get_centre(code, actor=actor, now=now), actor, now


def _week_arg(centre: Centre, now: datetime, text: str | None) -> date:
    try:
        day = date.fromisoformat(text) if text else None
    except ValueError:
        day = None
    if day is None or not FIRST_DAY <= day <= LAST_DAY:
        day = centre_today(centre, now)
    return monday_of(day)


def meal_label(meal: Meal) -> str:
    zh, en = MEAL_LABELS[meal]
    return zh if is_chinese() else en


def _local(centre: Centre, at: datetime | None) -> str:
    return "" if at is None else at.astimezone(centre_zone(centre)).strftime("%Y-%m-%d %H:%M")


def _max_share(centre: Centre) -> str | None:
    """The rulebook's ceiling on a term's surplus or deficit, in % (None when the rule is not in force)."""
    rule = effective_rules(centre, centre_today(centre, utcnow())).get(BALANCE_RULE)
    return None if rule is None else f"{rule.value('max_balance_share'):g}"


def _common(centre: Centre) -> dict[str, object]:
    return {"centre": centre, "max_share": _max_share(centre), "meals": list(Meal), "meal_label": meal_label, "local": lambda at: _local(centre, at),
            "chinese": is_chinese()}


# -- the kitchen's week ----------------------------------------------------------------------------------------------

@bp.get("/centres/<string:code>/menus")
@login_required
def week(code: str) -> ResponseReturnValue:
    """The week's menu as the kitchen sees it: the draft or the published version, the allergy warnings."""
    centre, actor, now = _page(code)
    monday = _week_arg(centre, now, request.args.get("week"))
    menu = ops.staff_week(centre, monday, actor=actor, now=now)
    names = actor.can(Perm.CHILDREN_READ, centre.id, now)
    if names:
        ops.log_allergy_names_read(centre, menu, actor=actor, now=now)
    days = [monday + timedelta(days=n) for n in range(7)]
    days = [d for d in days if d.weekday() < EDIT_DAYS or any(k[0] == d for k in menu.by_cell)]
    return render_template("meals/week.html", menu=menu, days=days, monday=monday,
                           previous=monday - timedelta(days=7), following=monday + timedelta(days=7),
                           may_write=actor.can(Perm.FOOD_WRITE, centre.id, now),
                           names=names, **_common(centre))


def cell_text(dishes: list[object]) -> str:
    """A cell's dishes as the editor's lines."""
    lines = []
    for dish in dishes:
        items = "，".join(f"{i['name']} {i['grams']}" for i in dish.ingredients)  # type: ignore[attr-defined]
        lines.append(f"{dish.name}：{items}" if items else dish.name)  # type: ignore[attr-defined]
    return "\n".join(lines)


def _edit_page(centre: Centre, monday: date, form: dict[str, str], errors: dict[str, list[str]],
               menu: ops.WeekMenu | None, status: int = 200) -> ResponseReturnValue:
    days = [monday + timedelta(days=n) for n in range(EDIT_DAYS)]
    return render_template("meals/edit.html", monday=monday, days=days, form=form, errors=errors, menu=menu,
                           **_common(centre)), status


@bp.get("/centres/<string:code>/menus/<string:week_of>/edit")
@login_required
def edit(code: str, week_of: str) -> ResponseReturnValue:
    """The week grid to write: one box per day and meal, a dish a line with its ingredients in grams per child."""
    centre, actor, now = _page(code)
    authorise(actor, Perm.FOOD_WRITE, centre.id, now)
    monday = _week_arg(centre, now, week_of)
    menu = ops.staff_week(centre, monday, actor=actor, now=now)
    form = {f"cell.{d.isoformat()}.{m.value}": cell_text(list(menu.by_cell.get((d, m), [])))
            for d in (monday + timedelta(days=n) for n in range(EDIT_DAYS)) for m in Meal}
    form["change_note"] = (menu.draft.change_note or "") if menu.draft else ""
    return _edit_page(centre, monday, form, {}, menu)


def parse_cells(monday: date, form: dict[str, str], problems: ProblemCollector) -> list[ops.DishIn]:
    """The editor's boxes as dishes; a line that cannot be read is a problem of its box."""
    dishes = []
    for n in range(EDIT_DAYS):
        day = monday + timedelta(days=n)
        for meal in Meal:
            name = f"cell.{day.isoformat()}.{meal.value}"
            for line in (form.get(name) or "").splitlines():
                if not line.strip():
                    continue
                head, *rest = _SPLIT_DISH.split(line, maxsplit=1)
                items = []
                for part in _SPLIT_ITEMS.split(rest[0] if rest else ""):
                    if not part.strip():
                        continue
                    match = _ITEM.match(part.strip())
                    if match is None:
                        problems.add("bad_line", _l("Write each ingredient as a name and grams, e.g. 鸡蛋 25"), name)
                        continue
                    items.append(ops.IngredientIn(match.group(1).strip(), int(match.group(2))))
                dishes.append(ops.DishIn(day, meal.value, head.strip(), tuple(items)))
    return dishes


def _cell_errors(monday: date, dishes: list[ops.DishIn], problems: list[Problem]) -> dict[str, list[str]]:
    """The operation's problems (dishes.N.…) moved onto the editor box of dish N."""
    moved = []
    for p in problems:
        parts = (p.field or "").split(".")
        if len(parts) >= 2 and parts[0] == "dishes" and parts[1].isdigit() and int(parts[1]) < len(dishes):
            dish = dishes[int(parts[1])]
            moved.append(Problem(p.code, p.message, f"cell.{dish.day.isoformat()}.{dish.meal}"))
        else:
            moved.append(p)
    return problems_by_field(moved)


@bp.post("/centres/<string:code>/menus/<string:week_of>/edit")
@login_required
def save(code: str, week_of: str) -> ResponseReturnValue:
    """Save the week's draft (and publish it at once when the publish button was pressed)."""
    centre, actor, now = _page(code)
    monday = _week_arg(centre, now, week_of)
    back = url_for("meals.week", code=centre.code, week=monday.isoformat())
    form = request.form.to_dict()
    problems = ProblemCollector()
    dishes = parse_cells(monday, form, problems)
    try:
        problems.raise_if_any()
        ops.save_draft(centre, monday, dishes, change_note=form.get("change_note"), actor=actor, now=now)
        if form.get("publish"):
            ops.publish_menu(centre, monday, actor=actor, now=now)
    except Forbidden as exc:
        return refuse_form(exc, back=back)
    except ValidationFailed as exc:
        db.session.rollback()
        return _edit_page(centre, monday, form, _cell_errors(monday, dishes, exc.problems), None, 422)
    except Conflict as exc:
        db.session.rollback()
        return _edit_page(centre, monday, form, {"": [str(exc.message)]}, None, 409)
    flash(_("Menu published: the families are told") if form.get("publish") else _("Draft saved"))
    return redirect(back)


@bp.post("/centres/<string:code>/menus/<string:week_of>/copy")
@login_required
def copy(code: str, week_of: str) -> ResponseReturnValue:
    """Start the week from last week's published menu."""
    centre, actor, now = _page(code)
    monday = _week_arg(centre, now, week_of)
    back = url_for("meals.week", code=centre.code, week=monday.isoformat())
    try:
        ops.copy_week(centre, monday, monday - timedelta(days=7), actor=actor, now=now)
    except Forbidden as exc:
        return refuse_form(exc, back=back)
    except Conflict:
        db.session.rollback()
        flash(_("Last week has no published menu to copy"))
        return redirect(back)
    flash(_("Last week's menu copied into a draft"))
    return redirect(url_for("meals.edit", code=centre.code, week_of=monday.isoformat()))


def _week_action(code: str, week_of: str, act: Callable[..., object], done: str | None,
                 then: str = "meals.week") -> ResponseReturnValue:
    """Run ``act`` on the week (publish, revise): a refusal back to the week with its reason, else on to ``then``."""
    centre, actor, now = _page(code)
    monday = _week_arg(centre, now, week_of)
    back = url_for("meals.week", code=centre.code, week=monday.isoformat())
    try:
        act(centre, monday, actor=actor, now=now)
    except Forbidden as exc:
        return refuse_form(exc, back=back)
    except Conflict as exc:
        db.session.rollback()
        flash(str(exc.message))
        return redirect(back)
    if done:
        flash(done)
    return redirect(back if then == "meals.week" else url_for(then, code=centre.code, week_of=monday.isoformat()))


@bp.post("/centres/<string:code>/menus/<string:week_of>/publish")
@login_required
def publish(code: str, week_of: str) -> ResponseReturnValue:
    """Publish the week's draft; the families are told."""
    return _week_action(code, week_of, ops.publish_menu, _("Menu published: the families are told"))


@bp.post("/centres/<string:code>/menus/<string:week_of>/revise")
@login_required
def revise(code: str, week_of: str) -> ResponseReturnValue:
    """Change a published week: a new draft from its latest version."""
    return _week_action(code, week_of, ops.revise_week, None, then="meals.edit")


# -- the office's 膳食费 page -------------------------------------------------------------------------------------------

def _fees_page(centre: Centre, actor: Actor, now: datetime, form: dict[str, str] | None = None,
               errors: dict[str, list[str]] | None = None, status: int = 200) -> ResponseReturnValue:
    rows = ops.list_fees(centre, actor=actor, now=now)
    today = centre_today(centre, now)
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    return render_template("meals/fees.html", rows=[ops.fee_values(r) for r in rows],
                           may_publish=actor.can(Perm.MEAL_FEES_WRITE, centre.id, now),
                           categories=ops.FEE_CATEGORY_LABELS, form=form or {"month": f"{last_month:%Y-%m}"},
                           errors=errors or {}, **_common(centre)), status


@bp.get("/centres/<string:code>/meal-fees")
@login_required
def fees(code: str) -> ResponseReturnValue:
    """The 膳食费 accounts published, month by month, and the form for the month (the director, the 保健员)."""
    centre, actor, now = _page(code)
    authorise(actor, Perm.FOOD_READ, centre.id, now)
    return _fees_page(centre, actor, now)


def _yuan(text: str | None, name: str, problems: ProblemCollector, *, required: bool) -> int | None:
    value = (text or "").strip().replace(",", "")
    if not value:
        if required:
            problems.add("required", _l("This is required."), name)
        return None
    try:
        fen = round(float(value) * 100)
    except ValueError:
        problems.add("not_a_number", _l("Enter an amount in yuan, e.g. 12345.60"), name)
        return None
    return fen


@bp.post("/centres/<string:code>/meal-fees")
@login_required
def publish_fees(code: str) -> ResponseReturnValue:
    """Publish the month's account; the families are told."""
    centre, actor, now = _page(code)
    back = url_for("meals.fees", code=centre.code)
    form = request.form.to_dict()
    problems = ProblemCollector()
    month = None
    try:
        month = date.fromisoformat((form.get("month") or "").strip() + "-01")
    except ValueError:
        problems.add("not_a_month", _l("Choose a month"), "month")
    income = _yuan(form.get("income"), "income_fen", problems, required=True)
    spending = _yuan(form.get("spending"), "spending_fen", problems, required=True)
    parts = {}
    for key in ops.FEE_CATEGORY_LABELS:
        fen = _yuan(form.get(f"category.{key}"), "categories", problems, required=False)
        if fen:
            parts[key] = fen
    try:
        problems.raise_if_any()
        assert month is not None and income is not None and spending is not None
        ops.publish_meal_fee(centre, month=month, income_fen=income, spending_fen=spending, categories=parts,
                             note=form.get("note"), actor=actor, now=now)
    except Forbidden as exc:
        return refuse_form(exc, back=back)
    except ValidationFailed as exc:
        db.session.rollback()
        return _fees_page(centre, actor, now, form, problems_by_field(exc.problems), 422)
    flash(_("Meal-fee account published: the families are told"))
    return redirect(back)


# -- the family's phone ----------------------------------------------------------------------------------------------

def require_guardian(actor: Actor, centre_id: int, now: datetime) -> None:
    """The family's pages are for a guardian at the centre (staff read the kitchen's week): 403 for anyone else."""
    authorise(actor, Perm.CENTRE_READ, centre_id, now)
    if actor.is_system or Role.GUARDIAN not in actor.roles_at(centre_id, now):
        raise AccessRefused(_l("These pages are for the children's families"), code="families_only",
                            centre_id=centre_id)


@bp.get("/centres/<string:code>/family/menu")
@login_required
def family_menu(code: str) -> ResponseReturnValue:
    """The week's published menu on the phone (this week by default), with the family's own child's allergy flagged on the dish."""
    centre, actor, now = _page(code)
    require_guardian(actor, centre.id, now)
    monday = _week_arg(centre, now, request.args.get("week"))
    menu = ops.published_week(centre, monday, actor=actor, now=now)
    mine = set(db.session.execute(linked_child_ids(actor)).scalars()) if actor.contact_ids else set()
    flags: dict[tuple[date, str, str], list[str]] = {}
    for w in menu.warnings:
        for child in w.children:
            if child.child_id in mine:
                label = w.label_zh if is_chinese() else w.label_en
                flags.setdefault((w.day, w.meal.value, w.dish), []).append(f"{child.name}：{label}")
    days = sorted({d.day for d in menu.dishes})
    return render_template("meals/family_menu.html", menu=menu, days=days, flags=flags, monday=monday,
                           previous=monday - timedelta(days=7), following=monday + timedelta(days=7),
                           **_common(centre))


@bp.get("/centres/<string:code>/family/meal-fees")
@login_required
def family_fees(code: str) -> ResponseReturnValue:
    """The 膳食费 accounts as published (a public 公示), newest month first."""
    centre, actor, now = _page(code)
    require_guardian(actor, centre.id, now)
    rows = [ops.fee_values(r) for r in ops.list_fees(centre, actor=actor, now=now)]
    return render_template("meals/family_fees.html", rows=rows, categories=ops.FEE_CATEGORY_LABELS,
                           **_common(centre))
