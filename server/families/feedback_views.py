"""The feedback screens: the guardian's questionnaire and complaints, the director's aggregates and handling.

The guardian's pages are phone-first; the director's are desk pages.

Thin: each form calls the same operation as the API. Routes on the `families` blueprint (server/families/views.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from compliance.feedback import complaint_categories, min_responses, rating_items
from compliance.period import add_months
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.auth.session import refuse_form
from server.centre.models import Centre
from server.centre.rules import effective_rules
from server.centre.timezones import centre_today
from server.database import db
from server.errors import Conflict, Forbidden, NotFound, Problem, ValidationFailed, problems_by_field
from server.families.family import guardian_children
from server.families.operations import complaints as complaint_ops
from server.families.operations import ratings as rating_ops
from server.families.settings import app_secret
from server.families.views import _page, bp
from server.i18n import is_chinese
from server.people.models import Child

PROBLEM_TEXTS = {"too_long": _l("This is too long."), "bad_choice": _l("Choose one of the options.")}
MONTHS_SHOWN = 6


def category_name(key: str) -> str:
    """A complaint category in the reader's language."""
    zh, en = complaint_ops.category_names(key)
    return zh if is_chinese() else en


def _items() -> list[tuple[str, str, str]]:
    """(key, name, question) of each rating item in the reader's language."""
    zh = is_chinese()
    return [(i.key, i.zh if zh else i.en, i.question_zh if zh else i.question_en) for i in rating_items()]


def _run(change: Callable[[], object], *, back: str, render: Callable[[dict[str, str], dict[str, list[str]], int],
                                                                      ResponseReturnValue],
         done: str, message: str) -> ResponseReturnValue:
    """Run a form's operation: refused → 403; problems → the page again with the form kept; else back with a flash."""
    try:
        change()
    except Forbidden as exc:
        return refuse_form(exc, back=back)
    except ValidationFailed as exc:
        db.session.rollback()
        return render(request.form.to_dict(), problems_by_field(exc.problems, PROBLEM_TEXTS), 422)
    except Conflict as exc:
        db.session.rollback()
        return render(request.form.to_dict(), problems_by_field([Problem(exc.code, exc.message, "")], PROBLEM_TEXTS),
                      409)
    flash(message)
    return redirect(done)


# ---- the guardian's questionnaire -------------------------------------------------------------------------------

def _survey_page(centre: Centre, actor: Actor, now: datetime, form: dict[str, str] | None = None,
                 errors: dict[str, list[str]] | None = None, status: int = 200) -> ResponseReturnValue:
    found = rating_ops.survey(centre, secret=app_secret(), actor=actor, now=now)
    return render_template("families/survey.html", centre=centre, survey=found, items=_items(),
                           scores=list(range(1, (found.top or 0) + 1)), form=form or {}, errors=errors or {},
                           max_comment=rating_ops.MAX_COMMENT, minimum=_minimum(centre, now)), status


@bp.get("/centres/<string:code>/family/survey")
@login_required
def survey(code: str) -> ResponseReturnValue:
    """The month's questionnaire: one big 1–5 choice per item and a comment; "submitted" once the family answered."""
    centre, actor, now = _page(code)
    return _survey_page(centre, actor, now)


@bp.post("/centres/<string:code>/family/survey")
@login_required
def submit_survey(code: str) -> ResponseReturnValue:
    """Answer this month's questionnaire (anonymous)."""
    centre, actor, now = _page(code)
    back = url_for("families.survey", code=centre.code)

    def change() -> object:
        answers: dict[str, object] = {}
        for key, _name, _question in _items():
            raw = request.form.get(f"answers.{key}", "").strip()
            answers[key] = int(raw) if raw.isdigit() and len(raw) <= 2 else (raw or None)
        return rating_ops.submit_rating(centre, answers=answers, comment=request.form.get("comment"),
                                        secret=app_secret(), actor=actor, now=now)

    return _run(change, back=back, done=back, message=_("Thank you: your answers are recorded"),
                render=lambda form, errors, status: _survey_page(centre, actor, now, form, errors, status))


# ---- the guardian's complaints -------------------------------------------------------------------------------------

def _family_complaints_page(centre: Centre, actor: Actor, now: datetime, form: dict[str, str] | None = None,
                            errors: dict[str, list[str]] | None = None, status: int = 200) -> ResponseReturnValue:
    found = complaint_ops.family_complaints(centre, actor=actor, now=now)
    children = guardian_children(actor, centre.id, on=centre_today(centre, now))
    return render_template("families/family_complaints.html", centre=centre, lines=found, children=children,
                           categories=[(k, category_name(k)) for k in complaint_categories()],
                           category_name=category_name, form=form or {}, errors=errors or {},
                           max_text=complaint_ops.MAX_TEXT), status


@bp.get("/centres/<string:code>/family/complaints")
@login_required
def family_complaints(code: str) -> ResponseReturnValue:
    """The family's complaints with the centre's answers and their status, and the form for a new one."""
    centre, actor, now = _page(code)
    authorise(actor, Perm.FAMILY_WRITE, centre.id, now)
    return _family_complaints_page(centre, actor, now)


