"""Reading the 表4 cases without authorisation: the latest row of each case, its certificate, who is excluded.

For other domains (the kiosk roster, the server-side check at check-in), jobs and the outbreak check; pages and
the API read through `operations.list_cases`, which authorises and logs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select

from compliance.health import IllnessCaseRecord, is_excluded
from server.database import db
from server.health.illness.models import IllnessCase, ReturnCertificate
from server.people.models import Child


@dataclass(frozen=True)
class CaseView:
    """A case as readers see it: its latest row, the chain's first id (the case's id) and its certificate."""

    case_id: int  # the first row of the chain: the case's stable id (certificates are recorded against it)
    row: IllnessCase  # the latest row (a correction replaces the row before)
    certificate: ReturnCertificate | None

    @property
    def record(self) -> IllnessCaseRecord:
        return case_record(self.case_id, self.row, self.certificate)


def case_record(case_id: int, row: IllnessCase, certificate: ReturnCertificate | None) -> IllnessCaseRecord:
    """The compliance library's 表4 line of a case."""
    return IllnessCaseRecord(
        id=case_id, child_id=row.child_id, class_id=row.class_id if row.class_id is not None else "",
        disease=row.disease, onset_on=row.onset_on, reported_on=row.reported_on, excluded_from=row.excluded_from,
        excluded_until=row.excluded_until, return_certificate_on=certificate.on if certificate else None,
        certificate_issuer=certificate.issuer if certificate else "", infectious=row.infectious,
        reported_to=row.reported_to)


def is_amended(row: IllnessCase) -> bool:
    return db.session.execute(select(IllnessCase.id).where(IllnessCase.amends_id == row.id)).first() is not None


def chain_of(row: IllnessCase) -> tuple[int, IllnessCase]:
    """(the case's id: the first row of the chain, the latest row of the chain) of any row."""
    rows = {r.id: r for r in db.session.execute(
        select(IllnessCase).where(IllnessCase.centre_id == row.centre_id, IllnessCase.child_id == row.child_id))
        .scalars()}
    root, latest, _ = _views_of(rows.values(), {})[_root(row.id, rows)]
    return root, latest


def view_of(row: IllnessCase) -> CaseView:
    """The case any of its rows belongs to: its id, latest row and certificate."""
    case_id, latest = chain_of(row)
    return CaseView(case_id, latest, certificate_of(case_id))


def _root(row_id: int, rows: dict[int, IllnessCase]) -> int:
    while (amends := rows[row_id].amends_id) is not None and amends in rows:
        row_id = amends
    return row_id


def _views_of(rows: Iterable[IllnessCase],
              certificates: dict[int, ReturnCertificate]) -> dict[int, tuple[int, IllnessCase, ReturnCertificate | None]]:
    by_id = {r.id: r for r in rows}
    amended = {r.amends_id for r in by_id.values() if r.amends_id is not None}
    out = {}
    for row in by_id.values():
        if row.id not in amended:
            root = _root(row.id, by_id)
            out[root] = (root, row, certificates.get(root))
    return out


def certificate_of(case_id: int) -> ReturnCertificate | None:
    return db.session.execute(select(ReturnCertificate).where(ReturnCertificate.case_id == case_id)).scalar()


def current_cases(centre_id: int, *, child_ids: Iterable[int] | None = None, onset_from: date | None = None,
                  onset_to: date | None = None) -> list[CaseView]:
    """The centre's cases (latest row of each, with its certificate), by onset then id; no authorisation.

    The onset filters apply to the latest row (a correction may move a case's onset).
    """
    stmt = select(IllnessCase).where(IllnessCase.centre_id == centre_id)
    certs = select(ReturnCertificate).where(ReturnCertificate.centre_id == centre_id)
    if child_ids is not None:
        ids = list(child_ids)
        if not ids:
            return []
        stmt = stmt.where(IllnessCase.child_id.in_(ids))
        certs = certs.join(IllnessCase, IllnessCase.id == ReturnCertificate.case_id).where(
            IllnessCase.child_id.in_(ids))
    certificates = {c.case_id: c for c in db.session.execute(certs).scalars()}
    views = [CaseView(root, row, cert) for root, row, cert in
             _views_of(db.session.execute(stmt).scalars(), certificates).values()]
    views = [v for v in views if (onset_from is None or v.row.onset_on >= onset_from)
             and (onset_to is None or v.row.onset_on <= onset_to)]
    return sorted(views, key=lambda v: (v.row.onset_on, v.case_id))


def _children_maybe_excluded(centre_id: int, day: date) -> list[int]:
    """The children with a case row excluding from `day` or before that no certificate before `day` ends.

    A narrowing in SQL, a superset of the excluded children: a correction row is kept even when its case has a
    certificate further up the chain (the certificate is recorded against the chain's first row; the check here
    looks at the row and the row it amends), and `is_excluded` then judges on the children's cases.
    """
    certified = (select(ReturnCertificate.id)
                 .where(or_(ReturnCertificate.case_id == IllnessCase.id, ReturnCertificate.case_id == IllnessCase.amends_id),
                        ReturnCertificate.on <= day))
    stmt = (select(IllnessCase.child_id).distinct()
            .where(IllnessCase.centre_id == centre_id, IllnessCase.excluded_from.is_not(None),
                   IllnessCase.excluded_from <= day, ~certified.exists()))
    return sorted(db.session.execute(stmt).scalars())


def excluded_children(centre_id: int, day: date) -> dict[int, IllnessCase]:
    """Every child of the centre kept out on `day` (centre-local date): child id → the case (its latest row).

    For the kiosk roster (attendance lists these children in the roster feed with only the days: excluded since
    when, expected back when; never the disease nor anything else of the case, which is health data; the kiosk
    refuses them with a generic reason, "until a return certificate"), the server-side check of a kiosk batch and
    the dashboard. Excluded from
    `excluded_from` until the day a return certificate is recorded; `excluded_until` (the doctor's expected day)
    does not end it (`compliance.health.is_excluded`). No authorisation and no access log: the caller serves
    it to those who may see it (a device feed, or a page that checked HEALTH_READ and logs).

    Runs on every kiosk batch, roster build and dashboard load: only the cases of children SQL finds possibly
    excluded are read (`_children_maybe_excluded`), never the centre's whole history.
    """
    candidates = _children_maybe_excluded(centre_id, day)
    if not candidates:
        return {}
    views = current_cases(centre_id, child_ids=candidates)
    records = [v.record for v in views]
    latest = {v.case_id: v.row for v in views}
    out: dict[int, IllnessCase] = {}
    for child_id in sorted({v.row.child_id for v in views}):
        case = is_excluded(records, child_id, day)
        if case is not None:
            out[child_id] = latest[int(case.id)]
    return out


def exclusion_of(child_id: int, day: date) -> IllnessCase | None:
    """The case that keeps one child out on `day` (centre-local date), or None: the server-side check.

    Attendance calls it when a check-in arrives (a kiosk on a stale roster may let an excluded child in: the
    server flags the event and raises an alert). Same rule as `excluded_children`; no authorisation, no log.
    """
    child = db.session.get(Child, child_id)
    if child is None:
        return None
    views = current_cases(child.centre_id, child_ids=[child_id])
    case = is_excluded([v.record for v in views], child_id, day)
    return None if case is None else next(v.row for v in views if v.case_id == case.id)


