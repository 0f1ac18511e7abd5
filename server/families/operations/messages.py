"""Messages between a family and its child's room: post (with attachments), read a thread, mark it read.

One thread per child. A message is never edited nor deleted (there is no operation for it). Who writes decides the
side: staff of the centre (`children.all`) write as the centre, a guardian of the child as the family. A staff
message queues one `message.new` notice to the guardians (no text in it: PIPL-minimal, the notice links to the
thread); a family message raises nothing loud, it shows as unread for the room. A staff image in a child's thread
needs the guardians' photo consent (`server.people.consents.photos_allowed`). Every read of an attachment is logged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from server.audit.operations import audit_record, log_access, record_change
from server.auth.actor import Actor, authorise
from server.auth.models import User
from server.auth.roles import Perm
from server.centre.operations import centre_by_id
from server.centre.timezones import centre_today
from server.database import db
from server.errors import NotFound, ProblemCollector
from server.families.family import child_in_scope, is_staff
from server.families.models import Message, MessageAttachment, MessageRead, MessageSide
from server.files import IMAGE_TYPES, FileStore, StoredFile, sanitise_name
from server.notices.operations import queue_notice
from server.people.consents import photos_allowed
from server.people.models import Child

MAX_BODY = 2000
MAX_FILES = 4
MESSAGE_FIELDS = ("child_id", "room_id", "side", "author_id", "body")
ATTACHMENT_FIELDS = ("message_id", "sha256", "content_type", "size", "original_name")
NOTICE_KIND = "message.new"
NOTICE_SUBJECT = "A new message from your child's class"
_l("A new message from your child's class")  # the msgid is translated when the notice is delivered
THREAD_PAGE = "families.family_messages"  # the guardian's page the notice links to


@dataclass(frozen=True)
class Upload:
    """A file as posted: its bytes and the name the client gave (for display only)."""

    data: bytes
    name: str | None


@dataclass(frozen=True)
class MessageLine:
    """A message with its attachments, its author's name and whether the reader has still to read it."""

    message: Message
    attachments: list[MessageAttachment]
    author: str
    unread: bool


def side_of(actor: Actor, child: Child, now: datetime) -> MessageSide:
    """The side the actor writes and reads on in this child's thread."""
    return MessageSide.STAFF if is_staff(actor, child.centre_id, now) else MessageSide.FAMILY


def post_message(child: Child, *, body: str, uploads: Sequence[Upload] = (), store: FileStore, actor: Actor,
                 now: datetime) -> Message:
    """Post a message in the child's thread, with up to `MAX_FILES` attachments (JPEG, PNG or PDF by content).

    The text may be empty when a file is attached. A staff message queues one `message.new` notice.
    """
    child = child_in_scope(child.id, Perm.MESSAGES_WRITE, actor=actor, now=now)
    side = side_of(actor, child, now)
    text = (body or "").strip()
    problems = ProblemCollector()
    if len(text) > MAX_BODY:
        problems.add("too_long", _l("At most %(most)s characters.", most=MAX_BODY), "body")
    elif not text and not uploads:
        problems.add("message_empty", _l("Write a message or attach a file"), "body")
    if len(uploads) > MAX_FILES:
        problems.add("too_many_files", _l("At most %(most)s files in one message", most=MAX_FILES), "file")
    if child.left_on is not None and child.left_on < centre_today(centre_by_id(child.centre_id), now):
        problems.add("child_left", _l("This child has left the centre"), "child_id")
    described: list[StoredFile] = []
    for upload in uploads[:MAX_FILES]:
        stored = store.inspect(upload.data, problems)
        if stored is not None:
            described.append(stored)
    if side is MessageSide.STAFF and any(d.content_type in IMAGE_TYPES for d in described) and not photos_allowed(
            child.id, now):
        problems.add("photo_consent_missing",
                     _l("The guardians have not agreed to photos of this child: send no picture"), "file")
    problems.raise_if_any()
    message = Message(centre_id=child.centre_id, child_id=child.id, room_id=child.room_id, side=side,
                      author_id=actor.user_id, body=text, created_at=now)
    db.session.add(message)
    db.session.flush()
    audit_record(message, "family_message.post", None, MESSAGE_FIELDS, actor=actor, now=now)
    for upload, stored in zip(uploads, described, strict=True):
        store.keep(upload.data, stored)
        attachment = MessageAttachment(centre_id=child.centre_id, message_id=message.id, sha256=stored.sha256,
                                       content_type=stored.content_type, size=stored.size,
                                       original_name=sanitise_name(upload.name, fallback="attachment"))
        db.session.add(attachment)
        db.session.flush()
        audit_record(attachment, "family_message.attach", None, ATTACHMENT_FIELDS, actor=actor, now=now)
    if side is MessageSide.STAFF:
        centre = centre_by_id(child.centre_id)
        queue_notice(centre_id=child.centre_id, child_id=child.id, kind=NOTICE_KIND, subject=NOTICE_SUBJECT,
                     detail={"message_id": message.id,
                             "link": {"endpoint": THREAD_PAGE, "args": {"code": centre.code, "child_id": child.id}}},
                     actor=actor, now=now)
    return message


def _reads(message_ids: list[int]) -> list[tuple[int, int, MessageSide]]:
    if not message_ids:
        return []
    return [(m, u, s) for m, u, s in db.session.execute(select(
        MessageRead.message_id, MessageRead.user_id, MessageRead.side).where(MessageRead.message_id.in_(message_ids)))]


