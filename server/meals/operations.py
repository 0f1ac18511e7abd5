"""The weekly menu (带量食谱) and the monthly 膳食费 publication: the only place they change.

A week has at most one draft; publishing freezes it as the next version and tells the families (one notice per
enrolled child). A published version is never edited: changing a published week starts a new draft from it.
A month's meal-fee account is published at once, as the next version of that month (a correction is a new version).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from compliance.food.meals import monday_of
from compliance.health.allergens import AllergenKind
from compliance.period import add_months
from server.audit.operations import audit_record, log_access
from server.auth.actor import Actor, authorise
from server.auth.models import User
from server.auth.roles import Perm
from server.centre.models import Centre
from server.centre.timezones import centre_today
from server.database import db
from server.errors import Conflict, ProblemCollector
from server.health.profile.operations import allergen_catalogue
from server.meals.allergy import AllergicChild, allergic_children, dish_allergens, enrolled_children
from server.meals.models import Meal, MealFeePublication, MenuDish, MenuVersion
from server.notices.kinds import Kind
from server.notices.operations import queue_notice
from server.people.models import Staff

VERSION_FIELDS = ("week_of", "version_no", "change_note", "created_at", "published_at", "published_by_id",
                  "publisher_name")
FEE_FIELDS = ("month", "version_no", "income_fen", "spending_fen", "categories", "note", "published_at",
              "published_by_id", "publisher_name")
MAX_DISHES = 200  # a week of five meals with a few dishes each, with room to spare
MAX_INGREDIENTS = 20
MAX_GRAMS = 1000
MAX_FEN = 10**10  # 100 million yuan: a typing error, not a month of food
MENU_SUBJECT = "This week's menu is published"
MENU_UPDATED_SUBJECT = "This week's menu was updated"
FEE_SUBJECT = "The meal-fee account of the month is published"


# The spending's optional breakdown (a closed set of keys).
FEE_CATEGORY_LABELS: dict[str, tuple[str, str]] = {
    "staples": ("粮食", "Staples"),
    "meat_eggs": ("肉禽蛋水产", "Meat, eggs and fish"),
    "vegetables_fruit": ("蔬菜水果", "Vegetables and fruit"),
    "dairy": ("奶类", "Dairy"),
    "oil_condiments": ("油及调味品", "Oil and condiments"),
    "other": ("其他", "Other"),
}


@dataclass(frozen=True)
class IngredientIn:
    name: str
    grams: int
    allergens: tuple[str, ...] = ()


@dataclass(frozen=True)
class DishIn:
    day: date
    meal: str
    name: str
    ingredients: tuple[IngredientIn, ...] = ()


@dataclass(frozen=True)
class AllergyWarning:
    """A dish that touches an enrolled child's food allergy on its day."""

    day: date
    meal: Meal
    dish: str
    allergen: str
    label_zh: str
    label_en: str
    children: tuple[AllergicChild, ...]


@dataclass(frozen=True)
class WeekMenu:
    """A week as one reads it: the version shown, its dishes by day and meal, the warnings, and the draft if any."""

    week_of: date
    version: MenuVersion | None
    dishes: tuple[MenuDish, ...]
    warnings: tuple[AllergyWarning, ...] = ()
    draft: MenuVersion | None = None
    published_versions: int = 0
    by_cell: dict[tuple[date, Meal], list[MenuDish]] = field(default_factory=dict)

    @property
    def is_updated(self) -> bool:
        """Published more than once: families see "updated"."""
        return self.published_versions > 1

    def days(self) -> list[date]:
        return [self.week_of + timedelta(days=n) for n in range(7)]


def _signer(actor: Actor, centre: Centre, today: date) -> str:
    if actor.user_id is None:
        return "system"
    staff = db.session.execute(select(Staff).where(Staff.centre_id == centre.id, Staff.user_id == actor.user_id,
                                                   or_(Staff.left_on.is_(None), Staff.left_on >= today))
                               .limit(1)).scalar_one_or_none()
    if staff is not None:
        return staff.name[:60]
    user = db.session.get(User, actor.user_id)
    return (user.display_name if user is not None else "system")[:60]


