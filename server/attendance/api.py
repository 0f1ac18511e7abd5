"""JSON API: credentials (cards, phones, PINs), the kiosk roster and photos, and live presence."""

from __future__ import annotations

import base64
from datetime import date, datetime

from flask import Blueprint, Response, current_app, request
from pydantic import Field
from sqlalchemy import select

from compliance import Period
from server.apispec import Day, Schema, responses, spec
from server.attendance.models import AbsenceReason, Credential, PhoneKey
from server.attendance.operations import absences, credentials
from server.attendance.operations import presence as presence_ops
from server.attendance.operations import roster as roster_ops
from server.attendance.registers import register_lines
from server.attendance.stream import presence_events
from server.audit.operations import log_access
from server.auth.actor import authorise
from server.auth.roles import Perm
from server.auth.session import current_actor
from server.centre.models import Centre, Room
from server.centre.operations import get_centre
from server.centre.timezones import centre_today_by_id
from server.clock import utcnow
from server.database import db
from server.errors import NotFound
from server.fleet.device_auth import device_reading
from server.fleet.policy import Feed
from server.people.models import Photo
from server.people.operations import get_child, get_contact, get_staff

bp = Blueprint("attendance_api", __name__, url_prefix="/api/v1")


class CredentialIn(Schema):
    expires_on: Day


class CredentialOut(Schema):
    id: int
    contact_id: int | None
    staff_id: int | None
    card_serial: int
    revoked_serials: list[int]
    expires_on: date
    has_pin: bool = False


class CardOut(Schema):
    credential_id: int
    serial: int
    qr_text: str


class PinIn(Schema):
    pin: str = Field(min_length=4, max_length=12)


class PhoneIn(Schema):
    public_key: str = Field(min_length=40, max_length=64)


class PhoneOut(Schema):
    id: int
    credential_id: int
    enrolled_at: datetime


class RosterOut(Schema):
    version: int
    document: str
    signature: str


class RoomPresenceOut(Schema):
    room_id: int | None
    children: list[int]
    staff: list[int]


class PresenceOut(Schema):
    at: datetime
    children_present: int
    staff_present: int
    rooms: list[RoomPresenceOut]


def _credential_out(cred: Credential) -> CredentialOut:
    out = CredentialOut.model_validate(cred)
    out.has_pin = cred.pin_hash is not None
    return out


def _credential(credential_id: int, perm: Perm) -> Credential:
    actor, now = current_actor(), utcnow()
    cred = db.session.get(Credential, credential_id)
    if cred is None or not actor.can(Perm.CENTRE_READ, cred.centre_id, now):
        raise NotFound()
    authorise(actor, perm, cred.centre_id, now)
    return cred


@bp.post("/contacts/<int:contact_id>/credentials")
@spec.validate(json=CredentialIn, resp=responses(HTTP_201=CredentialOut), tags=["credentials"])
def issue_contact_credential(contact_id: int, json: CredentialIn):
    """Give a guardian or authorised pick-up adult a kiosk credential."""
    actor, now = current_actor(), utcnow()
    contact = get_contact(contact_id, actor=actor, now=now)
    centre = db.session.get(Centre, contact.centre_id)
    cred = credentials.issue_credential(centre, contact=contact, expires_on=json.expires_on, actor=actor, now=now)
    return _credential_out(cred), 201


@bp.post("/staff/<int:staff_id>/credentials")
@spec.validate(json=CredentialIn, resp=responses(HTTP_201=CredentialOut), tags=["credentials"])
def issue_staff_credential(staff_id: int, json: CredentialIn):
    """Give a member of staff a kiosk credential (to sign on and off duty)."""
    actor, now = current_actor(), utcnow()
    staff = get_staff(staff_id, actor=actor, now=now)
    centre = db.session.get(Centre, staff.centre_id)
    cred = credentials.issue_credential(centre, staff=staff, expires_on=json.expires_on, actor=actor, now=now)
    return _credential_out(cred), 201


@bp.get("/credentials/<int:credential_id>/card")
@spec.validate(resp=responses(HTTP_200=CardOut), tags=["credentials"])
def card(credential_id: int):
    """The signed QR text of the credential's current card (for printing)."""
    cred = _credential(credential_id, Perm.CONTACTS_WRITE)
    return CardOut(credential_id=cred.id, serial=cred.card_serial, qr_text=credentials.card_text(cred, now=utcnow()))