def is_unread(message: Message, reads: list[tuple[int, int, MessageSide]], *, reader_side: MessageSide,
              user_id: int | None) -> bool:
    """A message of the other side still unread: by anyone on staff (the room shares its threads), by this guardian."""
    if message.side is reader_side:
        return False
    if reader_side is MessageSide.STAFF:
        return not any(m == message.id and s is MessageSide.STAFF for m, _, s in reads)
    return not any(m == message.id and u == user_id for m, u, _ in reads)


def thread(child: Child, *, actor: Actor, now: datetime, before_id: int | None = None,
           limit: int = 200) -> list[MessageLine]:
    """The child's thread, oldest first (the latest `limit` messages, before `before_id` when given)."""
    child = child_in_scope(child.id, Perm.MESSAGES_READ, actor=actor, now=now)
    stmt = select(Message).where(Message.child_id == child.id)
    if before_id is not None:
        stmt = stmt.where(Message.id < before_id)
    messages = list(reversed(db.session.execute(stmt.order_by(Message.id.desc()).limit(limit)).scalars().all()))
    ids = [m.id for m in messages]
    files: dict[int, list[MessageAttachment]] = {}
    if ids:
        for attachment in db.session.execute(select(MessageAttachment).where(
                MessageAttachment.message_id.in_(ids)).order_by(MessageAttachment.id)).scalars():
            files.setdefault(attachment.message_id, []).append(attachment)
    authors = {m.author_id for m in messages if m.author_id is not None}
    names = dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(authors))).all()) \
        if authors else {}
    reads = _reads(ids)
    side = side_of(actor, child, now)
    return [MessageLine(m, files.get(m.id, []), names.get(m.author_id or 0, ""),
                        is_unread(m, reads, reader_side=side, user_id=actor.user_id)) for m in messages]


def _insert_ignoring_twins(rows: list[dict[str, object]]) -> None:
    """Insert read marks; a mark the same user made meanwhile (two tabs) is left as it is."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(insert(MessageRead).on_conflict_do_nothing(index_elements=["message_id", "user_id"]), rows)


def mark_read(child: Child, *, actor: Actor, now: datetime, up_to_id: int | None = None) -> int:
    """Mark the other side's messages of the thread read by this user (up to `up_to_id`); how many were new.

    One audit entry for the marking (the ids it covered). The system, which is nobody, reads nothing.
    """
    child = child_in_scope(child.id, Perm.MESSAGES_READ, actor=actor, now=now)
    if actor.user_id is None:
        return 0
    side = side_of(actor, child, now)
    already = select(MessageRead.message_id).where(MessageRead.user_id == actor.user_id)
    stmt = select(Message.id).where(Message.child_id == child.id, Message.side != side, Message.id.not_in(already))
    if up_to_id is not None:
        stmt = stmt.where(Message.id <= up_to_id)
    ids = list(db.session.execute(stmt.order_by(Message.id)).scalars())
    if not ids:
        return 0
    _insert_ignoring_twins([{"centre_id": child.centre_id, "message_id": i, "user_id": actor.user_id, "side": side,
                             "read_at": now} for i in ids])
    record_change(centre_id=child.centre_id, actor_id=actor.user_id, actor_kind=actor.kind,
                  action="family_message.read", object_type="child", object_id=child.id, before=None,
                  after={"message_ids": ids, "side": side.value}, now=now)
    return len(ids)


def unread_counts(child_ids: Sequence[int], *, actor: Actor, reader_side: MessageSide) -> dict[int, int]:
    """Per child, how many of the other side's messages are unread (staff: by anyone on staff; family: by this user).

    No authorisation: for callers that already scoped `child_ids` to what the actor may read.
    """
    ids = list(child_ids)
    if not ids:
        return {}
    if reader_side is MessageSide.STAFF:
        read = select(MessageRead.id).where(MessageRead.message_id == Message.id,
                                            MessageRead.side == MessageSide.STAFF)
    else:
        read = select(MessageRead.id).where(MessageRead.message_id == Message.id,
                                            MessageRead.user_id == (actor.user_id or 0))
    other = MessageSide.FAMILY if reader_side is MessageSide.STAFF else MessageSide.STAFF
    rows = db.session.execute(select(Message.child_id, func.count(Message.id)).where(
        Message.child_id.in_(ids), Message.side == other, ~read.exists()).group_by(Message.child_id)).all()
    return {child_id: count for child_id, count in rows}


def get_attachment(attachment_id: int, *, actor: Actor, now: datetime) -> MessageAttachment:
    """An attachment's description, for whoever may read its thread (another family's: not found)."""
    row = db.session.get(MessageAttachment, attachment_id)
    if row is None:
        raise NotFound()
    message = db.session.get(Message, row.message_id)
    assert message is not None
    authorise(actor, Perm.MESSAGES_READ, row.centre_id, now)
    child_in_scope(message.child_id, Perm.MESSAGES_READ, actor=actor, now=now)
    return row


def read_attachment(row: MessageAttachment, *, store: FileStore, actor: Actor, now: datetime) -> bytes:
    """An attachment's bytes (hash-checked); every read is logged."""
    row = get_attachment(row.id, actor=actor, now=now)
    data = store.read(row.sha256)
    log_access(centre_id=row.centre_id, user_id=actor.user_id, action="read", object_type="family_message_attachment",
               object_id=row.id, now=now)
    return data