# -- reading ---------------------------------------------------------------------------------------------------------

def versions_of(centre_id: int, week_of: date) -> list[MenuVersion]:
    """Every version of the week, in order (the draft, if any, last)."""
    return list(db.session.execute(select(MenuVersion).where(MenuVersion.centre_id == centre_id,
                                                             MenuVersion.week_of == week_of)
                                   .order_by(MenuVersion.version_no)).scalars())


def dishes_of(version_ids: Sequence[int]) -> list[MenuDish]:
    if not version_ids:
        return []
    return list(db.session.execute(select(MenuDish).where(MenuDish.version_id.in_(list(version_ids)))
                                   .order_by(MenuDish.version_id, MenuDish.day, MenuDish.position,
                                             MenuDish.id)).scalars())


def _ordered(dishes: Iterable[MenuDish]) -> tuple[MenuDish, ...]:
    order = {m: n for n, m in enumerate(Meal)}
    return tuple(sorted(dishes, key=lambda d: (d.day, order[d.meal], d.position, d.id)))


def allergy_warnings(centre_id: int, dishes: Iterable[MenuDish]) -> list[AllergyWarning]:
    """Each dish × allergen that touches a child enrolled on the dish's day with that food allergy in force."""
    by_day: dict[date, dict[str, list[AllergicChild]]] = {}
    out = []
    catalogue = allergen_catalogue()
    for dish in _ordered(dishes):
        codes = dish_allergens(dish.ingredients)
        if not codes:
            continue
        if dish.day not in by_day:
            by_day[dish.day] = allergic_children(centre_id, dish.day)
        for code in codes:
            children = by_day[dish.day].get(code)
            if children:
                found = catalogue.get(code)
                out.append(AllergyWarning(dish.day, dish.meal, dish.name, code, found.zh if found else code,
                                          found.en if found else code, tuple(children)))
    return out


def _week(centre_id: int, week_of: date, *, include_draft: bool) -> WeekMenu:
    versions = versions_of(centre_id, week_of)
    published = [v for v in versions if v.published_at is not None]
    draft = next((v for v in versions if v.published_at is None), None) if include_draft else None
    shown = draft or (published[-1] if published else None)
    dishes = _ordered(dishes_of([shown.id])) if shown is not None else ()
    cells: dict[tuple[date, Meal], list[MenuDish]] = {}
    for dish in dishes:
        cells.setdefault((dish.day, dish.meal), []).append(dish)
    return WeekMenu(week_of, shown, dishes, tuple(allergy_warnings(centre_id, dishes)), draft, len(published), cells)


def staff_week(centre: Centre, week_of: date, *, actor: Actor, now: datetime) -> WeekMenu:
    """The week for the kitchen and staff: the draft if there is one, else the latest published version."""
    authorise(actor, Perm.FOOD_READ, centre.id, now)
    return _week(centre.id, monday_of(week_of), include_draft=True)


def log_allergy_names_read(centre: Centre, week: WeekMenu, *, actor: Actor, now: datetime) -> None:
    """Log that a reader was shown the children behind the week's allergy warnings (names, class, severity).

    Every read of a child's health data is logged (PIPL Art. 28).
    """
    if week.warnings:
        log_access(centre_id=centre.id, user_id=actor.user_id,
                   action="read", object_type="menu_allergy_children", object_id=week.week_of.isoformat(), now=now,
                   detail=",".join(sorted({w.allergen for w in week.warnings})))


def published_week(centre: Centre, week_of: date, *, actor: Actor, now: datetime) -> WeekMenu:
    """The latest published version of the week (staff with FOOD_READ, or anyone who may read the centre)."""
    if not actor.can(Perm.FOOD_READ, centre.id, now):
        authorise(actor, Perm.CENTRE_READ, centre.id, now)
    return _week(centre.id, monday_of(week_of), include_draft=False)


# -- writing the menu ------------------------------------------------------------------------------------------------

