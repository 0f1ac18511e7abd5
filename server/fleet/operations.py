"""Enrol, authenticate and revoke devices; ingest their event batches exactly once."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from devices.wire.protocol import Ack, AckStatus, Event, EventResult, ParsedBatch, Reason, event_fingerprint
from server.alerts.operations import raise_alert
from server.audit.operations import log_access, record_change
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.centre.models import Centre
from server.database import db
from server.errors import ApiError, NotFound, ProblemCollector, Unauthorised
from server.fleet.models import Device, DeviceEvent, DeviceKind, EnrolmentCode
from server.fleet.mqtt_auth import hash_password as broker_password_hash
from server.fleet.policy import KIND_NOT_ALLOWED, may_send

DEVICE_TOKEN_PREFIX = "tyd_"
# Crockford-style alphabet: no 0/O, 1/I/L to misread off a sheet of paper.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
MAX_CODE_HOURS = 7 * 24
LAST_SEEN_EVERY = timedelta(seconds=30)

log = logging.getLogger(__name__)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _normal_code(code: str) -> str:
    return code.strip().upper().replace("-", "").replace(" ", "")


def create_enrolment_code(
    centre: Centre, *, kind: DeviceKind, name: str, valid_hours: int = 24, actor: Actor, now: datetime
) -> tuple[str, EnrolmentCode]:
    """A one-time code to enrol one device; the plain code is returned once."""
    authorise(actor, Perm.CENTRE_MANAGE, centre.id, now)
    problems = ProblemCollector()
    if not name.strip():
        problems.add("required", _l("Name the device"), "name")
    if not 1 <= valid_hours <= MAX_CODE_HOURS:
        problems.add("bad_validity", _l("Valid for 1–%(most)s hours", most=MAX_CODE_HOURS), "valid_hours")
    problems.raise_if_any()
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))
    code = EnrolmentCode(centre_id=centre.id, code_hash=_digest(raw), kind=kind, name=name.strip(),
                         created_by_id=actor.user_id, created_at=now, expires_at=now + timedelta(hours=valid_hours))
    db.session.add(code)
    db.session.flush()
    record_change(centre_id=centre.id, actor_id=actor.user_id, actor_kind=actor.kind, action="device.code",
                  object_type="enrolment_code", object_id=code.id, before=None,
                  after={"kind": kind, "expires_at": code.expires_at}, now=now)
    return f"{raw[:5]}-{raw[5:]}", code


class EnrolmentRefused(ApiError):
    status = 404
    code = "enrolment_refused"
    message = _l("The enrolment code is unknown, used or expired")


def enroll_device(code: str, *, kind: DeviceKind, name: str | None, version: str | None,
                  now: datetime) -> tuple[Device, str]:
    """Trade a one-time code for a device and its bearer token (returned once)."""
    row = db.session.execute(
        select(EnrolmentCode).where(EnrolmentCode.code_hash == _digest(_normal_code(code))).with_for_update()
    ).scalar_one_or_none()
    if row is None or row.used_at is not None or row.expires_at <= now or row.kind != kind:
        raise EnrolmentRefused(field="code")
    token = DEVICE_TOKEN_PREFIX + secrets.token_urlsafe(32)
    device = Device(centre_id=row.centre_id, device_id=f"{kind.value}-{secrets.token_hex(5)}", kind=kind,
                    name=(name or row.name).strip()[:80] or row.name, token_hash=_digest(token),
                    token_prefix=token[:10], broker_password_hash=broker_password_hash(token), enrolled_at=now,
                    last_seen_at=now, version=version, health={})
    db.session.add(device)
    db.session.flush()
    row.used_at, row.device_pk = now, device.id
    record_change(centre_id=row.centre_id, actor_id=row.created_by_id, actor_kind="enrolment",
                  action="device.enroll", object_type="device", object_id=device.id, before=None,
                  after={"device_id": device.device_id, "kind": kind, "version": version}, now=now)
    return device, token


def revoke_device(device: Device, *, actor: Actor, now: datetime) -> Device:
    """Revoke a device for good: its token answers 401 from now on."""
    authorise(actor, Perm.CENTRE_MANAGE, device.centre_id, now)
    if device.revoked_at is None:
        device.revoked_at = now
        db.session.flush()
        record_change(centre_id=device.centre_id, actor_id=actor.user_id, actor_kind=actor.kind,
                      action="device.revoke", object_type="device", object_id=device.id,
                      before={"revoked": False}, after={"revoked": True}, now=now)
    return device


def get_device(device_pk: int, *, actor: Actor, now: datetime) -> Device:
    device = db.session.get(Device, device_pk)
    if device is None:
        raise NotFound()
    authorise(actor, Perm.DEVICES_READ, device.centre_id, now)
    return device


def list_devices(centre: Centre, *, actor: Actor, now: datetime) -> list[Device]:
    authorise(actor, Perm.DEVICES_READ, centre.id, now)
    return list(db.session.execute(select(Device).where(Device.centre_id == centre.id).order_by(Device.id)).scalars())


class DeviceRevoked(Unauthorised):
    code = "device_revoked"
    message = _l("This device has been revoked")


def authenticate_device(token: str, *, now: datetime, version: str | None = None) -> Device:
    """The device a bearer token belongs to; a revoked one is refused and the attempt logged."""
    device = db.session.execute(select(Device).where(Device.token_hash == _digest(token))).scalar_one_or_none()
    if device is None or not token.startswith(DEVICE_TOKEN_PREFIX):
        raise Unauthorised(_l("Unknown device token"), code="bad_device_token")
    if device.revoked_at is not None:
        raise DeviceRevoked()
    if device.last_seen_at is None or now - device.last_seen_at >= LAST_SEEN_EVERY or version != device.version:
        device.last_seen_at = now
        device.version = version or device.version
    return device


def log_revoked_attempt(token: str, path: str, now: datetime) -> None:
    """A revoked device knocked: logged (and committed by the caller) for the director to see."""
    device = db.session.execute(select(Device).where(Device.token_hash == _digest(token))).scalar_one_or_none()
    if device is not None:
        log_access(centre_id=device.centre_id, user_id=None, action="denied", object_type="device",
                   object_id=device.device_id, now=now, detail=f"revoked device called {path[:120]}")
        alert_revoked_device(device, now)


def alert_revoked_device(device: Device, now: datetime, *, over_mqtt: bool = False) -> None:
    """A revoked device still calling may be stolen or mis-installed: one open alert per device, any transport."""
    how_zh, how_en = ("发送（MQTT）", "publishing over MQTT") if over_mqtt else ("连接", "calling")
    check_zh, check_en = (("请检查代理密码文件与设备去向", "regenerate the broker password file and find the device")
                          if over_mqtt else ("请检查设备去向", "find out where it is"))
    raise_alert(device.centre_id, kind="device.revoked", severity="urgent", dedupe_key=f"device_revoked:{device.id}",
                message_zh=f"已停用的设备仍在{how_zh}：{device.name}（{device.device_id}），{check_zh}",
                message_en=f"A revoked device is still {how_en}: {device.name} ({device.device_id}); {check_en}",
                subject={"device": device.id}, now=now)


class EventRejected(Exception):
    """A domain handler refuses one event for good; the device dead-letters it."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