@bp.post("/credentials/<int:credential_id>/reissue")
@spec.validate(resp=responses(HTTP_200=CredentialOut), tags=["credentials"])
def reissue(credential_id: int):
    """A card was lost: revoke its serial and issue the next one."""
    cred = _credential(credential_id, Perm.CONTACTS_WRITE)
    return _credential_out(credentials.reissue_card(cred, actor=current_actor(), now=utcnow()))


@bp.put("/credentials/<int:credential_id>/pin")
@spec.validate(json=PinIn, resp=responses(HTTP_200=CredentialOut), tags=["credentials"])
def set_pin(credential_id: int, json: PinIn):
    """Set the PIN typed at the kiosk when the phone is dead."""
    cred = _credential(credential_id, Perm.CONTACTS_WRITE)
    return _credential_out(credentials.set_pin(cred, json.pin, actor=current_actor(), now=utcnow()))


@bp.post("/credentials/<int:credential_id>/phones")
@spec.validate(json=PhoneIn, resp=responses(HTTP_201=PhoneOut), tags=["credentials"])
def enroll_phone(credential_id: int, json: PhoneIn):
    """Enrol the public key a phone page generated."""
    actor, now = current_actor(), utcnow()
    cred = db.session.get(Credential, credential_id)
    if cred is None or not (actor.can(Perm.CENTRE_READ, cred.centre_id, now) or cred.contact_id in actor.contact_ids):
        raise NotFound()
    return PhoneOut.model_validate(credentials.enroll_phone(cred, json.public_key, actor=actor, now=now)), 201


@bp.delete("/credentials/<int:credential_id>/phones/<int:phone_id>")
@spec.validate(resp=responses(HTTP_200=PhoneOut), tags=["credentials"])
def revoke_phone(credential_id: int, phone_id: int):
    """Remove one enrolled phone (lost or replaced); the credential and other phones stay valid."""
    actor, now = current_actor(), utcnow()
    cred = db.session.get(Credential, credential_id)
    phone = db.session.get(PhoneKey, phone_id)
    visible = cred is not None and (actor.can(Perm.CENTRE_READ, cred.centre_id, now) or cred.contact_id in actor.contact_ids)
    if not visible or phone is None or phone.credential_id != credential_id:
        raise NotFound()
    return PhoneOut.model_validate(credentials.revoke_phone(phone, actor=actor, now=now))


@bp.get("/devices/roster")
@spec.validate(resp=responses("HTTP_304", HTTP_200=RosterOut), tags=["devices"])
def roster():
    """The signed roster for the calling kiosk's centre (`If-None-Match: "<version>"` answers 304)."""
    device, now = device_reading(Feed.ROSTER), utcnow()
    centre = db.session.get(Centre, device.centre_id)
    assert centre is not None
    if request.headers.get("If-None-Match", "").strip('"') == str(roster_ops.roster_version(centre, now)):
        return Response(status=304)
    data, signature, version = roster_ops.build_roster(centre, now=now)
    return RosterOut(version=version, document=base64.b64encode(data).decode(),
                     signature=base64.b64encode(signature).decode())


class MoveOut(Schema):
    id: int | str
    inside: bool
    at: datetime


class DeviceRoomOut(Schema):
    room_id: int
    name: str
    children: int
    caregivers: int
    state: str
    headroom: int  # more children the room takes now before it is out of ratio or over its cap
    cap: int


class DevicePresenceOut(Schema):
    day: date
    children: list[MoveOut]
    staff: list[MoveOut]
    rooms: list[DeviceRoomOut] = []


@bp.get("/devices/presence")
@spec.validate(resp=responses(HTTP_200=DevicePresenceOut), tags=["devices"])
def device_presence():
    """Today's last move of each child and staff member, so every kiosk knows what the others saw."""
    device, now = device_reading(Feed.PRESENCE), utcnow()
    centre = db.session.get(Centre, device.centre_id)
    assert centre is not None
    children, staff = presence_ops.last_moves(centre, now)
    return DevicePresenceOut(
        day=centre_today_by_id(centre.id, now),
        children=[MoveOut(id=child_id, inside=m.inside, at=m.at) for child_id, m in sorted(children.items())],
        staff=[MoveOut(id=credentials.person_ref(staff_id=staff_id), inside=m.inside, at=m.at)
               for staff_id, m in sorted(staff.items())],
        rooms=_device_rooms(centre.id),
    )


