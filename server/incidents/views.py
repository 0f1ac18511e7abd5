"""Incident pages of staff: the office list, the report form, the detail, the amend form, the CCTV retention.

The report form has the body map (the room tablet, 1280×800); the detail shows signatures, the review, the
amendments and the guardians' notice.

Each form calls the same operation as the API, so a locked report refuses the draft form with 409 as the API
does. The office list shows every report still missing a signature, the review or the acknowledgement first
(filters: ?show=witness|review|acknowledgement|overdue|drafts); a caregiver sees their own drafts on top.
"""

from __future__ import annotations

from datetime import datetime

from flask import flash, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from compliance.incidents import footage_probably_overwritten, injury_type, region_names
from server.audit.operations import log_access
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.auth.session import current_actor
from server.care.medication.doses import staff_of_actor
from server.centre.models import Centre, Room
from server.centre.operations import get_centre
from server.clock import utcnow
from server.database import db
from server.errors import NotFound
from server.extensions import limiter
from server.i18n import is_chinese
from server.incidents import amend_views as _amend_views  # noqa: F401 - the amend form, same blueprint
from server.incidents import family_views as _family_views  # noqa: F401 - the family's page, same blueprint
from server.incidents.api import PIN_LIMIT, line_of, pin_refused, sign
from server.incidents.lines import ReportLine, report_lines
from server.incidents.models import IncidentReport, ReportStage, SignerRole, Treatment
from server.incidents.operations import cctv, reports, signing
from server.incidents.pages import (
    FIELD_LABELS,
    body_map_context,
    bp,
    choices,
    form_of,
    label,
    local,
    local_input,
    report_for,
    run,
    values_from_form,
)
from server.people.models import Child
from server.people.operations import get_child

__all__ = ["bp"]
FILTERS = {"witness": ReportStage.AWAITING_WITNESS, "review": ReportStage.AWAITING_REVIEW,
           "acknowledgement": ReportStage.AWAITING_ACKNOWLEDGEMENT, "drafts": ReportStage.DRAFT}


def _centre(code: str, perm: Perm) -> tuple[Centre, Actor, datetime]:
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    authorise(actor, perm, centre.id, now)
    authorise(actor, Perm.CHILDREN_ALL, centre.id, now)  # staff pages: never a guardian
    return centre, actor, now





def _kind_name(key: str | None) -> str:
    kind = injury_type(key or "")
    return (kind.zh if is_chinese() else kind.en) if kind else ""


@bp.get("/centres/<string:code>/incidents")
@login_required
def office_list(code: str) -> ResponseReturnValue:
    """Every report, those still missing a step first; filters by stage and overdue; my drafts on top."""
    centre, actor, now = _centre(code, Perm.INCIDENTS_READ)
    lines = report_lines(centre, reports.centre_reports(centre.id, actor=actor, now=now), now)
    show = request.args.get("show", "")
    if show in FILTERS:
        lines = [x for x in lines if x.stage is FILTERS[show]]
    elif show == "overdue":
        lines = [x for x in lines if x.overdue]
    lines.sort(key=lambda x: (not x.overdue, not x.waiting, -x.report.occurred_at.timestamp()))
    mine = [x for x in lines if x.stage is ReportStage.DRAFT and x.report.created_by_id == actor.user_id]
    retention = cctv.current_retention(centre.id)
    return render_template("incidents/list.html", centre=centre, lines=lines, mine=mine, show=show,
                           filters=list(FILTERS) + ["overdue"], label=label, kind_name=_kind_name,
                           local=lambda i: local(centre, i), retention=retention,
                           may_write=actor.can(Perm.INCIDENTS_WRITE, centre.id, now),
                           may_review=actor.can(Perm.INCIDENTS_REVIEW, centre.id, now))


def _form_page(centre: Centre, now: datetime, *, report: IncidentReport | None, form: dict[str, list[str]],
               errors: dict[str, list[str]], children: list[Child]) -> str:
    return render_template("incidents/form.html", centre=centre, report=report, form=form, errors=errors,
                           children=children, **choices(centre, now))


