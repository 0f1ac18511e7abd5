"""What the screens and the API read of live emergencies: the list, one emergency whole, its timeline in words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import select

from server.alerts.models import Alert
from server.auth.actor import Actor, authorise
from server.auth.models import User
from server.auth.roles import Perm
from server.centre.models import Centre
from server.database import db
from server.emergencies import followups, live
from server.emergencies.live_models import (
    CloseOut,
    Emergency,
    EmergencyAlert,
    EmergencyKind,
    EmergencyNotice,
    EmergencySource,
    EmergencyStatus,
    FollowUp,
    FollowUpDone,
    NoticeTemplate,
    Review,
    TimelineEntry,
    TimelineKind,
    names,
)
from server.people.models import Staff


@dataclass(frozen=True)
class TimelineLine:
    """One line as a person reads it: when, what kind, who, and the words in the reader's language."""

    entry: TimelineEntry
    by: str
    words: str


@dataclass(frozen=True)
class FollowUpLine:
    follow_up: FollowUp
    done: FollowUpDone | None
    owner: str
    overdue: bool


@dataclass(frozen=True)
class EmergencySheet:
    """One emergency with everything recorded about it."""

    emergency: Emergency
    status: EmergencyStatus
    opened_by: str
    timeline: list[TimelineLine]
    close_out: CloseOut | None
    closed_by: str
    review: Review | None
    reviewed_by: str
    notices: list[EmergencyNotice]
    follow_ups: list[FollowUpLine]


def _names(ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(wanted))).all())


def _label(value: object, zh: bool) -> str:
    return names(value)[0 if zh else 1]  # type: ignore[arg-type]


def _words(entry: TimelineEntry, alerts: dict[int, Alert], zh: bool) -> str:
    """The line's words: the alarm's message for an alarm, the kind and source for an opening, else the text."""
    detail = entry.detail or {}
    alert = alerts.get(int(detail["alert_id"])) if isinstance(detail.get("alert_id"), int) else None
    if alert is not None:
        return alert.message_zh if zh else alert.message_en
    parts = []
    if entry.kind in (TimelineKind.OPENED, TimelineKind.JOINED) and detail.get("kind"):
        parts.append(_label(EmergencyKind(str(detail["kind"])), zh))
        if detail.get("source"):
            parts.append(_label(EmergencySource(str(detail["source"])), zh))
    if entry.kind is TimelineKind.ROLLCALL_COMPLETE:
        seconds = int(detail.get("seconds", 0))
        parts.append(gettext("All %(n)s expected present, in %(minutes)s min %(seconds)s s",
                             n=detail.get("expected", 0), minutes=seconds // 60, seconds=seconds % 60))
    if entry.kind is TimelineKind.NOTIFIED and detail.get("template"):
        parts.append(_label(NoticeTemplate(str(detail["template"])), zh))
        parts.append(gettext("%(n)s families", n=detail.get("children", 0)))
    if entry.text:
        parts.append(entry.text)
    return " · ".join(p for p in parts if p)


def timeline(emergency: Emergency, *, zh: bool) -> list[TimelineLine]:
    entries = list(db.session.execute(select(TimelineEntry).where(TimelineEntry.emergency_id == emergency.id)
                                      .order_by(TimelineEntry.at, TimelineEntry.id)).scalars())
    alerts = {a.id: a for a in db.session.execute(select(Alert).join(EmergencyAlert, EmergencyAlert.alert_id == Alert.id)
                                                  .where(EmergencyAlert.emergency_id == emergency.id)).scalars()}
    people = _names({e.by_id for e in entries})
    return [TimelineLine(e, people.get(e.by_id, "") if e.by_id else "", _words(e, alerts, zh)) for e in entries]


def sheet(emergency: Emergency, *, zh: bool, today: object = None) -> EmergencySheet:
    """Everything about one emergency (`today`: the centre's date, to flag overdue follow-ups)."""
    close = live.close_out_of(emergency)
    review = followups.review_of(emergency)
    notices = list(db.session.execute(select(EmergencyNotice).where(EmergencyNotice.emergency_id == emergency.id)
                                      .order_by(EmergencyNotice.sent_at)).scalars())
    tasks = followups.follow_ups_of([emergency.id])
    owners = dict(db.session.execute(select(Staff.id, Staff.name).where(Staff.centre_id == emergency.centre_id)).all())
    people = _names({emergency.opened_by_id, close.closed_by_id if close else None,
                    review.reviewed_by_id if review else None})
    return EmergencySheet(
        emergency=emergency, status=followups.status_of(emergency), opened_by=people.get(emergency.opened_by_id or 0, ""),
        timeline=timeline(emergency, zh=zh), close_out=close,
        closed_by=people.get(close.closed_by_id or 0, "") if close else "", review=review,
        reviewed_by=people.get(review.reviewed_by_id or 0, "") if review else "", notices=notices,
        follow_ups=[FollowUpLine(f, d, owners.get(f.owner_staff_id or 0, ""),
                                 d is None and today is not None and f.due_on < today)  # type: ignore[operator]
                    for f, d in tasks])


def list_emergencies(centre: Centre, *, actor: Actor, now: datetime) -> list[tuple[Emergency, EmergencyStatus]]:
    """Every emergency of the centre, newest first, with its status."""
    authorise(actor, Perm.EMERGENCY_READ, centre.id, now)
    rows = list(db.session.execute(select(Emergency).where(Emergency.centre_id == centre.id)
                                   .order_by(Emergency.opened_at.desc(), Emergency.id.desc()).limit(200)).scalars())
    return [(e, followups.status_of(e)) for e in rows]
