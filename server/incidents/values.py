"""The fields of a 表9 report: checking what a draft or an amendment sets, and their plain (JSON) form.

One table of fields serves the draft form, the API and amendments: `check_values` collects every problem at once
(machine code + field) and returns the values normalised; `plain` is how a value is stored in an amendment row
and shown by the API (instants in ISO, enums by value); `parse_plain` reads it back.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l

from compliance.incidents import REGION_KEYS, injury_type
from server.centre.models import Centre, Room
from server.centre.timezones import centre_today
from server.database import db
from server.errors import ProblemCollector
from server.incidents.models import IncidentReport, ToldBy, Treatment
from server.people.employment import employed_on
from server.people.models import Staff

MAX_TEXT, MAX_PLACE, MAX_CAMERA = 2000, 120, 80
INSTANTS = ("occurred_at", "guardian_told_at", "cctv_from", "cctv_until")
STAFF_IDS = ("guardian_told_by_id", "witness_id")
# What an amendment may correct (the child and the witness are who the record is about and who signs it: a
# wrong child is a new report, a wrong witness would void a signature).
AMENDABLE = ("occurred_at", "room_id", "place", "injury_type", "body_regions", "cause", "first_aid", "treatment",
             "treatment_place", "guardian_told_at", "guardian_told_how", "guardian_told_by_id", "cctv_camera",
             "cctv_from", "cctv_until")
DRAFT_FIELDS = (*AMENDABLE, "witness_id")
FUTURE_SLACK = timedelta(minutes=5)  # a tablet's clock a little ahead is not an event in the future


def plain(field: str, value: Any) -> Any:
    """A value as JSON holds it."""
    if value is None:
        return None
    if field in INSTANTS:
        return value.isoformat()
    if field == "body_regions":
        return list(value)
    if field in ("treatment", "guardian_told_how"):
        return str(value.value if hasattr(value, "value") else value)
    return value


def parse_plain(field: str, value: Any) -> Any:
    """A value read back from its plain form."""
    if value is None:
        return None
    if field in INSTANTS:
        return datetime.fromisoformat(value)
    if field == "treatment":
        return Treatment(value)
    if field == "guardian_told_how":
        return ToldBy(value)
    return value


def _text(value: Any, most: int, field: str, problems: ProblemCollector) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        problems.add("bad_value", _l("Invalid input"), field)
        return None
    text = value.strip()
    if len(text) > most:
        problems.add("too_long", _l("At most %(most)s characters.", most=most), field)
    return text or None


def _instant(value: Any, field: str, problems: ProblemCollector, now: datetime) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            value = None
    if not isinstance(value, datetime) or value.tzinfo is None:
        problems.add("bad_time", _l("Give a date and time"), field)
        return None
    if value > now + FUTURE_SLACK:
        problems.add("in_future", _l("This time is in the future"), field)
    return value


def _staff(centre: Centre, value: Any, field: str, problems: ProblemCollector, now: datetime) -> int | None:
    if value is None or value == "":
        return None
    staff = db.session.get(Staff, value) if isinstance(value, int) and 0 < value < 2**31 else None
    if staff is None or staff.centre_id != centre.id or not employed_on(staff, centre_today(centre, now)):
        problems.add("unknown_staff", _l("Choose a member of staff of this centre"), field)
        return None
    return staff.id


def _check_one(centre: Centre, field: str, value: Any, problems: ProblemCollector, now: datetime) -> Any:
    if field in INSTANTS:
        return _instant(value, field, problems, now)
    if field in STAFF_IDS:
        return _staff(centre, value, field, problems, now)
    if field == "room_id":
        room = db.session.get(Room, value) if isinstance(value, int) and 0 < value < 2**31 else None
        if value is not None and (room is None or room.centre_id != centre.id):
            problems.add("unknown_room", _l("Choose a class of this centre"), field)
            return None
        return room.id if room else None
    if field == "injury_type":
        if not isinstance(value, str) or injury_type(value) is None:
            problems.add("bad_choice", _l("Choose one of the options."), field)
            return None
        return value
    if field == "body_regions":
        regions = value if isinstance(value, list) else []
        if not isinstance(value, list) or any(r not in REGION_KEYS for r in regions):
            problems.add("unknown_region", _l("Tap the regions on the body map"), field)
            return []
        return list(dict.fromkeys(regions))  # each once, in the order tapped
    if field == "treatment":
        try:
            return Treatment(value or Treatment.NONE)
        except ValueError:
            problems.add("bad_choice", _l("Choose one of the options."), field)
            return Treatment.NONE
    if field == "guardian_told_how":
        try:
            return ToldBy(value) if value else None
        except ValueError:
            problems.add("bad_choice", _l("Choose one of the options."), field)
            return None
    most = {"place": MAX_PLACE, "treatment_place": MAX_PLACE, "cctv_camera": MAX_CAMERA}.get(field, MAX_TEXT)
    text = _text(value, most, field, problems)
    return text if field in ("place", "treatment_place", "cctv_camera") else (text or "")


def check_values(centre: Centre, values: dict[str, Any], problems: ProblemCollector, now: datetime,
                 *, fields: tuple[str, ...] = DRAFT_FIELDS) -> dict[str, Any]:
    """The given fields normalised; each problem added (unknown fields too)."""
    out = {}
    for field, value in values.items():
        if field not in fields:
            problems.add("unknown_field", _l("This field cannot be changed here"), field)
            continue
        out[field] = _check_one(centre, field, value, problems, now)
    return out


def check_together(values: dict[str, Any], problems: ProblemCollector) -> None:
    """Rules between fields of the whole report (as it would be after the change)."""
    occurred = values.get("occurred_at")
    told = values.get("guardian_told_at")
    if occurred and told and told < occurred:
        problems.add("told_before_event", _l("The guardian cannot be told before it happened"), "guardian_told_at")
    if told and not values.get("guardian_told_how"):
        problems.add("required", _l("Say how the guardian was told"), "guardian_told_how")
    start, end = values.get("cctv_from"), values.get("cctv_until")
    if (start or end) and not (start and end and values.get("cctv_camera")):
        problems.add("cctv_incomplete", _l("Give the camera and the start and end of the footage"), "cctv_camera")
    elif start and end and end <= start:
        problems.add("end_before_start", _l("The end must be after the start"), "cctv_until")
    if values.get("treatment") == Treatment.HOSPITAL and not values.get("treatment_place"):
        problems.add("required", _l("Say which hospital"), "treatment_place")


def check_complete(values: dict[str, Any], problems: ProblemCollector) -> None:
    """What 表9 needs before the reporter may sign: place, type, cause, first aid, a witness."""
    if not values.get("room_id") and not values.get("place"):
        problems.add("required", _l("Say where it happened"), "place")
    for field, text in (("cause", _l("Say what happened and why")), ("first_aid", _l("Say what first aid was given")),
                        ("witness_id", _l("Choose the witness"))):
        if not values.get(field):
            problems.add("required", text, field)


def report_values(report: IncidentReport) -> dict[str, Any]:
    """The report's own fields (as written, before any amendment)."""
    return {field: getattr(report, field) for field in DRAFT_FIELDS}
