"""The amend form of a locked report: correct one field, with the reason (409 on a draft; 422 with the form kept)."""

from __future__ import annotations

from datetime import datetime

from flask import flash, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required

from server.auth.roles import Perm
from server.centre.models import Centre
from server.incidents.api import line_of
from server.incidents.lines import ReportLine
from server.incidents.operations import amendments
from server.incidents.pages import (
    FIELD_LABELS,
    bp,
    choices,
    form_of,
    local,
    local_input,
    report_for,
    run,
    values_from_form,
)
from server.incidents.values import AMENDABLE, plain


def _amend_page(centre: Centre, line: ReportLine, now: datetime, form: dict[str, list[str]],
                errors: dict[str, list[str]]) -> str:
    return render_template("incidents/amend.html", centre=centre, line=line, report=line.report, form=form,
                           errors=errors, fields=AMENDABLE, field_names=FIELD_LABELS, local=lambda i: local(centre, i),
                           current=form_of(centre, line.report) | {
                               f: ([local_input(centre, v)] if isinstance(v, datetime) else
                                   list(v) if f == "body_regions" else ["" if v is None else str(plain(f, v))])
                               for f, v in line.values.items()},
                           **choices(centre, now))


@bp.get("/incidents/<int:report_id>/amend")
@login_required
def amend_form(report_id: int) -> ResponseReturnValue:
    """Correct one field of a locked report, with the reason."""
    centre, report, _actor, now = report_for(report_id, Perm.INCIDENTS_WRITE)
    return _amend_page(centre, line_of(report, now), now, {"field": [request.args.get("field", "cause")]}, {})


@bp.post("/incidents/<int:report_id>/amend")
@login_required
def amend_report(report_id: int) -> ResponseReturnValue:
    """Keep the amendment (409 on a draft; 422 with the form kept)."""
    centre, report, actor, now = report_for(report_id, Perm.INCIDENTS_WRITE)
    back = url_for("incidents.report_page", report_id=report_id)

    def change() -> None:
        field = request.form.get("field", "")
        value = values_from_form(centre, (field,)).get(field) if field in AMENDABLE else None
        amendments.amend_report(report, field=field, value=value, reason=request.form.get("reason", ""),
                                actor=actor, now=now)
        flash(_("Amendment kept"))

    def render(form: dict[str, list[str]], errors: dict[str, list[str]]) -> str:
        return _amend_page(centre, line_of(report, now), now, form, errors)
    return run(change, back=back, render=render, done=back)
