"""The 保健员's 表4 page: who is excluded today and until when, the cases, the report and certificate forms.

Thin: each form calls the same operation as the API, which authorises and audits; the page's read is logged
(`operations.list_cases`). Today's sick absences (attendance's, handed down by the app factory as
`tuoyu.sick_absences`) are offered as cases to report, prefilled.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from sqlalchemy import select

from server.auth.actor import Actor
from server.auth.roles import Perm
from server.auth.session import current_actor, refuse_form
from server.centre.models import Centre, Room
from server.centre.operations import get_centre
from server.centre.timezones import centre_today
from server.clock import utcnow
from server.database import db
from server.errors import Conflict, Forbidden, NotFound, Problem, ValidationFailed, problems_by_field
from server.health.illness import operations as ops
from server.health.illness.cases import excluded_children
from server.health.illness.outbreak import standing_outbreaks
from server.people.models import Child
from server.people.views import PROBLEM_TEXTS, FormReader

bp = Blueprint("illness_pages", __name__)
SICK_ABSENCES_KEY = "tuoyu.sick_absences"  # app.extensions: (centre_id, day) -> [(child_id, disease|None)]
SickAbsences = Callable[[int, date], list[tuple[int, str | None]]]
TEXTS = {code: PROBLEM_TEXTS[code] for code in ("required", "bad_date", "bad_choice", "too_long")}
SHOWN_DAYS = 90  # the page lists cases with onset in the last three months, and every exclusion still running


def _page(centre: Centre, actor: Actor, now: datetime, *, active: str = "", form: dict[str, str] | None = None,
          errors: dict[str, list[str]] | None = None) -> str:
    today = centre_today(centre, now)
    all_children = actor.can(Perm.CHILDREN_ALL, centre.id, now)
    may_write = all_children and actor.can(Perm.HEALTH_WRITE, centre.id, now)
    views = ops.list_cases(centre, actor=actor, now=now)  # authorises HEALTH_READ, scopes a guardian, logs
    visible = {v.row.child_id for v in views}
    excluded = {child_id: case for child_id, case in excluded_children(centre.id, today).items() if child_id in visible}
    roots = {v.row.id: v.case_id for v in views}
    shown = [v for v in reversed(views) if v.row.onset_on >= today - timedelta(days=SHOWN_DAYS)
             or v.row.child_id in excluded]
    children = {c.id: c for c in db.session.execute(
        select(Child).where(Child.centre_id == centre.id).order_by(Child.id)).scalars()}
    rooms = dict(db.session.execute(select(Room.id, Room.name).where(Room.centre_id == centre.id)).all())
    sick: list[tuple[Child, str | None]] = []
    provider: SickAbsences | None = current_app.extensions.get(SICK_ABSENCES_KEY)
    if may_write and provider is not None:
        recent = {v.row.child_id for v in views if v.row.onset_on >= today - timedelta(days=14)}
        sick = [(children[cid], disease) for cid, disease in provider(centre.id, today)
                if cid in children and cid not in recent]
    form = dict(form or {})
    if not active and request.args.get("child_id"):  # the "report" button of a sick absence: prefilled
        active = "report"
        form = {"child_id": request.args.get("child_id", ""), "disease": request.args.get("disease", ""),
                "onset_on": today.isoformat(), "reported_on": today.isoformat(), "excluded_from": today.isoformat(),
                "infectious": "y"}
    enrolled = [(c.id, f"{c.name}（{rooms.get(c.room_id, '')}）" if c.room_id else c.name)
                for c in children.values() if c.enrolled_on <= today and (c.left_on is None or c.left_on >= today)]
    return render_template(
        "health/illness_page.html", centre=centre, today=today, may_write=may_write, cases=shown,
        excluded=[(children.get(cid), rooms.get(case.class_id or 0, ""), case, roots.get(case.id, case.id))
                  for cid, case in excluded.items()],
        outbreaks=[(rooms.get(o.class_id, "") if isinstance(o.class_id, int) else "", o)
                   for o in standing_outbreaks(centre, today)] if all_children else [],
        children=children, rooms=rooms, sick=sick, child_options=enrolled, active=active, form=form,
        errors=errors or {})


def _centre_page(code: str) -> tuple[Centre, Actor, datetime]:
    actor, now = current_actor(), utcnow()
    return get_centre(code, actor=actor, now=now), actor, now


@bp.get("/centres/<string:code>/illness")
@login_required
def illness_page(code: str) -> ResponseReturnValue:
    """表4: excluded today (until a return certificate), the cases of the last three months, the forms."""
    centre, actor, now = _centre_page(code)
    return _page(centre, actor, now)


def _post(code: str, active: str, change: Callable[[Centre, Actor, datetime, FormReader], Any]) -> ResponseReturnValue:
    centre, actor, now = _centre_page(code)
    back = url_for("illness_pages.illness_page", code=centre.code)
    form = FormReader()
    try:
        change(centre, actor, now, form)
    except Forbidden as exc:
        return refuse_form(exc, back=back)
    except ValidationFailed as exc:
        db.session.rollback()
        return _page(centre, actor, now, active=active, form=request.form.to_dict(),
                     errors=problems_by_field(exc.problems, TEXTS)), 422
    except Conflict as exc:
        db.session.rollback()
        return _page(centre, actor, now, active=active, form=request.form.to_dict(),
                     errors=problems_by_field([Problem(exc.code, exc.message, "")], TEXTS)), 409
    return redirect(f"{back}#{active}")


@bp.post("/centres/<string:code>/illness/cases")
@login_required
def report_case(code: str) -> ResponseReturnValue:
    """Report a 表4 case (the outbreak check runs right after)."""
    def change(centre: Centre, actor: Actor, now: datetime, form: FormReader) -> None:
        child_id = form.number("child_id")
        child = db.session.get(Child, child_id) if child_id else None
        if child is None or child.centre_id != centre.id:
            form.problems.append(Problem("required" if not child_id else "bad_choice", "", "child_id"))
        onset, reported = form.day("onset_on", required=True), form.day("reported_on", required=True)
        excluded_from, excluded_until = form.day("excluded_from"), form.day("excluded_until")
        form.raise_if_any()
        assert child is not None and onset is not None and reported is not None
        ops.report_case(child, disease=request.form.get("disease", ""), infectious=form.flag("infectious"),
                        onset_on=onset, reported_on=reported, reported_to=request.form.get("reported_to", ""),
                        excluded_from=excluded_from, excluded_until=excluded_until, actor=actor, now=now)
    return _post(code, "report", change)


@bp.post("/centres/<string:code>/illness/cases/<int:illness_case_id>/certificate")
@login_required
def record_certificate(code: str, illness_case_id: int) -> ResponseReturnValue:
    """Record a return certificate: the child may come back from its day."""
    def change(centre: Centre, actor: Actor, now: datetime, form: FormReader) -> None:
        case = ops.get_case(illness_case_id, Perm.HEALTH_WRITE, actor=actor, now=now)
        if case.centre_id != centre.id:
            raise NotFound()
        on = form.day("on", required=True)
        form.raise_if_any()
        assert on is not None
        ops.record_return_certificate(case, on=on, issuer=request.form.get("issuer", ""), actor=actor, now=now)
    return _post(code, f"certificate-{illness_case_id}", change)