def _device_rooms(centre_id: int) -> list[DeviceRoomOut]:
    """Each room's live ratio, so the kiosk can warn before a check-in that would breach it."""
    from server.attendance.rooms.operations.live import statuses

    names = dict(db.session.execute(select(Room.id, Room.name).where(Room.centre_id == centre_id)).all())
    return [DeviceRoomOut(room_id=s.room_id, name=names.get(s.room_id, ""), children=s.children,
                          caregivers=s.caregivers, state=s.state, headroom=s.headroom, cap=s.cap)
            for s in statuses(centre_id)]


@bp.get("/devices/photos/<int:photo_id>")
@spec.validate(resp=responses("HTTP_200"), tags=["devices"])
def device_photo(photo_id: int):
    """A photo the roster references, for the kiosk's check-out screen (each fetch logged)."""
    device, now = device_reading(Feed.PHOTOS), utcnow()
    photo = db.session.get(Photo, photo_id)
    if photo is None or photo.centre_id != device.centre_id:
        raise NotFound()
    log_access(centre_id=device.centre_id, user_id=None, action="read", object_type="photo", object_id=photo.id,
               now=now, detail=f"kiosk {device.device_id}")
    return Response(photo.data, mimetype=photo.content_type, headers={"Cache-Control": "private, no-store"})


@bp.get("/centres/<string:code>/presence")
@spec.validate(resp=responses(HTTP_200=PresenceOut), tags=["attendance"])
def presence(code: str):
    """Who is in right now, per class: children and staff on duty."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    rooms = presence_ops.presence(centre, actor=actor, now=now)
    return PresenceOut(at=now, children_present=sum(len(r.children) for r in rooms),
                       staff_present=sum(len(r.staff) for r in rooms),
                       rooms=[RoomPresenceOut(room_id=r.room_id, children=list(r.children), staff=list(r.staff))
                              for r in rooms])


class AbsenceIn(Schema):
    on: Day
    reason: AbsenceReason
    disease: str | None = Field(None, max_length=80)
    note: str | None = Field(None, max_length=200)


class AbsenceOut(Schema):
    id: int
    child_id: int
    on: date
    reason: AbsenceReason
    disease: str | None
    amends_id: int | None


class RegisterQuery(Schema):
    on: Day


class RegisterLineOut(Schema):
    child_id: int
    name: str
    room_id: int | None
    expected: bool
    present: bool
    arrived_at: datetime | None
    left_at: datetime | None
    absence_reason: AbsenceReason | None
    disease: str | None


class RegisterOut(Schema):
    on: date
    expected: int
    present: int
    items: list[RegisterLineOut]


@bp.post("/children/<int:child_id>/absences")
@spec.validate(json=AbsenceIn, resp=responses(HTTP_201=AbsenceOut), tags=["attendance"])
def record_absence(child_id: int, json: AbsenceIn):
    """Record why a child is away (因病缺勤 with the disease name); a later record amends."""
    actor, now = current_actor(), utcnow()
    child = get_child(child_id, actor=actor, now=now, log=False)
    today = centre_today_by_id(child.centre_id, now)
    absence = absences.record_absence(child, on=json.on, reason=json.reason, disease=json.disease, note=json.note,
                                 actor=actor, now=now, today=today)
    return AbsenceOut.model_validate(absence), 201


@bp.get("/centres/<string:code>/attendance")
@spec.validate(query=RegisterQuery, resp=responses(HTTP_200=RegisterOut), tags=["attendance"])
def attendance_register(code: str, query: RegisterQuery):
    """The day's 出勤登记: each enrolled child, expected or not, present or not, and why not."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    authorise(actor, Perm.CHILDREN_ALL, centre.id, now)
    health = actor.can(Perm.HEALTH_READ, centre.id, now)  # disease names are health data
    lines = list(register_lines(centre, Period(query.on, query.on)))
    items = [RegisterLineOut(child_id=line.child_id, name=line.child_name, room_id=line.room_id,
                             expected=line.expected, present=line.present, arrived_at=line.arrived_at,
                             left_at=line.left_at, absence_reason=line.absence.reason if line.absence else None,
                             disease=line.absence.disease if line.absence and health else None) for line in lines]
    return RegisterOut(on=query.on, expected=sum(i.expected for i in items),
                       present=sum(i.present for i in items), items=items)


@bp.get("/centres/<string:code>/presence/stream")
def presence_stream(code: str) -> Response:
    """Server-sent events (`text/event-stream`): a `presence` event now and on every change."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    authorise(actor, Perm.PRESENCE_READ, centre.id, now)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    stream = presence_events(app, centre.id, actor, app.extensions["tuoyu.streams"])
    return Response(stream, mimetype="text/event-stream",
                    headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
