"""Amendments: a correction of one field of a locked report, its own row referencing the report, audited.

Only a locked report is amended (a draft is simply changed: 409 `not_locked`). The old value is the field's
value as it stands (after earlier amendments); a reason is required; the same checks as the draft's apply, to
the field and to the report as it would be after the change. Readers show `current_values` with the history.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from server.audit.operations import audit_record
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.centre.operations import centre_by_id
from server.database import db
from server.errors import Conflict, ProblemCollector
from server.incidents.models import IncidentAmendment, IncidentReport
from server.incidents.operations.reports import is_locked, lock_row
from server.incidents.values import AMENDABLE, check_together, check_values, parse_plain, plain, report_values

AMENDMENT_FIELDS = ("report_id", "field", "old_value", "new_value", "reason", "amended_at")
MAX_REASON = 500


def amendments_of(report_ids: list[int]) -> dict[int, list[IncidentAmendment]]:
    """Each report's amendments, oldest first."""
    found: dict[int, list[IncidentAmendment]] = {i: [] for i in report_ids}
    if report_ids:
        for row in db.session.execute(select(IncidentAmendment).where(IncidentAmendment.report_id.in_(report_ids))
                                      .order_by(IncidentAmendment.amended_at, IncidentAmendment.id)).scalars():
            found[row.report_id].append(row)
    return found


def current_values(report: IncidentReport, amendments: list[IncidentAmendment]) -> dict[str, Any]:
    """The report's fields with every amendment applied, in order."""
    values = report_values(report)
    for row in amendments:
        values[row.field] = parse_plain(row.field, row.new_value)
    return values


def amend_report(report: IncidentReport, *, field: str, value: Any, reason: str, actor: Actor,
                 now: datetime) -> IncidentAmendment:
    """Correct one field of a locked report (with the reason); 409 on a draft or when nothing changes."""
    authorise(actor, Perm.INCIDENTS_WRITE, report.centre_id, now)
    lock_row(report)
    if not is_locked(report):
        raise Conflict(_l("This report is still a draft: change it directly"), code="not_locked")
    problems = ProblemCollector()
    why = (reason or "").strip()
    if not why:
        problems.add("required", _l("Say why it is corrected"), "reason")
    elif len(why) > MAX_REASON:
        problems.add("too_long", _l("At most %(most)s characters.", most=MAX_REASON), "reason")
    if field not in AMENDABLE:
        problems.add("not_amendable", _l("This field cannot be corrected"), "field")
        problems.raise_if_any()
    checked = check_values(centre_by_id(report.centre_id), {field: value}, problems, now, fields=AMENDABLE)
    current = current_values(report, amendments_of([report.id])[report.id])
    after = current | checked
    check_together(after, problems)
    if field in ("occurred_at", "injury_type") and after.get(field) is None:
        problems.add("required", _l("This is required."), field)
    problems.raise_if_any()
    old, new = plain(field, current.get(field)), plain(field, checked[field])
    if old == new:
        raise Conflict(_l("The new value is the same as the current one"), code="no_change")
    row = IncidentAmendment(centre_id=report.centre_id, report_id=report.id, field=field, old_value=old,
                            new_value=new, reason=why, amended_at=now, amended_by_id=actor.user_id)
    db.session.add(row)
    db.session.flush()
    audit_record(row, "incident_amendment.amend", None, AMENDMENT_FIELDS, actor=actor, now=now)
    return row
