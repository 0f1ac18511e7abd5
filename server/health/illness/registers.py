"""The 表4 儿童传染病登记表 register of the pack and the cases as the health evaluator's evidence.

`case_records` is this domain's part of the `"health"` evidence (`compliance.HealthEvidence.cases`), merged by
`server/health/evidence.py`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from sqlalchemy import func, select

from compliance import CentreRecord, Column, InspectionArea, Period, RegisterSource, Responsibility
from compliance.health import IllnessCaseRecord
from server.centre.models import Centre, Room
from server.centre.registers import centre_of
from server.database import db
from server.health.illness.cases import CaseView, current_cases
from server.health.illness.models import IllnessCase
from server.people.models import Child

# Cases with onset this long before a period still count towards an outbreak standing in it (the rule's window
# is 7 days; a centre's rulebook cannot make it longer than a month).
OUTBREAK_LOOKBACK = timedelta(days=31)


def _in_period(view: CaseView, period: Period, lookback: timedelta = timedelta(0)) -> bool:
    """Onset in the period (or the lookback before it), or an exclusion still running into it."""
    row = view.row
    if row.onset_on > period.end:
        return False
    if row.onset_on >= period.start - lookback:
        return True
    certificate = view.certificate
    return row.excluded_from is not None and (certificate is None or certificate.on >= period.start)


def period_cases(centre: Centre, period: Period) -> list[CaseView]:
    """The cases of a period: onset in it, or excluded into it."""
    return [v for v in current_cases(centre.id, onset_to=period.end) if _in_period(v, period)]


def case_records(centre: Centre, period: Period) -> list[IllnessCaseRecord]:
    """The 表4 cases the health evaluator reads for a period (with the outbreak window's lookback)."""
    return [v.record for v in current_cases(centre.id, onset_to=period.end)
            if _in_period(v, period, OUTBREAK_LOOKBACK)]


def _rows(record: CentreRecord, period: Period) -> Iterator[tuple[object, ...]]:
    centre = centre_of(record)
    rooms = dict(db.session.execute(select(Room.id, Room.name).where(Room.centre_id == centre.id)).all())
    names = dict(db.session.execute(select(Child.id, Child.name).where(Child.centre_id == centre.id)).all())
    for view in period_cases(centre, period):
        row, certificate = view.row, view.certificate
        yield (row.child_id, names.get(row.child_id, ""), rooms.get(row.class_id, "") if row.class_id else "",
               row.disease, row.onset_on, row.reported_on, row.reported_to, row.excluded_from or "",
               row.excluded_until or "", certificate.on if certificate else "", certificate.issuer if certificate else "")


def _count(record: CentreRecord, period: Period) -> int:
    centre = centre_of(record)
    return db.session.execute(select(func.count()).select_from(IllnessCase).where(
        IllnessCase.centre_id == centre.id, IllnessCase.onset_on <= period.end)).scalar_one()


ILLNESS_REGISTER = RegisterSource(
    "表4_儿童传染病登记表",
    (Column("child_id", "幼儿编号", "child id"), Column("name", "姓名", "name"), Column("class", "班级", "class"),
     Column("disease", "病名", "disease"), Column("onset", "发病日期", "onset"),
     Column("reported", "报告日期", "reported"), Column("reported_to", "报告单位", "reported to"),
     Column("excluded_from", "隔离起", "excluded from"), Column("excluded_until", "预计返园", "expected back"),
     Column("certificate_on", "返园证明日期", "return certificate"), Column("issuer", "证明机构", "issued by")),
    Responsibility.QUALITY_SAFETY, InspectionArea.HEALTH, _rows, "Register of infectious diseases (form 4)",
    count=_count,
)
