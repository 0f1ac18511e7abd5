"""Every ten minutes: children still in after closing, and booked children not in by the deadline."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from compliance import Period
from server.alerts.models import Alert
from server.alerts.operations import raise_alert
from server.attendance.operations.presence import presence
from server.attendance.registers import register_lines
from server.auth.actor import Actor
from server.centre.models import Centre
from server.centre.timezones import centre_today, local_time
from server.database import db
from server.people.models import Child
from server.scheduling.operations import ScheduledJob


def sweep_centre(centre: Centre, now: datetime) -> None:
    """Raise (or clear) the day's attendance alerts of one centre."""
    local = local_time(centre, now)
    today = centre_today(centre, now)
    if local.time() >= centre.closes_at:
        for room in presence(centre, actor=Actor.system(), now=now):
            for child_id in room.children:
                child = db.session.get(Child, child_id)
                raise_alert(centre.id, kind="attendance.after_closing", severity="urgent",
                            dedupe_key=f"after_closing:{today}:{child_id}",
                            message_zh=f"闭园后仍在园：{child.name if child else child_id}，请联系家长",
                            message_en="Still checked in after closing: call the family",
                            subject={"child": child_id}, now=now)
    if local.time() >= centre.arrival_deadline and local.time() < centre.closes_at:
        for line in register_lines(centre, Period(today, today)):
            key = f"not_arrived:{today}:{line.child_id}"
            if line.expected and not line.present and line.absence is None:
                raise_alert(centre.id, kind="attendance.not_arrived", severity="warning", dedupe_key=key,
                            message_zh=f"应到未到：{line.child_name}，请联系家长",
                            message_en="Booked but not arrived: call the family",
                            subject={"child": line.child_id}, now=now)
            else:
                _clear(centre.id, key, now)


def _clear(centre_id: int, dedupe_key: str, now: datetime) -> None:
    # The child arrived or an absence was recorded: the alert resolves itself.
    for alert in db.session.execute(
        select(Alert).where(Alert.centre_id == centre_id, Alert.dedupe_key == dedupe_key, Alert.resolved_at.is_(None))
    ).scalars():
        alert.resolved_at = now


def sweep_all(now: datetime) -> None:
    """Sweep every centre."""
    for centre in db.session.execute(select(Centre).order_by(Centre.id)).scalars().all():
        sweep_centre(centre, now)
        db.session.flush()


ATTENDANCE_SWEEP = ScheduledJob("attendance.sweep", run=sweep_all, cron={"minute": "*/10"},
                                slot_format="%Y-%m-%dT%H:%M")
