"""Two centres with one of everything, and a principal of every kind, for the route × role × centre matrix."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from server.alerts.operations import raise_alert
from server.attendance.models import AbsenceReason, PhoneKey
from server.attendance.operations.absences import record_absence
from server.attendance.operations.credentials import issue_credential
from server.auth.operations import create_user
from server.auth.roles import Role
from server.centre.closures import record_closure
from server.centre.models import Centre
from server.database import db
from server.fleet.models import DeviceKind
from server.fleet.operations import create_enrolment_code, enroll_device
from server.people.ban_list import add_ban
from server.people.models import StaffRole
from server.people.operations import create_staff, set_contact_photo, update_child
from server.people.staff_models import BanSource
from server.staff.training import TrainingValues, record_training
from tests.factories import SYSTEM, link, make_centre, make_child, make_contact, make_login, make_room
from tests.server.auth import matrix_parts
from tests.server.auth.matrix_parts._base import PartContext
from tests.server.staff.factories import staff_files
from tests.sessions import PASSWORD

# Health data planted in both centres: no answer to a principal without the health permission may carry them.
HEALTH_SENTINELS = ("先天性心脏病", "手足口病")


@dataclass
class Objects:
    """The ids a route's placeholders are filled with, for one centre (or one family within it)."""

    code: str
    room_id: int
    child_id: int
    contact_id: int
    staff_id: int
    credential_id: int
    staff_credential_id: int
    phone_id: int
    device_pk: int
    alert_id: int
    photo_id: int
    closure_id: int
    ban_id: int
    entry_id: int  # a training log entry
    certificate_id: int = 0  # a staff credential (staff files)
    document_id: int = 0  # a scan of one
    shift_id: int = 0  # a duty on the roster
    extra: dict[str, int] = field(default_factory=dict)  # the domains' own objects (matrix_parts)

    def get(self, name: str) -> int | str:
        return self.extra[name] if name in self.extra else getattr(self, name)


@dataclass
class Principal:
    """Who calls: a role by session or token, a device, an out-of-scope or expired inspector, or nobody."""

    name: str
    role: Role | None = None
    via: str = "token"  # token | session | device | anonymous
    device_kind: DeviceKind | None = None
    headers: dict[str, str] = field(default_factory=dict)
    username: str | None = None
    scope: str = "own"  # own: holds a grant at centre A; elsewhere: inspector of B only; expired: grant over


@dataclass
class World:
    own: Objects  # centre A, the principal's own (the guardian's own family)
    other_family: Objects  # centre A, another family
    other_centre: Objects  # centre B
    principals: dict[str, Principal]


