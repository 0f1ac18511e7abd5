"""The centre and its classes as the pure `compliance` library's plain records."""

from __future__ import annotations

from sqlalchemy import select

from compliance import CentreRecord, ClassRecord, Period
from compliance import ClassType as RuleClassType
from compliance import FilingStatus as RuleFilingStatus
from compliance import LegalForm as RuleLegalForm
from server.centre.models import Centre, ClassType, FilingStatus, Room
from server.database import db

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
        region=centre.region, address=centre.address or "", timezone=centre.timezone,
    )


def class_records(centre: Centre, period: Period) -> tuple[ClassRecord, ...]:
    """The centre's active classes (evidence for the class-size rules)."""
    rooms = db.session.execute(select(Room).where(Room.centre_id == centre.id, Room.is_active)).scalars()
    return tuple(ClassRecord(r.id, r.name, CLASS_TYPES[r.class_type], r.capacity) for r in rooms)
