"""The adapter from the database to the pure `compliance` library: plain records out, nothing else."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from compliance import CentreRecord, ChildRecord, ClassRecord, ComplianceInputs, Period, Rulebook, effective_rulebook
from compliance import ClassType as RuleClassType
from compliance import FilingStatus as RuleFilingStatus
from compliance import LegalForm as RuleLegalForm
from server.audit.models import AccessEvent, AuditEntry, AuditHead, chain_for
from server.audit.operations import format_instant
from server.auth.models import Membership, User
from server.centre.models import Centre, ClassType, FilingStatus, Room
from server.clock import utcnow
from server.database import db
from server.people.models import Child

CLASS_TYPES = {
    ClassType.INFANT: RuleClassType.RUERBAN,
    ClassType.TODDLER: RuleClassType.TUOXIAOBAN,
    ClassType.PRESCHOOL: RuleClassType.TUODABAN,
    ClassType.MIXED: RuleClassType.HUNHEBAN,
    ClassType.FAMILY: RuleClassType.JIATING,
}
FILING = {
    FilingStatus.NOT_FILED: RuleFilingStatus.NOT_FILED,
    FilingStatus.SUBMITTED: RuleFilingStatus.PENDING,
    FilingStatus.FILED: RuleFilingStatus.FILED,
    FilingStatus.REVOKED: RuleFilingStatus.REVOKED,
}


def centre_record(centre: Centre) -> CentreRecord:
    return CentreRecord(
        code=centre.code, name=centre.name, legal_form=RuleLegalForm(centre.legal_form.value),
        registering_authority=centre.registering_authority or "", filing_status=FILING[centre.filing_status],
        filed_on=centre.filed_on, approved_places=centre.approved_places, puhui_places=centre.inclusive_places,
        region=centre.region, address=centre.address or "",
    )


def compliance_inputs(centre: Centre, period: Period | None = None) -> ComplianceInputs:
    """Everything the evaluators read about one centre (and, given a period, its environment evidence)."""
    from server.environment.register import environment_evidence

    rooms = db.session.execute(select(Room).where(Room.centre_id == centre.id, Room.is_active)).scalars()
    children = db.session.execute(select(Child).where(Child.centre_id == centre.id)).scalars()
    from server.rooms.registers import ratio_violation_records

    return ComplianceInputs(
        centre=centre_record(centre),
        classes=tuple(ClassRecord(r.id, r.name, CLASS_TYPES[r.class_type], r.capacity) for r in rooms),
        children=tuple(
            ChildRecord(c.id, c.room_id if c.room_id is not None else "", c.enrolled_on, c.left_on, c.consent_on)
            for c in children
        ),
        ratio_violations=tuple(ratio_violation_records(centre)),
        as_of=utcnow(),
        environment=environment_evidence(centre, period) if period is not None else None,
    )


def rules_for(centre: Centre, on: date) -> Rulebook:
    """The centre's effective rulebook on a date: national, its region's overlay, its own policy."""
    return effective_rulebook(centre.region, centre.rule_policy or None, on)


def audit_head(centre: Centre) -> dict[str, Any]:
    head = db.session.get(AuditHead, chain_for(centre.id))
    return {"chain": chain_for(centre.id), "seq": head.seq if head else 0,
            "head_hash": head.head_hash if head else None}


def audit_entries(centre: Centre, period: Period, tz: Any) -> Iterator[dict[str, Any]]:
    """The chain entries of the period (local calendar days), streamed."""
    start, end = _instants(period, tz)
    stmt = (select(AuditEntry).where(AuditEntry.chain == chain_for(centre.id), AuditEntry.at >= start,
                                     AuditEntry.at < end).order_by(AuditEntry.seq))
    result = db.session.execute(stmt.execution_options(yield_per=2000))
    try:
        for e in result.scalars():
            yield {"seq": e.seq, "at": format_instant(e.at), "actor_id": e.actor_id, "actor_kind": e.actor_kind,
                   "action": e.action, "object_type": e.object_type, "object_id": e.object_id,
                   "before": e.before_digest, "after": e.after_digest, "prev_hash": e.prev_hash,
                   "entry_hash": e.entry_hash}
    finally:
        result.close()


def access_log(centre: Centre, period: Period, tz: Any) -> Iterator[dict[str, Any]]:
    """Who read, downloaded or was refused what at this centre in the period."""
    start, end = _instants(period, tz)
    role = (select(Membership.role).where(Membership.user_id == AccessEvent.user_id,
                                          Membership.centre_id == centre.id)
            .order_by(Membership.id).limit(1).scalar_subquery())
    stmt = (
        select(AccessEvent, User.display_name, role)
        .outerjoin(User, User.id == AccessEvent.user_id)
        .where(AccessEvent.centre_id == centre.id, AccessEvent.at >= start, AccessEvent.at < end)
        .order_by(AccessEvent.at, AccessEvent.id)
    )
    for event, name, role in db.session.execute(stmt):  # noqa: F402 - the row's role shadows the subquery
        yield {"at": event.at, "actor": name or "-", "role": str(role or "-"), "action": event.action,
               "object": f"{event.object_type}:{event.object_id}", "purpose": event.detail or ""}


def _instants(period: Period, tz: Any) -> tuple[datetime, datetime]:
    """The instants bounding the period's local calendar days."""
    start = datetime.combine(period.start, time.min, tzinfo=tz)
    end = datetime.combine(period.end + timedelta(days=1), time.min, tzinfo=tz)
    return start, end
