"""Children, contacts (guardians / authorised pick-up), links, consent, staff and photos."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from typing import Any

import filetype
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from server.audit.operations import audit_record, audited_update, log_access, snapshot
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.centre.models import Centre, Room, ServiceType
from server.centre.timezones import centre_today, centre_today_by_id
from server.database import db
from server.errors import NotFound, ProblemCollector
from server.people.ban_list import check_id_number, refuse_if_banned
from server.people.consent_models import ConsentChoice, ConsentPurpose
from server.people.consents import photos_allowed, record_paper
from server.people.employment import record_changes, record_hire, tracked
from server.people.idnumber import normalise_id_number
from server.people.links import linked_child_ids
from server.people.models import (
    Child,
    ChildContact,
    Contact,
    Photo,
    Relationship,
    Sex,
    Staff,
    StaffRole,
)

CHILD_FIELDS = (
    "name", "sex", "born_on", "room_id", "enrolled_on", "left_on", "service_type",
    "allergies", "conditions", "consent_on", "consent_by_contact_id", "photo_id",
)
CONTACT_FIELDS = ("name", "phone", "photo_id", "user_id")
LINK_FIELDS = ("child_id", "contact_id", "relationship", "is_guardian", "may_pick_up", "may_drop_off")
STAFF_FIELDS = ("name", "role", "phone", "home_room_id", "hired_on", "left_on", "user_id", "id_number")
# 托育 is for ages 0–3; a child older than this at enrolment is a typing error.
MAX_AGE_AT_ENROLMENT = timedelta(days=4 * 366)
PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp"}
MAX_PHOTO_BYTES = 2 * 1024 * 1024


def check_room_in_centre(room_id: int | None, centre_id: int, problems: ProblemCollector, field: str, *,
                         active: bool = False) -> None:
    """Note a problem unless the room (if any) is one of the centre's (and, with ``active``, in use)."""
    if room_id is None:
        return
    room = db.session.get(Room, room_id)
    if room is None or room.centre_id != centre_id or (active and not room.is_active):
        problems.add("unknown_room", _l("No such class."), field)


def _check_child(values: dict[str, Any], centre_id: int, today: date, problems: ProblemCollector) -> None:
    if not str(values.get("name") or "").strip():
        problems.add("required", _l("The name is required."), "name")
    born, enrolled, left = values.get("born_on"), values.get("enrolled_on"), values.get("left_on")
    if born and born > today:
        problems.add("born_in_future", _l("The date of birth is in the future."), "born_on")
    if born and enrolled and enrolled < born:
        problems.add("enrolled_before_born", _l("The enrolment date is before the date of birth."), "enrolled_on")
    if born and enrolled and enrolled - born > MAX_AGE_AT_ENROLMENT:
        problems.add("too_old", _l("Too old for a childcare centre (0–3 years) at enrolment."), "born_on")
    if enrolled and left and left < enrolled:
        problems.add("left_before_enrolled", _l("The leaving date is before the enrolment date."), "left_on")
    if values.get("consent_on") and values["consent_on"] > today:
        problems.add("consent_in_future", _l("The consent date is in the future."), "consent_on")
    check_room_in_centre(values.get("room_id"), centre_id, problems, "room_id")


def create_child(
    centre: Centre, *, name: str, sex: Sex, born_on: date, enrolled_on: date, service_type: ServiceType,
    room_id: int | None = None, allergies: str | None = None, conditions: str | None = None,
    consent_on: date | None = None, actor: Actor, now: datetime, today: date,
) -> Child:
    """Enrol a child. `today` is the centre's local date (for date checks)."""
    authorise(actor, Perm.CHILDREN_WRITE, centre.id, now)
    values = {
        "name": name.strip(), "sex": sex, "born_on": born_on, "enrolled_on": enrolled_on, "room_id": room_id,
        "service_type": service_type, "allergies": allergies, "conditions": conditions, "consent_on": consent_on,
    }
    problems = ProblemCollector()
    _check_child(values, centre.id, today, problems)
    problems.raise_if_any()
    child = Child(centre_id=centre.id, created_at=now, **values)
    db.session.add(child)
    db.session.flush()
    audit_record(child, "child.create", None, CHILD_FIELDS, actor=actor, now=now)
    return child


