"""JSON API of the families domain: message threads, messages, ratings and complaints.

Messages are posted as JSON, attachments as multipart on their own route; read marks; attachment downloads
(logged); the monthly questionnaire and its aggregates; complaints with their handling.

A guardian reaches only their own children's threads and their own family's complaints (others: 404); staff of
the centre with `messages.read` read every thread.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import Blueprint, Response, request
from flask_babel import lazy_gettext as _l
from pydantic import Field

from compliance.feedback import rating_items
from compliance.period import add_months
from server.apispec import Id, Schema, responses, spec
from server.auth.roles import Perm
from server.auth.session import current_actor
from server.bounds import parses_own_body
from server.centre.operations import get_centre
from server.centre.timezones import centre_today
from server.clock import utcnow
from server.errors import ApiError, Problem, ValidationFailed
from server.families import threads
from server.families.family import child_in_scope
from server.families.models import ComplaintStatus, MessageSide
from server.families.operations import complaints as complaint_ops
from server.families.operations import messages as message_ops
from server.families.operations import ratings as rating_ops
from server.families.settings import app_secret, message_store
from server.i18n import is_chinese
from server.idempotency import idempotent

bp = Blueprint("families_api", __name__, url_prefix="/api/v1")
MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
MULTIPART_OVERHEAD = 64 * 1024  # the form's boundaries and fields around the files


class AttachmentOut(Schema):
    id: int
    content_type: str = Field(description="by content: image/jpeg, image/png or application/pdf")
    size: int
    original_name: str


class MessageOut(Schema):
    id: int
    child_id: int
    side: MessageSide = Field(description="family | staff")
    author: str = Field(description="the author's display name")
    body: str
    created_at: datetime
    unread: bool = Field(description="from the other side and not yet read (staff: by anyone on staff)")
    attachments: list[AttachmentOut]


class ThreadOut(Schema):
    child_id: int
    items: list[MessageOut]


class ThreadQuery(Schema):
    before_id: Id | None = Field(None, description="only messages older than this one (paging back)")
    limit: int = Field(100, ge=1, le=200)


class MessageIn(Schema):
    body: str = Field("", max_length=message_ops.MAX_BODY, description="required (the attachments route: optional)")


class ReadIn(Schema):
    up_to_id: Id | None = Field(None, description="mark read up to this message; default all")


class ReadOut(Schema):
    marked: int


class ThreadSummaryOut(Schema):
    child_id: int
    child_name: str
    room: str
    messages: int
    unread: int
    last_message_at: datetime | None


class ThreadList(Schema):
    items: list[ThreadSummaryOut]


class ThreadListQuery(Schema):
    room_id: Id | None = Field(None, description="one class's children (staff)")


class RatingItemOut(Schema):
    key: str
    name: str
    question: str


class SurveyOut(Schema):
    month: str = Field(description="YYYY-MM, the centre's current month")
    scale_max: int | None = Field(description="scores run 1…scale_max; null when ratings are not in use")
    items: list[RatingItemOut]
    may_answer: bool = Field(description="the caller is a guardian of a child enrolled this month")
    answered: bool = Field(description="the caller's family has answered this month")


class RatingIn(Schema):
    answers: dict[str, int | None] = Field(description="item key → score (1…scale_max)", max_length=20)
    comment: str | None = Field(None, max_length=rating_ops.MAX_COMMENT)


class RatingOut(Schema):
    month: str
    answered: bool = True


class ItemSummaryOut(Schema):
    item: str
    responses: int
    mean: Decimal | None
    counts: list[int] = Field(description="the number of 1s, 2s … (empty when hidden)")


class MonthSummaryOut(Schema):
    month: str
    shown: bool = Field(description="false below the rule's minimum of responses: nothing is shown (anonymity)")
    responses: int = Field(description="0 when hidden")
    items: list[ItemSummaryOut]
    comments: list[str]


class SummaryList(Schema):
    items: list[MonthSummaryOut]


class SummaryQuery(Schema):
    start: str | None = Field(None, alias="from", pattern=MONTH, description="first month YYYY-MM; default 5 "
                                                                             "months before this one")
    end: str | None = Field(None, alias="to", pattern=MONTH, description="last month YYYY-MM; default this month")


class ComplaintIn(Schema):
    category: str = Field(max_length=24, description="a rating item's key, or other")
    text: str = Field(max_length=complaint_ops.MAX_TEXT, description="what went wrong (required)")
    child_id: Id | None = Field(None, description="the child it is about (one of the caller's)")


class ComplaintAnswerIn(Schema):
    text: str = Field(min_length=1, max_length=complaint_ops.MAX_TEXT)


class ComplaintCloseIn(Schema):
    outcome: str = Field(min_length=1, max_length=complaint_ops.MAX_TEXT)


class ComplaintOut(Schema):
    id: int
    category: str
    text: str
    child_id: int | None
    status: ComplaintStatus = Field(description="received | answered | closed")
    received_at: datetime
    answered_at: datetime | None
    answer: str | None
    closed_at: datetime | None
    outcome: str | None
    answer_due: datetime | None = Field(description="the rule's deadline for the answer")
    close_due: datetime | None
    overdue: bool = Field(description="its answer or closing is missing past its deadline")


class ComplaintList(Schema):
    items: list[ComplaintOut]


def _message_out(line: message_ops.MessageLine) -> MessageOut:
    m = line.message
    return MessageOut(id=m.id, child_id=m.child_id, side=m.side, author=line.author, body=m.body,
                      created_at=m.created_at, unread=line.unread,
                      attachments=[AttachmentOut.model_validate(a) for a in line.attachments])


def _posted(message_id: int, child_id: int) -> MessageOut:
    actor, now = current_actor(), utcnow()
    child = child_in_scope(child_id, Perm.MESSAGES_READ, actor=actor, now=now)
    line = next(x for x in message_ops.thread(child, actor=actor, now=now, limit=200) if x.message.id == message_id)
    return _message_out(line)


@bp.get("/centres/<string:code>/message-threads")
@spec.validate(query=ThreadListQuery, resp=responses(HTTP_200=ThreadList), tags=["messages"])
def list_threads(code: str, query: ThreadListQuery):
    """Threads at a glance, unread first: staff every thread with a message (or one class's); a guardian their own."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    if query.room_id is not None:
        found = threads.room_threads(threads.room_of(query.room_id, centre), actor=actor, now=now)
    else:
        found = threads.family_threads(centre, actor=actor, now=now)
    return ThreadList(items=[ThreadSummaryOut(
        child_id=t.child.id, child_name=t.child.name, room=t.room_name, messages=t.messages, unread=t.unread,
        last_message_at=t.last.created_at if t.last else None) for t in found])


@bp.get("/children/<int:child_id>/messages")
@spec.validate(query=ThreadQuery, resp=responses(HTTP_200=ThreadOut), tags=["messages"])
def list_messages(child_id: int, query: ThreadQuery):
    """A child's thread, oldest first (the latest `limit`; page back with `before_id`)."""
    actor, now = current_actor(), utcnow()
    child = child_in_scope(child_id, Perm.MESSAGES_READ, actor=actor, now=now)
    found = message_ops.thread(child, actor=actor, now=now, before_id=query.before_id, limit=query.limit)
    return ThreadOut(child_id=child.id, items=[_message_out(line) for line in found])


@bp.post("/children/<int:child_id>/messages")
@idempotent
@spec.validate(json=MessageIn, resp=responses(HTTP_201=MessageOut), tags=["messages"])
def post_message(child_id: int, json: MessageIn):
    """Write in a child's thread (staff as the centre, a guardian as the family); staff → one notice to the family."""
    actor, now = current_actor(), utcnow()
    child = child_in_scope(child_id, Perm.MESSAGES_WRITE, actor=actor, now=now)
    row = message_ops.post_message(child, body=json.body, store=message_store(), actor=actor, now=now)
    return _posted(row.id, child.id), 201


class _TooLarge(ApiError):
    status = 413
    code = "file_too_large"
    message = _l("The file is too large")


@bp.post("/children/<int:child_id>/messages/attachments")
@spec.validate(resp=responses(HTTP_201=MessageOut), tags=["messages"])
@parses_own_body
def post_attachment(child_id: int):
    """A message with files (multipart: `file`, repeatable up to 4; optional `body`): JPEG, PNG or PDF by content.

    A staff image needs the guardians' photo consent (422 `photo_consent_missing`).
    """
    actor, now = current_actor(), utcnow()
    child = child_in_scope(child_id, Perm.MESSAGES_WRITE, actor=actor, now=now)
    store = message_store()
    if (request.content_length or 0) > message_ops.MAX_FILES * store.max_bytes + MULTIPART_OVERHEAD:
        raise _TooLarge()
    files = [f for f in request.files.getlist("file") if f is not None]
    if not files:
        raise ValidationFailed([Problem("file_required", _l("Choose a file (multipart field `file`)"), "file")])
    uploads = [message_ops.Upload(f.stream.read(store.max_bytes + 1), f.filename) for f in files]
    body = request.form.get("body", "")
    row = message_ops.post_message(child, body=body, uploads=uploads, store=store, actor=actor, now=now)
    return _posted(row.id, child.id), 201


@bp.post("/children/<int:child_id>/messages/read")
@spec.validate(json=ReadIn, resp=responses(HTTP_200=ReadOut), tags=["messages"])
def mark_read(child_id: int, json: ReadIn):
    """Mark the other side's messages of the thread read by the caller (up to `up_to_id`)."""
    actor, now = current_actor(), utcnow()
    child = child_in_scope(child_id, Perm.MESSAGES_READ, actor=actor, now=now)
    return ReadOut(marked=message_ops.mark_read(child, actor=actor, now=now, up_to_id=json.up_to_id))


@bp.get("/message-attachments/<int:attachment_id>")
@spec.validate(resp=responses("HTTP_200"), tags=["messages"])
def download_attachment(attachment_id: int):
    """An attachment's bytes (hash-checked), for whoever may read its thread; every read is logged."""
    actor, now = current_actor(), utcnow()
    row = message_ops.get_attachment(attachment_id, actor=actor, now=now)
    data = message_ops.read_attachment(row, store=message_store(), actor=actor, now=now)
    inline = "inline" if row.content_type.startswith("image/") else "attachment"
    return Response(data, mimetype=row.content_type, headers={
        "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff",
        "Content-Disposition": f"{inline}; filename=\"message-attachment-{row.id}\""})


def _survey_out(code: str) -> SurveyOut:
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    found = rating_ops.survey(centre, secret=app_secret(), actor=actor, now=now)
    zh = is_chinese()
    return SurveyOut(month=found.month.strftime("%Y-%m"), scale_max=found.top,
                     items=[RatingItemOut(key=i.key, name=i.zh if zh else i.en,
                                          question=i.question_zh if zh else i.question_en) for i in rating_items()],
                     may_answer=found.is_family and found.top is not None, answered=found.answered)


@bp.get("/centres/<string:code>/ratings/survey")
@spec.validate(resp=responses(HTTP_200=SurveyOut), tags=["ratings"])
def get_survey(code: str):
    """The current month's questionnaire for the caller's family: its items, the scale, and whether it is answered."""
    return _survey_out(code)


@bp.post("/centres/<string:code>/ratings")
@idempotent
@spec.validate(json=RatingIn, resp=responses(HTTP_201=RatingOut), tags=["ratings"])
def submit_rating(code: str, json: RatingIn):
    """Answer this month's questionnaire for the caller's family (anonymous; 409 `already_rated` the second time)."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    row = rating_ops.submit_rating(centre, answers=json.answers, comment=json.comment, secret=app_secret(),
                                   actor=actor, now=now)
    return RatingOut(month=row.month.strftime("%Y-%m")), 201


def _month(text: str | None, default: date) -> date:
    return date(int(text[:4]), int(text[5:7]), 1) if text else default


@bp.get("/centres/<string:code>/ratings/summary")
@spec.validate(query=SummaryQuery, resp=responses(HTTP_200=SummaryList), tags=["ratings"])
def rating_summary(code: str, query: SummaryQuery):
    """Per month and item: responses, mean and distribution; nothing of a month below the rule's minimum."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    this_month = centre_today(centre, now).replace(day=1)
    last = _month(query.end, this_month)
    first = _month(query.start, add_months(last, -5))
    if first > last:
        raise ValidationFailed([Problem("bad_range", _l("The first month is after the last"), "from")])
    found = rating_ops.rating_summary(centre, first=first, last=last, actor=actor, now=now)
    return SummaryList(items=[MonthSummaryOut(
        month=m.month.strftime("%Y-%m"), shown=m.shown, responses=m.responses, comments=m.comments,
        items=[ItemSummaryOut(item=i.item, responses=i.responses, mean=i.mean, counts=list(i.counts))
               for i in m.items]) for m in found])


def _complaint_out(line: complaint_ops.ComplaintLine) -> ComplaintOut:
    c = line.complaint
    return ComplaintOut(
        id=c.id, category=c.category, text=c.text, child_id=c.child_id, status=line.status,
        received_at=c.received_at, answered_at=line.answer.answered_at if line.answer else None,
        answer=line.answer.text if line.answer else None, closed_at=line.closure.closed_at if line.closure else None,
        outcome=line.closure.outcome if line.closure else None,
        answer_due=line.timing.answer_due if line.timing else None,
        close_due=line.timing.close_due if line.timing else None, overdue=line.overdue)


@bp.get("/centres/<string:code>/complaints")
@spec.validate(resp=responses(HTTP_200=ComplaintList), tags=["complaints"])
def list_complaints(code: str):
    """Every complaint of the centre, open and overdue first (director, inspector)."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    return ComplaintList(items=[_complaint_out(x) for x in complaint_ops.centre_complaints(centre, actor=actor, now=now)])


@bp.get("/centres/<string:code>/family/complaints")
@spec.validate(resp=responses(HTTP_200=ComplaintList), tags=["complaints"])
def list_family_complaints(code: str):
    """The caller's family's complaints, newest first, with the centre's answers."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    return ComplaintList(items=[_complaint_out(x) for x in complaint_ops.family_complaints(centre, actor=actor,
                                                                                           now=now)])