@bp.post("/centres/<string:code>/family/complaints")
@login_required
def make_complaint(code: str) -> ResponseReturnValue:
    """Make a complaint (the director is alerted)."""
    centre, actor, now = _page(code)
    back = url_for("families.family_complaints", code=centre.code)

    def change() -> object:
        raw = request.form.get("child_id", "").strip()
        child_id = int(raw) if raw.isdigit() and len(raw) <= 10 else None
        if raw and child_id is None:
            raise ValidationFailed([Problem("unknown_child", _l("Choose one of your children"), "child_id")])
        return complaint_ops.file_complaint(centre, category=request.form.get("category", ""),
                                            text=request.form.get("text", ""), child_id=child_id, actor=actor, now=now)

    return _run(change, back=back, done=back, message=_("Your complaint is received; the director will answer"),
                render=lambda form, errors, status: _family_complaints_page(centre, actor, now, form, errors, status))


# ---- the director's feedback ---------------------------------------------------------------------------------------

def _month_arg(name: str, default: date) -> date:
    raw = request.args.get(name, "")
    try:
        day = date.fromisoformat(f"{raw}-01") if raw else default
    except ValueError:
        return default
    return day if date(2000, 1, 1) <= day <= date(2100, 12, 1) else default


@bp.get("/centres/<string:code>/feedback")
@login_required
def feedback(code: str) -> ResponseReturnValue:
    """Parents' ratings by month and item (hidden below the minimum of responses) and every complaint."""
    centre, actor, now = _page(code)
    authorise(actor, Perm.FEEDBACK_READ, centre.id, now)
    this_month = centre_today(centre, now).replace(day=1)
    last = _month_arg("to", this_month)
    first = min(_month_arg("from", add_months(last, -(MONTHS_SHOWN - 1))), last)
    months = rating_ops.rating_summary(centre, first=first, last=last, actor=actor, now=now)
    zh = is_chinese()
    return render_template("families/feedback.html", centre=centre, months=list(reversed(months)), first=first,
                           last=last, item_names={i.key: i.zh if zh else i.en for i in rating_items()},
                           complaints=complaint_ops.centre_complaints(centre, actor=actor, now=now),
                           category_name=category_name, minimum=_minimum(centre, now))


def _minimum(centre: Centre, now: datetime) -> int | None:
    return min_responses(effective_rules(centre, centre_today(centre, now)))


def _complaint_page(centre: Centre, complaint_id: int, actor: Actor, now: datetime, form: dict[str, str] | None = None,
                    errors: dict[str, list[str]] | None = None, status: int = 200) -> ResponseReturnValue:
    authorise(actor, Perm.FEEDBACK_READ, centre.id, now)
    row = complaint_ops.get_complaint(complaint_id, actor=actor, now=now)
    if row.centre_id != centre.id:
        raise NotFound()
    line = complaint_ops.complaint_line(row, now)
    child = None
    if row.child_id is not None:
        child = db.session.get(Child, row.child_id)
    return render_template("families/complaint.html", centre=centre, line=line, child=child,
                           category_name=category_name, form=form or {}, errors=errors or {},
                           may_manage=actor.can(Perm.FEEDBACK_MANAGE, centre.id, now),
                           max_text=complaint_ops.MAX_TEXT), status


@bp.get("/centres/<string:code>/feedback/complaints/<int:complaint_id>")
@login_required
def complaint(code: str, complaint_id: int) -> ResponseReturnValue:
    """One complaint: what was said, when; the answer and the closing, each timed; the forms for the next step."""
    centre, actor, now = _page(code)
    return _complaint_page(centre, complaint_id, actor, now)


def _step(code: str, complaint_id: int, step: Callable[[complaint_ops.Complaint, Actor, datetime], object],
          message: str) -> ResponseReturnValue:
    centre, actor, now = _page(code)
    back = url_for("families.complaint", code=centre.code, complaint_id=complaint_id)

    def change() -> object:
        row = complaint_ops.get_complaint(complaint_id, actor=actor, now=now)
        if row.centre_id != centre.id:
            raise NotFound()
        return step(row, actor, now)

    return _run(change, back=back, done=back, message=message,
                render=lambda form, errors, status: _complaint_page(centre, complaint_id, actor, now, form, errors,
                                                                    status))


@bp.post("/centres/<string:code>/feedback/complaints/<int:complaint_id>/answer")
@login_required
def answer_complaint(code: str, complaint_id: int) -> ResponseReturnValue:
    """Answer the complaint (the family is notified)."""
    return _step(code, complaint_id, lambda row, actor, now: complaint_ops.answer_complaint(
        row, text=request.form.get("text", ""), actor=actor, now=now), _("The answer is sent to the family"))


@bp.post("/centres/<string:code>/feedback/complaints/<int:complaint_id>/close")
@login_required
def close_complaint(code: str, complaint_id: int) -> ResponseReturnValue:
    """Close the answered complaint with its outcome."""
    return _step(code, complaint_id, lambda row, actor, now: complaint_ops.close_complaint(
        row, outcome=request.form.get("outcome", ""), actor=actor, now=now), _("The complaint is closed"))