def update_child(child: Child, changes: dict[str, Any], *, actor: Actor, now: datetime, today: date) -> Child:
    """Change a child's registry data (class, leaving date, allergies…)."""
    authorise(actor, Perm.CHILDREN_WRITE, child.centre_id, now)
    return audited_update(child, changes, CHILD_FIELDS, "child.update",
                          lambda values, problems: _check_child(values, child.centre_id, today, problems),
                          actor=actor, now=now)


def _visible_children(actor: Actor, centre_id: int, now: datetime) -> Select[tuple[Child]]:
    stmt = select(Child).where(Child.centre_id == centre_id)
    if not actor.can(Perm.CHILDREN_ALL, centre_id, now):
        # A guardian sees only the children they are linked to.
        stmt = stmt.where(Child.id.in_(linked_child_ids(actor, guardians_only=False)))
    return stmt


def list_children(
    centre: Centre, *, actor: Actor, now: datetime, room_id: int | None = None, on: date | None = None
) -> Select[tuple[Child]]:
    """A query of the children the actor may see, optionally of one room or enrolled on a date."""
    authorise(actor, Perm.CHILDREN_READ, centre.id, now)
    stmt = _visible_children(actor, centre.id, now)
    if room_id is not None:
        stmt = stmt.where(Child.room_id == room_id)
    if on is not None:
        stmt = stmt.where(Child.enrolled_on <= on, (Child.left_on.is_(None)) | (Child.left_on >= on))
    return stmt.order_by(Child.id)


def get_child(child_id: int, *, actor: Actor, now: datetime, log: bool = True) -> Child:
    """One child, if the actor may see it; the read is logged (health data: allergies, conditions)."""
    child = db.session.get(Child, child_id)
    if child is None:
        raise NotFound()
    authorise(actor, Perm.CHILDREN_READ, child.centre_id, now)
    if db.session.execute(_visible_children(actor, child.centre_id, now).where(Child.id == child_id)).first() is None:
        raise NotFound()
    if log:
        log_access(centre_id=child.centre_id, user_id=actor.user_id, action="read", object_type="child",
                   object_id=child.id, now=now)
    return child


def create_contact(
    centre: Centre, *, name: str, phone: str | None = None, user_id: int | None = None, actor: Actor, now: datetime
) -> Contact:
    """Add an adult (a guardian or a person who may collect); their role is set per child by linking."""
    authorise(actor, Perm.CONTACTS_WRITE, centre.id, now)
    problems = ProblemCollector()
    if not name.strip():
        problems.add("required", _l("The name is required."), "name")
    if phone is not None and not phone.replace("+", "").replace("-", "").replace(" ", "").isdigit():
        problems.add("bad_phone", _l("This phone number is not valid."), "phone")
    problems.raise_if_any()
    contact = Contact(centre_id=centre.id, name=name.strip(), phone=phone, user_id=user_id, created_at=now)
    db.session.add(contact)
    db.session.flush()
    audit_record(contact, "contact.create", None, CONTACT_FIELDS, actor=actor, now=now)
    return contact


def get_contact(contact_id: int, *, actor: Actor, now: datetime) -> Contact:
    contact = db.session.get(Contact, contact_id)
    if contact is None:
        raise NotFound()
    if contact.id not in actor.contact_ids:
        authorise(actor, Perm.CONTACTS_READ, contact.centre_id, now)
    return contact


def list_contacts(centre: Centre, *, actor: Actor, now: datetime) -> Select[tuple[Contact]]:
    authorise(actor, Perm.CONTACTS_READ, centre.id, now)
    return select(Contact).where(Contact.centre_id == centre.id).order_by(Contact.id)


def link_contact(
    child: Child, contact: Contact, *, relationship: Relationship, is_guardian: bool, may_pick_up: bool,
    may_drop_off: bool | None = None, actor: Actor, now: datetime,
) -> ChildContact:
    """Say how an adult relates to a child: guardian or not, may collect or not (set independently)."""
    authorise(actor, Perm.CONTACTS_WRITE, child.centre_id, now)
    if contact.centre_id != child.centre_id:
        raise NotFound(_l("No such contact."), field="contact_id")
    existing = db.session.execute(
        select(ChildContact).where(ChildContact.child_id == child.id, ChildContact.contact_id == contact.id)
    ).scalar_one_or_none()
    values = {
        "relationship": relationship, "is_guardian": is_guardian, "may_pick_up": may_pick_up,
        "may_drop_off": may_pick_up if may_drop_off is None else may_drop_off,
    }
    if existing is not None:
        before = snapshot(existing, LINK_FIELDS)
        for key, value in values.items():
            setattr(existing, key, value)
        link = existing
    else:
        before = None
        link = ChildContact(centre_id=child.centre_id, child_id=child.id, contact_id=contact.id, created_at=now, **values)
        db.session.add(link)
    db.session.flush()
    audit_record(link, "child_contact.link", before, LINK_FIELDS, actor=actor, now=now)
    return link


