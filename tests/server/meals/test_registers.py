"""The pack registers 带量食谱, 膳食费公示 and 膳食月报: every published version, the warnings, the month's line."""

from __future__ import annotations

from datetime import date, timedelta

from compliance import Period
from server.centre.records import centre_record
from server.database import db
from server.meals.operations import DishIn, IngredientIn, publish_meal_fee, publish_menu, revise_week, save_draft
from server.meals.registers import FEE_REGISTER, MENU_REGISTER, MONTHLY_SUMMARY
from tests.server.meals.conftest import NEXT_MONDAY, World, actor_of, week_dishes

SEPTEMBER = Period(date(2026, 9, 1), date(2026, 9, 30))


def _two_versions(world: World) -> None:
    kitchen = actor_of(world.kitchen)
    save_draft(world.centre, NEXT_MONDAY, week_dishes(), actor=kitchen, now=world.now)
    publish_menu(world.centre, NEXT_MONDAY, actor=kitchen, now=world.now)
    revise_week(world.centre, NEXT_MONDAY, actor=kitchen, now=world.now)
    save_draft(world.centre, NEXT_MONDAY, [DishIn(NEXT_MONDAY, "lunch", "青菜", (IngredientIn("小白菜", 60),))],
               change_note="换菜", actor=kitchen, now=world.now + timedelta(hours=1))
    publish_menu(world.centre, NEXT_MONDAY, actor=kitchen, now=world.now + timedelta(hours=1))
    db.session.commit()


def test_the_menu_register_lists_every_dish_of_every_published_version(world: World) -> None:
    _two_versions(world)
    rows = list(MENU_REGISTER.rows(centre_record(world.centre), SEPTEMBER))
    assert [(r[1], r[2], r[5]) for r in rows] == [(1, "已被更新", "番茄炒蛋"), (1, "已被更新", "米饭"),
                                                  (1, "已被更新", "小米粥"), (2, "现行", "青菜")]
    assert rows[0][6] == "番茄 60克、鸡蛋 25克" and rows[0][7] == "蛋类（1名幼儿）"
    assert rows[3][10] == "换菜"


def test_the_fee_register_and_the_monthly_summary(world: World) -> None:
    _two_versions(world)
    publish_meal_fee(world.centre, month=date(2026, 9, 1), income_fen=600000, spending_fen=587400,
                     actor=actor_of(world.director), now=world.now)
    db.session.commit()
    [fee] = list(FEE_REGISTER.rows(centre_record(world.centre), SEPTEMBER))
    assert fee[:7] == ("2026-09", 1, "现行", "6000.00", "5874.00", "126.00", "2.10%")
    [month] = list(MONTHLY_SUMMARY.rows(centre_record(world.centre), SEPTEMBER))
    # weeks with children 7, 14, 21, 28 Sept (the 1st's week began in August); one on time, three missing
    assert month[:7] == ("2026-09", 4, 1, 0, 3, 1, 0)
    assert month[10] == "2.10%"
