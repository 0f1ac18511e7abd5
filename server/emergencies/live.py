"""Open, join, annotate and close a live emergency (监测与预警、应急处置与救援); the only place that writes them.

One emergency per centre at a time: an alarm, an environment emergency, a child missing at the roll call or a
person opens one; a second event while it is open joins its timeline. Each emergency holds the alerts it absorbed
(its own alert, raised when a person or the roll call opens it, puts the red banner on every staff screen);
closing it resolves them all, so the banner goes away. Every change is one row and one audit entry.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from server.alerts.models import Alert
from server.alerts.operations import raise_alert, resolve
from server.audit.operations import audit_record
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.centre.models import Centre
from server.database import db
from server.emergencies.live_models import (
    CloseOut,
    Emergency,
    EmergencyAlert,
    EmergencyKind,
    EmergencySource,
    PersonKind,
    RollCallEntry,
    TickStatus,
    TimelineEntry,
    TimelineKind,
    names,
)
from server.errors import Conflict, NotFound, ProblemCollector

MAX_TEXT = 2000
EMERGENCY_FIELDS = ("kind", "source", "summary", "opened_at", "opened_by_id")
TIMELINE_FIELDS = ("emergency_id", "kind", "text", "detail", "at", "by_id")
LINK_FIELDS = ("emergency_id", "alert_id", "linked_at")
CLOSE_FIELDS = ("emergency_id", "summary", "all_clear", "closed_at", "closed_by_id")
# Alarms that open an emergency, by alert kind; any other alert of severity `emergency` is the environment's.
OPENERS: dict[str, tuple[EmergencyKind, EmergencySource]] = {
    "emergency.smoke": (EmergencyKind.FIRE, EmergencySource.SMOKE),
    "emergency.panic": (EmergencyKind.OTHER, EmergencySource.PANIC),
}
OWN_ALERT_PREFIX = "emergency.live"  # the alerts this module raises itself (already linked when raised)


def current_emergency(centre_id: int) -> Emergency | None:
    """The centre's open emergency (no close-out yet), if any."""
    closed = select(CloseOut.emergency_id)
    return db.session.execute(
        select(Emergency).where(Emergency.centre_id == centre_id, Emergency.id.not_in(closed))
        .order_by(Emergency.opened_at.desc(), Emergency.id.desc()).limit(1)).scalar_one_or_none()


def close_out_of(emergency: Emergency) -> CloseOut | None:
    return db.session.execute(select(CloseOut).where(CloseOut.emergency_id == emergency.id)).scalar_one_or_none()


def get_emergency(emergency_id: int, *, actor: Actor, now: datetime, perm: Perm = Perm.EMERGENCY_READ) -> Emergency:
    """One emergency, if the actor holds `perm` at its centre (another centre's: 404)."""
    emergency = db.session.get(Emergency, emergency_id)
    if emergency is None:
        raise NotFound()
    authorise(actor, perm, emergency.centre_id, now)
    return emergency


def add_entry(emergency: Emergency, kind: TimelineKind, *, text: str = "", detail: dict[str, object] | None = None,
              actor: Actor, now: datetime) -> TimelineEntry:
    """Append one line to the timeline (audited)."""
    entry = TimelineEntry(centre_id=emergency.centre_id, emergency_id=emergency.id, kind=kind, text=text,
                          detail=detail or {}, at=now, by_id=actor.user_id)
    db.session.add(entry)
    db.session.flush()
    audit_record(entry, f"emergency.timeline.{kind.value}", None, TIMELINE_FIELDS, actor=actor, now=now)
    return entry


def link_alert(emergency: Emergency, alert: Alert, *, actor: Actor, now: datetime) -> EmergencyAlert:
    link = EmergencyAlert(centre_id=emergency.centre_id, emergency_id=emergency.id, alert_id=alert.id, linked_at=now)
    db.session.add(link)
    db.session.flush()
    audit_record(link, "emergency.alert_link", None, LINK_FIELDS, actor=actor, now=now)
    return link