def _check_dishes(week_of: date, dishes: Sequence[DishIn], problems: ProblemCollector) -> None:
    meals = {m.value for m in Meal}
    food = {code for code, a in allergen_catalogue().items() if a.kind is AllergenKind.FOOD}
    if len(dishes) > MAX_DISHES:
        problems.add("too_many", _l("At most %(most)s dishes a week.", most=MAX_DISHES), "dishes")
    for n, dish in enumerate(dishes):
        where = f"dishes.{n}"
        if not week_of <= dish.day < week_of + timedelta(days=7):
            problems.add("outside_week", _l("The day is not in this week"), f"{where}.day")
        if dish.meal not in meals:
            problems.add("unknown_meal", _l("Not a meal of the day"), f"{where}.meal")
        if not dish.name.strip():
            problems.add("required", _l("The dish needs a name"), f"{where}.name")
        elif len(dish.name.strip()) > 60:
            problems.add("too_long", _l("At most %(most)s characters.", most=60), f"{where}.name")
        if len(dish.ingredients) > MAX_INGREDIENTS:
            problems.add("too_many", _l("At most %(most)s ingredients a dish.", most=MAX_INGREDIENTS),
                         f"{where}.ingredients")
        for k, item in enumerate(dish.ingredients):
            if not item.name.strip() or len(item.name.strip()) > 40:
                problems.add("bad_ingredient", _l("An ingredient needs a name of at most 40 characters"),
                             f"{where}.ingredients.{k}.name")
            if not 0 < item.grams <= MAX_GRAMS:
                problems.add("out_of_range", _l("Grams per child between 1 and %(most)s", most=MAX_GRAMS),
                             f"{where}.ingredients.{k}.grams")
            if any(code not in food for code in item.allergens):
                problems.add("unknown_allergen", _l("Not a food allergen of the catalogue"),
                             f"{where}.ingredients.{k}.allergens")


def _draft(centre: Centre, week_of: date, *, actor: Actor, now: datetime, note: str | None) -> MenuVersion:
    versions = versions_of(centre.id, week_of)
    draft = next((v for v in versions if v.published_at is None), None)
    if draft is not None:
        draft.change_note = note if note is not None else draft.change_note
        return draft
    number = max((v.version_no for v in versions), default=0) + 1
    draft = MenuVersion(centre_id=centre.id, week_of=week_of, version_no=number, change_note=note, created_at=now,
                        created_by_id=actor.user_id)
    db.session.add(draft)
    db.session.flush()
    return draft


def save_draft(centre: Centre, week_of: date, dishes: Sequence[DishIn], *, change_note: str | None = None,
               actor: Actor, now: datetime) -> WeekMenu:
    """Replace the week's draft with these dishes (a draft is the kitchen's working copy, not yet a record)."""
    authorise(actor, Perm.FOOD_WRITE, centre.id, now)
    problems = ProblemCollector()
    if week_of.weekday() != 0:
        problems.add("not_a_monday", _l("A week starts on a Monday"), "week_of")
    note = (change_note or "").strip() or None
    if note is not None and len(note) > 300:
        problems.add("too_long", _l("At most %(most)s characters.", most=300), "change_note")
    _check_dishes(week_of, dishes, problems)
    problems.raise_if_any()
    draft = _draft(centre, week_of, actor=actor, now=now, note=note)
    for old in dishes_of([draft.id]):
        db.session.delete(old)
    db.session.flush()
    positions: dict[tuple[date, str], int] = {}
    rows = []
    for dish in dishes:
        key = (dish.day, dish.meal)
        positions[key] = positions.get(key, 0) + 1
        rows.append(MenuDish(centre_id=centre.id, version_id=draft.id, day=dish.day, meal=Meal(dish.meal),
                             position=positions[key], name=dish.name.strip(),
                             ingredients=[{"name": i.name.strip(), "grams": i.grams, "allergens": list(i.allergens)}
                                          for i in dish.ingredients]))
    db.session.add_all(rows)
    db.session.flush()
    audit_record(draft, "meals.menu_draft", None, VERSION_FIELDS, actor=actor, now=now)
    return _week(centre.id, week_of, include_draft=True)


