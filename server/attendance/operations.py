"""Credentials for the kiosk, the signed roster it verifies against, and attendance from its events."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select

from devices.credentials import (
    PersonKind,
    PhoneEnrolment,
    RosterCentre,
    RosterChild,
    RosterCredential,
    RosterDocument,
    RosterPerson,
    check_pin_policy,
    expand_keys,
    hash_pin,
    issue_card,
    load_public_key,
    sign_roster,
)
from devices.protocol import Event
from server.attendance.models import Absence, AbsenceReason, AttendanceEvent, AttendanceKind, Credential, PhoneKey
from server.audit.models import AuditHead, chain_for
from server.audit.operations import audit_record, snapshot
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.centre.models import Centre, Room
from server.database import db
from server.errors import NotFound, ProblemCollector
from server.fleet.models import Device
from server.fleet.operations import EventRejected
from server.inspections import keys
from server.people.models import Child, ChildContact, Contact, Staff
from server.timezones import centre_today, centre_zone

CREDENTIAL_FIELDS = ("contact_id", "staff_id", "card_serial", "revoked_serials", "expires_on", "revoked_at")
EVENT_FIELDS = ("kind", "child_id", "staff_id", "contact_id", "method", "credential_id", "at", "flags", "reason")


def person_ref(*, contact_id: int | None = None, staff_id: int | None = None) -> str:
    """Roster person ids: `c<contact id>` for guardians and pick-up adults, `s<staff id>` for staff."""
    return f"c{contact_id}" if contact_id is not None else f"s{staff_id}"


def issue_credential(
    centre: Centre, *, contact: Contact | None = None, staff: Staff | None = None, expires_on: date,
    actor: Actor, now: datetime,
) -> Credential:
    """Give an adult a kiosk credential (card serial 1; phones and PIN are added later)."""
    authorise(actor, Perm.CONTACTS_WRITE if contact else Perm.STAFF_WRITE, centre.id, now)
    problems = ProblemCollector()
    if (contact is None) == (staff is None):
        problems.add("one_person", "凭证须属于一位联系人或一位员工 / A credential belongs to one contact or one staff member")
    for person in (contact, staff):
        if person is not None and person.centre_id != centre.id:
            raise NotFound()
    if expires_on <= centre_today(centre, now):
        problems.add("expiry_in_past", "有效期须晚于今天 / Expiry must be after today", "expires_on")
    problems.raise_if_any()
    credential = Credential(centre_id=centre.id, contact_id=contact.id if contact else None,
                            staff_id=staff.id if staff else None, card_serial=1, revoked_serials=[],
                            expires_on=expires_on, created_at=now)
    db.session.add(credential)
    db.session.flush()
    audit_record(credential, "credential.issue", None, CREDENTIAL_FIELDS, actor=actor, now=now)
    return credential


def reissue_card(credential: Credential, *, actor: Actor, now: datetime) -> Credential:
    """A lost card: its serial is revoked at every kiosk with the next roster; a new serial is printed."""
    authorise(actor, Perm.CONTACTS_WRITE, credential.centre_id, now)
    before = snapshot(credential, CREDENTIAL_FIELDS)
    credential.revoked_serials = [*credential.revoked_serials, credential.card_serial]
    credential.card_serial += 1
    db.session.flush()
    audit_record(credential, "credential.reissue", before, CREDENTIAL_FIELDS, actor=actor, now=now)
    return credential


def set_pin(credential: Credential, pin: str, *, actor: Actor, now: datetime) -> Credential:
    """Set the PIN an adult types at the kiosk when their phone is dead (argon2id in the roster)."""
    authorise(actor, Perm.CONTACTS_WRITE, credential.centre_id, now)
    problems = ProblemCollector()
    for code in check_pin_policy(pin):
        problems.add(code, "PIN 须为 6–8 位数字，且不能过于简单 / PIN: 6–8 digits, not trivial", "pin")
    problems.raise_if_any()
    before = snapshot(credential, CREDENTIAL_FIELDS)
    credential.pin_hash = hash_pin(pin)
    db.session.flush()
    audit_record(credential, "credential.pin", before, CREDENTIAL_FIELDS, actor=actor, now=now)
    return credential


def enroll_phone(credential: Credential, public_key: str, *, actor: Actor, now: datetime) -> PhoneKey:
    """Enrol the key a phone page generated; the phone then shows 30-s signed codes."""
    if credential.contact_id is None or credential.contact_id not in actor.contact_ids:
        authorise(actor, Perm.CONTACTS_WRITE, credential.centre_id, now)
    try:
        load_public_key(public_key)
    except ValueError:
        problems = ProblemCollector()
        problems.add("bad_public_key", "公钥格式不正确 / Not an Ed25519 public key", "public_key")
        problems.raise_if_any()
    phone = PhoneKey(credential_id=credential.id, public_key=public_key, enrolled_at=now)
    db.session.add(phone)
    db.session.flush()
    audit_record(credential, "credential.phone", None, CREDENTIAL_FIELDS, actor=actor, now=now)
    return phone


def revoke_phone(phone: PhoneKey, *, actor: Actor, now: datetime) -> PhoneKey:
    """A lost or replaced phone: its codes stop working at every kiosk with the next roster."""
    credential = db.session.get(Credential, phone.credential_id)
    assert credential is not None
    if credential.contact_id is None or credential.contact_id not in actor.contact_ids:
        authorise(actor, Perm.CONTACTS_WRITE, credential.centre_id, now)
    if phone.revoked_at is None:
        phone.revoked_at = now
        db.session.flush()
        audit_record(credential, "credential.phone_revoke", None, CREDENTIAL_FIELDS, actor=actor, now=now)
    return phone


def card_text(credential: Credential, *, now: datetime) -> str:
    """The QR text printed on the adult's card, signed by the centre key."""
    centre = db.session.get(Centre, credential.centre_id)
    assert centre is not None
    keys.ensure_keys(centre, now)
    _, private_key = keys.signing_key(centre)
    return issue_card(private_key, centre_id=centre.id, credential_id=credential.id,
                      person_id=person_ref(contact_id=credential.contact_id, staff_id=credential.staff_id),
                      serial=credential.card_serial, issued_at=now, expires_on=credential.expires_on)


