"""Employment history and line management, append-only: who held which role and class, who managed whom, when.

Every step is a `StaffEmploymentEvent` effective from a day; the state on a day is read back from the steps, so a
safeguarding case can name the managers of a person as they were on the day it concerns.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from compliance.pack.cells import FORMULA_START
from server.audit.operations import audit_record, log_access, snapshot
from server.auth.actor import Actor, authorise
from server.auth.models import User
from server.auth.roles import Perm
from server.centre.models import Room
from server.database import db
from server.errors import ProblemCollector
from server.i18n import bilingual
from server.people.idnumber import mask_id_number
from server.people.models import Staff
from server.people.staff_models import EmploymentEventKind, StaffEmploymentEvent

EVENT_FIELDS = ("staff_id", "kind", "effective_on", "role", "home_room_id", "manager_id", "left_on")
TRACKED = ("role", "home_room_id", "left_on")  # the Staff fields whose changes are employment steps
HISTORY_COLUMNS = ("生效日期", "事项", "岗位", "班级", "直接上级", "离职日期", "记录时间", "记录人")


def employed_on(staff: Staff, day: date) -> bool:
    """Hired by the day and not yet gone (left_on is the last day at work)."""
    return staff.hired_on <= day and (staff.left_on is None or staff.left_on >= day)


def record_event(staff: Staff, kind: EmploymentEventKind, effective_on: date, *, actor: Actor, now: datetime,
                 **values: Any) -> StaffEmploymentEvent:
    """Append one step of a person's employment (the caller has authorised and checked it)."""
    event = StaffEmploymentEvent(centre_id=staff.centre_id, staff_id=staff.id, kind=kind, effective_on=effective_on,
                                 recorded_by_id=actor.user_id, recorded_at=now, **values)
    db.session.add(event)
    db.session.flush()
    audit_record(event, f"staff_employment.{kind.value}", None, EVENT_FIELDS, actor=actor, now=now)
    return event


def record_hire(staff: Staff, *, actor: Actor, now: datetime) -> StaffEmploymentEvent:
    return record_event(staff, EmploymentEventKind.HIRE, staff.hired_on, role=staff.role,
                        home_room_id=staff.home_room_id, actor=actor, now=now)


def record_changes(staff: Staff, before: dict[str, Any], *, effective_on: date, actor: Actor,
                   now: datetime) -> list[StaffEmploymentEvent]:
    """The steps an update made (`before`: the TRACKED fields before it): role, class, exit."""
    events = []
    if staff.role != before["role"]:
        events.append(record_event(staff, EmploymentEventKind.ROLE, effective_on, role=staff.role, actor=actor, now=now))
    if staff.home_room_id != before["home_room_id"]:
        events.append(record_event(staff, EmploymentEventKind.HOME_ROOM, effective_on,
                                   home_room_id=staff.home_room_id, actor=actor, now=now))
    if staff.left_on != before["left_on"]:
        # An exit takes effect on its own date; clearing it (a mistaken exit withdrawn) on the update's.
        events.append(record_event(staff, EmploymentEventKind.EXIT, staff.left_on or effective_on,
                                   left_on=staff.left_on, actor=actor, now=now))
    return events


def tracked(staff: Staff) -> dict[str, Any]:
    return snapshot(staff, TRACKED)


# --- line management ------------------------------------------------------------------------------------