def copy_week(centre: Centre, week_of: date, source_week: date, *, actor: Actor, now: datetime) -> WeekMenu:
    """Start the week's draft from another week's latest published version (days shifted to this week)."""
    authorise(actor, Perm.FOOD_WRITE, centre.id, now)
    source = _week(centre.id, monday_of(source_week), include_draft=False)
    if source.version is None:
        raise Conflict(_l("That week has no published menu to copy"), code="nothing_to_copy")
    shift = week_of - source.week_of
    dishes = [DishIn(d.day + shift, d.meal.value, d.name,
                     tuple(IngredientIn(str(i["name"]), int(str(i["grams"])), tuple(i.get("allergens") or ()))
                           for i in d.ingredients)) for d in source.dishes]
    return save_draft(centre, week_of, dishes, actor=actor, now=now)


def revise_week(centre: Centre, week_of: date, *, actor: Actor, now: datetime) -> WeekMenu:
    """Start a new draft of a published week from its latest version (a change after publication).

    A draft already begun is kept as it is (its edits are not thrown away).
    """
    authorise(actor, Perm.FOOD_WRITE, centre.id, now)
    week = _week(centre.id, monday_of(week_of), include_draft=True)
    if week.draft is not None:
        return week
    return copy_week(centre, week_of, week_of, actor=actor, now=now)


def publish_menu(centre: Centre, week_of: date, *, actor: Actor, now: datetime) -> MenuVersion:
    """Publish the week's draft as its next version and tell the families of the children enrolled that week."""
    authorise(actor, Perm.FOOD_WRITE, centre.id, now)
    draft = next((v for v in versions_of(centre.id, week_of) if v.published_at is None), None)
    if draft is None:
        raise Conflict(_l("There is no draft of this week to publish"), code="no_draft")
    if not dishes_of([draft.id]):
        raise Conflict(_l("A menu without dishes cannot be published"), code="empty_menu")
    before = {"published_at": None}
    draft.published_at = now
    draft.published_by_id = actor.user_id
    draft.publisher_name = _signer(actor, centre, centre_today(centre, now))
    db.session.flush()
    audit_record(draft, "meals.menu_publish", before, VERSION_FIELDS, actor=actor, now=now)
    subject = MENU_SUBJECT if draft.version_no == 1 else MENU_UPDATED_SUBJECT
    seen: set[int] = set()
    for day in (week_of + timedelta(days=n) for n in range(5)):
        for child in enrolled_children(centre.id, day):
            if child.id in seen:
                continue
            seen.add(child.id)
            queue_notice(centre_id=centre.id, child_id=child.id, kind=Kind.MENU_PUBLISHED.value, subject=subject,
                         detail={"params": {"week_of": week_of.isoformat(), "version": draft.version_no},
                                 "link": {"endpoint": "meals.family_menu",
                                          "args": {"code": centre.code, "week": week_of.isoformat()}}},
                         actor=actor, now=now)
    return draft


# -- served dishes (for the food samples) ----------------------------------------------------------------------------

def latest_published_ids(centre_id: int, start: date, end: date) -> list[int]:
    """The latest published version of every week touching [start, end]."""
    latest = select(MenuVersion.week_of, func.max(MenuVersion.version_no).label("n")).where(
        MenuVersion.centre_id == centre_id, MenuVersion.published_at.is_not(None),
        MenuVersion.week_of >= monday_of(start), MenuVersion.week_of <= end).group_by(MenuVersion.week_of).subquery()
    return list(db.session.execute(select(MenuVersion.id).join(latest, (latest.c.week_of == MenuVersion.week_of) & (
        latest.c.n == MenuVersion.version_no)).where(MenuVersion.centre_id == centre_id)).scalars())


# -- the meal-fee account --------------------------------------------------------------------------------------------

def fee_versions(centre_id: int, month: date | None = None) -> list[MealFeePublication]:
    """Every published version, newest month first, latest version first."""
    stmt = select(MealFeePublication).where(MealFeePublication.centre_id == centre_id)
    if month is not None:
        stmt = stmt.where(MealFeePublication.month == month)
    return list(db.session.execute(stmt.order_by(MealFeePublication.month.desc(),
                                                 MealFeePublication.version_no.desc())).scalars())


