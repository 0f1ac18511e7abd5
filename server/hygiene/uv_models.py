"""The UV lamp's records (issue #18): caregivers' requests and the relay's events. Both append-only.

Sessions are not stored: they are read from the relay events (``on`` → ``off`` pairs, server/hygiene/uv_log.py),
so a late, out-of-order or repeated event can never leave a half-written session behind.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.database import UTCDateTime, db


class UvRequest(db.Model):
    """A caregiver asked for a UV session of ``minutes`` in a room, or (``stops_id``) to stop one. Append-only.

    The agent takes a request at its next poll; one it has not answered by ``expires_at`` is no longer offered.
    """

    __tablename__ = "hygiene_uv_request"
    __table_args__ = (Index("ix_hygiene_uv_request_room", "room_id", "requested_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id"))
    minutes: Mapped[int]
    stops_id: Mapped[int | None] = mapped_column(ForeignKey("hygiene_uv_request.id"))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class UvRelayEvent(db.Model):
    """One ``hygiene.uv`` event of a room's agent: the lamp on, off (with why) or refused (with why). Append-only."""

    __tablename__ = "hygiene_uv_event"
    __table_args__ = (UniqueConstraint("device_pk", "event_key"), Index("ix_hygiene_uv_event_room", "room_id", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id"))
    device_pk: Mapped[int] = mapped_column(ForeignKey("device.id"))
    event_key: Mapped[str] = mapped_column(String(64))
    lamp: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(8))  # on | off | refused
    reason: Mapped[str | None] = mapped_column(String(24))  # devices.wire.hygiene.UvEndReason
    request_id: Mapped[int | None] = mapped_column(ForeignKey("hygiene_uv_request.id"))
    minutes: Mapped[int | None]
    children_present: Mapped[int | None]
    last_motion_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    at: Mapped[datetime] = mapped_column(UTCDateTime)  # when the agent switched (the event's created_at)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