def raise_own_alert(emergency: Emergency, key: str, message_zh: str, message_en: str, *, actor: Actor,
                    now: datetime) -> Alert:
    """An alert of severity emergency for this emergency (the banner on every staff screen), linked at once."""
    alert = raise_alert(emergency.centre_id, kind=OWN_ALERT_PREFIX, severity="emergency",
                        dedupe_key=f"{OWN_ALERT_PREFIX}:{emergency.id}:{key}", message_zh=message_zh,
                        message_en=message_en, subject={"emergency": emergency.id}, now=now)
    if not _is_linked(alert.id):
        link_alert(emergency, alert, actor=actor, now=now)
    return alert


def _is_linked(alert_id: int) -> bool:
    return db.session.execute(select(EmergencyAlert.id).where(EmergencyAlert.alert_id == alert_id)).first() is not None


def _new(centre_id: int, kind: EmergencyKind, source: EmergencySource, summary: str, *, actor: Actor,
         now: datetime) -> Emergency:
    emergency = Emergency(centre_id=centre_id, kind=kind, source=source, summary=summary, opened_at=now,
                          opened_by_id=actor.user_id)
    db.session.add(emergency)
    db.session.flush()
    audit_record(emergency, "emergency.open", None, EMERGENCY_FIELDS, actor=actor, now=now)
    return emergency


def open_emergency(centre: Centre, *, kind: str, summary: str, actor: Actor, now: datetime,
                   source: EmergencySource = EmergencySource.MANUAL) -> tuple[Emergency, bool]:
    """A member of staff (or the roll call) opens an emergency; while one is open, this joins it instead.

    Returns the emergency and whether it is new. Raises the emergency's own alert so every screen shows it.
    """
    authorise(actor, Perm.EMERGENCY_RESPOND, centre.id, now)
    problems = ProblemCollector()
    if kind not in {k.value for k in EmergencyKind}:
        problems.add("bad_choice", _l("Choose one of the options."), "kind")
    text = (summary or "").strip()
    if len(text) > MAX_TEXT:
        problems.add("too_long", _l("At most %(most)s characters.", most=MAX_TEXT), "summary")
    problems.raise_if_any()
    chosen = EmergencyKind(kind)
    current = current_emergency(centre.id)
    if current is not None:
        add_entry(current, TimelineKind.JOINED, text=text, detail={"kind": chosen.value, "source": source.value},
                  actor=actor, now=now)
        return current, False
    emergency = _new(centre.id, chosen, source, text, actor=actor, now=now)
    add_entry(emergency, TimelineKind.OPENED, text=text, detail={"kind": chosen.value, "source": source.value},
              actor=actor, now=now)
    zh, en = names(chosen)
    raise_own_alert(emergency, "opened", f"紧急情况：{zh}，请按预案处置并点名", f"Emergency: {en}. Follow the plan and "
                    "take the roll call", actor=actor, now=now)
    return emergency, True


def absorb_alert(alert: Alert, *, now: datetime) -> Emergency | None:
    """An alert of severity emergency opens the centre's emergency, or joins the open one's timeline."""
    if alert.severity != "emergency" or alert.resolved_at is not None or _is_linked(alert.id):
        return None
    system = Actor.system()
    current = current_emergency(alert.centre_id)
    if current is not None:
        link_alert(current, alert, actor=system, now=now)
        add_entry(current, TimelineKind.JOINED, detail={"alert_id": alert.id}, actor=system, now=now)
        return current
    kind, source = OPENERS.get(alert.kind, (EmergencyKind.ENVIRONMENT, EmergencySource.ENVIRONMENT))
    emergency = _new(alert.centre_id, kind, source, alert.message_zh, actor=system, now=now)
    link_alert(emergency, alert, actor=system, now=now)
    add_entry(emergency, TimelineKind.OPENED, detail={"alert_id": alert.id, "kind": kind.value,
                                                      "source": source.value}, actor=system, now=now)
    return emergency


