"""JSON API of staff files on the people side: a person's file, line managers, history and the 禁入名单.

The employment history is exported for a safeguarding case. Who may hire keeps the list and reads the histories.
"""

from __future__ import annotations

import codecs
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response
from pydantic import Field

from server.apispec import Day, Id, Schema, responses, spec
from server.auth.actor import authorise
from server.auth.roles import Perm
from server.auth.session import current_actor
from server.centre.operations import get_centre
from server.centre.timezones import centre_today, centre_today_by_id
from server.clock import utcnow
from server.database import db
from server.errors import NotFound
from server.people import ban_list, employment
from server.people import operations as ops
from server.people.api import StaffOut
from server.people.idnumber import mask_id_number
from server.people.models import Staff, StaffRole
from server.people.staff_models import BanSource, EmploymentEventKind

bp = Blueprint("staff_records_api", __name__, url_prefix="/api/v1")


class StaffPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=60)
    role: StaffRole | None = None
    phone: str | None = Field(None, max_length=32)
    home_room_id: Id | None = None
    left_on: Day | None = None
    id_number: str | None = Field(None, max_length=24)
    effective_on: Day | None = None  # when a role or class change takes effect (default: today)


class ManagerIn(Schema):
    manager_id: Id | None  # null: no line manager from that day
    effective_on: Day


class EventOut(Schema):
    id: int
    kind: EmploymentEventKind
    kind_label: str
    effective_on: date
    role: str | None
    role_label: str | None
    home_room_id: int | None
    home_room: str | None
    manager_id: int | None
    manager: str | None
    left_on: date | None
    recorded_at: datetime
    recorded_by: str | None


class HistoryStaffOut(Schema):
    id: int
    name: str
    role: str
    id_number_masked: str | None
    hired_on: date
    left_on: date | None


class HistoryOut(Schema):
    staff: HistoryStaffOut
    events: list[EventOut]


class ManagersQuery(Schema):
    on: Day


class ManagersOut(Schema):
    on: date
    managers: list[StaffOut]  # direct line manager first, then up the line


class BanIn(Schema):
    name: str = Field(min_length=1, max_length=60)
    id_number: str = Field(min_length=1, max_length=24)
    reason: str = Field(min_length=1, max_length=2000)
    source: BanSource
    decided_on: Day
    is_lifetime: bool
    until: Day | None = None


class LiftIn(Schema):
    reason: str = Field(min_length=1, max_length=2000)
    source: BanSource
    decided_on: Day


class BanOut(Schema):
    id: int
    name: str
    id_number_masked: str
    reason: str
    source: BanSource
    decided_on: date
    is_lifetime: bool
    until: date | None
    lifts_id: int | None
    recorded_at: datetime


class BanEntryOut(Schema):
    ban: BanOut
    lifting: BanOut | None
    state: ban_list.BanState


class BanList(Schema):
    items: list[BanEntryOut]


def _ban_out(row: Any) -> BanOut:
    return BanOut(id=row.id, name=row.name, id_number_masked=mask_id_number(row.id_number) or "",
                  reason=row.reason, source=row.source, decided_on=row.decided_on, is_lifetime=row.is_lifetime,
                  until=row.until, lifts_id=row.lifts_id, recorded_at=row.recorded_at)


@bp.patch("/staff/<int:staff_id>")
@spec.validate(json=StaffPatch, resp=responses(HTTP_200=StaffOut), tags=["staff"])
def patch_staff(staff_id: int, json: StaffPatch):
    """Change a person's file; role, class and exit changes become steps of their history (audited)."""
    actor, now = current_actor(), utcnow()
    staff = ops.get_staff(staff_id, actor=actor, now=now)
    values = json.model_dump(exclude_unset=True)
    effective_on = values.pop("effective_on", None)
    # null clears an optional field; name and role ignore null.
    changes = {k: v for k, v in values.items() if v is not None or k not in ("name", "role")}
    staff = ops.update_staff(staff, changes, effective_on=effective_on, actor=actor, now=now)
    return StaffOut.model_validate(staff)