def child_links(child: Child, *, actor: Actor, now: datetime) -> list[tuple[ChildContact, Contact]]:
    """The adults around a child with their authorisations."""
    authorise(actor, Perm.CONTACTS_READ, child.centre_id, now)
    rows = db.session.execute(
        select(ChildContact, Contact).join(Contact, Contact.id == ChildContact.contact_id)
        .where(ChildContact.child_id == child.id).order_by(ChildContact.id)
    )
    return [(link, contact) for link, contact in rows]


def record_consent(child: Child, contact: Contact, *, on: date, actor: Actor, now: datetime, today: date) -> Child:
    """Record a guardian's paper consent to process the child's data (个人信息保护法 Art. 31).

    A `paper` decision for data_processing under the current version (server/people/consents.py), which keeps
    Child.consent_on in step. `today` (the centre's local date, which the consent may not be after) is found
    again by `record_paper`; it stays in the signature for the callers.
    """
    record_paper(child, contact, purpose=ConsentPurpose.DATA_PROCESSING, decision=ConsentChoice.GIVEN, on=on,
                 actor=actor, now=now)
    return child


def set_child_photo(child: Child, data: bytes, content_type: str, *, actor: Actor, now: datetime) -> Photo:
    """Store the child's photo for the pick-up check, only under the guardians' photos consent in force now.

    A photo is refused at once after a withdrawal (422 `photo_consent_missing`, 个人信息保护法 Art. 15/29/31);
    photos taken before it stay until their retention ends. The content is checked by its bytes, not its name.
    """
    authorise(actor, Perm.CHILDREN_WRITE, child.centre_id, now)
    problems = ProblemCollector()
    if not photos_allowed(child.id, now):
        problems.add("photo_consent_missing", _l("No photo of this child may be taken: the guardians have not "
                                                 "consented to photos, or have withdrawn their consent."), "photo")
    elif not data or len(data) > MAX_PHOTO_BYTES:
        problems.add("bad_photo_size", _l("The photo must be under 2 MB."), "photo")
    elif content_type not in PHOTO_TYPES or filetype.guess_mime(data) != content_type:
        problems.add("bad_photo_type", _l("The photo must be a JPEG, PNG or WebP image."), "photo")
    problems.raise_if_any()
    photo = Photo(centre_id=child.centre_id, content_type=content_type, data=data,
                  sha256=hashlib.sha256(data).hexdigest(), purpose="pickup_check", created_at=now, retain_until=None)
    db.session.add(photo)
    db.session.flush()
    before = snapshot(child, CHILD_FIELDS)
    child.photo_id = photo.id
    db.session.flush()
    audit_record(child, "child.photo", before, CHILD_FIELDS, actor=actor, now=now)
    return photo


def create_staff(
    centre: Centre, *, name: str, role: StaffRole, hired_on: date, phone: str | None = None,
    home_room_id: int | None = None, user_id: int | None = None, id_number: str | None = None,
    actor: Actor, now: datetime,
) -> Staff:
    """Hire a member of staff, unless the 禁入名单 bars them (the refusal is audited); the hire starts their history."""
    authorise(actor, Perm.STAFF_WRITE, centre.id, now)
    problems = ProblemCollector()
    if not name.strip():
        problems.add("required", _l("The name is required."), "name")
    number = check_id_number(id_number, problems)
    check_room_in_centre(home_room_id, centre.id, problems, "home_room_id")
    problems.raise_if_any()
    refuse_if_banned(centre.id, name=name, id_number=number, day=centre_today(centre, now),
                     action="staff.hire_refused", actor=actor, now=now)
    staff = Staff(
        centre_id=centre.id, name=name.strip(), role=role, phone=phone, home_room_id=home_room_id,
        hired_on=hired_on, user_id=user_id, id_number=number, created_at=now,
    )
    db.session.add(staff)
    db.session.flush()
    audit_record(staff, "staff.create", None, STAFF_FIELDS, actor=actor, now=now)
    record_hire(staff, actor=actor, now=now)
    return staff