def roster_version(centre: Centre) -> int:
    """Every change that can alter a roster is audited, so the chain's length is a rising version."""
    head = db.session.get(AuditHead, chain_for(centre.id))
    return head.seq if head else 0


def build_roster(centre: Centre, *, now: datetime) -> tuple[bytes, bytes, int]:
    """The roster the kiosks verify offline: who may drop off and pick up whom, signed by the centre key."""
    keyset = keys.ensure_keys(centre, now)
    _, private_key = keys.signing_key(centre)
    today = centre_today(centre, now)
    rooms = dict(db.session.execute(select(Room.id, Room.name).where(Room.centre_id == centre.id)).all())
    children = db.session.execute(
        select(Child).where(Child.centre_id == centre.id, Child.enrolled_on <= today,
                            (Child.left_on.is_(None)) | (Child.left_on >= today)).order_by(Child.id)
    ).scalars().all()
    enrolled = {c.id for c in children}
    drop_off: dict[int, list[int]] = defaultdict(list)
    pick_up: dict[int, list[int]] = defaultdict(list)
    guardians: set[int] = set()
    for link in db.session.execute(select(ChildContact).where(ChildContact.centre_id == centre.id)).scalars():
        if link.is_guardian:
            guardians.add(link.contact_id)
        if link.child_id in enrolled:
            if link.may_drop_off:
                drop_off[link.contact_id].append(link.child_id)
            if link.may_pick_up:
                pick_up[link.contact_id].append(link.child_id)
    credentials = db.session.execute(
        select(Credential).where(Credential.centre_id == centre.id, Credential.revoked_at.is_(None),
                                 Credential.expires_on >= today).order_by(Credential.id)
    ).scalars().all()
    phones: dict[int, list[PhoneKey]] = defaultdict(list)
    for phone in db.session.execute(select(PhoneKey).where(PhoneKey.revoked_at.is_(None))).scalars():
        phones[phone.credential_id].append(phone)
    persons: dict[str, RosterPerson] = {}
    for cred in credentials:
        ref = person_ref(contact_id=cred.contact_id, staff_id=cred.staff_id)
        if cred.contact_id is not None:
            contact = db.session.get(Contact, cred.contact_id)
            assert contact is not None
            kind = PersonKind.GUARDIAN if contact.id in guardians else PersonKind.PICKUP
            persons[ref] = RosterPerson(ref, contact.name, kind, contact.photo_id, cred.pin_hash,
                                        tuple(sorted(drop_off[contact.id])), tuple(sorted(pick_up[contact.id])))
        else:
            staff = db.session.get(Staff, cred.staff_id)
            assert staff is not None
            persons[ref] = RosterPerson(ref, staff.name, PersonKind.STAFF, None, cred.pin_hash)
    document = RosterDocument(
        centre=RosterCentre(centre.id, centre.code, centre.timezone), version=roster_version(centre),
                # Retired keys stay listed: cards printed before a rotation keep working until reissued.
        generated_at=now, keys=expand_keys([record.public_key for record in keyset.keys]),
        persons=tuple(persons.values()),
        credentials=tuple(
            RosterCredential(c.id, person_ref(contact_id=c.contact_id, staff_id=c.staff_id), c.expires_on,
                             c.card_serial, tuple(c.revoked_serials),
                             tuple(PhoneEnrolment(p.id, p.public_key) for p in phones[c.id]))
            for c in credentials
        ),
        children=tuple(RosterChild(c.id, c.name, rooms.get(c.room_id), c.photo_id) for c in children),
    )
    data, signature = sign_roster(document, private_key)
    return data, signature, document.version