def _centre_objects(centre: Centre, now: datetime, tag: str, guardian_user=None) -> tuple[Objects, Objects]:  # type: ignore[no-untyped-def]
    room = make_room(centre, now, name=f"{tag}班")
    other_room = make_room(centre, now, name=f"{tag}二班")
    objects = []
    for n, user in ((1, guardian_user), (2, None)):
        child = make_child(centre, now, room=room, name=f"{tag}宝{n}")
        update_child(child, {"conditions": HEALTH_SENTINELS[0]}, actor=SYSTEM, now=now, today=now.date())
        record_absence(child, on=now.date() - timedelta(days=1), reason=AbsenceReason.SICK,
                       disease=HEALTH_SENTINELS[1], actor=SYSTEM, now=now, today=now.date())
        contact = make_contact(centre, now, name=f"{tag}家长{n}", user=user)
        link(child, contact, now)
        photo = set_contact_photo(contact, b"\x89PNG fake", "image/png", retain_until=None, actor=SYSTEM, now=now)
        credential = issue_credential(centre, contact=contact, expires_on=date(2027, 9, 1), actor=SYSTEM, now=now)
        phone = PhoneKey(credential_id=credential.id, public_key="A" * 43, enrolled_at=now)
        db.session.add(phone)
        staff = create_staff(centre, name=f"{tag}老师{n}", role=StaffRole.CAREGIVER, hired_on=now.date(),
                             actor=SYSTEM, now=now)
        staff_credential = issue_credential(centre, staff=staff, expires_on=date(2027, 9, 1), actor=SYSTEM, now=now)
        code, _ = create_enrolment_code(centre, kind=DeviceKind.KIOSK, name=f"{tag}门口{n}", actor=SYSTEM, now=now)
        device, _ = enroll_device(code, kind=DeviceKind.KIOSK, name=None, version=None, now=now)
        alert = raise_alert(centre.id, kind="test", severity="warning", dedupe_key=f"{tag}{n}",
                            message_zh="测试", message_en="test", now=now)
        closure = record_closure(centre, first_day=date(2026, 10, 8), last_day=date(2026, 10, 9),
                                 reason=f"{tag}停园{n}", actor=SYSTEM, now=now)
        ban = add_ban(centre, name=f"{tag}禁入{n}", id_number="11010519491231002X", reason="通报",
                      source=BanSource.POLICE, decided_on=date(2026, 9, 1), is_lifetime=True, actor=SYSTEM, now=now,
                      today=now.date())
        training = record_training(staff, TrainingValues(category="safety", title="消防安全", hours=1, provider="消防队",
                                                         held_on=now.date()), actor=SYSTEM, now=now)
        certificate, document, shift = staff_files(centre, staff, room, now)
        extra = matrix_parts.objects(PartContext(centre=centre, room=room, other_room=other_room, child=child,
                                                 contact=contact, staff=staff, now=now, tag=tag, n=n))
        db.session.flush()
        objects.append(Objects(
            code=centre.code, room_id=other_room.id, child_id=child.id, contact_id=contact.id, staff_id=staff.id,
            credential_id=credential.id, staff_credential_id=staff_credential.id, phone_id=phone.id,
            device_pk=device.id, alert_id=alert.id, photo_id=photo.id, closure_id=closure.id,
            ban_id=ban.id, entry_id=training.id, certificate_id=certificate.id, document_id=document.id,
            shift_id=shift.id, extra=extra))
    return objects[0], objects[1]


def _device_token(centre: Centre, kind: DeviceKind, now: datetime) -> str:
    code, _ = create_enrolment_code(centre, kind=kind, name=f"{kind.value}-probe", actor=SYSTEM, now=now)
    _, token = enroll_device(code, kind=kind, name=None, version=None, now=now)
    return token


def build_world(now: datetime) -> World:
    """Centres alpha (A) and beta (B), each with two families; principals hold grants at A."""
    a, b = make_centre("alpha", now), make_centre("beta", now)
    guardian = create_user("guardian", "家长", PASSWORD, actor=SYSTEM, now=now)
    own, other_family = _centre_objects(a, now, "甲", guardian_user=guardian)
    other_centre, _ = _centre_objects(b, now, "乙")
    from server.auth.operations import create_token, grant_role

    principals: dict[str, Principal] = {"anonymous": Principal("anonymous", via="anonymous")}
    for role in Role:
        username = f"user-{role.value}"
        if role is Role.GUARDIAN:
            user = guardian
            grant_role(user, a.id, role, expires_at=None, actor=SYSTEM, now=now)
            token, _ = create_token(user, "matrix", expires_at=None, actor=SYSTEM, now=now)
            username = "guardian"
        else:
            login = make_login(username, now, [(a, role)], password=PASSWORD)
            token = login.token
        principals[f"{role.value}-token"] = Principal(f"{role.value}-token", role, "token",
                                                      headers={"Authorization": f"Bearer {token}"})
        principals[f"{role.value}-session"] = Principal(f"{role.value}-session", role, "session", username=username)
    elsewhere = make_login("inspector-of-b", now, [(b, Role.INSPECTOR)])
    principals["inspector-elsewhere"] = Principal("inspector-elsewhere", Role.INSPECTOR, "token",
                                                  headers=elsewhere.headers, scope="elsewhere")
    expired = make_login("inspector-expired", now - timedelta(days=8), [(a, Role.INSPECTOR)],
                         expires_at=now - timedelta(seconds=1))
    principals["inspector-expired"] = Principal("inspector-expired", Role.INSPECTOR, "token",
                                                headers=expired.headers, scope="expired")
    for kind in DeviceKind:
        principals[f"device-{kind.value}"] = Principal(
            f"device-{kind.value}", via="device", device_kind=kind,
            headers={"Authorization": f"Bearer {_device_token(a, kind, now)}"})
    db.session.commit()
    return World(own=own, other_family=other_family, other_centre=other_centre, principals=principals)