def latest_fees(centre_id: int) -> list[MealFeePublication]:
    """Each month's latest version, newest month first."""
    seen: set[date] = set()
    out = []
    for row in fee_versions(centre_id):
        if row.month not in seen:
            seen.add(row.month)
            out.append(row)
    return out


def list_fees(centre: Centre, *, actor: Actor, now: datetime) -> list[MealFeePublication]:
    """The published accounts (a public 公示: staff and the centre's families)."""
    if not actor.can(Perm.FOOD_READ, centre.id, now):
        authorise(actor, Perm.CENTRE_READ, centre.id, now)
    return latest_fees(centre.id)


def publish_meal_fee(centre: Centre, *, month: date, income_fen: int, spending_fen: int,
                     categories: Mapping[str, int] | None = None, note: str | None = None, actor: Actor,
                     now: datetime) -> MealFeePublication:
    """Publish a month's 膳食费 income and spending (the next version of the month) and tell the families."""
    authorise(actor, Perm.MEAL_FEES_WRITE, centre.id, now)
    problems = ProblemCollector()
    today = centre_today(centre, now)
    if month.day != 1:
        problems.add("not_a_month", _l("A month starts on its first day"), "month")
    elif month > today:
        problems.add("in_future", _l("The month has not begun"), "month")
    for name, value in (("income_fen", income_fen), ("spending_fen", spending_fen)):
        if not 0 <= value <= MAX_FEN:
            problems.add("out_of_range", _l("Enter an amount of at least 0"), name)
    parts = dict(categories or {})
    if any(key not in FEE_CATEGORY_LABELS for key in parts):
        problems.add("unknown_category", _l("Not a spending category"), "categories")
    elif any(not 0 <= v <= MAX_FEN for v in parts.values()):
        problems.add("out_of_range", _l("Enter an amount of at least 0"), "categories")
    elif parts and sum(parts.values()) != spending_fen:
        problems.add("categories_mismatch", _l("The categories must add up to the spending"), "categories")
    text = (note or "").strip() or None
    if text is not None and len(text) > 300:
        problems.add("too_long", _l("At most %(most)s characters.", most=300), "note")
    problems.raise_if_any()
    previous = fee_versions(centre.id, month)
    row = MealFeePublication(centre_id=centre.id, month=month,
                             version_no=(previous[0].version_no + 1) if previous else 1, income_fen=income_fen,
                             spending_fen=spending_fen, categories={k: int(v) for k, v in parts.items()}, note=text,
                             published_at=now, published_by_id=actor.user_id,
                             publisher_name=_signer(actor, centre, today))
    db.session.add(row)
    db.session.flush()
    audit_record(row, "meals.fee_publish", None, FEE_FIELDS, actor=actor, now=now)
    last = add_months(month, 1) - timedelta(days=1)
    for child in {c.id: c for c in enrolled_children(centre.id, min(last, today))}.values():
        queue_notice(centre_id=centre.id, child_id=child.id, kind=Kind.MEAL_FEE_PUBLISHED.value, subject=FEE_SUBJECT,
                     detail={"params": {"month": f"{month:%Y-%m}"},
                             "link": {"endpoint": "meals.family_fees", "args": {"code": centre.code}}},
                     actor=actor, now=now)
    return row


def fee_values(row: MealFeePublication) -> dict[str, Any]:
    """The account as plain values (balance and its share of income, in %, two decimals)."""
    balance = row.income_fen - row.spending_fen
    share = round(abs(balance) * 100 / row.income_fen, 2) if row.income_fen else None
    return {"month": f"{row.month:%Y-%m}", "version": row.version_no, "income_fen": row.income_fen,
            "spending_fen": row.spending_fen, "balance_fen": balance, "balance_share": share,
            "categories": dict(row.categories or {}), "note": row.note, "published_at": row.published_at,
            "published_by": row.publisher_name}
