"""The UV lamp's routes in the policy matrix and the isolation test (issue #18): the agent's room state (device feed
uv_state), a caregiver's start/stop (hygiene.write: 409 when busy or nothing runs, after authorisation), the
room's log and its page (hygiene.read)."""

from __future__ import annotations

from server.auth.roles import Perm
from server.fleet.policy import Feed
from tests.server.auth.matrix_parts._base import PartContext, feed, perm

NEEDS = {
    "hygiene_uv_api.device_uv_state": feed(Feed.UV_STATE),
    "hygiene_uv_api.request_uv": perm(Perm.HYGIENE_WRITE),
    "hygiene_uv_api.stop_uv": perm(Perm.HYGIENE_WRITE),
    "hygiene_uv_api.uv_log": perm(Perm.HYGIENE_READ),
    "hygiene_uv.start_form": perm(Perm.HYGIENE_WRITE),
    "hygiene_uv.stop_form": perm(Perm.HYGIENE_WRITE),
    "hygiene_uv.log_page": perm(Perm.HYGIENE_READ),
}
JSON_BODIES = {"hygiene_uv_api.request_uv": {"minutes": 60}}
FORMS: dict[str, dict[str, str]] = {"hygiene_uv.start_form": {}, "hygiene_uv.stop_form": {}}
ISOLATION_BODIES = {("POST", "/api/v1/rooms/<room_id>/uv/requests"): {"minutes": 60},
                    ("POST", "/api/v1/rooms/<room_id>/uv/stop"): {}}


def objects(ctx: PartContext) -> dict[str, object]:
    """Nothing beyond the room the matrix builds."""
    return {}
