"""The pack register 家长通知确认记录 and the notices the evaluator reads (`compliance.evaluators.notices`).

The register lists every notice queued in the period: the child (number and name, as the other registers name
children), the kind, when it was queued, delivered, first read and acknowledged — by whom as a relationship
(母亲, 父亲 …), never a guardian's name —, the reminders sent, the deadline and whether it is overdue at the end of
the period.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import select

from compliance import CentreRecord, Column, InspectionArea, Period, RegisterSource, Responsibility
from compliance.notices import NoticeEvidence, NoticeRecord
from server.centre.models import Centre
from server.centre.registers import centre_of
from server.centre.timezones import centre_zone, period_bounds
from server.clock import utcnow
from server.database import db
from server.notices.kinds import LABELS as KIND_LABELS
from server.notices.kinds import Kind
from server.notices.models import GuardianNotice, NoticeAcknowledgement
from server.notices.status import notice_lines
from server.people.models import RELATIONSHIP_LABELS


def _kind_names(kind: str) -> tuple[str, str]:
    try:
        return KIND_LABELS[Kind(kind)]
    except ValueError:
        return kind, kind


def notice_evidence(centre: Centre, period: Period) -> NoticeEvidence:
    """Notices that may be outstanding in the period: queued before its end, not acknowledged before it began."""
    start, end = period_bounds(centre, period.start, period.end)
    acked_before = select(NoticeAcknowledgement.id).where(NoticeAcknowledgement.notice_id == GuardianNotice.id,
                                                         NoticeAcknowledgement.at < start)
    notices = list(db.session.execute(select(GuardianNotice).where(
        GuardianNotice.centre_id == centre.id, GuardianNotice.created_at < end, ~acked_before.exists())
        .order_by(GuardianNotice.id)).scalars())
    records = []
    for line in notice_lines(notices, utcnow()):
        zh, en = _kind_names(line.notice.kind)
        records.append(NoticeRecord(
            id=line.notice.id, child_id=line.notice.child_id, kind=line.notice.kind, kind_zh=zh, kind_en=en,
            queued_at=line.notice.created_at, delivered_at=line.delivery.delivered_at if line.delivery else None,
            deadline_at=line.deadline_at,
            acknowledged_at=line.acknowledgement.at if line.acknowledgement else None))
    return NoticeEvidence(notices=tuple(records))


def _rows(record: CentreRecord, period: Period) -> Iterator[tuple[object, ...]]:
    centre = centre_of(record)
    zone = centre_zone(centre)
    start, end = period_bounds(centre, period.start, period.end)
    notices = list(db.session.execute(select(GuardianNotice).where(
        GuardianNotice.centre_id == centre.id, GuardianNotice.created_at >= start, GuardianNotice.created_at < end)
        .order_by(GuardianNotice.created_at, GuardianNotice.id)).scalars())
    cutoff = min(end, utcnow())

    def local(at: datetime | None) -> str:
        return at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if at is not None else ""

    for line in notice_lines(notices, cutoff):
        ack = line.acknowledgement
        acknowledged_by = RELATIONSHIP_LABELS[line.acknowledged_by][0] if line.acknowledged_by else ""
        overdue = line.deadline_at is not None and line.deadline_at <= cutoff and (ack is None or ack.at > cutoff)
        yield (line.notice.id, line.notice.child_id, line.child_name, _kind_names(line.notice.kind)[0],
               local(line.notice.created_at), local(line.delivery.delivered_at if line.delivery else None),
               local(line.first_read_at), local(ack.at if ack else None), acknowledged_by, line.reminders_sent,
               local(line.deadline_at), "是" if overdue else ("否" if line.deadline_at is not None else "不适用"))


NOTICE_REGISTER = RegisterSource(
    "家长通知确认记录",
    (Column("notice_id", "通知编号", "notice no."), Column("child_id", "幼儿编号", "child id"),
     Column("name", "姓名", "name"), Column("kind", "通知类型", "kind"), Column("queued", "发出时间", "queued"),
     Column("sent", "送达时间", "delivered"), Column("first_read", "首次阅读", "first read"),
     Column("acknowledged", "确认时间", "acknowledged"), Column("acknowledged_by", "确认人", "acknowledged by"),
     Column("reminders", "提醒次数", "reminders sent"), Column("deadline", "确认期限", "deadline"),
     Column("overdue", "逾期未确认", "overdue")),
    Responsibility.SERVICE, InspectionArea.OPERATIONS, _rows, "Notices to guardians and their acknowledgement",
)
