"""The preparedness pages' blueprint and what every page shares: the centre, the caller, the time, form errors.

The pages themselves: plans_views, drills_views, fire_checks_views, supplies_views (gathered by preparedness_views).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, request
from flask_babel import lazy_gettext as _l

from server.apispec import MAX_ID
from server.auth.actor import Actor
from server.auth.session import current_actor
from server.centre.models import Centre
from server.centre.operations import get_centre
from server.clock import utcnow
from server.errors import ProblemCollector

bp = Blueprint("preparedness", __name__)


def page(code: str) -> tuple[Centre, Actor, datetime]:
    actor, now = current_actor(), utcnow()
    return get_centre(code, actor=actor, now=now), actor, now


def form_day(name: str, problems: ProblemCollector, *, default: date | None = None) -> date | None:
    """A date field of the posted form (YYYY-MM-DD); a problem when it is missing or not a date."""
    text = request.form.get(name, "").strip()
    if not text:
        if default is None:
            problems.add("required", _l("This is required."), name)
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.add("bad_date", _l("Not a valid date."), name)
        return default


def form_instant(name: str, centre: Centre, problems: ProblemCollector, *, default: datetime) -> datetime:
    """A local date-and-time field (YYYY-MM-DDTHH:MM, the centre's time zone) as an instant; default when empty."""
    text = request.form.get(name, "").strip()
    if not text:
        return default
    try:
        return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(centre.timezone))
    except ValueError:
        problems.add("bad_date", _l("Not a valid date."), name)
        return default


def form_int(name: str, problems: ProblemCollector, *, required: bool = True) -> int | None:
    text = request.form.get(name, "").strip()
    if not text:
        if required:
            problems.add("required", _l("This is required."), name)
        return None
    try:
        number = int(text)
    except ValueError:
        problems.add("not_a_number", _l("Enter a whole number."), name)
        return None
    if abs(number) > MAX_ID:  # an id or a count: never past what the database's integer columns hold
        problems.add("not_a_number", _l("Enter a whole number."), name)
        return None
    return number


def uploaded(name: str, limit: int) -> tuple[bytes, str | None] | None:
    """The bytes and name of an uploaded file field (None when nothing was chosen); read one byte past the limit."""
    file = request.files.get(name)
    if file is None or not file.filename:
        return None
    return file.stream.read(limit + 1), file.filename