@bp.put("/staff/<int:staff_id>/manager")
@spec.validate(json=ManagerIn, resp=responses(HTTP_200=EventOut), tags=["staff"])
def set_manager(staff_id: int, json: ManagerIn):
    """Name a person's line manager (直接上级) from a day on, or none (audited; never oneself, never a loop)."""
    actor, now = current_actor(), utcnow()
    staff = ops.get_staff(staff_id, actor=actor, now=now)
    manager = None
    if json.manager_id is not None:
        manager = db.session.get(Staff, json.manager_id)
        if manager is None or manager.centre_id != staff.centre_id:
            raise NotFound(field="manager_id")
    event = employment.set_line_manager(staff, manager, effective_on=json.effective_on, actor=actor, now=now)
    return EventOut.model_validate(employment.history_rows(staff, [event])[0])


@bp.get("/staff/<int:staff_id>/managers")
@spec.validate(query=ManagersQuery, resp=responses(HTTP_200=ManagersOut), tags=["staff"])
def managers(staff_id: int, query: ManagersQuery):
    """Who managed a person on a day, up the line (for a safeguarding case)."""
    actor, now = current_actor(), utcnow()
    staff = ops.get_staff(staff_id, actor=actor, now=now)
    authorise(actor, Perm.STAFF_WRITE, staff.centre_id, now)
    people = employment.managers_on(staff.id, query.on)
    return ManagersOut(on=query.on, managers=[StaffOut.model_validate(p) for p in people])


@bp.get("/staff/<int:staff_id>/history")
@spec.validate(resp=responses(HTTP_200=HistoryOut), tags=["staff"])
def history(staff_id: int):
    """A person's employment history: hire, role and class changes, line managers, exit (the read is logged)."""
    actor, now = current_actor(), utcnow()
    staff = ops.get_staff(staff_id, actor=actor, now=now)
    return HistoryOut.model_validate(employment.history_export(staff, actor=actor, now=now))


@bp.get("/staff/<int:staff_id>/history.csv")
@spec.validate(resp=responses("HTTP_200"), tags=["staff"])
def history_csv(staff_id: int):
    """The same history as CSV (Chinese headers, UTF-8 with BOM for spreadsheet programs)."""
    actor, now = current_actor(), utcnow()
    staff = ops.get_staff(staff_id, actor=actor, now=now)
    export = employment.history_export(staff, actor=actor, now=now)
    body = codecs.BOM_UTF8 + employment.history_csv(export).encode("utf-8")
    filename = f"{staff.id}-{staff.name}-任职记录-{centre_today_by_id(staff.centre_id, now)}.csv"
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=\"staff-{staff.id}-history.csv\"; filename*=UTF-8''{quote(filename)}",
        "Cache-Control": "private, no-store"})


@bp.get("/centres/<string:code>/banned-persons")
@spec.validate(resp=responses(HTTP_200=BanList), tags=["staff"])
def list_bans(code: str):
    """The centre's 禁入名单 with each ban's lifting and its state today."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    entries = ban_list.list_bans(centre, actor=actor, now=now, day=centre_today(centre, now))
    return BanList(items=[BanEntryOut(ban=_ban_out(e.ban), lifting=_ban_out(e.lifting) if e.lifting else None,
                                      state=e.state) for e in entries])


@bp.post("/centres/<string:code>/banned-persons")
@spec.validate(json=BanIn, resp=responses(HTTP_201=BanOut), tags=["staff"])
def add_ban(code: str, json: BanIn):
    """Record a person the centre may not employ (audited; never edited, lifted by a new row)."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    ban = ban_list.add_ban(centre, **json.model_dump(), actor=actor, now=now, today=centre_today(centre, now))
    return _ban_out(ban), 201


@bp.post("/banned-persons/<int:ban_id>/lifting")
@spec.validate(json=LiftIn, resp=responses(HTTP_201=BanOut), tags=["staff"])
def lift_ban(ban_id: int, json: LiftIn):
    """Lift a ban from a day on (a decision overturned): a new row naming the ban (audited)."""
    actor, now = current_actor(), utcnow()
    ban = ban_list.get_ban(ban_id, actor=actor, now=now)
    lifting = ban_list.lift_ban(ban, **json.model_dump(), actor=actor, now=now,
                                today=centre_today_by_id(ban.centre_id, now))
    return _ban_out(lifting), 201
