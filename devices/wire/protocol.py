"""Device → server wire format, defined once here and imported by the server to validate.

Protocol version 1 (see docs/outbox-uplink.md for the prose version):

* An :class:`Event` is one thing that happened on a device (a check-in, a
  reading, a panic button press). It is created once, in the device's durable
  outbox, with an idempotency ``key`` that never changes however many times the
  event is sent.
* A :class:`Batch` carries 1..500 events of one device to the server
  (``POST /api/v1/devices/events`` or the MQTT topic
  ``tuoyu/v1/{centre}/{device}/events``).
* An :class:`Ack` answers every event of the batch with ``accepted``,
  ``duplicate`` or ``rejected`` (with a machine reason code). ``accepted`` and
  ``duplicate`` both mean "the server has it": the device deletes the event.
  ``rejected`` events are moved aside to the device's dead-letter table.

The server deduplicates on ``(device_id, key)``. Delivery is at-least-once;
the effect is exactly-once because of that deduplication.
"""

from __future__ import annotations

import enum
import json
import re
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import pydantic_core
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_serializer,
    field_validator,
    model_validator,
)

PROTOCOL_VERSION = 1
"""Bumped on any change an older peer could not read. Both sides refuse other versions."""

MAX_BATCH_EVENTS = 500
"""Most events one batch may carry."""

PAYLOAD_MAX_BYTES = 8192
"""Largest payload, measured as compact UTF-8 JSON. 500 x 8 KiB bounds a batch body at ~4.5 MiB."""

MAX_BATCH_BYTES = 5 * 1024 * 1024
"""Request bodies the server must accept (500 full events plus envelope overhead)."""

DEVICE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
"""Device ids appear in MQTT topics, so no ``/``, ``+``, ``#`` or spaces."""

KEY_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
"""Canonical lower-case UUID text. Version 1 devices make UUID4; any UUID version is accepted."""

REASON_PATTERN = r"^[a-z][a-z0-9_.]{0,63}$"
"""Machine reason codes, e.g. ``unknown_child`` or ``payload.invalid``."""


class EventKind(enum.StrEnum):
    """What an event is about. Each domain validates the payload of its own kinds."""

    ATTENDANCE_CHECK_IN = "attendance.check_in"
    ATTENDANCE_CHECK_OUT = "attendance.check_out"
    ATTENDANCE_REFUSED = "attendance.refused"
    READING = "reading"
    SAFETY_PANIC = "safety.panic"
    SAFETY_SMOKE = "safety.smoke"
    SAFETY_DOOR = "safety.door"
    HEARTBEAT = "heartbeat"
    HYGIENE_WINDOW = "hygiene.window"
    HYGIENE_UV = "hygiene.uv"
    HYGIENE_CABINET = "hygiene.cabinet"

    @property
    def is_safety(self) -> bool:
        """Whether this kind is delivered ahead of everything else by default."""
        return self.value.startswith("safety.")


class AckStatus(enum.StrEnum):
    """The server's answer for one event."""

    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


class Reason(enum.StrEnum):
    """Envelope-level reason codes. Domains add their own codes (any ``REASON_PATTERN`` string)."""

    INVALID_ENVELOPE = "invalid_envelope"
    """The event could not be read as a version-1 :class:`Event`."""
    KEY_REUSED = "key_reused"
    """The key was seen before with a different event body (a device bug, never a retry)."""
    DEVICE_MISMATCH = "device_mismatch"
    """The event names another device than the batch / the authenticated token."""
    INVALID_LOCAL = "invalid_local"
    """Set by the device itself: a stored row no longer validates (never sent)."""


def new_key() -> str:
    """A fresh idempotency key: random UUID4 text."""
    return str(uuid.uuid4())


def format_utc(value: datetime) -> str:
    """UTC ISO-8601 with microseconds and a ``Z``, the only time format on the wire."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("naive datetime: wire times must be timezone-aware")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def payload_size(payload: dict[str, Any]) -> int:
    """Bytes of the payload as compact UTF-8 JSON; raises ``ValueError`` if it is not plain JSON."""
    try:
        text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"payload is not plain JSON: {exc}") from None
    return len(text.encode("utf-8"))


PLAIN_JSON = {"plain_json": True}
"""Validation context of events just parsed from JSON text: their payloads are plain JSON (no NaN, no
Python objects), so pydantic-core's writer may measure them; a payload near the limit is measured exactly."""