# kind prefix -> handler(device, event, now); each domain registers its own in the app factory.
EventHandler = Callable[[Device, Event, datetime], None]


class BulkKind(Protocol):
    """A high-volume kind (readings) deduplicating in its own table: one statement per batch, not a savepoint each.

    ``prepare`` is pure (validation, rows) and runs before the request touches the database, so on SQLite
    no write lock is held for it; ``store`` writes and answers every event.
    """

    def prepare(self, events: list[Event], now: datetime) -> Any: ...

    def store(self, device: Device, prepared: Any, now: datetime) -> list[EventResult]: ...


@dataclass(frozen=True)
class EventRouter:
    handlers: dict[str, EventHandler]
    bulk: dict[str, BulkKind] = field(default_factory=dict)
    # kind prefix -> hook(device, now), run once after a batch in which an event of that prefix was applied:
    # what depends on the whole batch (room ratios after a backlog of check-ins) is worked out once, at its end.
    after_batch: dict[str, Callable[[Device, datetime], None]] = field(default_factory=dict)

    def handler_for(self, kind: str) -> EventHandler | None:
        return self.handlers.get(kind) or self.handlers.get(kind.split(".", 1)[0])


@dataclass(frozen=True)
class PreparedBatch:
    """A parsed batch and, per bulk kind, what that kind's ``prepare`` made of its events."""

    batch: ParsedBatch
    bulk: dict[str, Any]


def prepare_batch(batch: ParsedBatch, router: EventRouter, now: datetime) -> PreparedBatch:
    """The database-free part of ingest (call it before the first query of the request)."""
    bulk = {}
    for kind, handler in router.bulk.items():
        of_kind = [event for event in batch.events if event.kind == kind]
        if of_kind:
            bulk[kind] = handler.prepare(of_kind, now)
    return PreparedBatch(batch, bulk)


def ingest_batch(device: Device, batch: ParsedBatch | PreparedBatch, router: EventRouter, *, now: datetime) -> Ack:
    """Apply each event once: a known key answers as before, a new one runs its domain handler.

    Each event runs in a savepoint with its dedupe row, so a concurrent duplicate (UNIQUE) or a
    refused event never undoes its neighbours. Kinds with a bulk handler go to it together.
    """
    prepared = batch if isinstance(batch, PreparedBatch) else prepare_batch(batch, router, now)
    results: list[EventResult] = list(prepared.batch.rejected)
    refused = [event for event in prepared.batch.events if not may_send(device.kind, str(event.kind))]
    if refused:
        results.extend(_refuse_kinds(device, refused, now))
    for kind, work in prepared.bulk.items():
        if may_send(device.kind, kind):
            results.extend(router.bulk[kind].store(device, work, now))
    applied: set[str] = set()
    for event in prepared.batch.events:
        if event.kind in router.bulk or not may_send(device.kind, str(event.kind)):
            continue
        fingerprint = _digest(event_fingerprint(event))
        result = _ingest_one(device, event, fingerprint, router, now)
        if result.status is AckStatus.ACCEPTED:
            applied.add(str(event.kind).split(".", 1)[0])
        results.append(result)
    for prefix in sorted(applied & router.after_batch.keys()):
        router.after_batch[prefix](device, now)
    return Ack(results=results)