def _blank(centre: Centre, now: datetime) -> dict[str, list[str]]:
    child = request.args.get("child_id", "")
    return {"occurred_at": [local_input(centre, now)], "child_id": [child] if child.isdigit() else [],
            "treatment": [Treatment.NONE.value]}


def _children(centre: Centre) -> list[Child]:
    return list(db.session.execute(select(Child).where(Child.centre_id == centre.id, Child.left_on.is_(None))
                                   .order_by(Child.room_id, Child.name)).scalars())


@bp.get("/centres/<string:code>/incidents/new")
@login_required
def new_report(code: str) -> ResponseReturnValue:
    """The report form (tablet): tap the child, the type, the regions on the body map; time defaults to now."""
    centre, _actor, now = _centre(code, Perm.INCIDENTS_WRITE)
    return _form_page(centre, now, report=None, form=_blank(centre, now), errors={}, children=_children(centre))


@bp.post("/centres/<string:code>/incidents")
@login_required
def create_report(code: str) -> ResponseReturnValue:
    """Keep the draft and go to it (to sign); problems per field with what was typed kept."""
    centre, actor, now = _centre(code, Perm.INCIDENTS_WRITE)
    created: list[IncidentReport] = []

    def change() -> None:
        raw = request.form.get("child_id", "")
        child = get_child(int(raw), actor=actor, now=now, log=False) if raw.isdigit() and len(raw) < 10 else None
        if child is None or child.centre_id != centre.id:
            raise NotFound()
        values = {k: v for k, v in values_from_form(centre).items() if v not in (None, "", [])}
        created.append(reports.create_draft(child, values=values, actor=actor, now=now))
        flash(_("Draft kept: check it, then sign"))

    def render(form: dict[str, list[str]], errors: dict[str, list[str]]) -> str:
        return _form_page(centre, now, report=None, form=form, errors=errors, children=_children(centre))
    return run(change, back=url_for("incidents.office_list", code=code), render=render,
               done=lambda: url_for("incidents.report_page", report_id=created[0].id))



@bp.get("/incidents/<int:report_id>/edit")
@login_required
def edit_report(report_id: int) -> ResponseReturnValue:
    """The draft's form again (409 once locked: amend it instead)."""
    centre, report, _actor, now = report_for(report_id, Perm.INCIDENTS_WRITE)
    if reports.is_locked(report):
        flash(_("This report is signed and locked: correct it with an amendment"))
        return report_page(report_id), 409
    child = db.session.get(Child, report.child_id)
    return _form_page(centre, now, report=report, form=form_of(centre, report), errors={},
                      children=[child] if child else [])


@bp.post("/incidents/<int:report_id>/edit")
@login_required
def update_report(report_id: int) -> ResponseReturnValue:
    """Change the draft (the operation refuses a locked report: 409)."""
    centre, report, actor, now = report_for(report_id, Perm.INCIDENTS_WRITE)
    child = db.session.get(Child, report.child_id)

    def change() -> None:
        reports.update_draft(report, values=values_from_form(centre), actor=actor, now=now)
        flash(_("Draft saved"))

    def render(form: dict[str, list[str]], errors: dict[str, list[str]]) -> str:
        return _form_page(centre, now, report=report, form=form, errors=errors, children=[child] if child else [])
    return run(change, back=url_for("incidents.report_page", report_id=report_id), render=render,
               done=url_for("incidents.report_page", report_id=report_id))


def _detail(centre: Centre, line: ReportLine, actor: Actor, now: datetime,
            errors: dict[str, list[str]] | None = None, form: dict[str, list[str]] | None = None) -> str:
    """The report page; after a refused form, with what was typed (`form`) and the problems (`errors`)."""
    report = line.report
    health = actor.can(Perm.HEALTH_READ, centre.id, now)
    if health:
        log_access(centre_id=centre.id, user_id=actor.user_id, action="read", object_type="incident_treatment",
                   object_id=report.id, now=now)
    me = staff_of_actor(centre.id, actor)
    retention = cctv.current_retention(centre.id)
    until = line.values.get("cctv_until")
    rooms = dict(db.session.execute(select(Room.id, Room.name).where(Room.centre_id == centre.id)).all())
    return render_template(
        "incidents/detail.html", centre=centre, line=line, report=report, values=line.values, health=health,
        label=label, kind_name=_kind_name, local=lambda i: local(centre, i), rooms=rooms, me=me,
        region_names=lambda keys: region_names(list(keys or []), chinese=is_chinese()),
        may_write=actor.can(Perm.INCIDENTS_WRITE, centre.id, now),
        may_review=actor.can(Perm.INCIDENTS_REVIEW, centre.id, now), errors=errors or {}, form=form or {},
        overwritten=until is not None and footage_probably_overwritten(until, retention.days if retention else None,
                                                                       now),
        on_duty=report.on_duty or {}, field_names=FIELD_LABELS, **body_map_context())


