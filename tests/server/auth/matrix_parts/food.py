"""The food-sample routes in the policy matrix and the isolation test: the kitchen's tablet, a sample's page, the
office's month (food.read: every member of staff, the inspector), weighing, correcting and disposing (food.write:
the kitchen, the 保健员, the director); guardians see none of it."""

from __future__ import annotations

from datetime import timedelta

from server.auth.roles import Perm
from tests.server.auth.matrix_parts._base import PartContext, perm

SAMPLE_BODY = {"meal": "lunch", "dish": "番茄炒蛋", "weight_g": 130, "fridge": "fridge-sample"}
AMEND_BODY = {"field": "dish", "value": "西红柿炒鸡蛋", "reason": "菜名写法统一"}

NEEDS = {
    "food_api.list_samples": perm(Perm.FOOD_READ),
    "food_api.create_sample": perm(Perm.FOOD_WRITE),
    "food_api.get_sample": perm(Perm.FOOD_READ),
    "food_api.amend_sample": perm(Perm.FOOD_WRITE),  # the same value twice: 409 after authorisation
    "food_api.dispose_sample": perm(Perm.FOOD_WRITE),  # once, then 409 `already_disposed`
    "food_api.list_fridges": perm(Perm.FOOD_READ),
    "food.kitchen": perm(Perm.FOOD_READ),
    "food.record": perm(Perm.FOOD_WRITE),
    "food.dispose": perm(Perm.FOOD_WRITE),
    "food.sample_page": perm(Perm.FOOD_READ),
    "food.amend": perm(Perm.FOOD_WRITE),
    "food.month": perm(Perm.FOOD_READ),
}
JSON_BODIES = {
    "food_api.create_sample": SAMPLE_BODY,
    "food_api.amend_sample": AMEND_BODY,
}
FORMS = {
    "food.record": {"meal": "lunch", "dish": "番茄炒蛋", "weight_g": "130", "fridge": "fridge-sample"},
    "food.dispose": {},
    "food.amend": {"field": "dish", "value": "西红柿炒鸡蛋", "reason": "菜名写法统一"},
}
QUERIES = {"food.month": "?month=2026-09"}
# Disposing (once) and correcting change what later requests see: after the reads.
LAST = ("food_api.amend_sample", "food.amend", "food_api.dispose_sample", "food.dispose")
ISOLATION_BODIES = {
    ("POST", "/api/v1/centres/<code>/food-samples"): SAMPLE_BODY,
    ("POST", "/api/v1/food-samples/<sample_id>/amendments"): AMEND_BODY,
    ("POST", "/api/v1/food-samples/<sample_id>/disposal"): {},
}


def objects(ctx: PartContext) -> dict[str, int]:
    """A lunch sample of the centre sealed three days ago (old enough to be disposed of)."""
    from server.auth.actor import Actor
    from server.food.operations import record_sample

    sealed = ctx.now - timedelta(days=3)
    row = record_sample(ctx.centre, meal="lunch", dish=f"{ctx.tag}番茄炒蛋{ctx.n}", weight_g=130, sealed_at=sealed,
                        fridge="fridge-sample", actor=Actor.system(), now=sealed)
    return {"sample_id": row.id}
