"""Tell the families during or after an emergency: one urgent `emergency.notice` per child, through the notifier.

The director picks a template ("all children are safe", "please collect your child") or writes their own words.
The families told are those of every child present now or on the roll call. Each sending is a row of its own
(which template, how many children) and a line of the timeline; the notices themselves are the notifier's.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from server.attendance.rooms.operations.live import whereabouts
from server.audit.operations import audit_record
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.database import db
from server.emergencies import live
from server.emergencies.live_models import (
    Emergency,
    EmergencyNotice,
    NoticeTemplate,
    PersonKind,
    RollCallEntry,
    TimelineKind,
)
from server.errors import ProblemCollector
from server.notices.kinds import Kind
from server.notices.operations import queue_notice

NOTICE_FIELDS = ("emergency_id", "template", "text", "children", "sent_at", "sent_by_id")
MAX_NOTICE_TEXT = 500
# Template → (subject msgid, body msgid); the free text goes in as the body's parameter.
TEMPLATES: dict[NoticeTemplate, tuple[str, str]] = {
    NoticeTemplate.ALL_SAFE: ("All children are safe",
                              "There was an emergency at the centre. It is under control and all children are safe."),
    NoticeTemplate.COLLECT: ("Please come to collect your child",
                             "Because of an emergency at the centre, please come to collect your child as soon as "
                             "you safely can."),
    NoticeTemplate.FREE_TEXT: ("A message from the centre about an emergency", "%(text)s"),
}
# The msgids, for the catalogue (translated when the guardian reads the notice).
_l("All children are safe")
_l("There was an emergency at the centre. It is under control and all children are safe.")
_l("Please come to collect your child")
_l("Because of an emergency at the centre, please come to collect your child as soon as you safely can.")
_l("A message from the centre about an emergency")


def children_to_tell(emergency: Emergency, now: datetime) -> list[int]:
    """Every child present now, and every child on the roll call, once each."""
    on_roll = set(db.session.execute(select(RollCallEntry.person_id).where(
        RollCallEntry.emergency_id == emergency.id, RollCallEntry.person_kind == PersonKind.CHILD)).scalars())
    return sorted(set(whereabouts(emergency.centre_id, now).children) | on_roll)


def notify_families(emergency: Emergency, *, template: str, text: str, actor: Actor, now: datetime) -> EmergencyNotice:
    """Queue the chosen message to the guardians of every child concerned (urgent: through quiet hours)."""
    authorise(actor, Perm.EMERGENCY_MANAGE, emergency.centre_id, now)
    problems = ProblemCollector()
    if template not in {t.value for t in NoticeTemplate}:
        problems.add("bad_choice", _l("Choose one of the options."), "template")
    words = (text or "").strip()
    if template == NoticeTemplate.FREE_TEXT.value and not words:
        problems.add("required", _l("Write the message to the families"), "text")
    if len(words) > MAX_NOTICE_TEXT:
        problems.add("too_long", _l("At most %(most)s characters.", most=MAX_NOTICE_TEXT), "text")
    children = children_to_tell(emergency, now)
    if not children:
        problems.add("no_children", _l("No child is present or on the roll call: there is nobody to tell"), None)
    problems.raise_if_any()
    chosen = NoticeTemplate(template)
    subject, body = TEMPLATES[chosen]
    detail: dict[str, object] = {"body": body, "emergency_id": emergency.id, "template": chosen.value}
    if chosen is NoticeTemplate.FREE_TEXT:
        detail["params"] = {"text": words}
    for child_id in children:
        queue_notice(centre_id=emergency.centre_id, child_id=child_id, kind=Kind.EMERGENCY_NOTICE.value,
                     subject=subject, detail=detail, actor=actor, now=now)
    row = EmergencyNotice(centre_id=emergency.centre_id, emergency_id=emergency.id, template=chosen,
                          text=words if chosen is NoticeTemplate.FREE_TEXT else "", children=len(children),
                          sent_at=now, sent_by_id=actor.user_id)
    db.session.add(row)
    db.session.flush()
    audit_record(row, "emergency.notify", None, NOTICE_FIELDS, actor=actor, now=now)
    live.add_entry(emergency, TimelineKind.NOTIFIED, text=row.text,
                   detail={"template": chosen.value, "children": len(children)}, actor=actor, now=now)
    return row
