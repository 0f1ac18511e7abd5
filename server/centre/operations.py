"""Create and change centres and rooms; look them up with authorisation."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from compliance.rulebook.load import default_books
from server.audit.operations import audit_record, audited_update, ensure_chain
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.centre.models import Centre, ClassType, FilingStatus, LegalForm, Room, ServiceType
from server.database import db
from server.errors import Conflict, Forbidden, NotFound, ProblemCollector

CENTRE_FIELDS = (
    "code", "name", "legal_form", "registering_authority", "filing_status", "filed_on",
    "approved_places", "inclusive_places", "service_types", "region", "timezone", "address",
)
ROOM_FIELDS = ("name", "class_type", "capacity", "is_active")
CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,31}$")
# A room larger than this is a typing error, not a class (the largest class cap is 20).
MAX_ROOM_CAPACITY = 60


def _check_centre(values: dict[str, Any], problems: ProblemCollector) -> None:
    if "name" in values and not str(values["name"]).strip():
        problems.add("required", _l("Name is required"), "name")
    if values.get("approved_places", 0) < 0:
        problems.add("negative", _l("Places cannot be negative"), "approved_places")
    if values.get("inclusive_places", 0) < 0:
        problems.add("negative", _l("Inclusive places cannot be negative"), "inclusive_places")
    if values.get("inclusive_places", 0) > values.get("approved_places", 0):
        problems.add(
            "inclusive_exceeds_approved", _l("Inclusive places exceed approved places"),
            "inclusive_places",
        )
    if values.get("filing_status") == FilingStatus.FILED and not values.get("filed_on"):
        problems.add("filed_on_required", _l("A filed centre needs its filing date"), "filed_on")
    for st in values.get("service_types", []):
        if st not in ServiceType._value2member_map_:
            problems.add("unknown_service_type", _l("Unknown service type: %(value)s", value=st), "service_types")
    if values.get("region") is not None and values["region"] not in default_books().overlays:
        known = ", ".join(sorted(default_books().overlays))
        problems.add("unknown_region", _l("Unknown region (known: %(known)s)", known=known), "region")
    if "timezone" in values:
        try:
            ZoneInfo(values["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            problems.add("unknown_timezone", _l("Unknown time zone"), "timezone")


def create_centre(
    *, code: str, name: str, legal_form: LegalForm, filing_status: FilingStatus = FilingStatus.NOT_FILED,
    actor: Actor, now: datetime, **profile: Any,
) -> Centre:
    """Register a centre and start its audit chain. Only the system (CLI) creates centres."""
    if not actor.is_system:
        raise Forbidden()
    problems = ProblemCollector()
    if not CODE_PATTERN.match(code):
        problems.add("bad_code", _l("Code: 2–32 lowercase letters, digits, hyphens"), "code")
    values = {"name": name, "legal_form": legal_form, "filing_status": filing_status, **profile}
    _check_centre(values, problems)
    problems.raise_if_any()
    if db.session.execute(select(Centre.id).where(Centre.code == code)).first():
        raise Conflict(_l("Centre code already exists"), code="code_taken", field="code")
    centre = Centre(code=code, created_at=now, **values)
    db.session.add(centre)
    db.session.flush()
    ensure_chain(centre.id)
    audit_record(centre, "centre.create", None, CENTRE_FIELDS, actor=actor, now=now)
    return centre


def update_centre(centre: Centre, changes: dict[str, Any], *, actor: Actor, now: datetime) -> Centre:
    """Change a centre's profile (负责人 only)."""
    authorise(actor, Perm.CENTRE_MANAGE, centre.id, now)
    return audited_update(centre, changes, CENTRE_FIELDS, "centre.update", _check_centre, actor=actor, now=now)


def get_centre(code: str, *, actor: Actor, now: datetime, perm: Perm = Perm.CENTRE_READ) -> Centre:
    """The centre with this code, if the actor may see it."""
    centre = db.session.execute(select(Centre).where(Centre.code == code)).scalar_one_or_none()
    if centre is None:
        raise NotFound()
    authorise(actor, perm, centre.id, now)
    return centre


def centre_by_id(centre_id: int) -> Centre:
    """A centre the caller already holds a record of (no authorisation: the record was authorised)."""
    centre = db.session.get(Centre, centre_id)
    assert centre is not None
    return centre


def list_centres(*, actor: Actor, now: datetime) -> list[Centre]:
    """Centres the actor holds an active grant at (all of them for the system)."""
    stmt = select(Centre).order_by(Centre.code)
    if not actor.is_system:
        stmt = stmt.where(Centre.id.in_(actor.centre_ids(now)))
    return list(db.session.execute(stmt).scalars())


def _check_room(values: dict[str, Any], problems: ProblemCollector) -> None:
    if not str(values.get("name", "")).strip():
        problems.add("required", _l("Class name is required"), "name")
    capacity = values.get("capacity", 0)
    if not 1 <= capacity <= MAX_ROOM_CAPACITY:
        problems.add("bad_capacity", _l("Capacity must be 1–%(most)s", most=MAX_ROOM_CAPACITY), "capacity")


def create_room(
    centre: Centre, *, name: str, class_type: ClassType, capacity: int, actor: Actor, now: datetime
) -> Room:
    """Add a class/room. Its capacity against the class-type cap is judged by the rulebook, not here."""
    authorise(actor, Perm.ROOMS_MANAGE, centre.id, now)
    problems = ProblemCollector()
    _check_room({"name": name, "capacity": capacity}, problems)
    problems.raise_if_any()
    if db.session.execute(select(Room.id).where(Room.centre_id == centre.id, Room.name == name.strip())).first():
        raise Conflict(_l("A class with this name already exists."), code="name_taken", field="name")
    room = Room(centre_id=centre.id, name=name.strip(), class_type=class_type, capacity=capacity, created_at=now)
    db.session.add(room)
    db.session.flush()
    audit_record(room, "room.create", None, ROOM_FIELDS, actor=actor, now=now)
    return room


def update_room(room: Room, changes: dict[str, Any], *, actor: Actor, now: datetime) -> Room:
    """Rename a room, change its class type, capacity or retire it."""
    authorise(actor, Perm.ROOMS_MANAGE, room.centre_id, now)
    name = str(changes.get("name") or "").strip()
    if name and name != room.name and db.session.execute(
            select(Room.id).where(Room.centre_id == room.centre_id, Room.name == name, Room.id != room.id)).first():
        raise Conflict(_l("A class with this name already exists."), code="name_taken", field="name")
    return audited_update(room, changes, ROOM_FIELDS, "room.update", _check_room, actor=actor, now=now)


def get_room(room_id: int, *, actor: Actor, now: datetime) -> Room:
    room = db.session.get(Room, room_id)
    if room is None:
        raise NotFound()
    authorise(actor, Perm.CENTRE_READ, room.centre_id, now)
    return room


def list_rooms(centre: Centre, *, actor: Actor, now: datetime) -> list[Room]:
    authorise(actor, Perm.CENTRE_READ, centre.id, now)
    return list(db.session.execute(select(Room).where(Room.centre_id == centre.id).order_by(Room.id)).scalars())
