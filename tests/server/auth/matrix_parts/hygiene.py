"""The 表6 class hygiene checklist's routes in the policy matrix and the isolation test: read a class's day and
month (staff with hygiene.read, the inspector), tick, amend and sign (hygiene.write: caregiver, health, kitchen,
director); guardians never."""

from __future__ import annotations

from server.auth.roles import Perm
from tests.server.auth.matrix_parts._base import PartContext, perm

DAY = "2026-09-07"
TICK = {"item": "toys"}
AMEND = {"done": False, "reason": "登记错了"}
SIGN = {"password": "wrong-password"}  # past authorisation: 422 (the matrix's caregiver signs nothing real)

NEEDS = {
    "hygiene_api.get_day": perm(Perm.HYGIENE_READ),
    "hygiene_api.list_month": perm(Perm.HYGIENE_READ),
    "hygiene_api.tick": perm(Perm.HYGIENE_WRITE),
    "hygiene_api.amend": perm(Perm.HYGIENE_WRITE),
    "hygiene_api.sign": perm(Perm.HYGIENE_WRITE),
    "hygiene.room_today": perm(Perm.HYGIENE_READ),
    "hygiene.room_day": perm(Perm.HYGIENE_READ),
    "hygiene.tick_form": perm(Perm.HYGIENE_WRITE),
    "hygiene.amend_form": perm(Perm.HYGIENE_WRITE),
    "hygiene.sign_form": perm(Perm.HYGIENE_WRITE),
    "hygiene.office": perm(Perm.HYGIENE_READ),
}
JSON_BODIES = {"hygiene_api.tick": TICK, "hygiene_api.amend": AMEND, "hygiene_api.sign": SIGN}
FORMS = {"hygiene.tick_form": {"item": "toys"}, "hygiene.amend_form": {"done": "0", "reason": "登记错了"},
         "hygiene.sign_form": SIGN}
QUERIES = {"hygiene_api.list_month": "?month=2026-09"}
LAST = ("hygiene_api.amend", "hygiene.amend_form")
ISOLATION_BODIES = {
    ("POST", "/api/v1/rooms/<room_id>/hygiene/<hygiene_day>/entries"): TICK,
    ("POST", "/api/v1/hygiene/entries/<check_id>/amendments"): AMEND,
    ("POST", "/api/v1/rooms/<room_id>/hygiene/<hygiene_day>/sign"): SIGN,
}
ISOLATION_QUERIES = {"/api/v1/rooms/<room_id>/hygiene": "?month=2026-09"}


def objects(ctx: PartContext) -> dict[str, int]:
    """A ticked entry in the family's class today (amended to withdrawn by the matrix's last requests)."""
    from server.auth.actor import Actor
    from server.hygiene.checklist import tick

    row = tick(ctx.room, ctx.now.date(), item="surfaces", actor=Actor.system(), now=ctx.now)
    return {"check_id": row.id, "hygiene_day": DAY}  # type: ignore[dict-item]