class _CheckPayload(BaseModel):
    model_config = ConfigDict(extra="ignore")

    person_id: str = Field(pattern=r"^[cs][0-9]{1,12}$")
    children: list[int] = Field(default_factory=list, max_length=20)
    method: Literal["card", "phone", "pin"] | None = None
    credential_id: int | None = None


class _RefusedPayload(BaseModel):
    model_config = ConfigDict(extra="ignore")

    reason: str = Field(max_length=64)
    method: str | None = Field(None, max_length=16)
    credential_id: int | None = None
    person_id: str | None = Field(None, pattern=r"^[cs][0-9]{1,12}$")


@dataclass
class _Person:
    contact: Contact | None = None
    staff: Staff | None = None
    flags: list[str] = field(default_factory=list)


def _resolve_person(centre_id: int, ref: str) -> _Person:
    model = Contact if ref[0] == "c" else Staff
    row = db.session.get(model, int(ref[1:]))
    if row is None or row.centre_id != centre_id:
        raise EventRejected("unknown_person", f"no person {ref} at this centre")
    return _Person(contact=row) if model is Contact else _Person(staff=row)


def handle_kiosk_event(device: Device, event: Event, now: datetime) -> None:
    """Turn one kiosk event into attendance rows: authoritative re-check, flagged but never lost."""
    kind = str(event.kind)
    if kind == "attendance.refused":
        _record_refusal(device, event, now)
        return
    try:
        payload = _CheckPayload.model_validate(event.payload)
    except ValidationError as exc:
        raise EventRejected("invalid_payload", str(exc.errors()[0]["msg"])) from None
    person = _resolve_person(device.centre_id, payload.person_id)
    centre = db.session.get(Centre, device.centre_id)
    assert centre is not None
    day = event.created_at.astimezone(centre_zone(centre)).date()
    person.flags += _credential_flags(device.centre_id, payload, day)
    check_in = kind == "attendance.check_in"
    links = {}
    if person.contact is not None:
        links = {link.child_id: link for link in db.session.execute(
            select(ChildContact).where(ChildContact.contact_id == person.contact.id)).scalars()}
    rows = []
    for child_id in payload.children:
        child = db.session.get(Child, child_id)
        if child is None or child.centre_id != device.centre_id:
            raise EventRejected("unknown_child", f"no child {child_id} at this centre")
        flags = list(person.flags)
        if child.enrolled_on > day or (child.left_on is not None and child.left_on < day):
            flags.append("not_enrolled")
        link = links.get(child_id)
        if person.staff is None and (link is None or not (link.may_drop_off if check_in else link.may_pick_up)):
            flags.append("not_authorised")
        rows.append(_event_row(device, event, now, AttendanceKind.CHECK_IN if check_in else AttendanceKind.CHECK_OUT,
                               person, payload, child_id=child_id, flags=flags))
    if not payload.children:
        if person.staff is None:
            raise EventRejected("no_children", "a check-in of an adult names no child")
        rows.append(_event_row(device, event, now, AttendanceKind.CHECK_IN if check_in else AttendanceKind.CHECK_OUT,
                               person, payload, flags=list(person.flags)))
    db.session.add_all(rows)
    db.session.flush()
    for row in rows:
        audit_record(row, f"attendance.{row.kind.value}", None, EVENT_FIELDS, actor=Actor(kind="device"), now=now)
        if row.flags:
            _alert_for(row, now)
    # The rooms' ratios are worked out once the whole batch is in (rooms.live.refresh_after_kiosk_batch).


