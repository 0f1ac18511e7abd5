"""Check-ins, check-outs and refusals from the kiosks: the authoritative check, the row, the flags and alerts.

Issue #15: a check-in may carry the kiosk's quick health screens (``devices.wire.health_screen``): each opens
the child's pending 晨检 through the health checks (``record_quick_screen``). A child excluded for illness
(表4, until a return certificate) whose check-in arrives anyway (a kiosk on a stale roster, or an older kiosk)
is kept and flagged ``excluded``, and staff are alerted at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select

from devices.wire.health_screen import QuickScreen, ScreenError, check_in_screens
from devices.wire.protocol import Event
from server.alerts.operations import raise_alert
from server.attendance.models import AttendanceEvent, AttendanceKind, Credential
from server.attendance.operations.credentials import person_ref
from server.audit.operations import audit_record
from server.auth.actor import Actor
from server.centre.models import Centre
from server.centre.timezones import centre_zone
from server.database import db
from server.fleet.models import Device
from server.fleet.operations import EventRejected
from server.health.checks.operations import record_quick_screen
from server.health.illness.operations import excluded_children
from server.people.models import Child, ChildContact, Contact, Staff
from server.staff.operations.eligibility import certified_staff_ids

CHILD_LEFT = "child_left"  # the refusal reason of a check-in of a child who has left the centre
NOT_CERTIFIED = "not_certified"  # a member of staff checks in without valid credentials for the day (issue #14)
EXCLUDED = "excluded"  # a child excluded for illness until a return certificate checks in anyway (issue #15)
EVENT_FIELDS = ("kind", "child_id", "staff_id", "contact_id", "method", "credential_id", "at", "flags", "reason")


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
    child_id: int | None = Field(None, ge=1, le=2**53)


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
    try:
        screens = {s.child_id: s for s in check_in_screens(event.payload)}
    except ScreenError as exc:
        raise EventRejected("invalid_screen", exc.problem) from None
    if screens and kind != "attendance.check_in":
        raise EventRejected("invalid_screen", "only a check-in carries health screens")
    person = _resolve_person(device.centre_id, payload.person_id)
    centre = db.session.get(Centre, device.centre_id)
    assert centre is not None
    day = event.created_at.astimezone(centre_zone(centre)).date()
    person.flags += _credential_flags(device.centre_id, payload, day)
    check_in = kind == "attendance.check_in"
    if check_in and person.staff is not None and not payload.children and person.staff.id not in certified_staff_ids(
            device.centre_id, [person.staff.id], day):
        person.flags.append(NOT_CERTIFIED)  # kept and counted as present, but not in any ratio; the director told
    excluded = excluded_children(device.centre_id, day) if check_in and payload.children else {}
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
        if check_in and child.left_on is not None and child.left_on < day:
            # A child who has left (离园/退托) is not taken in: a refused row, kept, and staff told why.
            rows.append(_event_row(device, event, now, AttendanceKind.REFUSED, person, payload, child_id=child_id,
                                   flags=flags, reason=CHILD_LEFT))
            continue
        if child.enrolled_on > day or (child.left_on is not None and child.left_on < day):
            flags.append("not_enrolled")
        link = links.get(child_id)
        if person.staff is None and (link is None or not (link.may_drop_off if check_in else link.may_pick_up)):
            flags.append("not_authorised")
        if child_id in excluded:
            flags.append(EXCLUDED)  # kept (the child is at the door), flagged, staff alerted: the 保健员 acts
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
        if row.flags or row.kind is AttendanceKind.REFUSED:
            _alert_for(row, now)
    _record_screens(device, event, rows, screens, now)
    # The rooms' ratios are worked out once the whole batch is in (rooms.live.refresh_after_kiosk_batch).


def _record_screens(device: Device, event: Event, rows: list[AttendanceEvent], screens: dict[int, QuickScreen],
                    now: datetime) -> None:
    """Each screened child checked in opens their pending 晨检 (a fever or a "no" goes first in the queue)."""
    for row in rows:
        screen = screens.get(row.child_id) if row.child_id is not None else None
        if screen is None or row.kind is not AttendanceKind.CHECK_IN:
            continue
        child = db.session.get(Child, row.child_id)
        assert child is not None
        record_quick_screen(child, temperature=screen.celsius, hands_mouth_eyes_ok=screen.hands_mouth_eyes_ok,
                            device_id=device.id, at=event.created_at, now=now)


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
    child = db.session.get(Child, payload.child_id) if payload.child_id is not None else None
    child_id = child.id if child is not None and child.centre_id == device.centre_id else None
    row = _event_row(device, event, now, AttendanceKind.REFUSED, person, payload, child_id=child_id,
                     reason=payload.reason, flags=flags)
    db.session.add(row)
    db.session.flush()
    audit_record(row, "attendance.refused", None, EVENT_FIELDS, actor=Actor(kind="device"), now=now)
    _alert_for(row, now)


FLAG_TEXT = {
    "not_authorised": ("非授权接送人", "not authorised for this child"),
    "credential_revoked": ("凭证已停用", "credential revoked"),
    "credential_expired": ("凭证已过期", "credential expired"),
    "credential_mismatch": ("凭证与人员不符", "credential of another person"),
    "wrong_centre": ("其他机构的凭证", "credential of another centre"),
    "unknown_credential": ("服务器无此凭证（数据可能较旧）", "credential unknown to the server (older data?)"),
    "not_enrolled": ("幼儿当日不在托", "child not enrolled that day"),
    "no_credential": ("无凭证", "no credential"),
    NOT_CERTIFIED: ("证件不全或已过期，不能上岗", "staff member without valid credentials"),
    EXCLUDED: ("幼儿因病暂停入园，须凭医疗机构返园证明入园", "child excluded for illness until a return certificate"),
}


def _alert_for(row: AttendanceEvent, now: datetime) -> None:
    """Staff hear at once about a flagged kiosk event or a refused pick-up.

    Every member of staff reads alerts (the kitchen and the guard too), so an excluded child's alert never names
    the disease: the 保健员 reads it on the 表4 page, with the health permission.
    """
    child = db.session.get(Child, row.child_id) if row.child_id else None
    staff = db.session.get(Staff, row.staff_id) if child is None and row.staff_id else None
    who = child.name if child else (staff.name if staff else "—")
    if row.kind is AttendanceKind.REFUSED and row.reason == CHILD_LEFT:
        zh, en = f"已离园幼儿签到被拒：{who}已办理离园", f"check-in refused: the child has left the centre ({who})"
        severity = "warning"
    elif row.kind is AttendanceKind.REFUSED:
        if row.reason != "not_authorised_pick_up":
            return
        zh, en = "非授权人员试图接走幼儿", "an unauthorised person tried to collect a child"
        severity = "urgent"
    else:
        texts = [FLAG_TEXT.get(f, (f, f)) for f in row.flags]
        zh = "签到异常：" + "、".join(t[0] for t in texts) + f"（{who}）"
        en = "check-in flagged: " + ", ".join(t[1] for t in texts) + f" ({who})"
        severity = ("urgent" if {"not_authorised", "credential_revoked", NOT_CERTIFIED, EXCLUDED} & set(row.flags)
                    else "warning")
    raise_alert(row.centre_id, kind=f"attendance.{row.kind.value}", severity=severity,
                dedupe_key=f"attendance_event:{row.id}", message_zh=zh, message_en=en,
                subject={"attendance_event": row.id, "child": row.child_id}, now=now)