def _bounded_size(payload: dict[str, Any], info: ValidationInfo) -> int:
    if info.context is PLAIN_JSON:
        # The two writers differ only in how they spell some floats (1e-07 / 1e-7): far below the limit,
        # the fast figure decides; near it, the device's own measure does.
        text = pydantic_core.to_json(payload)
        # "1e999" parses as infinity; json.dumps below refuses it (and a string that merely says so is fine).
        if len(text) <= PAYLOAD_MAX_BYTES // 2 and b"Infinity" not in text:
            return len(text)
    return payload_size(payload)


DeviceId = Annotated[str, Field(pattern=DEVICE_ID_PATTERN)]
Key = Annotated[str, Field(pattern=KEY_PATTERN)]
ReasonCode = Annotated[str, Field(pattern=REASON_PATTERN)]


class _WireModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Event(_WireModel):
    """One thing that happened on a device, with its idempotency key."""

    key: Key
    """Idempotency key made when the event was created; the server deduplicates on (device_id, key)."""
    device_id: DeviceId
    stream: Key
    """Identity of the outbox file that numbered this event; ``sequence`` is only ordered within it."""
    sequence: int = Field(ge=1)
    """1, 2, 3, ... per stream, in creation order; gaps mean events were lost or dead-lettered."""
    kind: EventKind
    created_at: AwareDatetime
    payload: dict[str, Any] = Field(default_factory=dict)

    @field_validator("created_at")
    @classmethod
    def _created_at_utc(cls, value: datetime) -> datetime:
        return _to_utc(value)

    @field_validator("payload")
    @classmethod
    def _payload_bounded(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        size = _bounded_size(value, info)
        if size > PAYLOAD_MAX_BYTES:
            raise ValueError(f"payload is {size} bytes, limit {PAYLOAD_MAX_BYTES}")
        return value

    @field_serializer("created_at")
    def _created_at_wire(self, value: datetime) -> str:
        return format_utc(value)


class Batch(_WireModel):
    """Events of one device sent together; the unit of one HTTP request or MQTT message."""

    protocol_version: Literal[1] = PROTOCOL_VERSION
    device_id: DeviceId
    sent_at: AwareDatetime
    """When this attempt was made (differs between retries; informative only, for clock-skew checks)."""
    events: list[Event] = Field(min_length=1, max_length=MAX_BATCH_EVENTS)

    @field_validator("sent_at")
    @classmethod
    def _sent_at_utc(cls, value: datetime) -> datetime:
        return _to_utc(value)

    @field_serializer("sent_at")
    def _sent_at_wire(self, value: datetime) -> str:
        return format_utc(value)

    @model_validator(mode="after")
    def _one_device_unique_keys(self) -> Batch:
        problems = []
        keys: set[str] = set()
        for index, event in enumerate(self.events):
            if event.device_id != self.device_id:
                problems.append(f"events[{index}].device_id is not the batch device_id")
            if event.key in keys:
                problems.append(f"events[{index}].key repeats an earlier key")
            keys.add(event.key)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def keys(self) -> list[str]:
        """The idempotency keys in batch order."""
        return [event.key for event in self.events]


class EventResult(_WireModel):
    """The server's answer for one event of a batch."""

    key: Key
    status: AckStatus
    reason: ReasonCode | None = None
    """Machine code; required when rejected, absent otherwise."""
    message: str | None = Field(default=None, max_length=500)
    """Optional human-readable detail for a rejection (shown in the dead-letter list)."""

    @model_validator(mode="after")
    def _reason_iff_rejected(self) -> EventResult:
        if self.status is AckStatus.REJECTED and self.reason is None:
            raise ValueError("a rejected event needs a reason code")
        if self.status is not AckStatus.REJECTED and (self.reason is not None or self.message is not None):
            raise ValueError("only a rejected event carries a reason or message")
        return self


class Ack(_WireModel):
    """The server's answer to a batch: one result per event (any order)."""

    protocol_version: Literal[1] = PROTOCOL_VERSION
    results: list[EventResult] = Field(max_length=MAX_BATCH_EVENTS)

    @model_validator(mode="after")
    def _unique_keys(self) -> Ack:
        keys = [result.key for result in self.results]
        if len(keys) != len(set(keys)):
            raise ValueError("an ack answers each key at most once")
        return self


# -- helpers for the receiving side ------------------------------------------------------------


class BatchError(ValueError):
    """A batch the server must refuse as a whole (answer HTTP 422 with ``code``)."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def as_error_body(self) -> dict[str, Any]:
        """The API's one error shape: ``{"error": {"code", "message", "field"}}``."""
        return {"error": {"code": self.code, "message": self.message, "field": self.field}}


class ParsedBatch(BaseModel):
    """A batch split into events that validate and per-event rejections for those that do not."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    device_id: str
    sent_at: datetime
    events: list[Event]
    rejected: list[EventResult]


class _BatchHeader(_WireModel):
    protocol_version: int
    device_id: DeviceId
    sent_at: AwareDatetime
    events: list[Any] = Field(min_length=1, max_length=MAX_BATCH_EVENTS)


_EVENTS = TypeAdapter(list[Event])


def _load(body: bytes | str | dict[str, Any]) -> tuple[Any, dict[str, bool] | None]:
    """The batch as Python values, and the validation context its events get."""
    if not isinstance(body, bytes | str):
        return body, None
    try:
        # pydantic-core's parser: several times faster than json.loads on a 500-event body, and NaN or
        # Infinity (which no device writes: its outbox refuses them) make the body unreadable, not an event.
        return pydantic_core.from_json(body, allow_inf_nan=False), PLAIN_JSON
    except ValueError as exc:
        raise BatchError("invalid_json", f"body is not JSON: {exc}") from None


def parse_batch(body: bytes | str | dict[str, Any]) -> ParsedBatch:
    """Validate a received batch, event by event, so one bad event does not refuse its neighbours.

    Raises :class:`BatchError` when the batch itself is unreadable (bad JSON, wrong
    protocol version, bad header, an event without a readable key, a repeated key).
    Events that have a readable key but fail validation come back in ``rejected``
    with reason ``invalid_envelope`` or ``device_mismatch``; the server answers
    them ``rejected`` and the device dead-letters them.
    """
    raw, context = _load(body)
    if not isinstance(raw, dict):
        raise BatchError("invalid_batch", "a batch is a JSON object")
    if raw.get("protocol_version") != PROTOCOL_VERSION:
        raise BatchError(
            "unsupported_protocol_version",
            f"protocol_version {raw.get('protocol_version')!r} is not supported; this side speaks {PROTOCOL_VERSION}",
            "protocol_version",
        )
    try:
        header = _BatchHeader.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        raise BatchError("invalid_batch", first["msg"], field) from None
    sent_at = header.sent_at.astimezone(UTC)
    # The usual batch is all good: one validator call for every event. Anything amiss takes the event-by-event
    # path below, which tells each problem apart.
    try:
        events = _EVENTS.validate_python(header.events, context=context)
    except ValidationError:
        pass
    else:
        if len({event.key for event in events}) == len(events) and all(
                event.device_id == header.device_id for event in events):
            return ParsedBatch.model_construct(device_id=header.device_id, sent_at=sent_at, events=events,
                                               rejected=[])
    return _parse_each(header, sent_at, context)


def _parse_each(header: _BatchHeader, sent_at: datetime, context: dict[str, bool] | None) -> ParsedBatch:
    events: list[Event] = []
    rejected: list[EventResult] = []
    seen: set[str] = set()
    for index, item in enumerate(header.events):
        key = item.get("key") if isinstance(item, dict) else None
        if not isinstance(key, str) or not re.fullmatch(KEY_PATTERN, key):
            raise BatchError("invalid_key", "every event needs a readable idempotency key", f"events.{index}.key")
        if key in seen:
            raise BatchError("repeated_key", "a key appears twice in one batch", f"events.{index}.key")
        seen.add(key)
        try:
            event = Event.model_validate(item, context=context)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            rejected.append(
                EventResult(
                    key=key,
                    status=AckStatus.REJECTED,
                    reason=Reason.INVALID_ENVELOPE,
                    message=f"{where}: {first['msg']}"[:500],
                )
            )
            continue
        if event.device_id != header.device_id:
            rejected.append(EventResult(key=key, status=AckStatus.REJECTED, reason=Reason.DEVICE_MISMATCH))
            continue
        events.append(event)
    return ParsedBatch(device_id=header.device_id, sent_at=sent_at, events=events, rejected=rejected)


def event_fingerprint(event: Event) -> str:
    """Canonical text of an event's content, to tell a retry from a reused key (store it with the key)."""
    body = event.model_dump(mode="json")
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
