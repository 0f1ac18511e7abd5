"""Menus (draft, publish, versions, allergy warnings, served dishes) and the 膳食费 publication."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from compliance import Period
from server.database import db
from server.errors import Conflict, ValidationFailed
from server.health.profile.operations import allergies_of, end_allergy
from server.meals.models import MenuVersion
from server.meals.operations import (
    DishIn,
    IngredientIn,
    copy_week,
    publish_meal_fee,
    publish_menu,
    published_week,
    revise_week,
    save_draft,
    staff_week,
)
from server.meals.registers import meals_evidence
from server.meals.served import ServedDish, served_dishes
from server.notices.models import GuardianNotice
from tests.factories import SYSTEM
from tests.server.meals.conftest import NEXT_MONDAY, World, actor_of, week_dishes


def _publish(world: World, dishes: list[DishIn] | None = None, monday: date = NEXT_MONDAY) -> MenuVersion:
    kitchen = actor_of(world.kitchen)
    save_draft(world.centre, monday, dishes if dishes is not None else week_dishes(monday), actor=kitchen,
               now=world.now)
    version = publish_menu(world.centre, monday, actor=kitchen, now=world.now)
    db.session.commit()
    return version


def test_a_dish_with_egg_warns_of_the_child_allergic_to_eggs_by_name_and_class(world: World) -> None:
    week = save_draft(world.centre, NEXT_MONDAY, week_dishes(), actor=actor_of(world.kitchen), now=world.now)
    [warning] = week.warnings
    assert (warning.dish, warning.allergen, warning.label_zh) == ("番茄炒蛋", "eggs", "蛋类")
    assert [(c.name, c.room, c.severity) for c in warning.children] == [("王小明", "小太阳班", "moderate")]


def test_a_named_allergen_warns_even_when_the_word_does_not(world: World) -> None:
    dishes = [DishIn(NEXT_MONDAY, "afternoon_snack", "蛋糕卷", (IngredientIn("低筋粉", 20, ("eggs",)),))]
    week = save_draft(world.centre, NEXT_MONDAY, dishes, actor=actor_of(world.kitchen), now=world.now)
    assert [w.dish for w in week.warnings] == ["蛋糕卷"]


def test_a_menu_without_the_allergen_warns_of_nothing(world: World) -> None:
    dishes = [DishIn(NEXT_MONDAY, "lunch", "青菜", (IngredientIn("小白菜", 60),))]
    assert save_draft(world.centre, NEXT_MONDAY, dishes, actor=actor_of(world.kitchen), now=world.now).warnings == ()


def test_an_ended_allergy_no_longer_warns(world: World) -> None:
    [allergy] = allergies_of(world.child.id)
    end_allergy(allergy, ended_on=date(2026, 9, 1), reason="复查已脱敏", actor=SYSTEM, now=world.now,
                today=world.now.date())
    assert save_draft(world.centre, NEXT_MONDAY, week_dishes(), actor=actor_of(world.kitchen),
                      now=world.now).warnings == ()


def test_a_child_who_left_before_the_day_is_not_warned_of(world: World) -> None:
    world.child.left_on = NEXT_MONDAY - timedelta(days=1)
    db.session.flush()
    assert save_draft(world.centre, NEXT_MONDAY, week_dishes(), actor=actor_of(world.kitchen),
                      now=world.now).warnings == ()


def test_publishing_freezes_the_draft_as_version_one_and_tells_every_family(world: World) -> None:
    version = _publish(world)
    assert (version.version_no, version.published_at) == (1, world.now)
    notices = db.session.execute(select(GuardianNotice).where(GuardianNotice.kind == "menu.published")).scalars()
    assert sorted(n.child_id for n in notices) == sorted([world.child.id, world.other_child.id])


def test_a_change_after_publication_is_a_new_version_and_families_see_updated(world: World) -> None:
    _publish(world)
    kitchen = actor_of(world.kitchen)
    revise_week(world.centre, NEXT_MONDAY, actor=kitchen, now=world.now)
    changed = [*week_dishes()[1:], DishIn(NEXT_MONDAY, "lunch", "清蒸鲈鱼", (IngredientIn("鲈鱼", 40),))]
    save_draft(world.centre, NEXT_MONDAY, changed, change_note="鸡蛋换鱼", actor=kitchen, now=world.now)
    second = publish_menu(world.centre, NEXT_MONDAY, actor=kitchen, now=world.now + timedelta(hours=1))
    assert second.version_no == 2
    week = published_week(world.centre, NEXT_MONDAY, actor=actor_of(world.parent), now=world.now)
    assert week.is_updated and week.version is not None and week.version.version_no == 2
    assert "番茄炒蛋" not in [d.name for d in week.dishes]
    first = db.session.execute(select(MenuVersion).where(MenuVersion.version_no == 1)).scalar_one()
    assert first.published_at == world.now  # the first version is untouched


def test_guardians_see_the_published_version_not_the_draft(world: World) -> None:
    _publish(world)
    revise_week(world.centre, NEXT_MONDAY, actor=actor_of(world.kitchen), now=world.now)
    save_draft(world.centre, NEXT_MONDAY, week_dishes()[:1], actor=actor_of(world.kitchen), now=world.now)
    assert len(published_week(world.centre, NEXT_MONDAY, actor=actor_of(world.parent), now=world.now).dishes) == 3
    assert len(staff_week(world.centre, NEXT_MONDAY, actor=actor_of(world.kitchen), now=world.now).dishes) == 1


def test_nothing_to_publish_is_a_conflict(world: World) -> None:
    with pytest.raises(Conflict):
        publish_menu(world.centre, NEXT_MONDAY, actor=actor_of(world.kitchen), now=world.now)


def test_bad_dishes_are_refused_with_every_problem(world: World) -> None:
    bad = [DishIn(NEXT_MONDAY + timedelta(days=7), "supper", "", (IngredientIn("盐", 0, ("pollen",)),))]
    with pytest.raises(ValidationFailed) as refused:
        save_draft(world.centre, NEXT_MONDAY, bad, actor=actor_of(world.kitchen), now=world.now)
    assert {p.code for p in refused.value.problems} == {"outside_week", "unknown_meal", "required", "out_of_range",
                                                        "unknown_allergen"}


def test_a_week_not_starting_on_monday_is_refused(world: World) -> None:
    with pytest.raises(ValidationFailed):
        save_draft(world.centre, NEXT_MONDAY + timedelta(days=1), [], actor=actor_of(world.kitchen), now=world.now)


def test_copy_last_week_shifts_the_days(world: World) -> None:
    _publish(world)
    week = copy_week(world.centre, NEXT_MONDAY + timedelta(days=7), NEXT_MONDAY, actor=actor_of(world.kitchen),
                     now=world.now)
    assert sorted({d.day for d in week.dishes}) == [NEXT_MONDAY + timedelta(days=7), NEXT_MONDAY + timedelta(days=8)]


def test_a_caregiver_cannot_write_the_menu(world: World) -> None:
    from server.errors import Forbidden
    with pytest.raises(Forbidden):
        save_draft(world.centre, NEXT_MONDAY, week_dishes(), actor=actor_of(world.caregiver), now=world.now)


def test_served_dishes_are_those_of_the_latest_published_version(world: World) -> None:
    _publish(world)
    assert served_dishes(world.centre.id, NEXT_MONDAY, NEXT_MONDAY) == [
        ServedDish(NEXT_MONDAY, "lunch", "番茄炒蛋"), ServedDish(NEXT_MONDAY, "lunch", "米饭")]
    revise_week(world.centre, NEXT_MONDAY, actor=actor_of(world.kitchen), now=world.now)  # a draft: not served
    assert len(served_dishes(world.centre.id, NEXT_MONDAY, NEXT_MONDAY + timedelta(days=6))) == 3
    assert served_dishes(world.beta.id, NEXT_MONDAY, NEXT_MONDAY) == []


# -- 膳食费 --------------------------------------------------------------------------------------------------------------

def test_a_month_is_published_and_the_families_told(world: World) -> None:
    row = publish_meal_fee(world.centre, month=date(2026, 8, 1), income_fen=600000, spending_fen=590000,
                           categories={"staples": 90000, "meat_eggs": 500000}, actor=actor_of(world.director),
                           now=world.now)
    assert row.version_no == 1
    kinds = db.session.execute(select(GuardianNotice.kind)).scalars().all()
    assert kinds.count("meal_fee.published") == 2


def test_a_correction_is_the_next_version(world: World) -> None:
    director = actor_of(world.director)
    publish_meal_fee(world.centre, month=date(2026, 8, 1), income_fen=600000, spending_fen=590000, actor=director,
                     now=world.now)
    again = publish_meal_fee(world.centre, month=date(2026, 8, 1), income_fen=600000, spending_fen=595000,
                             note="补记8月31日采购", actor=director, now=world.now)
    assert again.version_no == 2


def test_a_fee_publication_is_checked(world: World) -> None:
    with pytest.raises(ValidationFailed) as refused:
        publish_meal_fee(world.centre, month=date(2026, 10, 1), income_fen=-1, spending_fen=100,
                         categories={"staples": 50}, actor=actor_of(world.director), now=world.now)
    assert {p.code for p in refused.value.problems} == {"in_future", "out_of_range", "categories_mismatch"}


def test_the_kitchen_may_not_publish_fees(world: World) -> None:
    from server.errors import Forbidden
    with pytest.raises(Forbidden):
        publish_meal_fee(world.centre, month=date(2026, 8, 1), income_fen=1, spending_fen=1,
                         actor=actor_of(world.kitchen), now=world.now)


def test_the_evidence_holds_weeks_with_children_and_the_publications(world: World) -> None:
    _publish(world)
    evidence = meals_evidence(world.centre, Period(date(2026, 9, 1), date(2026, 9, 30)))
    assert NEXT_MONDAY in evidence.weeks_with_children and date(2026, 9, 1) in evidence.months_with_children
    assert [m.week_of for m in evidence.menus] == [NEXT_MONDAY]


def test_revising_keeps_a_draft_already_begun(world: World) -> None:
    _publish(world)
    kitchen = actor_of(world.kitchen)
    revise_week(world.centre, NEXT_MONDAY, actor=kitchen, now=world.now)
    save_draft(world.centre, NEXT_MONDAY, week_dishes()[:1], actor=kitchen, now=world.now)
    again = revise_week(world.centre, NEXT_MONDAY, actor=kitchen, now=world.now)
    assert [d.name for d in again.dishes] == ["番茄炒蛋"]
