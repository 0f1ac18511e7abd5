"""Devices of a centre (kiosks, sensor agents), their one-time enrolment codes and the ingest log."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.centre.models import str_enum
from server.database import UTCDateTime, db


class DeviceKind(StrEnum):
    KIOSK = "kiosk"  # 签到终端
    AGENT = "agent"  # 环境与安全监测代理


class Device(db.Model):
    """An enrolled device. Only the SHA-256 of its bearer token is kept; revocation is permanent."""

    __tablename__ = "device"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    device_id: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[DeviceKind] = mapped_column(str_enum(DeviceKind, 16))
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_prefix: Mapped[str] = mapped_column(String(12))
    # Mosquitto `$7$` hash of the token (the device's broker password); NULL for devices enrolled before MQTT.
    broker_password_hash: Mapped[str | None] = mapped_column(String(160))
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[str | None] = mapped_column(String(40))
    health: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


class EnrolmentCode(db.Model):
    """A one-time code a director hands to whoever installs a device; it yields the device token."""

    __tablename__ = "enrolment_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[DeviceKind] = mapped_column(str_enum(DeviceKind, 16))
    name: Mapped[str] = mapped_column(String(80))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    device_pk: Mapped[int | None] = mapped_column(ForeignKey("device.id"))


class DeviceEvent(db.Model):
    """Every event a device delivered, keyed (device, idempotency key): the dedupe and the answer."""

    __tablename__ = "device_event"
    __table_args__ = (UniqueConstraint("device_pk", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    device_pk: Mapped[int] = mapped_column(ForeignKey("device.id"))
    key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(40))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # accepted | rejected
    reason: Mapped[str | None] = mapped_column(String(64))
    message: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)  # on the device
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
