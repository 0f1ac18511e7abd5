"""How the staff screens run a posted form: one operation; refused → 403 in the layout; problems → 422, form kept."""

from __future__ import annotations

from collections.abc import Callable

from flask import redirect, request
from flask.typing import ResponseReturnValue

from server.auth.session import refuse_form
from server.database import db
from server.errors import Conflict, Forbidden, Problem, ValidationFailed, problems_by_field
from server.people.views import PROBLEM_TEXTS, FormReader

__all__ = ["FormReader", "run_form"]

Render = Callable[[dict[str, str], dict[str, list[str]]], ResponseReturnValue]


def run_form(change: Callable[[FormReader], object], *, back: str, render: Render,
             done: str | None = None) -> ResponseReturnValue:
    """Run `change`; on success go to `done` (or `back`); `render(form, errors)` answers the page again on problems.

    A conflict (already corrected, already cancelled…) is shown like a problem of the whole form.
    """
    form = FormReader()
    try:
        change(form)
    except Forbidden as exc:
        return refuse_form(exc, back=back)
    except ValidationFailed as exc:
        db.session.rollback()
        return render(request.form.to_dict(), problems_by_field(exc.problems, PROBLEM_TEXTS)), 422
    except Conflict as exc:
        db.session.rollback()
        return render(request.form.to_dict(), problems_by_field([Problem(exc.code, exc.message, "")], PROBLEM_TEXTS)), 409
    return redirect(done or back)