def _refuse_kinds(device: Device, events: list[Event], now: datetime) -> list[EventResult]:
    """Events the device's kind may not send (server/fleet/policy.py): answered, never stored, logged once.

    A rejection is final for the device (it dead-letters the event, keeping it aside), so it is not
    retried forever; nothing is stored, so a policy corrected later can still take the event.
    """
    kinds = sorted({str(event.kind) for event in events})
    log_access(centre_id=device.centre_id, user_id=None, action="denied", object_type="device",
               object_id=device.device_id, now=now,
               detail=f"{device.kind} sent {len(events)} event(s) of kinds it may not send: {', '.join(kinds)}"[:200])
    # Acks are plain text on the wire, in the default language (a device sends no Accept-Language).
    return [EventResult(key=event.key, status=AckStatus.REJECTED, reason=KIND_NOT_ALLOWED,
                        message=gettext("a %(device)s may not send %(kind)s", device=device.kind, kind=event.kind))
            for event in events]


NOT_STORED = "not_stored"
"""The per-event rejection code of an event the database refused (not a duplicate): the device keeps it aside."""


def _not_stored(device: Device, event: Event, exc: IntegrityError, now: datetime) -> EventResult:
    """An event the database refused: rejected (the device dead-letters it, never deletes it) and alerted."""
    log.error("event %s (%s) of %s not stored: %s", event.key, event.kind, device.device_id, exc.orig)
    raise_alert(device.centre_id, kind="device.event_not_stored", severity="urgent",
                dedupe_key=f"event_not_stored:{device.id}",
                message_zh=f"设备 {device.name}（{device.device_id}）的事件未能保存，已留在设备上，请联系技术支持",
                message_en=f"An event from {device.name} ({device.device_id}) could not be stored; "
                           "it is kept on the device: call support",
                subject={"device": device.id, "event_key": event.key, "kind": str(event.kind)}, now=now)
    return EventResult(key=event.key, status=AckStatus.REJECTED, reason=NOT_STORED,
                       message=gettext("the server could not store this event; it stays on the device"))


def _previous_answer(device: Device, event: Event, fingerprint: str) -> EventResult | None:
    seen = db.session.execute(
        select(DeviceEvent).where(DeviceEvent.device_pk == device.id, DeviceEvent.key == event.key)
    ).scalar_one_or_none()
    if seen is None:
        return None
    if seen.fingerprint != fingerprint:
        return EventResult(key=event.key, status=AckStatus.REJECTED, reason=Reason.KEY_REUSED.value,
                           message=gettext("key reused with different content"))
    if seen.status == "rejected":
        return EventResult(key=event.key, status=AckStatus.REJECTED, reason=seen.reason, message=seen.message)
    return EventResult(key=event.key, status=AckStatus.DUPLICATE)


def _ingest_one(device: Device, event: Event, fingerprint: str, router: EventRouter, now: datetime) -> EventResult:
    previous = _previous_answer(device, event, fingerprint)
    if previous is not None:
        return previous
    handler = router.handler_for(str(event.kind))
    try:
        with db.session.begin_nested():
            status, reason, message = "accepted", None, None
            if handler is None:
                status, reason, message = "rejected", "unsupported_kind", f"no handler for {event.kind}"
            else:
                try:
                    with db.session.begin_nested():
                        handler(device, event, now)
                except EventRejected as exc:
                    status, reason, message = "rejected", exc.reason, exc.message[:300]
            db.session.add(DeviceEvent(device_pk=device.id, key=event.key, kind=str(event.kind),
                                       fingerprint=fingerprint, status=status, reason=reason, message=message,
                                       created_at=event.created_at, received_at=now))
            db.session.flush()
    except IntegrityError as exc:
        # Another request may have stored this key first (the same batch sent twice at once): then it is
        # held and the stored answer stands. Anything else (a reference the server does not know...) stored
        # nothing, and "duplicate" would make the device delete an event that exists nowhere.
        answer = _previous_answer(device, event, fingerprint)
        if answer is not None:
            return answer
        return _not_stored(device, event, exc, now)
    if status == "accepted":
        return EventResult(key=event.key, status=AckStatus.ACCEPTED)
    return EventResult(key=event.key, status=AckStatus.REJECTED, reason=reason, message=message)
