"""JSON API of notices to guardians: the centre's list (a guardian: their own), one notice, read, acknowledge."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, current_app, url_for
from flask_babel import lazy_gettext as _l
from pydantic import Field
from werkzeug.routing import BuildError

from server.apispec import Id, Schema, responses, spec
from server.auth.actor import authorise
from server.auth.roles import Perm
from server.auth.session import current_actor
from server.centre.operations import get_centre
from server.clock import utcnow
from server.errors import Conflict
from server.notices import operations as ops
from server.notices.kinds import Kind
from server.notices.status import NoticeLine, NoticeStatus, body_text, centre_notices, notice_lines, subject_text
from server.people.models import Relationship

bp = Blueprint("notices_api", __name__, url_prefix="/api/v1")
NOT_A_GUARDIAN = _l("Only a guardian of the child can do this")


class NoticeOut(Schema):
    id: int
    child_id: int
    kind: Kind
    needs_acknowledgement: bool
    urgent: bool
    subject: str = Field(description="in the caller's language")
    body: str | None = Field(None, description="the notice's text, in the caller's language")
    detail: dict[str, Any] = Field(description="the facts as the domain queued them (plain JSON)")
    link: str | None = Field(None, description="the page the notice points to (e.g. the signing page)")
    queued_at: datetime
    status: NoticeStatus = Field(description="queued | sent | read | acknowledged | overdue")
    sent_at: datetime | None = Field(None, description="the first channel's delivery (the portal counts)")
    first_read_at: datetime | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: Relationship | None = Field(None, description="the acknowledging guardian's relationship")
    deadline_at: datetime | None = Field(None, description="acknowledge by (the rulebook's deadline)")
    overdue: bool = False
    reminders_sent: int = 0
    channels: list[str] = Field(default_factory=list, description="portal | apprise#<channel id>")


class NoticeList(Schema):
    items: list[NoticeOut]


class NoticeQuery(Schema):
    status: NoticeStatus | None = Field(None, description="queued | sent | read | acknowledged | overdue")
    child_id: Id | None = None


class AcknowledgementOut(Schema):
    notice_id: int
    contact_id: int
    at: datetime


def link_of(detail: dict[str, Any]) -> str | None:
    """The URL of `detail.link` when its page exists in this app."""
    link = detail.get("link") if isinstance(detail, dict) else None
    if not isinstance(link, dict) or link.get("endpoint") not in current_app.view_functions:
        return None
    try:
        return url_for(link["endpoint"], **(link.get("args") or {}))
    except (BuildError, TypeError, ValueError):
        return None


def notice_out(line: NoticeLine) -> NoticeOut:
    """A notice and its status as the API shows it, in the caller's language."""
    notice = line.notice
    return NoticeOut(
        id=notice.id, child_id=notice.child_id, kind=Kind(notice.kind), needs_acknowledgement=line.kind.needs_ack,
        urgent=line.kind.urgent, subject=subject_text(notice), body=body_text(notice), detail=notice.detail or {},
        link=link_of(notice.detail or {}), queued_at=notice.created_at, status=line.status,
        sent_at=line.delivery.delivered_at if line.delivery else None, first_read_at=line.first_read_at,
        acknowledged_at=line.acknowledgement.at if line.acknowledgement else None,
        acknowledged_by=line.acknowledged_by, deadline_at=line.deadline_at, overdue=line.overdue,
        reminders_sent=line.reminders_sent, channels=line.channels)


def _line(notice_id: int) -> NoticeLine:
    actor, now = current_actor(), utcnow()
    notice = ops.get_notice(notice_id, actor=actor, now=now)
    return notice_lines([notice], now, with_log=True)[0]


@bp.get("/centres/<string:code>/notices")
@spec.validate(query=NoticeQuery, resp=responses(HTTP_200=NoticeList), tags=["notices"])
def list_notices(code: str, query: NoticeQuery):
    """The centre's notices to guardians with their status, newest first (a guardian: their own children's)."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    lines = centre_notices(centre, actor=actor, now=now, child_id=query.child_id, status=query.status,
                           with_log=True)
    return NoticeList(items=[notice_out(line) for line in lines])


@bp.get("/notices/<int:notice_id>")
@spec.validate(resp=responses(HTTP_200=NoticeOut), tags=["notices"])
def get_notice(notice_id: int):
    """One notice with its status (a guardian: their own child's; reading here marks nothing)."""
    return notice_out(_line(notice_id))


@bp.post("/notices/<int:notice_id>/read")
@spec.validate(resp=responses(HTTP_200=NoticeOut), tags=["notices"])
def mark_read(notice_id: int):
    """A guardian opened the notice (the first time per guardian is kept); 409 for someone who is not its guardian."""
    actor, now = current_actor(), utcnow()
    notice = ops.get_notice(notice_id, actor=actor, now=now)
    contact_id = ops.own_contact(actor, notice)
    if contact_id is None:
        raise Conflict(NOT_A_GUARDIAN, code="not_a_guardian")
    ops.mark_read(notice, contact_id=contact_id, actor=actor, now=now)
    return notice_out(notice_lines([notice], now, with_log=True)[0])


@bp.post("/notices/<int:notice_id>/acknowledge")
@spec.validate(resp=responses(HTTP_201=AcknowledgementOut), tags=["notices"])
def acknowledge(notice_id: int):
    """A guardian says "我已知晓" (FAMILY_WRITE, their own child's); 409 when acknowledged already or not needed."""
    actor, now = current_actor(), utcnow()
    notice = ops.get_notice(notice_id, actor=actor, now=now)
    authorise(actor, Perm.FAMILY_WRITE, notice.centre_id, now)
    contact_id = ops.own_contact(actor, notice)
    if contact_id is None:
        raise Conflict(NOT_A_GUARDIAN, code="not_a_guardian")
    row = ops.acknowledge(notice, contact_id=contact_id, actor=actor, now=now)
    return AcknowledgementOut(notice_id=row.notice_id, contact_id=row.contact_id, at=row.at), 201