def update_staff(staff: Staff, changes: dict[str, Any], *, effective_on: date | None = None, actor: Actor,
                 now: datetime) -> Staff:
    """Change a person's file; role, class and exit changes are also steps of their history.

    They take effect from `effective_on` (default: the centre's today). An identity number on the 禁入名单 is
    refused like a hire.
    """
    authorise(actor, Perm.STAFF_WRITE, staff.centre_id, now)
    today = centre_today_by_id(staff.centre_id, now)
    changes = dict(changes)
    if changes.get("id_number") is not None:
        changes["id_number"] = normalise_id_number(changes["id_number"]) or None

    def check(values: dict[str, Any], problems: ProblemCollector) -> None:
        if not str(values.get("name") or "").strip():
            problems.add("required", _l("Name is required"), "name")
        if "id_number" in changes:
            check_id_number(values.get("id_number"), problems)
        check_room_in_centre(values.get("home_room_id"), staff.centre_id, problems, "home_room_id")
        if values.get("left_on") and values["left_on"] < staff.hired_on:
            problems.add("left_before_hired", _l("The leaving date is before the hiring date"), "left_on")
        if effective_on is not None and effective_on < staff.hired_on:
            problems.add("before_hire", _l("The date is before this person was hired"), "effective_on")

    if changes.get("id_number") and changes["id_number"] != staff.id_number:
        problems = ProblemCollector()
        check(dict(snapshot(staff, STAFF_FIELDS), **changes), problems)
        problems.raise_if_any()
        refuse_if_banned(staff.centre_id, name=changes.get("name") or staff.name, id_number=changes["id_number"],
                         day=today, action="staff.id_number_refused", actor=actor, now=now)
    before = tracked(staff)
    audited_update(staff, changes, STAFF_FIELDS, "staff.update", check, actor=actor, now=now)
    record_changes(staff, before, effective_on=effective_on or today, actor=actor, now=now)
    return staff


def get_staff(staff_id: int, *, actor: Actor, now: datetime) -> Staff:
    staff = db.session.get(Staff, staff_id)
    if staff is None:
        raise NotFound()
    authorise(actor, Perm.STAFF_READ, staff.centre_id, now)
    return staff


def list_staff(centre: Centre, *, actor: Actor, now: datetime) -> Select[tuple[Staff]]:
    authorise(actor, Perm.STAFF_READ, centre.id, now)
    return select(Staff).where(Staff.centre_id == centre.id).order_by(Staff.id)


def set_contact_photo(
    contact: Contact, data: bytes, content_type: str, *, retain_until: date | None, actor: Actor, now: datetime
) -> Photo:
    """Store the face photo used to confirm who collects a child."""
    authorise(actor, Perm.CONTACTS_WRITE, contact.centre_id, now)
    problems = ProblemCollector()
    if content_type not in PHOTO_TYPES:
        problems.add("bad_photo_type", _l("The photo must be a JPEG, PNG or WebP image."), "photo")
    if not data or len(data) > MAX_PHOTO_BYTES:
        problems.add("bad_photo_size", _l("The photo must be under 2 MB."), "photo")
    problems.raise_if_any()
    photo = Photo(
        centre_id=contact.centre_id, content_type=content_type, data=data,
        sha256=hashlib.sha256(data).hexdigest(), purpose="pickup_check", created_at=now, retain_until=retain_until,
    )
    db.session.add(photo)
    db.session.flush()
    before = snapshot(contact, CONTACT_FIELDS)
    contact.photo_id = photo.id
    db.session.flush()
    audit_record(contact, "contact.photo", before, CONTACT_FIELDS, actor=actor, now=now)
    return photo


def read_contact_photo(contact: Contact, *, actor: Actor, now: datetime) -> Photo:
    """A contact's photo; every read is logged."""
    if contact.id not in actor.contact_ids:
        authorise(actor, Perm.CONTACTS_READ, contact.centre_id, now)
    if contact.photo_id is None:
        raise NotFound(_l("No photo."))
    photo = db.session.get(Photo, contact.photo_id)
    if photo is None:
        raise NotFound(_l("No photo."))
    log_access(centre_id=contact.centre_id, user_id=actor.user_id, action="read", object_type="photo",
               object_id=photo.id, now=now)
    return photo



def contacts_of_user(user_id: int) -> frozenset[int]:
    """The contacts (guardian or pick-up adult records) a user account acts as."""
    return frozenset(db.session.execute(select(Contact.id).where(Contact.user_id == user_id)).scalars())
