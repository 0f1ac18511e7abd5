"""Raise, acknowledge and resolve alerts; a condition that persists keeps one open alert, not a flood."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from server.alerts.models import Alert
from server.audit.operations import audit_record
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.centre.models import Centre
from server.database import db
from server.errors import Conflict, NotFound

ALERT_FIELDS = ("kind", "severity", "dedupe_key", "opened_at", "acknowledged_at", "acknowledged_by_id",
                "resolved_at", "resolved_by_id")
SEVERITY_ORDER = {"emergency": 0, "urgent": 1, "warning": 2, "info": 3}
# Per alert kind, whether its condition still holds (e.g. the room is still out of ratio): such an alert
# resolves itself when the condition ends and cannot be closed by hand before. The app factory lists them
# (`tuoyu.alert_conditions`), so this floor imports none of the domains that own the conditions.
AlertCondition = Callable[[Alert], bool]


def raise_alert(
    centre_id: int, *, kind: str, severity: str, dedupe_key: str, message_zh: str, message_en: str,
    subject: dict[str, object] | None = None, now: datetime,
) -> Alert:
    """Open an alert unless one with the same key is still open (then that one is returned)."""
    existing = db.session.execute(
        select(Alert).where(Alert.centre_id == centre_id, Alert.dedupe_key == dedupe_key, Alert.resolved_at.is_(None))
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    alert = Alert(centre_id=centre_id, kind=kind, severity=severity, dedupe_key=dedupe_key, message_zh=message_zh,
                  message_en=message_en, subject=subject or {}, opened_at=now)
    db.session.add(alert)
    db.session.flush()
    audit_record(alert, "alert.open", None, ALERT_FIELDS, actor=Actor.system(), now=now)
    return alert


def get_alert(alert_id: int, *, actor: Actor, now: datetime) -> Alert:
    alert = db.session.get(Alert, alert_id)
    if alert is None:
        raise NotFound()
    authorise(actor, Perm.ALERTS_READ, alert.centre_id, now)
    return alert


def acknowledge(alert: Alert, *, actor: Actor, now: datetime) -> Alert:
    """A member of staff takes the alert on (who and when are kept)."""
    authorise(actor, Perm.ALERTS_MANAGE, alert.centre_id, now)
    if alert.resolved_at is not None:
        raise Conflict(_l("The alert is already resolved"), code="already_resolved")
    if alert.acknowledged_at is None:
        alert.acknowledged_at, alert.acknowledged_by_id = now, actor.user_id
        db.session.flush()
        audit_record(alert, "alert.acknowledge", None, ALERT_FIELDS, actor=actor, now=now)
    return alert


def resolve(alert: Alert, *, actor: Actor, now: datetime,
            conditions: Mapping[str, AlertCondition] | None = None) -> Alert:
    """Close the alert; an unacknowledged one counts as acknowledged at the same moment.

    An alert whose kind has a condition in `conditions` that still holds is refused (409 `still_in_breach`).
    """
    authorise(actor, Perm.ALERTS_MANAGE, alert.centre_id, now)
    condition = (conditions or {}).get(alert.kind)
    if alert.resolved_at is None and condition is not None and condition(alert):
        raise Conflict(_l("The condition still holds (e.g. the room is still out of ratio); the alert resolves itself "
                          "when it ends"), code="still_in_breach")
    if alert.resolved_at is None:
        if alert.acknowledged_at is None:
            alert.acknowledged_at, alert.acknowledged_by_id = now, actor.user_id
        alert.resolved_at, alert.resolved_by_id = now, actor.user_id
        db.session.flush()
        audit_record(alert, "alert.resolve", None, ALERT_FIELDS, actor=actor, now=now)
    return alert


def open_alerts(centre_id: int, *, actor: Actor, now: datetime) -> list[Alert]:
    """Unresolved alerts, most severe then oldest first."""
    authorise(actor, Perm.ALERTS_READ, centre_id, now)
    rows = db.session.execute(
        select(Alert).where(Alert.centre_id == centre_id, Alert.resolved_at.is_(None))
    ).scalars()
    return sorted(rows, key=lambda a: (SEVERITY_ORDER.get(a.severity, 9), a.opened_at, a.id))


def emergency_open(centre_id: int) -> bool:
    """Whether a panic, smoke or other emergency alert of the centre is unresolved."""
    return db.session.execute(
        select(Alert.id).where(Alert.centre_id == centre_id, Alert.severity == "emergency",
                               Alert.resolved_at.is_(None)).limit(1)
    ).first() is not None


def my_emergencies(*, actor: Actor, now: datetime) -> list[tuple[Alert, str]]:
    """Open emergency alerts (panic, smoke) of every centre where the actor is on staff, with the centre name."""
    centre_ids = [c for c in actor.centre_ids(now) if actor.can(Perm.ROLLCALL_EMERGENCY, c, now)]
    if not centre_ids:
        return []
    return [(alert, name) for alert, name in db.session.execute(
        select(Alert, Centre.name).join(Centre, Centre.id == Alert.centre_id)
        .where(Alert.centre_id.in_(centre_ids), Alert.severity == "emergency", Alert.resolved_at.is_(None))
        .order_by(Alert.opened_at)).all()]
