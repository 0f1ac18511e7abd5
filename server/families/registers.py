"""The pack registers 家长评价汇总 (aggregates only) and 投诉处理记录, and the complaints as the evaluators' evidence."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta

from sqlalchemy import select

from compliance import CentreRecord, Column, InspectionArea, Period, RegisterSource, Responsibility
from compliance.feedback import FeedbackEvidence, min_responses, rating_items
from server.centre.models import Centre
from server.centre.registers import centre_of, count_rows
from server.centre.rules import effective_rules
from server.centre.timezones import centre_zone
from server.clock import utcnow
from server.database import db
from server.families.models import Complaint, RatingResponse
from server.families.operations.complaints import as_record, category_names, limits_for, lines
from server.families.operations.ratings import month_summaries


def _period_instants(centre: Centre, period: Period) -> tuple[datetime, datetime]:
    """The period's first instant and the instant after its last local day."""
    zone = centre_zone(centre)
    return (datetime.combine(period.start, time(), zone),
            datetime.combine(period.end + timedelta(days=1), time(), zone))


def _rating_rows(record: CentreRecord, period: Period) -> Iterator[tuple[object, ...]]:
    centre = centre_of(record)
    names = {item.key: item.zh for item in rating_items()}
    for month in month_summaries(centre, period.start, period.end):
        minimum = min_responses(effective_rules(centre, month.month))
        for item in month.items:
            if not month.shown:
                yield (month.month.strftime("%Y-%m"), names.get(item.item, item.item), "", "", "", "", "", "", "",
                       f"答卷少于{minimum}份，为保护匿名不公布")
                continue
            counts = list(item.counts) + [""] * max(0, 5 - len(item.counts))
            yield (month.month.strftime("%Y-%m"), names.get(item.item, item.item), item.responses,
                   "" if item.mean is None else str(item.mean), *counts[:5], "")


RATINGS_REGISTER = RegisterSource(
    "家长评价汇总",
    (Column("month", "月份", "month"), Column("item", "评价项目", "item"), Column("responses", "答卷数", "responses"),
     Column("mean", "平均分", "mean score"), Column("score_1", "1分", "1 point"), Column("score_2", "2分", "2 points"),
     Column("score_3", "3分", "3 points"), Column("score_4", "4分", "4 points"), Column("score_5", "5分", "5 points"),
     Column("note", "备注", "note")),
    Responsibility.SERVICE, InspectionArea.OPERATIONS, _rating_rows, "Parents' ratings (aggregates only)",
    count=lambda r, p: count_rows(RatingResponse, r),
)


def _complaints(centre: Centre, period: Period) -> list[Complaint]:
    start, end = _period_instants(centre, period)
    return list(db.session.execute(select(Complaint).where(
        Complaint.centre_id == centre.id, Complaint.received_at >= start, Complaint.received_at < end)
        .order_by(Complaint.received_at, Complaint.id)).scalars())


def _complaint_rows(record: CentreRecord, period: Period) -> Iterator[tuple[object, ...]]:
    centre = centre_of(record)
    zone = centre_zone(centre)
    now = utcnow()

    def local(at: datetime | None) -> str:
        return at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if at is not None else ""

    for line in lines(_complaints(centre, period), limits_for(centre, now), now):
        c, timing = line.complaint, line.timing
        in_time = "—" if timing is None or (line.answer is None and not timing.unanswered_overdue) else (
            "是" if timing.answered_in_time else "否")
        yield (c.id, local(c.received_at), category_names(c.category)[0], c.text, local(
            line.answer.answered_at if line.answer else None), line.answer.text if line.answer else "",
               local(line.closure.closed_at if line.closure else None), line.closure.outcome if line.closure else "",
               in_time)


COMPLAINTS_REGISTER = RegisterSource(
    "投诉处理记录",
    (Column("id", "编号", "id"), Column("received_at", "收到时间", "received"), Column("category", "类别", "category"),
     Column("text", "投诉内容", "text"), Column("answered_at", "答复时间", "answered at"),
     Column("answer", "答复内容", "answer"), Column("closed_at", "办结时间", "closed at"),
     Column("outcome", "处理结果", "outcome"),
     Column("answered_in_time", "是否按时答复", "answered within the deadline")),
    Responsibility.SERVICE, InspectionArea.OPERATIONS, _complaint_rows, "Complaints and their handling",
    count=lambda r, p: count_rows(Complaint, r),
)


def feedback_evidence(centre: Centre, period: Period) -> FeedbackEvidence:
    """Every complaint received by the period's end, with its answer and closing (the evaluator picks its scope)."""
    _, end = _period_instants(centre, period)
    rows = list(db.session.execute(select(Complaint).where(
        Complaint.centre_id == centre.id, Complaint.received_at < end).order_by(Complaint.received_at, Complaint.id))
        .scalars())
    return FeedbackEvidence(tuple(as_record(line.complaint, line.answer, line.closure)
                                  for line in lines(rows, None, end)))
