"""What each kind of device may send and read: the one table, checked at ingest and in the device routes.

A device token proves *which* device calls, not what it should be trusted with. A sensor agent has no
business reading the kiosk roster (names, PIN hashes) or recording a child's check-out, and a kiosk
none raising a smoke emergency. Event kinds match by full kind or by the event router's prefix (the
part before the first dot), exactly as :meth:`server.fleet.operations.EventRouter.handler_for` routes.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from server.fleet.models import DeviceKind


class Feed(enum.StrEnum):
    """A device route that hands data to a device (``GET /api/v1/devices/...``)."""

    ROSTER = "roster"
    """Names, photos ids and PIN hashes of every adult who may collect a child."""
    PRESENCE = "presence"
    """Today's last move of each child and staff member, and the rooms' ratios."""
    PHOTOS = "photos"
    """Photos the roster references."""
    EMERGENCIES = "emergencies"
    """Open panic and smoke alarms, for the kiosk's emergency board."""
    UV_STATE = "uv_state"
    """A room's children-present count and pending UV request, for the agent's UV interlock (issue #18)."""


@dataclass(frozen=True)
class DevicePolicy:
    """What one kind of device may do."""

    kind: DeviceKind
    sends: frozenset[str]
    """Event kinds it may send: full kinds (``safety.smoke``) or router prefixes (``attendance``)."""
    reads: frozenset[Feed]


POLICIES: dict[DeviceKind, DevicePolicy] = {
    policy.kind: policy
    for policy in (
        DevicePolicy(DeviceKind.KIOSK, sends=frozenset({"attendance"}),
                     reads=frozenset({Feed.ROSTER, Feed.PRESENCE, Feed.PHOTOS, Feed.EMERGENCIES})),
        # Agents report readings, safety inputs (panic, smoke, doors), hygiene inputs (windows, cabinet, the UV
        # relay) and their own health; they read only their rooms' UV state (presence count, UV request).
        DevicePolicy(DeviceKind.AGENT, sends=frozenset({"reading", "safety", "hygiene", "heartbeat"}),
                     reads=frozenset({Feed.UV_STATE})),
    )
}

KIND_NOT_ALLOWED = "kind_not_allowed"
"""The per-event rejection code of an event its device's kind may not send (the device dead-letters it)."""


def _policy(kind: DeviceKind | str) -> DevicePolicy | None:
    try:
        return POLICIES.get(DeviceKind(kind))
    except ValueError:
        return None


def may_send(kind: DeviceKind | str, event_kind: str) -> bool:
    """Whether a device of ``kind`` may send events of ``event_kind`` (unknown device kinds may send nothing)."""
    policy = _policy(kind)
    if policy is None:
        return False
    return event_kind in policy.sends or event_kind.split(".", 1)[0] in policy.sends


def may_read_feed(kind: DeviceKind | str, feed: Feed | str) -> bool:
    """Whether a device of ``kind`` may read ``feed`` (unknown kinds and feeds: no)."""
    policy = _policy(kind)
    return policy is not None and feed in policy.reads