def _manager_events(centre_id: int) -> list[tuple[date, int, int, int | None]]:
    rows = db.session.execute(
        select(StaffEmploymentEvent.effective_on, StaffEmploymentEvent.id, StaffEmploymentEvent.staff_id,
               StaffEmploymentEvent.manager_id)
        .where(StaffEmploymentEvent.centre_id == centre_id, StaffEmploymentEvent.kind == EmploymentEventKind.MANAGER)
    ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def _managers_on(events: list[tuple[date, int, int, int | None]], day: date) -> dict[int, int | None]:
    """Each person's line manager on a day: their latest manager step by effective date (then by record)."""
    mapping: dict[int, int | None] = {}
    for _, _, staff_id, manager_id in sorted(e for e in events if e[0] <= day):
        mapping[staff_id] = manager_id
    return mapping


def _chain(staff_id: int, mapping: dict[int, int | None]) -> list[int]:
    """The managers above a person, direct first; stops where a chain would loop."""
    chain, seen, current = [], {staff_id}, mapping.get(staff_id)
    while current is not None and current not in seen:
        chain.append(current)
        seen.add(current)
        current = mapping.get(current)
    return chain


def _makes_cycle(staff: Staff, manager_id: int, effective_on: date) -> bool:
    """Would this step make anyone their own manager, on its day or on any later day a manager step begins?"""
    # Sorts after every recorded step of the same day, as the new row will.
    events = [*_manager_events(staff.centre_id), (effective_on, 2**62, staff.id, manager_id)]
    days = {effective_on} | {e[0] for e in events if e[0] > effective_on}
    for day in days:
        mapping = _managers_on(events, day)
        current, seen = mapping.get(staff.id), {staff.id}
        while current is not None:
            if current in seen:
                return True
            seen.add(current)
            current = mapping.get(current)
    return False


def set_line_manager(staff: Staff, manager: Staff | None, *, effective_on: date, actor: Actor,
                     now: datetime) -> StaffEmploymentEvent:
    """Name a person's line manager (直接上级) from a day on, or none; never oneself, never a loop."""
    authorise(actor, Perm.STAFF_WRITE, staff.centre_id, now)
    problems = ProblemCollector()
    if effective_on < staff.hired_on:
        problems.add("before_hire", _l("The date is before this person was hired"), "effective_on")
    if manager is not None:
        if manager.centre_id != staff.centre_id:
            problems.add("unknown_manager", _l("No such member of staff at this centre"), "manager_id")
        elif manager.id == staff.id:
            problems.add("self_manager", _l("A person cannot be their own manager"), "manager_id")
        elif not employed_on(manager, effective_on):
            problems.add("manager_not_employed", _l("The manager was not on the staff on that date"), "manager_id")
        elif _makes_cycle(staff, manager.id, effective_on):
            problems.add("manager_cycle", _l("This would make a loop of managers"), "manager_id")
    problems.raise_if_any()
    return record_event(staff, EmploymentEventKind.MANAGER, effective_on,
                        manager_id=manager.id if manager else None, actor=actor, now=now)


def managers_on(staff_id: int, day: date) -> list[Staff]:
    """Who managed a person on a day, direct manager first, then theirs, up the line (for safeguarding).

    The line ends at a manager no longer (or not yet) on the staff that day: they managed nobody then.
    """
    staff = db.session.get(Staff, staff_id)
    if staff is None:
        return []
    mapping = _managers_on(_manager_events(staff.centre_id), day)
    people = []
    for manager_id in _chain(staff_id, mapping):
        manager = db.session.get(Staff, manager_id)
        if manager is None or not employed_on(manager, day):
            break
        people.append(manager)
    return people


# --- history and its export -----------------------------------------------------------------------------


def employment_history(staff: Staff, *, actor: Actor, now: datetime) -> list[StaffEmploymentEvent]:
    """A person's steps in the order they took effect; the read is logged (staff files are personal data)."""
    authorise(actor, Perm.STAFF_WRITE, staff.centre_id, now)
    log_access(centre_id=staff.centre_id, user_id=actor.user_id, action="read", object_type="staff_history",
               object_id=staff.id, now=now)
    return list(db.session.execute(
        select(StaffEmploymentEvent).where(StaffEmploymentEvent.staff_id == staff.id)
        .order_by(StaffEmploymentEvent.effective_on, StaffEmploymentEvent.id)).scalars())


def history_rows(staff: Staff, events: list[StaffEmploymentEvent]) -> list[dict[str, Any]]:
    """The steps as plain rows with names resolved (rooms, managers, who recorded them)."""
    rooms = dict(db.session.execute(select(Room.id, Room.name).where(Room.centre_id == staff.centre_id)).all())
    people = dict(db.session.execute(select(Staff.id, Staff.name).where(Staff.centre_id == staff.centre_id)).all())
    user_ids = {e.recorded_by_id for e in events if e.recorded_by_id is not None}
    users = dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids))).all())
    return [{
        "id": e.id, "kind": e.kind.value, "kind_label": bilingual(e.kind), "effective_on": e.effective_on,
        "role": e.role.value if e.role else None, "role_label": bilingual(e.role) if e.role else None,
        "home_room_id": e.home_room_id, "home_room": rooms.get(e.home_room_id) if e.home_room_id else None,
        "manager_id": e.manager_id, "manager": people.get(e.manager_id) if e.manager_id else None,
        "left_on": e.left_on, "recorded_at": e.recorded_at,
        "recorded_by": users.get(e.recorded_by_id) if e.recorded_by_id else None,
    } for e in events]


def history_export(staff: Staff, *, actor: Actor, now: datetime) -> dict[str, Any]:
    """A person's file header (identity number masked) and every employment step, for a safeguarding case."""
    events = employment_history(staff, actor=actor, now=now)
    return {
        "staff": {"id": staff.id, "name": staff.name, "role": staff.role.value,
                  "id_number_masked": mask_id_number(staff.id_number), "hired_on": staff.hired_on,
                  "left_on": staff.left_on},
        "events": history_rows(staff, events),
    }


def history_csv(export: dict[str, Any]) -> str:
    """The export's steps as CSV with Chinese headers (labels bilingual, as in the pack's registers)."""
    text = io.StringIO()
    out = csv.writer(text)
    out.writerow(HISTORY_COLUMNS)
    for row in export["events"]:
        out.writerow([row["effective_on"].isoformat(), row["kind_label"], row["role_label"] or "",
                      _cell(row["home_room"]), _cell(row["manager"]),
                      row["left_on"].isoformat() if row["left_on"] else "", row["recorded_at"].isoformat(),
                      _cell(row["recorded_by"])])
    return text.getvalue()


def _cell(text: str | None) -> str:
    """Typed text as a CSV cell; one starting like a formula is quoted (CSV injection), as in the pack."""
    text = text or ""
    return "'" + text if text.startswith(FORMULA_START) else text
