"""A report with what happened to it: signatures, review, amendments, the guardians' notice, stage and deadlines.

For the office list, the detail, the dashboard card, the register and the evaluator's evidence.

Built in bulk (a few queries for any number of reports). The stage is derived from the rows; `overdue` means a
step is missing past its deadline (`compliance.incidents.incident_timing`, the rules in force that day).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from compliance.incidents import IncidentRecord, IncidentTiming, incident_limits, incident_timing
from server.centre.models import Centre
from server.centre.rules import effective_rules
from server.centre.timezones import centre_today
from server.database import db
from server.incidents.models import (
    IncidentAmendment,
    IncidentReport,
    IncidentReview,
    IncidentSignature,
    ReportStage,
    SignerRole,
)
from server.incidents.operations.amendments import amendments_of, current_values
from server.notices.models import GuardianNotice
from server.notices.status import NoticeLine, notice_lines
from server.people.models import Child, Staff


@dataclass(frozen=True)
class ReportLine:
    """One report as of `now`."""

    report: IncidentReport
    child_name: str
    values: dict[str, Any]  # the fields with every amendment applied
    reporter: IncidentSignature | None
    witness: IncidentSignature | None
    review: IncidentReview | None
    amendments: list[IncidentAmendment]
    notice: NoticeLine | None
    timing: IncidentTiming | None  # None when the deadline rule is not in force
    staff_names: dict[int, str]

    @property
    def stage(self) -> ReportStage:
        if self.reporter is None:
            return ReportStage.DRAFT
        if self.witness is None:
            return ReportStage.AWAITING_WITNESS
        if self.review is None:
            return ReportStage.AWAITING_REVIEW
        if self.notice is not None and self.notice.acknowledgement is not None:
            return ReportStage.ACKNOWLEDGED
        return ReportStage.AWAITING_ACKNOWLEDGEMENT

    @property
    def locked(self) -> bool:
        return self.reporter is not None

    @property
    def overdue(self) -> bool:
        return self.timing is not None and self.timing.missing_anything

    @property
    def waiting(self) -> bool:
        """Still missing a signature, the review or the guardian's acknowledgement."""
        return self.stage is not ReportStage.ACKNOWLEDGED

    def staff_name(self, staff_id: int | None) -> str:
        return self.staff_names.get(staff_id, "") if staff_id is not None else ""

    def record(self) -> IncidentRecord:
        """The compliance library's record of it."""
        ack = self.notice.acknowledgement if self.notice is not None else None
        return IncidentRecord(
            id=self.report.id, child_id=self.report.child_id, child_name=self.child_name,
            injury_type=str(self.values.get("injury_type") or ""), occurred_at=self.report.occurred_at,
            reporter_signed_at=self.reporter.signed_at if self.reporter else None,
            witness_signed_at=self.witness.signed_at if self.witness else None,
            reviewed_at=self.review.reviewed_at if self.review else None,
            notice_queued_at=self.notice.notice.created_at if self.notice else None,
            acknowledged_at=ack.at if ack is not None else None)


def report_lines(centre: Centre, reports: Sequence[IncidentReport], now: datetime) -> list[ReportLine]:
    """The lines of some reports of one centre, in the order given."""
    if not reports:
        return []
    ids = [r.id for r in reports]
    signatures = {(s.report_id, s.role): s for s in db.session.execute(
        select(IncidentSignature).where(IncidentSignature.report_id.in_(ids))).scalars()}
    reviews = {r.report_id: r for r in db.session.execute(
        select(IncidentReview).where(IncidentReview.report_id.in_(ids))).scalars()}
    notice_ids = [r.notice_id for r in reviews.values() if r.notice_id is not None]
    notices = list(db.session.execute(select(GuardianNotice).where(GuardianNotice.id.in_(notice_ids))).scalars()) \
        if notice_ids else []
    by_notice = {line.notice.id: line for line in notice_lines(notices, now)}
    amendments = amendments_of(ids)
    names = dict(db.session.execute(select(Child.id, Child.name).where(
        Child.id.in_({r.child_id for r in reports}))).all())
    staff_names = dict(db.session.execute(select(Staff.id, Staff.name).where(Staff.centre_id == centre.id)).all())
    limits = incident_limits(effective_rules(centre, centre_today(centre, now)))
    lines = []
    for report in reports:
        review = reviews.get(report.id)
        line = ReportLine(
            report=report, child_name=names.get(report.child_id, ""),
            values=current_values(report, amendments[report.id]),
            reporter=signatures.get((report.id, SignerRole.REPORTER)),
            witness=signatures.get((report.id, SignerRole.WITNESS)), review=review,
            amendments=amendments[report.id],
            notice=by_notice.get(review.notice_id) if review is not None and review.notice_id else None,
            timing=None, staff_names=staff_names)
        timing = incident_timing(line.record(), limits, now) if limits is not None else None
        lines.append(ReportLine(**{**line.__dict__, "timing": timing}))
    return lines


def waiting_counts(centre: Centre, now: datetime, *, since: timedelta = timedelta(days=400)) -> dict[str, int]:
    """The director's card: reports awaiting the witness, the review, the acknowledgement, and overdue ones."""
    rows = list(db.session.execute(select(IncidentReport).where(
        IncidentReport.centre_id == centre.id, IncidentReport.occurred_at >= now - since)).scalars())
    lines = report_lines(centre, rows, now)
    return {"drafts": sum(x.stage is ReportStage.DRAFT for x in lines),
            "witness": sum(x.stage is ReportStage.AWAITING_WITNESS for x in lines),
            "review": sum(x.stage is ReportStage.AWAITING_REVIEW for x in lines),
            "acknowledgement": sum(x.stage is ReportStage.AWAITING_ACKNOWLEDGEMENT for x in lines),
            "overdue": sum(x.overdue for x in lines)}
