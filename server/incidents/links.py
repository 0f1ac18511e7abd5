"""Who was responsible when it happened (seed 003 L343: 对履行职责不到位发生安全事故的，严肃追究相关人员责任).

Taken when a report is written and frozen when its reporter signs: the duty roster's shifts covering the event
time, the staff who were in the room then (attendance's whereabouts at that instant) and their line managers
that day. A snapshot of names and ids, stored on the report, so the record never changes with later rosters.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from server.attendance.rooms.operations.live import whereabouts
from server.centre.models import Centre, Room
from server.centre.timezones import centre_today
from server.database import db
from server.people.employment import managers_on
from server.people.models import Staff
from server.staff.operations.roster import shifts_between


def _room_name(room_id: int | None) -> str:
    room = db.session.get(Room, room_id) if room_id is not None else None
    return room.name if room is not None else ""


def on_duty_snapshot(centre: Centre, at: datetime, room_id: int | None) -> dict[str, Any]:
    """Who was responsible at `at`: the roster, the staff in the room, their direct managers.

    The roster: the room's shifts and those off the floor (every shift when no room is known); the room's staff:
    who attendance places there (every present member of staff when no room is known).
    """
    day = centre_today(centre, at)
    names = {s.id: s.name for s in db.session.query(Staff).filter(Staff.centre_id == centre.id)}
    roster = [{"staff_id": shift.staff_id, "name": names.get(shift.staff_id, ""), "room_id": shift.room_id,
               "room": _room_name(shift.room_id), "starts_at": shift.starts_at.isoformat(),
               "ends_at": shift.ends_at.isoformat()}
              for shift, cancelled in shifts_between(centre.id, day, day)
              if cancelled is None and shift.starts_at <= at < shift.ends_at
              and (room_id is None or shift.room_id in (room_id, None))]  # the room's and those off the floor
    present = whereabouts(centre.id, at).staff
    in_room = sorted(staff_id for staff_id, where in present.items() if room_id is None or where == room_id)
    managers: dict[int, str] = {}
    for staff_id in in_room + [r["staff_id"] for r in roster if r["room_id"] == room_id]:
        for manager in managers_on(staff_id, day)[:1]:  # the direct manager of each person responsible
            managers[manager.id] = manager.name
    return {"at": at.isoformat(), "room_id": room_id, "room": _room_name(room_id), "roster": roster,
            "in_room": [{"staff_id": s, "name": names.get(s, "")} for s in in_room],
            "managers": [{"staff_id": k, "name": v} for k, v in sorted(managers.items())]}
