"""The pack register 儿童保护事件记录 (only in packs for readers of safeguarding) and the evaluator's evidence.

The register holds each concern recorded in the period with its corrections and every step; the evidence (when
each concern was recorded and first reported) goes to every evaluation, and its findings name concerns by number
only (compliance/evaluators/safeguarding.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta

from sqlalchemy import select

from compliance import CentreRecord, Column, InspectionArea, Period, RegisterSource, Responsibility
from compliance.evaluators.safeguarding import ConcernRecord, SafeguardingEvidence
from server.auth.actor import Actor
from server.centre.models import Centre
from server.centre.registers import centre_of, count_rows
from server.centre.timezones import centre_zone
from server.clock import utcnow
from server.database import db
from server.i18n import bilingual
from server.safeguarding import access
from server.safeguarding.escalation import step_rules
from server.safeguarding.models import AmendedField, Concern, Step
from server.safeguarding.operations import ConcernView, views

REGISTER_NAME = "儿童保护事件记录"


def _instants(centre: Centre, period: Period) -> tuple[datetime, datetime]:
    zone = centre_zone(centre)
    return (datetime.combine(period.start, time(), zone),
            datetime.combine(period.end + timedelta(days=1), time(), zone))


def _rows(record: CentreRecord, period: Period) -> Iterator[tuple[object, ...]]:
    centre = centre_of(record)
    zone = centre_zone(centre)
    start, end = _instants(centre, period)
    now = utcnow()

    def local(at: datetime | None) -> str:
        return at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if at is not None else ""

    rows = list(db.session.execute(select(Concern).where(
        Concern.centre_id == centre.id, Concern.raised_at >= start, Concern.raised_at < end)
        .order_by(Concern.raised_at, Concern.id)).scalars())
    for v in views(rows, centre, now):
        involved = "；".join(f"{i.name}（上级：{'、'.join(m['name'] for m in i.managers) or '无'}）" for i in v.involved)
        steps = "；".join(
            f"{local(s.done_at)} {bilingual(s.kind)}" + (f"（{bilingual(s.agency)}）" if s.agency else "")
            + f" {s.done_by}" + (f"：{s.detail}" if s.detail else "") + (f" 回执 {s.reference}" if s.reference else "")
            for s in v.steps)
        amendments = "；".join(
            f"{local(a.amended_at)} 更正{bilingual(AmendedField(a.field))}为「{a.value}」，理由：{a.reason}"
            for a in v.amendments)
        first = v.first_report
        closed = v.closed
        yield (v.number, local(v.noticed_at), local(v.concern.raised_at), v.child_name, bilingual(v.category),
               v.account, v.immediate_actions, involved, local(v.report_due), local(first.done_at) if first else "",
               _reported_in_time(v, now), steps, closed.detail if closed else "", amendments)


def _reported_in_time(v: ConcernView, now: datetime) -> str:
    """是 / 否 once reported or past the deadline; before either, neither is true yet."""
    if v.report_overdue(now):
        return "否"
    if v.first_report is not None:
        return "是"
    return "尚未报告（未到期）" if v.report_due is not None else ""


CONCERNS_REGISTER = RegisterSource(
    REGISTER_NAME,
    (Column("number", "编号", "number"), Column("noticed_at", "发现时间", "noticed at"),
     Column("recorded_at", "记录时间", "recorded at"), Column("child", "幼儿", "child"),
     Column("category", "类别", "category"), Column("account", "所见所闻", "what was seen or told"),
     Column("immediate_actions", "即时保护措施", "immediate protective actions"),
     Column("staff", "涉事人员（当时的直接上级）", "staff involved (their managers then)"),
     Column("report_due", "报告时限", "report due"), Column("first_report", "首次报告时间", "first report"),
     Column("reported_in_time", "是否按时报告", "reported in time"), Column("steps", "处理步骤", "steps"),
     Column("outcome", "结案结果", "outcome"), Column("amendments", "更正记录", "amendments")),
    Responsibility.QUALITY_SAFETY, InspectionArea.OPERATIONS, _rows, "Safeguarding concerns (restricted)",
    count=lambda r, p: count_rows(Concern, r),
)


def register_gate(centre: Centre, actor: Actor, now: datetime) -> bool:
    """Whether a pack or a register page for this actor may hold the register (those who may read concerns)."""
    return access.may_read(actor, centre.id, now)


def safeguarding_evidence(centre: Centre, period: Period) -> SafeguardingEvidence:
    """Every concern recorded by the period's end with its first report (the evaluator picks its scope)."""
    _, end = _instants(centre, period)
    concerns = list(db.session.execute(select(Concern.id, Concern.raised_at, Concern.noticed_at).where(
        Concern.centre_id == centre.id, Concern.raised_at < end).order_by(Concern.raised_at, Concern.id)))
    kinds = [k for k, rule in step_rules().items() if rule.reports]
    first: dict[int, datetime] = {}
    for concern_id, done_at in db.session.execute(select(Step.concern_id, Step.done_at).where(
            Step.centre_id == centre.id, Step.kind.in_(kinds))):
        if concern_id not in first or done_at < first[concern_id]:
            first[concern_id] = done_at
    # The deadline runs from the time first given as noticed: a later correction of it does not move the deadline.
    return SafeguardingEvidence(tuple(ConcernRecord(cid, at, first.get(cid), noticed)
                                      for cid, at, noticed in concerns))
