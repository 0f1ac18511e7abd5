"""JSON API for children, contacts (guardians / pick-up), their links, consent and staff."""

from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, Response
from pydantic import Field

from server.apispec import Day, Id, PageQuery, Schema, paginate, responses, spec
from server.auth.actor import Actor
from server.auth.roles import Perm
from server.auth.session import current_actor
from server.centre.models import ServiceType
from server.centre.operations import get_centre
from server.centre.timezones import centre_today, centre_today_by_id
from server.clock import utcnow
from server.people import operations as ops
from server.people.leaving import MAX_NOTE, leave_child
from server.people.models import Child, LeaveReason, Relationship, Sex, StaffRole

bp = Blueprint("people_api", __name__, url_prefix="/api/v1")


class ChildSummary(Schema):
    id: int
    centre_id: int
    name: str
    sex: Sex
    born_on: date
    room_id: int | None
    enrolled_on: date
    left_on: date | None
    left_reason: LeaveReason | None
    service_type: ServiceType
    consent_on: date | None


class ChildOut(ChildSummary):
    left_note: str | None
    allergies: str | None
    conditions: str | None
    consent_by_contact_id: int | None
    created_at: datetime


class ChildPage(Schema):
    items: list[ChildSummary]
    page: int
    per_page: int
    total: int


class ChildQuery(PageQuery):
    room_id: Id | None = None
    on: Day | None = None


class ChildIn(Schema):
    name: str = Field(min_length=1, max_length=60)
    sex: Sex
    born_on: Day
    enrolled_on: Day
    service_type: ServiceType
    room_id: Id | None = None
    allergies: str | None = Field(None, max_length=2000)
    conditions: str | None = Field(None, max_length=2000)
    consent_on: Day | None = None


class ChildPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=60)
    room_id: Id | None = None
    left_on: Day | None = None
    service_type: ServiceType | None = None
    allergies: str | None = Field(None, max_length=2000)
    conditions: str | None = Field(None, max_length=2000)


class LeaveIn(Schema):
    left_on: Day
    reason: LeaveReason
    note: str | None = Field(None, max_length=MAX_NOTE)


class ContactOut(Schema):
    id: int
    centre_id: int
    name: str
    phone: str | None
    has_photo: bool = False


class ContactPage(Schema):
    items: list[ContactOut]
    page: int
    per_page: int
    total: int


class ContactIn(Schema):
    name: str = Field(min_length=1, max_length=60)
    phone: str | None = Field(None, max_length=32)


class LinkIn(Schema):
    contact_id: Id
    relationship: Relationship
    is_guardian: bool
    may_pick_up: bool
    may_drop_off: bool | None = None


class LinkOut(Schema):
    contact: ContactOut
    relationship: Relationship
    is_guardian: bool
    may_pick_up: bool
    may_drop_off: bool


class LinkList(Schema):
    items: list[LinkOut]


class ConsentIn(Schema):
    contact_id: Id
    consent_on: Day


class StaffOut(Schema):
    id: int
    centre_id: int
    name: str
    role: StaffRole
    phone: str | None
    home_room_id: int | None
    hired_on: date
    left_on: date | None
    id_number_masked: str | None = None  # 身份证号, never shown in full


class StaffPage(Schema):
    items: list[StaffOut]
    page: int
    per_page: int
    total: int


class StaffIn(Schema):
    name: str = Field(min_length=1, max_length=60)
    role: StaffRole
    hired_on: Day
    phone: str | None = Field(None, max_length=32)
    home_room_id: Id | None = None
    id_number: str | None = Field(None, max_length=24)  # checked (GB 11643) and against the 禁入名单


def _child_out(child: Child, actor: Actor, now: datetime) -> ChildOut:
    """The child record; its health fields only for those who may read health data."""
    out = ChildOut.model_validate(child)
    if not actor.can(Perm.HEALTH_READ, child.centre_id, now):
        out.conditions = None
    return out


def _contact_out(contact: object) -> ContactOut:
    out = ContactOut.model_validate(contact)
    out.has_photo = getattr(contact, "photo_id", None) is not None
    return out


@bp.get("/centres/<string:code>/children")
@spec.validate(query=ChildQuery, resp=responses(HTTP_200=ChildPage), tags=["children"])
def list_children(code: str, query: ChildQuery):
    """Children of a centre the caller may see (a guardian: only their own)."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    stmt = ops.list_children(centre, actor=actor, now=now, room_id=query.room_id, on=query.on)
    return ChildPage.model_validate(paginate(stmt, query, ChildSummary))


@bp.post("/centres/<string:code>/children")
@spec.validate(json=ChildIn, resp=responses(HTTP_201=ChildOut), tags=["children"])
def create_child(code: str, json: ChildIn):
    """Enrol a child (audited)."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    child = ops.create_child(centre, **json.model_dump(), actor=actor, now=now, today=centre_today(centre, now))
    return _child_out(child, actor, now), 201


@bp.get("/children/<int:child_id>")
@spec.validate(resp=responses(HTTP_200=ChildOut), tags=["children"])
def get_child(child_id: int):
    """One child with allergies and, for those who may read health data, conditions (the read is logged)."""
    actor, now = current_actor(), utcnow()
    return _child_out(ops.get_child(child_id, actor=actor, now=now), actor, now)


@bp.patch("/children/<int:child_id>")
@spec.validate(json=ChildPatch, resp=responses(HTTP_200=ChildOut), tags=["children"])
def patch_child(child_id: int, json: ChildPatch):
    """Change a child's registry data (audited)."""
    actor, now = current_actor(), utcnow()
    child = ops.get_child(child_id, actor=actor, now=now, log=False)
    # null clears an optional field; required fields (name, service type) ignore null.
    changes = {
        k: v for k, v in json.model_dump(exclude_unset=True).items()
        if v is not None or k not in ("name", "service_type")
    }
    child = ops.update_child(child, changes, actor=actor, now=now, today=centre_today_by_id(child.centre_id, now))
    return _child_out(child, actor, now)