@bp.post("/centres/<string:code>/complaints")
@idempotent
@spec.validate(json=ComplaintIn, resp=responses(HTTP_201=ComplaintOut), tags=["complaints"])
def file_complaint(code: str, json: ComplaintIn):
    """Make a complaint as a guardian (received now); the director is alerted."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    row = complaint_ops.file_complaint(centre, category=json.category, text=json.text, child_id=json.child_id,
                                       actor=actor, now=now)
    return _complaint_out(complaint_ops.complaint_line(row, now)), 201


@bp.get("/complaints/<int:complaint_id>")
@spec.validate(resp=responses(HTTP_200=ComplaintOut), tags=["complaints"])
def get_complaint(complaint_id: int):
    """One complaint with its handling (director, inspector; the family that made it)."""
    actor, now = current_actor(), utcnow()
    row = complaint_ops.get_complaint(complaint_id, actor=actor, now=now)
    return _complaint_out(complaint_ops.complaint_line(row, now))


@bp.post("/complaints/<int:complaint_id>/answer")
@idempotent
@spec.validate(json=ComplaintAnswerIn, resp=responses(HTTP_201=ComplaintOut), tags=["complaints"])
def answer_complaint(complaint_id: int, json: ComplaintAnswerIn):
    """Answer a complaint (once): the family is notified, the director's alert resolves."""
    actor, now = current_actor(), utcnow()
    row = complaint_ops.get_complaint(complaint_id, actor=actor, now=now)
    complaint_ops.answer_complaint(row, text=json.text, actor=actor, now=now)
    return _complaint_out(complaint_ops.complaint_line(row, now)), 201


@bp.post("/complaints/<int:complaint_id>/close")
@idempotent
@spec.validate(json=ComplaintCloseIn, resp=responses(HTTP_201=ComplaintOut), tags=["complaints"])
def close_complaint(complaint_id: int, json: ComplaintCloseIn):
    """Close an answered complaint with its outcome (409 before the answer)."""
    actor, now = current_actor(), utcnow()
    row = complaint_ops.get_complaint(complaint_id, actor=actor, now=now)
    complaint_ops.close_complaint(row, outcome=json.outcome, actor=actor, now=now)
    return _complaint_out(complaint_ops.complaint_line(row, now)), 201