def absorb_open_alerts(centre_id: int | None, *, now: datetime) -> list[Emergency]:
    """Every unresolved emergency alert not yet in an emergency (of one centre, or of all), oldest first."""
    query = select(Alert).where(Alert.severity == "emergency", Alert.resolved_at.is_(None),
                                Alert.id.not_in(select(EmergencyAlert.alert_id)))
    if centre_id is not None:
        query = query.where(Alert.centre_id == centre_id)
    found = [absorb_alert(a, now=now) for a in db.session.execute(query.order_by(Alert.opened_at, Alert.id)).scalars()]
    return [e for e in found if e is not None]


def add_note(emergency: Emergency, *, text: str, actor: Actor, now: datetime) -> TimelineEntry:
    """A member of staff writes what they did on the timeline (only while the emergency is open)."""
    authorise(actor, Perm.EMERGENCY_RESPOND, emergency.centre_id, now)
    body = (text or "").strip()
    problems = ProblemCollector()
    if not body:
        problems.add("required", _l("Say what happened or what you did"), "text")
    elif len(body) > MAX_TEXT:
        problems.add("too_long", _l("At most %(most)s characters.", most=MAX_TEXT), "text")
    problems.raise_if_any()
    if close_out_of(emergency) is not None:
        raise Conflict(_l("This emergency is closed"), code="closed")
    return add_entry(emergency, TimelineKind.NOTE, text=body, actor=actor, now=now)


def person_key(kind: PersonKind, person_id: int) -> str:
    """How the roll call names a person: "c12" (child 12), "s3" (staff 3)."""
    return f"{'c' if kind is PersonKind.CHILD else 's'}{person_id}"


def latest_ticks(emergency_id: int) -> dict[str, RollCallEntry]:
    """The latest tick of each person on the emergency's roll call (the ones before it are history)."""
    latest: dict[str, RollCallEntry] = {}
    for entry in db.session.execute(select(RollCallEntry).where(RollCallEntry.emergency_id == emergency_id)
                                    .order_by(RollCallEntry.id)).scalars():
        latest[person_key(entry.person_kind, entry.person_id)] = entry
    return latest


def missing_now(emergency: Emergency) -> list[RollCallEntry]:
    """The people whose latest tick says missing."""
    return [e for e in latest_ticks(emergency.id).values() if e.status is TickStatus.MISSING]


def close_emergency(emergency: Emergency, *, summary: str, all_clear: bool, actor: Actor, now: datetime) -> CloseOut:
    """The director closes the emergency: the close-out row, a timeline line, and every alert of it resolved.

    "All clear" is refused while the roll call still has someone missing.
    """
    authorise(actor, Perm.EMERGENCY_MANAGE, emergency.centre_id, now)
    body = (summary or "").strip()
    problems = ProblemCollector()
    if not body:
        problems.add("required", _l("Say how it ended"), "summary")
    elif len(body) > MAX_TEXT:
        problems.add("too_long", _l("At most %(most)s characters.", most=MAX_TEXT), "summary")
    if all_clear and missing_now(emergency):
        problems.add("someone_missing", _l("Someone is still marked missing on the roll call"), "all_clear")
    problems.raise_if_any()
    if close_out_of(emergency) is not None:
        raise Conflict(_l("This emergency is closed"), code="closed")
    row = CloseOut(centre_id=emergency.centre_id, emergency_id=emergency.id, summary=body, all_clear=all_clear,
                   closed_at=now, closed_by_id=actor.user_id)
    db.session.add(row)
    db.session.flush()
    audit_record(row, "emergency.close", None, CLOSE_FIELDS, actor=actor, now=now)
    add_entry(emergency, TimelineKind.CLOSED, text=body, detail={"all_clear": all_clear}, actor=actor, now=now)
    for alert in db.session.execute(select(Alert).join(EmergencyAlert, EmergencyAlert.alert_id == Alert.id)
                                    .where(EmergencyAlert.emergency_id == emergency.id,
                                           Alert.resolved_at.is_(None))).scalars():
        resolve(alert, actor=actor, now=now)
    return row
