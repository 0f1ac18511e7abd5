"""The centre's quick health screen at the kiosk (issue #15): its one setting, and what the roster carries.

Whether a parent may skip the temperature on the kiosk is the centre's choice (default: allowed, the
rulebook asks for a 晨检 by the 保健员, not for a reading at the door). The setting is append-only: each
change is a new row, the latest one counts, and each has an audit entry (so the roster's version rises and
the kiosks fetch it). The fever figure is the rulebook's (`health.morning_check.fever_c`, read by the health
checks), the same figure the 保健员's 晨检 judges by.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, select
from sqlalchemy.orm import Mapped, mapped_column

from devices.wire.health_screen import RosterHealthScreen
from server.audit.operations import audit_record
from server.auth.actor import Actor
from server.centre.models import Centre
from server.database import UTCDateTime, db
from server.health.checks.operations import fever_threshold

SETTING_FIELDS = ("skip_allowed", "recorded_at")


class KioskScreenSetting(db.Model):
    """One change of a centre's quick-screen setting; the latest row is in force (none: the defaults)."""

    __tablename__ = "kiosk_screen_setting"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    skip_allowed: Mapped[bool]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


def skip_allowed(centre_id: int) -> bool:
    """Whether the kiosk offers "skip" for the temperature at this centre (default: yes)."""
    latest = db.session.execute(
        select(KioskScreenSetting.skip_allowed).where(KioskScreenSetting.centre_id == centre_id)
        .order_by(KioskScreenSetting.id.desc()).limit(1)).scalar_one_or_none()
    return True if latest is None else latest


def set_skip_allowed(centre: Centre, *, allowed: bool, actor: Actor, now: datetime) -> KioskScreenSetting:
    """Change whether the temperature may be skipped at the kiosk; a new row and its audit entry."""
    row = KioskScreenSetting(centre_id=centre.id, skip_allowed=bool(allowed), recorded_by_id=actor.user_id,
                             recorded_at=now)
    db.session.add(row)
    db.session.flush()
    audit_record(row, "attendance.kiosk_screen_setting", None, SETTING_FIELDS, actor=actor, now=now)
    return row


def roster_health_screen(centre: Centre, day: date) -> RosterHealthScreen:
    """The screen settings for the roster of ``day``: the centre's skip setting and the rulebook's fever figure.

    No figure in the rulebook: None, and the kiosk judges no fever (the server's checks judge none either).
    """
    fever = fever_threshold(centre, day)
    return RosterHealthScreen(skip_allowed(centre.id),
                             None if fever is None else Decimal(str(fever)).quantize(Decimal("0.1")))