@bp.get("/incidents/<int:report_id>")
@login_required
def report_page(report_id: int) -> ResponseReturnValue:
    """One report: what happened, the body map, who was on duty, signatures, review, notice status, amendments."""
    centre, report, actor, now = report_for(report_id, Perm.INCIDENTS_READ)
    authorise(actor, Perm.CHILDREN_ALL, centre.id, now)
    reports.get_report(report_id, actor=actor, now=now)  # the read is logged
    return _detail(centre, line_of(report, now), actor, now)


@bp.post("/incidents/<int:report_id>/sign")
@limiter.limit(PIN_LIMIT, methods=["POST"], deduct_when=pin_refused)
@login_required
def sign_report(report_id: int) -> ResponseReturnValue:
    """Sign as reporter (the logged-in member of staff) or as the witness (their PIN on this tablet)."""
    centre, report, actor, now = report_for(report_id, Perm.INCIDENTS_WRITE)
    back = url_for("incidents.report_page", report_id=report_id)

    def change() -> None:
        role = SignerRole.WITNESS if request.form.get("role") == "witness" else SignerRole.REPORTER
        raw = request.form.get("staff_id", "")
        staff_id = int(raw) if raw.isdigit() and len(raw) < 10 else None
        if role is SignerRole.WITNESS and staff_id is None:
            staff_id = report.witness_id
        sign(report, role=role, staff_id=staff_id, pin=request.form.get("pin") or None,
             password=request.form.get("password") or None, actor=actor, now=now)
        flash(_("Signed: the report is locked") if role is SignerRole.REPORTER else _("Signed as witness"))

    def render(form: dict[str, list[str]], errors: dict[str, list[str]]) -> str:
        return _detail(centre, line_of(report, now), actor, now, errors)
    return run(change, back=back, render=render, done=back)


@bp.post("/incidents/<int:report_id>/review")
@login_required
def review_report(report_id: int) -> ResponseReturnValue:
    """The director's review (with a note): the guardians are notified and asked to acknowledge."""
    centre, report, actor, now = report_for(report_id, Perm.INCIDENTS_REVIEW)
    back = url_for("incidents.report_page", report_id=report_id)

    def change() -> None:
        signing.review_report(report, note=request.form.get("note", ""), actor=actor, now=now)
        flash(_("Reviewed: the guardians are notified"))

    def render(form: dict[str, list[str]], errors: dict[str, list[str]]) -> str:
        return _detail(centre, line_of(report, now), actor, now, errors, form)
    return run(change, back=back, render=render, done=back)


@bp.post("/centres/<string:code>/incidents/cctv-retention")
@login_required
def record_retention(code: str) -> ResponseReturnValue:
    """The director records how many days the recorder keeps footage."""
    centre, actor, now = _centre(code, Perm.INCIDENTS_REVIEW)
    back = url_for("incidents.office_list", code=code)

    def change() -> None:
        raw = request.form.get("days", "").strip()
        cctv.record_retention(centre.id, days=int(raw) if raw.isdigit() and len(raw) < 6 else -1,
                              note=request.form.get("note"), actor=actor, now=now)
        flash(_("CCTV retention recorded"))

    def render(form: dict[str, list[str]], errors: dict[str, list[str]]) -> ResponseReturnValue:
        for texts in errors.values():
            for text in texts:
                flash(text)
        return office_list(code)
    return run(change, back=back, render=render, done=back)