@bp.post("/children/<int:child_id>/leave")
@spec.validate(json=LeaveIn, resp=responses(HTTP_200=ChildOut), tags=["children"])
def leave(child_id: int, json: LeaveIn):
    """A child leaves the centre (离园/退托): the last day, why and a note (audited; once: 409 after)."""
    actor, now = current_actor(), utcnow()
    child = ops.get_child(child_id, actor=actor, now=now, log=False)
    child = leave_child(child, left_on=json.left_on, reason=json.reason, note=json.note, actor=actor, now=now,
                        today=centre_today_by_id(child.centre_id, now))
    return _child_out(child, actor, now)


@bp.get("/children/<int:child_id>/contacts")
@spec.validate(resp=responses(HTTP_200=LinkList), tags=["children"])
def list_child_contacts(child_id: int):
    """The adults around a child: guardians and who may collect."""
    actor, now = current_actor(), utcnow()
    child = ops.get_child(child_id, actor=actor, now=now, log=False)
    items = [
        LinkOut(contact=_contact_out(contact), relationship=link.relationship, is_guardian=link.is_guardian,
                may_pick_up=link.may_pick_up, may_drop_off=link.may_drop_off)
        for link, contact in ops.child_links(child, actor=actor, now=now)
    ]
    return LinkList(items=items)


@bp.put("/children/<int:child_id>/contacts")
@spec.validate(json=LinkIn, resp=responses(HTTP_200=LinkOut), tags=["children"])
def link_child_contact(child_id: int, json: LinkIn):
    """Link an adult to a child, or change the link (guardianship and pick-up set separately)."""
    actor, now = current_actor(), utcnow()
    child = ops.get_child(child_id, actor=actor, now=now, log=False)
    contact = ops.get_contact(json.contact_id, actor=actor, now=now)
    link = ops.link_contact(
        child, contact, relationship=json.relationship, is_guardian=json.is_guardian,
        may_pick_up=json.may_pick_up, may_drop_off=json.may_drop_off, actor=actor, now=now,
    )
    return LinkOut(contact=_contact_out(contact), relationship=link.relationship, is_guardian=link.is_guardian,
                   may_pick_up=link.may_pick_up, may_drop_off=link.may_drop_off)


@bp.post("/children/<int:child_id>/consent")
@spec.validate(json=ConsentIn, resp=responses(HTTP_200=ChildOut), tags=["children"])
def record_consent(child_id: int, json: ConsentIn):
    """Record a guardian's consent to process the child's data (个人信息保护法 Art. 31)."""
    actor, now = current_actor(), utcnow()
    child = ops.get_child(child_id, actor=actor, now=now, log=False)
    contact = ops.get_contact(json.contact_id, actor=actor, now=now)
    today = centre_today_by_id(child.centre_id, now)
    child = ops.record_consent(child, contact, on=json.consent_on, actor=actor, now=now, today=today)
    return _child_out(child, actor, now)


@bp.get("/centres/<string:code>/contacts")
@spec.validate(query=PageQuery, resp=responses(HTTP_200=ContactPage), tags=["contacts"])
def list_contacts(code: str, query: PageQuery):
    """Guardians and authorised pick-up persons of a centre."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    page = paginate(ops.list_contacts(centre, actor=actor, now=now), query, ContactOut)
    return ContactPage.model_validate(page)


@bp.post("/centres/<string:code>/contacts")
@spec.validate(json=ContactIn, resp=responses(HTTP_201=ContactOut), tags=["contacts"])
def create_contact(code: str, json: ContactIn):
    """Add a guardian or authorised pick-up person."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    return _contact_out(ops.create_contact(centre, **json.model_dump(), actor=actor, now=now)), 201


@bp.get("/contacts/<int:contact_id>")
@spec.validate(resp=responses(HTTP_200=ContactOut), tags=["contacts"])
def get_contact(contact_id: int):
    """One contact."""
    return _contact_out(ops.get_contact(contact_id, actor=current_actor(), now=utcnow()))


@bp.get("/contacts/<int:contact_id>/photo")
@spec.validate(resp=responses("HTTP_200"), tags=["contacts"])
def get_contact_photo(contact_id: int):
    """A contact's face photo for pick-up checks (every read is logged)."""
    actor, now = current_actor(), utcnow()
    photo = ops.read_contact_photo(ops.get_contact(contact_id, actor=actor, now=now), actor=actor, now=now)
    return Response(photo.data, mimetype=photo.content_type, headers={"Cache-Control": "private, no-store"})


@bp.get("/centres/<string:code>/staff")
@spec.validate(query=PageQuery, resp=responses(HTTP_200=StaffPage), tags=["staff"])
def list_staff(code: str, query: PageQuery):
    """Staff of a centre."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    return StaffPage.model_validate(paginate(ops.list_staff(centre, actor=actor, now=now), query, StaffOut))


@bp.post("/centres/<string:code>/staff")
@spec.validate(json=StaffIn, resp=responses(HTTP_201=StaffOut), tags=["staff"])
def create_staff(code: str, json: StaffIn):
    """Add a member of staff (audited)."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    return StaffOut.model_validate(ops.create_staff(centre, **json.model_dump(), actor=actor, now=now)), 201


@bp.get("/staff/<int:staff_id>")
@spec.validate(resp=responses(HTTP_200=StaffOut), tags=["staff"])
def get_staff(staff_id: int):
    """One member of staff."""
    return StaffOut.model_validate(ops.get_staff(staff_id, actor=current_actor(), now=utcnow()))
