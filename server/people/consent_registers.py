"""Consents in the pack: the register of decisions (监护人同意记录) and the consent dates the evaluator reads.

The register lists, per child and purpose, the decision in force when the period starts and every decision in the
period — given or withdrawn, under which version (with the text's SHA-256), how (phone or paper), by which guardian
(by relationship) — so an inspector sees both who had consent and every withdrawal.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from compliance import CentreRecord, Column, InspectionArea, Period, RegisterSource, Responsibility
from server.centre.models import Centre
from server.centre.registers import centre_of, count_rows
from server.centre.timezones import centre_zone, period_bounds
from server.database import db
from server.i18n import bilingual
from server.people.consent_models import ConsentChoice, ConsentDecision, ConsentDocument, ConsentPurpose
from server.people.models import Child, ChildContact


def _decisions(centre: Centre, until: datetime) -> list[ConsentDecision]:
    return list(db.session.execute(select(ConsentDecision).where(
        ConsentDecision.centre_id == centre.id, ConsentDecision.at < until)
        .order_by(ConsentDecision.at, ConsentDecision.id)).scalars())


def _rows(record: CentreRecord, period: Period) -> Iterator[tuple[object, ...]]:
    centre = centre_of(record)
    tz = centre_zone(centre)
    start, end = period_bounds(centre, period.start, period.end)
    before: dict[tuple[int, ConsentPurpose], ConsentDecision] = {}
    during: list[ConsentDecision] = []
    for row in _decisions(centre, end):
        if row.at < start:
            before[(row.child_id, row.purpose)] = row  # the latest before the period: in force when it starts
        else:
            during.append(row)
    rows = sorted([*before.values(), *during], key=lambda r: (r.child_id, r.purpose, r.at, r.id))
    children = dict(db.session.execute(select(Child.id, Child.name).where(Child.centre_id == centre.id)).all())
    links = {(link.child_id, link.contact_id): link for link in db.session.execute(
        select(ChildContact).where(ChildContact.centre_id == centre.id)).scalars()}
    digests = dict(db.session.execute(select(ConsentDocument.id, ConsentDocument.sha256).where(
        ConsentDocument.centre_id == centre.id)).all())
    for row in rows:
        link = links.get((row.child_id, row.contact_id))
        yield (row.id, row.child_id, children.get(row.child_id, ""), bilingual(row.purpose), row.version,
               digests.get(row.document_id, ""), bilingual(row.decision),
               row.at.astimezone(tz).strftime("%Y-%m-%d %H:%M"), bilingual(row.method),
               bilingual(link.relationship) if link is not None else "",
               row.recorded_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"), "是" if row.at < start else "否")


CONSENTS = RegisterSource(
    "监护人同意记录", (Column("id", "编号", "id"), Column("child_id", "幼儿编号", "child id"),
                 Column("child", "幼儿", "child"), Column("purpose", "同意事项", "purpose"),
                 Column("version", "同意书版本", "version"), Column("text_sha256", "同意书SHA-256", "text SHA-256"),
                 Column("decision", "决定", "decision"), Column("at", "生效时间", "in force from"),
                 Column("method", "方式", "method"), Column("guardian", "监护人（关系）", "guardian (relationship)"),
                 Column("recorded_at", "登记时间", "recorded"),
                 Column("before_period", "期初有效", "in force when the period starts")),
    Responsibility.SERVICE, InspectionArea.OPERATIONS, _rows, "Guardians' consents (PIPL): given and withdrawn",
    count=lambda r, p: count_rows(ConsentDecision, r),
)


def consent_days(centre: Centre, last_day: date) -> dict[int, tuple[date | None, date | None]]:
    """Each child's data-processing consent up to `last_day`'s end: (given_on, withdrawn_on), centre-local days.

    Given: the day of the latest consent; withdrawn: the day of a withdrawal after it (None while in force). A
    consent and a withdrawal the same day in that order leave it withdrawn (the evaluator reads the same day as
    not in force). Children without any decision are not listed (the caller falls back on Child.consent_on).
    """
    tz = centre_zone(centre)
    until = datetime.combine(last_day + timedelta(days=1), time(), tzinfo=tz)
    latest: dict[int, list[ConsentDecision]] = {}
    for row in _decisions(centre, until):
        if row.purpose is ConsentPurpose.DATA_PROCESSING:
            latest.setdefault(row.child_id, []).append(row)
    out: dict[int, tuple[date | None, date | None]] = {}
    for child_id, rows in latest.items():
        given = [r for r in rows if r.decision is ConsentChoice.GIVEN]
        given_on = given[-1].at.astimezone(tz).date() if given else None
        last = rows[-1]
        withdrawn_on = last.at.astimezone(tz).date() if last.decision is ConsentChoice.WITHDRAWN else None
        out[child_id] = (given_on, withdrawn_on)
    return out
