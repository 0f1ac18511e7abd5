"""Small builders for test data, all through the real operations (so every row is audited)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from compliance.staffing import default_catalogue
from server.auth.actor import Actor
from server.auth.models import User
from server.auth.operations import create_token, create_user, grant_role
from server.auth.roles import Role
from server.centre.models import Centre, ClassType, FilingStatus, LegalForm, Room, ServiceType
from server.centre.operations import create_centre, create_room
from server.centre.timezones import centre_today
from server.database import db
from server.people.models import Child, Contact, Relationship, Sex, Staff, StaffRole
from server.people.operations import create_child, create_contact, create_staff, link_contact
from server.staff.models import StaffCredential
from server.staff.operations.credentials import record_credential
from tests.sessions import PASSWORD

SYSTEM = Actor.system()


def make_centre(code: str, now: datetime, **profile: object) -> Centre:
    values = {"name": f"{code} 托育中心", "legal_form": LegalForm.FOR_PROFIT,
              "filing_status": FilingStatus.FILED, "filed_on": date(2025, 1, 10),
              "approved_places": 40, "inclusive_places": 10, **profile}
    return create_centre(code=code, actor=SYSTEM, now=now, **values)  # type: ignore[arg-type]


def make_room(centre: Centre, now: datetime, name: str = "小月亮班", class_type: ClassType = ClassType.TODDLER,
              capacity: int = 15) -> Room:
    return create_room(centre, name=name, class_type=class_type, capacity=capacity, actor=SYSTEM, now=now)


def make_child(centre: Centre, now: datetime, *, room: Room | None = None, name: str = "王小明",
               born_on: date = date(2025, 3, 1), enrolled_on: date = date(2026, 3, 1)) -> Child:
    return create_child(centre, name=name, sex=Sex.MALE, born_on=born_on, enrolled_on=enrolled_on,
                        service_type=ServiceType.FULL_DAY, room_id=room.id if room else None,
                        allergies="花生 / peanut", actor=SYSTEM, now=now, today=now.date())


def make_contact(centre: Centre, now: datetime, name: str = "李丽", user: User | None = None) -> Contact:
    return create_contact(centre, name=name, phone="13800138000", user_id=user.id if user else None,
                          actor=SYSTEM, now=now)


def link(child: Child, contact: Contact, now: datetime, *, guardian: bool = True, pick_up: bool = True) -> None:
    link_contact(child, contact, relationship=Relationship.MOTHER, is_guardian=guardian, may_pick_up=pick_up,
                 actor=SYSTEM, now=now)


def certify(staff: Staff, now: datetime, *, issued_on: date | None = None,
            expires_on: date | None = None) -> list[StaffCredential]:
    """Record, through the real operation, the first credential of each requirement of the person's role.

    Issued half a year before the centre's today and without a printed expiry by default, so the certificates
    capped at 12 months by a rule still run half a year ahead (no expiry warning in a test's time span).
    """
    centre = db.session.get(Centre, staff.centre_id)
    assert centre is not None
    today = centre_today(centre, now)
    issued = issued_on or today - timedelta(days=182)
    catalogue = default_catalogue()
    return [record_credential(staff, type_code=requirement.codes[0], number=f"T{staff.id:06d}{index}{issued:%y%m%d}",
                              issuer="测试发证机关", issued_on=issued, expires_on=expires_on,
                              actor=SYSTEM, now=now, today=today, catalogue=catalogue)
            for index, requirement in enumerate(catalogue.requirements(str(staff.role)))]


def make_staff(centre: Centre, now: datetime, *, name: str = "张老师", role: StaffRole = StaffRole.CAREGIVER,
               hired_on: date = date(2025, 1, 1), room: Room | None = None, user: User | None = None,
               certified: bool = True) -> Staff:
    """A member of staff, by default with every credential the role needs (see `certify`); certified=False for
    a test about someone who may not be on duty."""
    staff = create_staff(centre, name=name, role=role, hired_on=hired_on, home_room_id=room.id if room else None,
                         user_id=user.id if user else None, actor=SYSTEM, now=now)
    if certified:
        certify(staff, now)
    return staff


@dataclass
class Login:
    user: User
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def make_login(username: str, now: datetime, grants: list[tuple[Centre, Role]] | None = None,
               expires_at: datetime | None = None, password: str | None = PASSWORD) -> Login:
    user = create_user(username, username, password, actor=SYSTEM, now=now)
    for centre, role in grants or []:
        expiry = expires_at if expires_at is not None else (now + timedelta(days=7) if role is Role.INSPECTOR else None)
        grant_role(user, centre.id, role, expires_at=expiry, actor=SYSTEM, now=now)
    plain, _ = create_token(user, "test", expires_at=None, actor=SYSTEM, now=now)
    db.session.commit()
    return Login(user, plain)
