"""JSON API for devices: enrolment, the event batch endpoint, and the director's device list."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, current_app, request
from flask_babel import lazy_gettext as _l
from pydantic import Field, field_validator

from devices.wire.keys import public_key_text
from devices.wire.protocol import Ack, BatchError, parse_batch
from server.apispec import Schema, responses, spec
from server.auth.session import current_actor
from server.bounds import parses_own_body
from server.centre import keys
from server.centre.models import Centre
from server.centre.operations import get_centre
from server.clock import utcnow
from server.database import db
from server.errors import Forbidden, Problem, Unauthorised, ValidationFailed
from server.extensions import limiter
from server.fleet import operations as ops
from server.fleet.device_auth import current_device
from server.fleet.models import DeviceKind
from server.fleet.versions import server_version, version_standings

bp = Blueprint("fleet_api", __name__, url_prefix="/api/v1")


class EnrolmentCodeIn(Schema):
    kind: DeviceKind
    name: str = Field(min_length=1, max_length=80)
    valid_hours: int = Field(24, ge=1, le=ops.MAX_CODE_HOURS)


class EnrolmentCodeOut(Schema):
    code: str
    kind: DeviceKind
    expires_at: datetime


class EnrolIn(Schema):
    code: str = Field(min_length=4, max_length=32)
    kind: DeviceKind
    name: str | None = Field(None, max_length=80)
    version: str | None = Field(None, max_length=40)


class TrustedKey(Schema):
    key_id: str
    public_key: str


class EnrolOut(Schema):
    device_id: str
    token: str
    centre_code: str
    centre_id: int
    trusted_keys: list[TrustedKey]


class SensorHealthOut(Schema):
    status: str
    fault: str | None = None
    last_ok_at: datetime | None = None


class DeviceHealthOut(Schema):
    """What the agent's last heartbeat said (devices.wire.readings.HeartbeatPayload)."""

    reported_at: datetime
    uptime_s: int
    outbox_pending: int
    outbox_dead: int
    sensors: dict[str, SensorHealthOut]


class DeviceOut(Schema):
    id: int
    device_id: str
    kind: DeviceKind
    name: str
    enrolled_at: datetime
    revoked_at: datetime | None
    last_seen_at: datetime | None
    version: str | None
    behind: bool = False
    """Older than the newest version an active device of its kind reports in the centre, or than the server's own;
    False for a version missing or unparsable (unknown) and for a revoked device."""
    health: DeviceHealthOut | None = None
    """None until the device's first heartbeat (kiosks send none)."""

    @field_validator("health", mode="before")
    @classmethod
    def _none_before_first_heartbeat(cls, value: object) -> object:
        return value or None


class DeviceList(Schema):
    items: list[DeviceOut]


class AckOut(Schema):
    protocol_version: int
    results: list[dict[str, object]]


@bp.post("/centres/<string:code>/devices/enrolment-codes")
@spec.validate(json=EnrolmentCodeIn, resp=responses(HTTP_201=EnrolmentCodeOut), tags=["devices"])
def create_enrolment_code(code: str, json: EnrolmentCodeIn):
    """A one-time code to enrol a kiosk or sensor agent (shown once)."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    plain, row = ops.create_enrolment_code(centre, kind=json.kind, name=json.name, valid_hours=json.valid_hours,
                                           actor=actor, now=now)
    return EnrolmentCodeOut(code=plain, kind=row.kind, expires_at=row.expires_at), 201


@bp.post("/devices/enroll")
@limiter.limit("10 per minute")
@spec.validate(json=EnrolIn, resp=responses(HTTP_201=EnrolOut), tags=["devices"], security={})
def enroll(json: EnrolIn):
    """Trade a one-time code for this device's token and the centre's trusted public keys."""
    now = utcnow()
    device, token = ops.enroll_device(json.code, kind=json.kind, name=json.name, version=json.version, now=now)
    centre = db.session.get(Centre, device.centre_id)
    assert centre is not None
    keyset = keys.ensure_keys(centre, now)
    # The kiosk's format (base64url raw key), the same as the roster's own key list.
    trusted = [TrustedKey(key_id=k.key_id, public_key=public_key_text(k.public_key)) for k in keyset.keys]
    return EnrolOut(device_id=device.device_id, token=token, centre_code=centre.code, centre_id=centre.id,
                    trusted_keys=trusted), 201


@bp.get("/centres/<string:code>/devices")
@spec.validate(resp=responses(HTTP_200=DeviceList), tags=["devices"])
def list_devices(code: str):
    """The centre's kiosks and agents with last-seen time and version."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    devices = ops.list_devices(centre, actor=actor, now=now)
    standings = version_standings(devices, server_version())
    return DeviceList(items=[DeviceOut.model_validate(d).model_copy(update={"behind": standings[d.id].behind})
                             for d in devices])


@bp.post("/devices/<int:device_pk>/revoke")
@spec.validate(resp=responses(HTTP_200=DeviceOut), tags=["devices"])
def revoke(device_pk: int):
    """Revoke a device: its token answers 401 from now on."""
    actor, now = current_actor(), utcnow()
    device = ops.get_device(device_pk, actor=actor, now=now)
    return DeviceOut.model_validate(ops.revoke_device(device, actor=actor, now=now))


@bp.post("/devices/events")
@spec.validate(resp=responses(HTTP_200=AckOut), tags=["devices"])
@parses_own_body
def post_events():
    """A device's batch of events (devices/wire/protocol v1): each applied once, each answered."""
    if not request.headers.get("Authorization", "").startswith("Bearer "):
        raise Unauthorised()
    now, router = utcnow(), current_app.extensions["tuoyu.event_router"]
    # Parsed and prepared before the first query: on SQLite a request holds the one write lock from its first
    # statement to its commit, and this CPU work (most of a reading batch's) needs none of it.
    try:
        prepared, refused = ops.prepare_batch(parse_batch(request.get_data()), router, now), None
    except BatchError as exc:
        prepared, refused = None, exc
    device = current_device()
    if refused is not None:
        raise ValidationFailed([Problem(refused.code, refused.message, refused.field)])
    assert prepared is not None
    if prepared.batch.device_id != device.device_id:
        raise Forbidden(_l("The batch names another device"), code="device_mismatch")
    ack: Ack = ops.ingest_batch(device, prepared, router, now=now)
    # The Ack is already a validated wire model (devices/wire/protocol): serialise it once, not re-validate
    # up to 500 results through the response schema (a third of a reading batch's server time).
    return Response(ack.model_dump_json(exclude_none=True), mimetype="application/json")

