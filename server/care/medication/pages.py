"""What the medication pages share: the blueprint, reading the request form's fields, running one operation.

Staff pages (`views`) and the family's phone pages (`family_views`) register on the one `medication`
blueprint, so their endpoints read `medication.dose_form`, `medication.family_sign`… as the tablet and the
notices link to them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Blueprint, redirect, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from server.auth.session import refuse_form
from server.care.medication import doses
from server.care.medication.consents import limits_for
from server.centre.models import Centre
from server.centre.timezones import centre_today, centre_zone
from server.database import db
from server.errors import Conflict, Forbidden, Problem, ValidationFailed, problems_by_field
from server.i18n import is_chinese
from server.people.views import PROBLEM_TEXTS, FormReader

bp = Blueprint("medication", __name__)
TIME_SLOTS = 4  # time fields on a request form
PIN_FIELD = "witness_pin"
ROUTES = (_l("oral"), _l("topical"), _l("eye drops"), _l("ear drops"), _l("nose drops"), _l("inhaled"))
UNITS = ("ml", "mg", _l("pill"), _l("drop"), _l("sachet"))
TEXTS = {**PROBLEM_TEXTS, "required": _l("This is required."),
         "not_guardian": _l("Only a guardian of the child may sign")}
Render = Callable[[dict[str, list[str]], dict[str, list[str]], list[str]], ResponseReturnValue]


def local(centre: Centre, instant: datetime) -> str:
    """An instant as the centre's local "YYYY-MM-DD HH:MM"."""
    return instant.astimezone(centre_zone(centre)).strftime("%Y-%m-%d %H:%M")


def refusal_texts(exc: doses.DoseRefused) -> list[str]:
    return [r.zh if is_chinese() else r.en for r in exc.refusals]


def run(change: Callable[[FormReader], Any], *, back: str, render: Render, done: str | Callable[[], str]
        ) -> ResponseReturnValue:
    """One operation; refused → 403 page; problems → 422 with the form kept; a refused dose → 422, reasons listed."""
    form = FormReader()
    try:
        change(form)
    except Forbidden as exc:
        return refuse_form(exc, back=back)
    except doses.DoseRefused as exc:
        db.session.rollback()
        return render(request.form.to_dict(flat=False), {}, refusal_texts(exc)), 422
    except ValidationFailed as exc:
        db.session.rollback()
        return render(request.form.to_dict(flat=False), problems_by_field(exc.problems, TEXTS), []), 422
    except Conflict as exc:
        db.session.rollback()
        return render(request.form.to_dict(flat=False), problems_by_field([Problem(exc.code, exc.message, "")]), []), 409
    return redirect(done() if callable(done) else done)


def next_page() -> str | None:
    """Where to go after a form (`?next=`, e.g. back to the room tablet): a path of this site only."""
    target = request.args.get("next", "")
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def first(form: dict[str, list[str]], name: str, default: str = "") -> str:
    values = form.get(name) or [default]
    return values[0]


def decimal_field(form: FormReader, name: str) -> Decimal | None:
    raw = request.form.get(name, "").strip()
    try:
        value = Decimal(raw)
    except InvalidOperation:
        form.problems.append(Problem("bad_dose", _l("Enter the dose as a number"), name))
        return None
    if not value.is_finite() or value <= 0 or value > 100_000:
        form.problems.append(Problem("bad_dose", _l("The dose must be more than 0"), name))
        return None
    return value


def time_fields(form: FormReader) -> list[time]:
    out = []
    for raw in request.form.getlist("times"):
        if raw.strip():
            try:
                out.append(time.fromisoformat(raw.strip()[:5]))
            except ValueError:
                form.problems.append(Problem("bad_time", _l("Times are local HH:MM"), "times"))
    return out


def small_int(form: FormReader, name: str) -> int | None:
    raw = request.form.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 4:
        form.problems.append(Problem("bad_choice", "", name))
        return None
    return int(raw)


def terms_from_form(form: FormReader) -> dict[str, Any]:
    """The request's terms as typed (drug, dose, route, times, days, window, daily count, note); problems noted."""
    dose, times = decimal_field(form, "dose"), time_fields(form)
    first_day, last_day = form.day("first_day", required=True), form.day("last_day", required=True)
    window, daily = small_int(form, "window_minutes"), small_int(form, "max_doses_per_day")
    return {"drug": request.form.get("drug", ""), "dose": dose, "dose_unit": request.form.get("dose_unit", ""),
            "route": request.form.get("route", ""), "times": times, "first_day": first_day, "last_day": last_day,
            "window_minutes": window, "max_doses_per_day": daily, "note": form.text("note")}


def terms_context(centre: Centre, now: datetime, values: dict[str, list[str]]) -> dict[str, Any]:
    """What a request form shows: the rulebook's window range and count, the unit and route choices, time slots."""
    limits = limits_for(centre.id, centre_today(centre, now))
    times = (values.get("times") or []) + [""] * TIME_SLOTS
    return {"times": times[:TIME_SLOTS], "routes": [str(r) for r in ROUTES], "units": [str(u) for u in UNITS],
            "window_range": (limits.narrowest_window, limits.window_minutes), "max_times": limits.max_times,
            "first": lambda name, default="": first(values, name, default)}


def blank_terms(centre: Centre, now: datetime) -> dict[str, list[str]]:
    """A new request form's values: today to today, the rulebook's window."""
    today = centre_today(centre, now)
    limits = limits_for(centre.id, today)
    return {"first_day": [today.isoformat()], "last_day": [today.isoformat()],
            "window_minutes": [str(limits.window_minutes)]}
