"""The demo centre's weekly menus (带量食谱) and 膳食费 publication, through the real operations.

- Every week of the history (from the first Monday after the set-up) has its menu (five days: breakfast, morning snack, a four-dish lunch, afternoon snack),
  written by the kitchen and published the Friday before at 15:00 — except the second week, published on its
  Monday at 09:40, after the week had begun (a `food.weekly_menu` finding);
- one week changed after publication (version 2: Thursday's main dish did not arrive, fish instead), so families see
  "updated";
- the dishes with egg and milk hit the allergies the health profiles recorded: the warnings show on the kitchen's
  week, the families' phones flag their own child's;
- next week's menu is a draft the kitchen is still writing;
- last month's 膳食费 account published on the 3rd of this month, with a surplus of about 3.2 % of the income —
  above the 2 % a term allows (a `fees.meal_fee_balance` warning: the term is still running).
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from server.auth.roles import Role
from server.centre.models import Centre
from server.centre.timezones import centre_zone
from server.demo.families import drain_outbox_at
from server.demo.members import acting_as
from server.meals.allergy import enrolled_children
from server.meals.operations import DishIn, IngredientIn, publish_meal_fee, publish_menu, revise_week, save_draft

Dish = tuple[str, tuple[tuple[str, int], ...]]

BREAKFAST: tuple[Dish, ...] = (
    ("小米南瓜粥", (("小米", 15), ("南瓜", 20))), ("鸡蛋羹", (("鸡蛋", 40),)),
    ("南瓜馒头", (("面粉", 25), ("南瓜", 10))), ("牛奶燕麦粥", (("牛奶", 120), ("燕麦", 10))),
    ("蔬菜鸡蛋饼", (("面粉", 20), ("鸡蛋", 20), ("胡萝卜", 10))), ("红枣发糕", (("面粉", 25), ("红枣", 5))),
)
MORNING_SNACK: tuple[Dish, ...] = (
    ("苹果", (("苹果", 80),)), ("香蕉", (("香蕉", 80),)), ("酸奶", (("酸奶", 100),)), ("梨", (("梨", 80),)),
)
LUNCH_MAIN: tuple[Dish, ...] = (
    ("番茄炒蛋", (("番茄", 50), ("鸡蛋", 30))), ("肉末豆腐", (("猪肉", 25), ("豆腐", 40))),
    ("清蒸鲈鱼", (("鲈鱼", 40),)), ("胡萝卜炒肉丝", (("胡萝卜", 40), ("猪肉", 25))),
    ("土豆炖牛肉", (("牛肉", 30), ("土豆", 40))), ("虾仁西兰花", (("虾仁", 20), ("西兰花", 50))),
)
LUNCH_VEG: tuple[Dish, ...] = (("清炒小白菜", (("小白菜", 60),)), ("蒜蓉西兰花", (("西兰花", 60),)),
                               ("炒油麦菜", (("油麦菜", 60),)))
LUNCH_STAPLE: tuple[Dish, ...] = (("米饭", (("大米", 50),)), ("二米饭", (("大米", 40), ("小米", 10))))
LUNCH_SOUP: tuple[Dish, ...] = (("紫菜蛋花汤", (("紫菜", 2), ("鸡蛋", 10))), ("冬瓜排骨汤", (("冬瓜", 40), ("排骨", 15))),
                                ("青菜豆腐汤", (("青菜", 20), ("豆腐", 20))))
AFTERNOON_SNACK: tuple[Dish, ...] = (
    ("牛奶", (("牛奶", 150),)), ("小蛋糕", (("面粉", 15), ("鸡蛋", 15))), ("蒸红薯", (("红薯", 60),)),
    ("水果拼盘", (("猕猴桃", 30), ("橙子", 40))),
)
LATE_WEEK = 1  # the second week of the history: published on its Monday morning
REVISED_WEEK = 2  # the third: version 2 on its Wednesday
DAILY_FEE_FEN = 1500  # 15 yuan a child a day (伙食费)
SPENT_SHARE = 0.968  # a surplus of 3.2 %


def _dish(day: date, meal: str, dish: Dish) -> DishIn:
    name, items = dish
    return DishIn(day, meal, name, tuple(IngredientIn(n, g) for n, g in items))


def week_dishes(monday: date, rng: random.Random) -> list[DishIn]:
    """Five days of a week's menu, drawn from the pools (the same seed gives the same week)."""
    dishes = []
    for n in range(5):
        day = monday + timedelta(days=n)
        dishes.append(_dish(day, "breakfast", rng.choice(BREAKFAST)))
        dishes.append(_dish(day, "morning_snack", rng.choice(MORNING_SNACK)))
        for pool in (LUNCH_MAIN, LUNCH_VEG, LUNCH_STAPLE, LUNCH_SOUP):
            dishes.append(_dish(day, "lunch", rng.choice(pool)))
        dishes.append(_dish(day, "afternoon_snack", rng.choice(AFTERNOON_SNACK)))
    return dishes