def _credential_flags(centre_id: int, payload: _CheckPayload, day: date) -> list[str]:
    if payload.credential_id is None:
        return [] if payload.method == "pin" else ["no_credential"]
    cred = db.session.get(Credential, payload.credential_id)
    if cred is None:
        # A kiosk with a newer roster than this server (restored from a backup): kept, flagged, without the id.
        return ["unknown_credential"]
    if cred.centre_id != centre_id:
        return ["wrong_centre"]
    flags = []
    if person_ref(contact_id=cred.contact_id, staff_id=cred.staff_id) != payload.person_id:
        flags.append("credential_mismatch")
    if cred.revoked_at is not None:
        flags.append("credential_revoked")
    if cred.expires_on < day:
        flags.append("credential_expired")
    return flags


def _event_row(device: Device, event: Event, now: datetime, kind: AttendanceKind, person: _Person,
               payload: _CheckPayload | _RefusedPayload, *, child_id: int | None = None,
               flags: list[str] | None = None, reason: str | None = None) -> AttendanceEvent:
    return AttendanceEvent(
        centre_id=device.centre_id, kind=kind, child_id=child_id,
        staff_id=person.staff.id if person.staff else None, contact_id=person.contact.id if person.contact else None,
        method=payload.method, credential_id=_known_credential_id(payload.credential_id), at=event.created_at,
        device_pk=device.id,
        device_key=event.key, flags=flags or [], reason=reason, recorded_at=now,
    )


def _known_credential_id(credential_id: int | None) -> int | None:
    """The credential id if this server holds it: an unknown one is dropped (the row's flag says so)."""
    if credential_id is None or db.session.get(Credential, credential_id) is None:
        return None
    return credential_id


def _record_refusal(device: Device, event: Event, now: datetime) -> None:
    try:
        payload = _RefusedPayload.model_validate(event.payload)
    except ValidationError as exc:
        raise EventRejected("invalid_payload", str(exc.errors()[0]["msg"])) from None
    person = _Person()
    if payload.person_id is not None:
        try:
            person = _resolve_person(device.centre_id, payload.person_id)
        except EventRejected:
            person = _Person()
    flags = [] if _known_credential_id(payload.credential_id) == payload.credential_id else ["unknown_credential"]
    row = _event_row(device, event, now, AttendanceKind.REFUSED, person, payload, reason=payload.reason, flags=flags)
    db.session.add(row)
    db.session.flush()
    audit_record(row, "attendance.refused", None, EVENT_FIELDS, actor=Actor(kind="device"), now=now)
    _alert_for(row, now)


@dataclass(frozen=True)
class RoomPresence:
    room_id: int | None
    children: tuple[int, ...]
    staff: tuple[int, ...]


@dataclass(frozen=True)
class Move:
    """The last check-in or check-out of a child or staff member today."""

    inside: bool
    at: datetime


def last_moves(centre: Centre, now: datetime) -> tuple[dict[int, Move], dict[int, Move]]:
    """(children, staff): each one's last in/out of today (centre-local), refused attempts aside."""
    tz = centre_zone(centre)
    start = datetime.combine(centre_today(centre, now), time.min, tzinfo=tz)
    events = db.session.execute(
        select(AttendanceEvent).where(
            AttendanceEvent.centre_id == centre.id, AttendanceEvent.at >= start,
            AttendanceEvent.at < start + timedelta(days=1), AttendanceEvent.at <= now,
            AttendanceEvent.kind != AttendanceKind.REFUSED,
        ).order_by(AttendanceEvent.at, AttendanceEvent.id)
    ).scalars()
    children: dict[int, Move] = {}
    staff: dict[int, Move] = {}
    for e in events:
        move = Move(e.kind is AttendanceKind.CHECK_IN, e.at)
        if e.child_id is not None:
            children[e.child_id] = move
        elif e.staff_id is not None:
            staff[e.staff_id] = move
    return children, staff


