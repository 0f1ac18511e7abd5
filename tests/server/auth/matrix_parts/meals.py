"""The meals routes in the policy matrix and the isolation test: the kitchen's week and editor (food.read /
food.write), the office's 膳食费 page (meal_fees.write publishes), the published menu and accounts (a public 公示:
anyone who may read the centre, its families among them), and the family's phone pages (guardians only)."""

from __future__ import annotations

from server.auth.roles import Perm
from tests.server.auth.matrix_parts._base import PartContext, guardian_only, perm

WEEK = "2026-09-14"
DRAFT_BODY = {"dishes": [{"day": WEEK, "meal": "lunch", "name": "番茄炒蛋",
                          "ingredients": [{"name": "番茄", "grams": 60}, {"name": "鸡蛋", "grams": 25}]}]}
FEE_BODY = {"month": "2026-08", "income_fen": 600000, "spending_fen": 590000}

NEEDS = {
    "meals_api.published_menu": perm(Perm.CENTRE_READ),
    "meals_api.draft_menu": perm(Perm.FOOD_READ),
    "meals_api.save_draft": perm(Perm.FOOD_WRITE),
    "meals_api.copy_menu": perm(Perm.FOOD_WRITE),  # nothing published to copy: 409 after authorisation
    "meals_api.publish_menu": perm(Perm.FOOD_WRITE),  # nothing drafted: 409 after authorisation
    "meals_api.list_fees": perm(Perm.CENTRE_READ),
    "meals_api.publish_fee": perm(Perm.MEAL_FEES_WRITE),
    "meals.week": perm(Perm.FOOD_READ),
    "meals.edit": perm(Perm.FOOD_WRITE),
    "meals.save": perm(Perm.FOOD_WRITE),
    "meals.copy": perm(Perm.FOOD_WRITE),
    "meals.publish": perm(Perm.FOOD_WRITE),
    "meals.revise": perm(Perm.FOOD_WRITE),
    "meals.fees": perm(Perm.FOOD_READ),
    "meals.publish_fees": perm(Perm.MEAL_FEES_WRITE),
    # the family's phone: guardians only (staff read the week in the kitchen's page)
    "meals.family_menu": guardian_only(Perm.CENTRE_READ),
    "meals.family_fees": guardian_only(Perm.CENTRE_READ),
}
JSON_BODIES = {
    "meals_api.save_draft": DRAFT_BODY,
    "meals_api.copy_menu": {"from_week": "2026-09-07"},
    "meals_api.publish_fee": FEE_BODY,
}
FORMS = {
    "meals.save": {f"cell.{WEEK}.lunch": "番茄炒蛋：番茄 60，鸡蛋 25"},
    "meals.copy": {},
    "meals.publish": {},
    "meals.revise": {},
    "meals.publish_fees": {"month": "2026-08", "income": "6000", "spending": "5900"},
}
QUERIES = {"meals_api.published_menu": f"?week={WEEK}", "meals_api.draft_menu": f"?week={WEEK}",
           "meals.week": f"?week={WEEK}", "meals.family_menu": f"?week={WEEK}"}


def objects(ctx: PartContext) -> dict[str, object]:
    """The week the routes name (its Monday)."""
    return {"week_of": WEEK}


ISOLATION_BODIES = {
    ("PUT", "/api/v1/centres/<code>/menus/<week_of>/draft"): DRAFT_BODY,
    ("POST", "/api/v1/centres/<code>/menus/<week_of>/copy"): {"from_week": "2026-09-07"},
    ("POST", "/api/v1/centres/<code>/menus/<week_of>/publish"): {},
    ("POST", "/api/v1/centres/<code>/meal-fees"): FEE_BODY,
}