def _at(day: date, hour: int, minute: int, centre: Centre) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=centre_zone(centre))


def seed_meals(centre: Centre, *, start: date, today: date, now: datetime, rng: random.Random) -> None:
    """The history's weekly menus (one late, one revised), next week's draft, last month's 膳食费 account."""
    kitchen = acting_as(centre, Role.KITCHEN)
    monday = start + timedelta(days=7 - start.weekday())  # the first Monday after the centre was set up
    n = 0
    while monday <= today + timedelta(days=7):
        # The Friday before; the first week's on the day the centre was set up.
        written = max(_at(monday - timedelta(days=3), 14, 30, centre), _at(start, 9, 0, centre))
        published = _at(monday, 9, 40, centre) if n == LATE_WEEK else written + timedelta(minutes=30)
        dishes = week_dishes(monday, rng)
        if published > now:
            if written <= now:
                save_draft(centre, monday, dishes, actor=kitchen, now=written)
            elif monday > today:  # next week: the kitchen started it this morning
                save_draft(centre, monday, dishes, actor=kitchen, now=min(now, _at(today, 9, 0, centre)))
            break
        save_draft(centre, monday, dishes, actor=kitchen, now=min(written, published))
        publish_menu(centre, monday, actor=kitchen, now=published)
        drain_outbox_at(published + timedelta(minutes=1))  # the families' notices go out through the portal
        revised_at = _at(monday + timedelta(days=2), 8, 15, centre)
        if n == REVISED_WEEK and revised_at <= now:
            revise_week(centre, monday, actor=kitchen, now=revised_at)
            thursday = monday + timedelta(days=3)
            mains = {name for name, _ in LUNCH_MAIN}
            changed = [d for d in dishes if not (d.day == thursday and d.meal == "lunch" and d.name in mains)]
            changed.append(_dish(thursday, "lunch", ("清蒸鲈鱼", (("鲈鱼", 40),))))
            save_draft(centre, monday, changed, change_note="周四午餐主菜改为清蒸鲈鱼（原料未到货）", actor=kitchen,
                       now=revised_at)
            publish_menu(centre, monday, actor=kitchen, now=revised_at + timedelta(minutes=10))
            drain_outbox_at(revised_at + timedelta(minutes=11))
        monday += timedelta(days=7)
        n += 1
    _seed_fees(centre, today=today, now=now)


def _seed_fees(centre: Centre, *, today: date, now: datetime) -> None:
    """Last month's account, published on the 3rd of this month (if that has come)."""
    published = _at(today.replace(day=3), 16, 0, centre)
    if published > now:
        return
    last = today.replace(day=1) - timedelta(days=1)
    month = last.replace(day=1)
    children_days = 0
    day = month
    while day <= last:
        if day.weekday() < 5:
            children_days += len(enrolled_children(centre.id, day))
        day += timedelta(days=1)
    income = children_days * DAILY_FEE_FEN
    spending = round(income * SPENT_SHARE)
    parts = {"staples": round(spending * 0.18), "meat_eggs": round(spending * 0.34),
             "vegetables_fruit": round(spending * 0.27), "dairy": round(spending * 0.13)}
    parts["oil_condiments"] = spending - sum(parts.values())
    publish_meal_fee(centre, month=month, income_fen=income, spending_fen=spending, categories=parts,
                     note="结余转入下月伙食", actor=acting_as(centre, Role.ADMIN), now=published)
    drain_outbox_at(published + timedelta(minutes=1))
