"""The guardian's page of a report, on a phone (390×844), reached from the `incident.report` notice.

What happened, where, the body map, the first aid and the treatment, and "我已知晓" — the notice's
acknowledgement. Guardians only (staff read reports in the office), and only for their own children once the
director reviewed the report (otherwise 404).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required

from compliance.incidents import injury_type, region_names
from server.auth.session import current_actor, refuse_form
from server.centre.models import Room
from server.centre.operations import get_centre
from server.clock import utcnow
from server.database import db
from server.errors import Conflict, Forbidden, NotFound
from server.i18n import is_chinese
from server.incidents.lines import report_lines
from server.incidents.models import LABELS
from server.incidents.operations.family import acknowledge_report, family_report
from server.incidents.pages import body_map_context, bp, local


def _page(code: str, child_id: int, report_id: int, error: str | None = None, status: int = 200
          ) -> ResponseReturnValue:
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    report, _review = family_report(report_id, actor=actor, now=now)
    if report.centre_id != centre.id or report.child_id != child_id:
        raise NotFound()
    line = report_lines(centre, [report], now)[0]
    room = db.session.get(Room, line.values["room_id"]) if line.values.get("room_id") else None
    where = "；".join(x for x in (room.name if room else "", line.values.get("place") or "") if x)
    kind = injury_type(line.values.get("injury_type") or "")
    chinese = is_chinese()
    return render_template(
        "incidents/family_report.html", centre=centre, line=line, values=line.values,
        kind_name=(kind.zh if chinese else kind.en) if kind else "",
        region_list=region_names(list(line.values.get("body_regions") or []), chinese=chinese),
        label=lambda v: (LABELS[v][0] if chinese else LABELS[v][1]) if v in LABELS else "",
        local=lambda i: local(centre, i), error=error, where=where,
        acknowledged=line.notice is not None and line.notice.acknowledgement is not None,
        **body_map_context()), status


@bp.get("/centres/<string:code>/family/children/<int:child_id>/incidents/<int:report_id>")
@login_required
def family_report_page(code: str, child_id: int, report_id: int) -> ResponseReturnValue:
    """The report as the family reads it, with the acknowledge button while it waits for one."""
    return _page(code, child_id, report_id)


@bp.post("/centres/<string:code>/family/children/<int:child_id>/incidents/<int:report_id>/acknowledge")
@login_required
def family_acknowledge(code: str, child_id: int, report_id: int) -> ResponseReturnValue:
    """The guardian has read the report: the notice is acknowledged, reminders stop."""
    actor, now = current_actor(), utcnow()
    back = url_for("incidents.family_report_page", code=code, child_id=child_id, report_id=report_id)
    try:
        centre = get_centre(code, actor=actor, now=now)
        report, review = family_report(report_id, actor=actor, now=now)
        if report.centre_id != centre.id or report.child_id != child_id:
            raise NotFound()
        acknowledge_report(report, review, actor=actor, now=now)
    except NotFound:
        abort(404)
    except Forbidden as exc:
        return refuse_form(exc, back=back)
    except Conflict as exc:
        db.session.rollback()
        return _page(code, child_id, report_id, error=str(exc.message), status=409)
    flash(_("Thank you: the centre sees that you have read it"))
    return redirect(back)
