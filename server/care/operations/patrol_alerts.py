"""The nap patrol's alert (`care.nap_patrol`): to the director when a check is overdue.

One alert per nap and due time, resolved by itself (as the system, through `server.alerts.operations.resolve`)
when the check comes or the nap ends.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select

from server.alerts.models import Alert
from server.alerts.operations import raise_alert, resolve
from server.auth.actor import Actor
from server.care.models import Nap
from server.centre.models import Centre, Room
from server.centre.timezones import centre_zone
from server.database import db
from server.people.models import Child

KIND = "care.nap_patrol"
# Overdue reaches the director: above a warning, below an emergency (which calls the roll).
SEVERITY = "urgent"


def patrol_key(nap_id: int, due: datetime) -> str:
    return f"nap_patrol:{nap_id}:{due.astimezone(UTC):%Y%m%dT%H%MZ}"


def nap_of(alert: Alert) -> int | None:
    """The nap an alert of this kind is about."""
    nap = (alert.subject or {}).get("nap")
    return nap if isinstance(nap, int) else None


def open_patrol_alerts(nap_id: int) -> list[Alert]:
    """The open alerts of one nap (one query; the minute job loads every nap's at once: `open_alerts_by_nap`)."""
    return list(db.session.scalars(select(Alert).where(
        Alert.kind == KIND, Alert.dedupe_key.like(f"nap_patrol:{nap_id}:%"), Alert.resolved_at.is_(None))))


def open_alerts_by_nap() -> dict[int, list[Alert]]:
    """Every open patrol alert, by the nap it is about (one query)."""
    by_nap: dict[int, list[Alert]] = {}
    for alert in db.session.scalars(select(Alert).where(Alert.kind == KIND, Alert.resolved_at.is_(None))
                                    .order_by(Alert.id)):
        nap_id = nap_of(alert)
        if nap_id is not None:
            by_nap.setdefault(nap_id, []).append(alert)
    return by_nap


def settle_patrol_alerts(nap: Nap, due: datetime | None, overdue: bool, now: datetime,
                         open_alerts: Sequence[Alert] | None = None) -> Alert | None:
    """Make the open alerts of a nap match its patrol state: one open alert while overdue, none otherwise.

    `open_alerts`: the nap's open alerts when the caller has them (the minute job); else they are read here.
    """
    key = patrol_key(nap.id, due) if overdue and due is not None else None
    current = None
    for alert in open_patrol_alerts(nap.id) if open_alerts is None else open_alerts:
        if alert.resolved_at is not None:
            continue
        if alert.dedupe_key == key:
            current = alert
        else:
            resolve(alert, actor=Actor.system(), now=now)
    if key is None or due is None or current is not None:
        return current
    child, room = db.session.get(Child, nap.child_id), db.session.get(Room, nap.room_id)
    centre = db.session.get(Centre, nap.centre_id)
    local_due = due.astimezone(centre_zone(centre)) if centre is not None else due
    name, room_name = child.name if child else str(nap.child_id), room.name if room else ""
    return raise_alert(
        nap.centre_id, kind=KIND, severity=SEVERITY, dedupe_key=key,
        message_zh=f"午睡巡查超时：{room_name} {name} 应于 {local_due:%H:%M} 巡查，请立即查看",
        message_en=f"Nap check overdue: {name} ({room_name}) was due a check at {local_due:%H:%M}; look now",
        subject={"nap": nap.id, "child": nap.child_id, "room": nap.room_id, "due": due.astimezone(UTC).isoformat()},
        now=now)
