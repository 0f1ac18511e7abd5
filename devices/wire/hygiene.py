"""The hygiene devices' wire (issue #18): what a room's agent reports, and the UV state it asks the server for.

Event kinds (envelope :class:`devices.wire.protocol.Event`, ``created_at`` is when it happened):

* ``hygiene.window``: a window contact changed; the server builds ventilation periods (open → closed) from these.
* ``hygiene.uv``: the UV lamp's relay: ``on`` (for a request), ``off`` with why, or ``refused`` with why. The
  agent's interlock decides; the server only records (``紫外线消毒记录``) and judges.
* ``hygiene.cabinet``: the disinfection cabinet's cycle input (a relay contact on the cabinet): ``started`` /
  ``ended``.

The agent polls :data:`UV_STATE_PATH` (device token) for its room's :class:`UvRoomState`: how many children
are checked in to the room now and whether a caregiver asked for a UV session. It caches the answer for at
most :data:`PRESENCE_MAX_AGE_S`; an older answer (the server unreachable) counts as "children may be present"
(fail safe: no lamp). Prose version: docs/hygiene.md.
"""

from __future__ import annotations

import enum
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from devices.wire.readings import Location, SensorId

UV_STATE_PATH = "/api/v1/devices/hygiene/rooms/{room_id}/uv"
"""GET with the device's token: the room's :class:`UvRoomState`. 404 if the room is not the device's centre's."""

PRESENCE_MAX_AGE_S = 60
"""How long the agent trusts a presence answer. Older: the lamp is refused, and a running lamp is cut off."""

MOTION_QUIET_S = 300
"""Movement seen by the room's motion sensor within this many seconds refuses (and cuts off) the lamp."""

RoomId = Annotated[int, Field(ge=1, le=9_999_999_999)]


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WindowPayload(_Payload):
    """``payload`` of ``hygiene.window``."""

    input: SensorId  # the agent's name for the contact, e.g. "window-room3-a"
    room_id: RoomId
    state: Literal["open", "closed"]


class UvEndReason(enum.StrEnum):
    """Why the lamp went off, or why it was refused (one vocabulary: each is logged and shown)."""

    DONE = "done"  # the requested minutes ran out
    STOPPED = "stopped"  # a caregiver stopped it from the tablet
    CHILDREN_PRESENT = "children_present"  # the server says children are checked in to the room
    MOTION = "motion"  # the room's motion sensor saw movement
    PRESENCE_STALE = "presence_stale"  # no fresh presence answer (server unreachable): fail safe
    BUSY = "busy"  # refused: the lamp is already running another session
    AGENT_RESTART = "agent_restart"  # the agent started with the relay in an unknown state and switched it off
    FAULT = "fault"  # the relay could not be driven


class UvPayload(_Payload):
    """``payload`` of ``hygiene.uv``. ``reason`` is required for ``off`` and ``refused``, absent for ``on``."""

    lamp: SensorId  # the agent's name for the relay, e.g. "uv-room3"
    room_id: RoomId
    state: Literal["on", "off", "refused"]
    request_id: int | None = Field(default=None, ge=1)  # the UvRequest it serves (None: a local key switch)
    minutes: int | None = Field(default=None, ge=1, le=240)  # on: the minutes asked for
    reason: UvEndReason | None = None
    children_present: int | None = Field(default=None, ge=0)  # what the agent believed when it decided
    last_motion_at: AwareDatetime | None = None

    @model_validator(mode="after")
    def _reason_matches_state(self) -> UvPayload:
        if (self.state == "on") == (self.reason is not None):
            raise ValueError("an 'on' carries no reason; 'off' and 'refused' carry one")
        return self


class CabinetPayload(_Payload):
    """``payload`` of ``hygiene.cabinet``: one edge of the disinfection cabinet's cycle contact."""

    input: SensorId  # e.g. "cabinet-kitchen"
    location: Location  # "kitchen", or "room:<id>" for a class's own cabinet
    state: Literal["started", "ended"]


class UvRequest(_Payload):
    """A caregiver's request for a UV session, waiting for the agent (the server forgets it once answered)."""

    id: int = Field(ge=1)
    minutes: int = Field(ge=1, le=240)
    requested_at: AwareDatetime
    stop: bool = False  # True: stop the running session of this request now


class UvRoomState(_Payload):
    """The answer of :data:`UV_STATE_PATH`."""

    room_id: RoomId
    children_present: int = Field(ge=0)
    as_of: AwareDatetime
    request: UvRequest | None = None