def presence(centre: Centre, *, actor: Actor, now: datetime) -> list[RoomPresence]:
    """Who is in right now, per room: children and staff where their last check-in or room move put them."""
    from server.rooms.live import whereabouts

    authorise(actor, Perm.PRESENCE_READ, centre.id, now)
    where = whereabouts(centre.id, now)
    rooms: dict[int | None, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    for child_id, room_id in where.children.items():
        rooms[room_id][0].append(child_id)
    for staff_id, room_id in where.staff.items():
        rooms[room_id][1].append(staff_id)
    return [RoomPresence(room, tuple(sorted(c)), tuple(sorted(s))) for room, (c, s) in sorted(
        rooms.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))]


def record_absence(
    child: Child, *, on: date, reason: AbsenceReason, disease: str | None = None, note: str | None = None,
    actor: Actor, now: datetime, today: date,
) -> Absence:
    """Record why a child is away (因病缺勤 needs the disease name); a later record for the day amends."""
    authorise(actor, Perm.ATTENDANCE_WRITE, child.centre_id, now)
    problems = ProblemCollector()
    if reason is AbsenceReason.SICK and not (disease or "").strip():
        problems.add("disease_required", "因病缺勤须填写疾病名称 / A sick day needs the disease name", "disease")
    if on > today + timedelta(days=30):
        problems.add("too_far_ahead", "最多提前 30 天登记 / At most 30 days ahead", "on")
    if child.enrolled_on > on or (child.left_on is not None and child.left_on < on):
        problems.add("not_enrolled", "该日幼儿不在托 / The child is not enrolled that day", "on")
    problems.raise_if_any()
    previous = db.session.execute(
        select(Absence).where(Absence.child_id == child.id, Absence.on == on).order_by(Absence.id.desc()).limit(1)
    ).scalar_one_or_none()
    absence = Absence(centre_id=child.centre_id, child_id=child.id, on=on, reason=reason,
                      disease=(disease or "").strip() or None, note=note, recorded_by_id=actor.user_id,
                      recorded_at=now, amends_id=previous.id if previous else None)
    db.session.add(absence)
    db.session.flush()
    audit_record(absence, "absence.record", None, ("child_id", "on", "reason", "disease", "amends_id"),
                 actor=actor, now=now)
    return absence


FLAG_TEXT = {
    "not_authorised": ("非授权接送人", "not authorised for this child"),
    "credential_revoked": ("凭证已停用", "credential revoked"),
    "credential_expired": ("凭证已过期", "credential expired"),
    "credential_mismatch": ("凭证与人员不符", "credential of another person"),
    "wrong_centre": ("其他机构的凭证", "credential of another centre"),
    "unknown_credential": ("服务器无此凭证（数据可能较旧）", "credential unknown to the server (older data?)"),
    "not_enrolled": ("幼儿当日不在托", "child not enrolled that day"),
    "no_credential": ("无凭证", "no credential"),
}


def _alert_for(row: AttendanceEvent, now: datetime) -> None:
    """Staff hear at once about a flagged kiosk event or a refused pick-up."""
    from server.alerts.operations import raise_alert

    child = db.session.get(Child, row.child_id) if row.child_id else None
    who = child.name if child else "—"
    if row.kind is AttendanceKind.REFUSED:
        if row.reason != "not_authorised_pick_up":
            return
        zh, en = "非授权人员试图接走幼儿", "an unauthorised person tried to collect a child"
        severity = "urgent"
    else:
        texts = [FLAG_TEXT.get(f, (f, f)) for f in row.flags]
        zh = "签到异常：" + "、".join(t[0] for t in texts) + f"（{who}）"
        en = "check-in flagged: " + ", ".join(t[1] for t in texts) + f" ({who})"
        severity = "urgent" if {"not_authorised", "credential_revoked"} & set(row.flags) else "warning"
    raise_alert(row.centre_id, kind=f"attendance.{row.kind.value}", severity=severity,
                dedupe_key=f"attendance_event:{row.id}", message_zh=zh, message_en=en,
                subject={"attendance_event": row.id, "child": row.child_id}, now=now)
