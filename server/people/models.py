"""Children, the adults around them (guardians and authorised pick-up persons), staff, photos."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.centre.models import ServiceType, str_enum
from server.database import UTCDateTime, db
from server.people.idnumber import mask_id_number


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"


class Relationship(StrEnum):
    MOTHER = "mother"
    FATHER = "father"
    GRANDMOTHER = "grandmother"
    GRANDFATHER = "grandfather"
    AUNT_UNCLE = "aunt_uncle"
    NANNY = "nanny"
    OTHER = "other"


class StaffRole(StrEnum):
    DIRECTOR = "director"  # 负责人
    CAREGIVER = "caregiver"  # 保育人员 / 保育师 / 育婴员
    HEALTH = "health"  # 保健员
    KITCHEN = "kitchen"  # 炊事员
    SECURITY = "security"  # 保安
    TEACHER = "teacher"  # 教师


RELATIONSHIP_LABELS = {
    Relationship.MOTHER: ("母亲", "Mother"),
    Relationship.FATHER: ("父亲", "Father"),
    Relationship.GRANDMOTHER: ("祖母/外祖母", "Grandmother"),
    Relationship.GRANDFATHER: ("祖父/外祖父", "Grandfather"),
    Relationship.AUNT_UNCLE: ("姑姨叔舅", "Aunt or uncle"),
    Relationship.NANNY: ("保姆", "Nanny"),
    Relationship.OTHER: ("其他", "Other"),
}

class LeaveReason(StrEnum):
    """Why a child left the centre (离园/退托)."""

    GRADUATED = "graduated"  # 毕业 (on to kindergarten)
    TRANSFERRED = "transferred"  # 转园
    WITHDRAWN = "withdrawn"  # 退托
    OTHER = "other"  # 其他 (labels are keyed by value: the same words as Relationship.OTHER's)


LEAVE_REASON_LABELS = {
    LeaveReason.GRADUATED: ("毕业", "Graduated"),
    LeaveReason.TRANSFERRED: ("转园", "Transferred to another centre"),
    LeaveReason.WITHDRAWN: ("退托", "Withdrawn"),
    LeaveReason.OTHER: ("其他", "Other"),
}

STAFF_ROLE_LABELS = {
    StaffRole.DIRECTOR: ("负责人", "Director"),
    StaffRole.CAREGIVER: ("保育人员", "Caregiver"),
    StaffRole.HEALTH: ("保健员", "Health officer"),
    StaffRole.KITCHEN: ("炊事员", "Kitchen staff"),
    StaffRole.SECURITY: ("保安", "Security guard"),
    StaffRole.TEACHER: ("教师", "Teacher"),
}


class Photo(db.Model):
    """A face photo for pick-up checks: sensitive, with a purpose and a retention limit."""

    __tablename__ = "photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    content_type: Mapped[str] = mapped_column(String(40))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(40))  # e.g. pickup_check
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    retain_until: Mapped[date | None]


class Child(db.Model):
    """A child enrolled at a centre."""

    __tablename__ = "child"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    sex: Mapped[Sex] = mapped_column(str_enum(Sex, 8))
    born_on: Mapped[date]
    room_id: Mapped[int | None] = mapped_column(ForeignKey("room.id"))
    enrolled_on: Mapped[date]
    left_on: Mapped[date | None]
    # Set by leave_child (离园/退托) with left_on: why, and a short note.
    left_reason: Mapped[LeaveReason | None] = mapped_column(str_enum(LeaveReason, 16))
    left_note: Mapped[str | None] = mapped_column(String(200))
    service_type: Mapped[ServiceType] = mapped_column(str_enum(ServiceType))
    allergies: Mapped[str | None] = mapped_column(Text)
    conditions: Mapped[str | None] = mapped_column(Text)
    # 个人信息保护法 Art. 31: a guardian's consent before processing a child's data.
    consent_on: Mapped[date | None]
    consent_by_contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id"))
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("photo.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Contact(db.Model):
    """An adult around a child. Whether they are a guardian or may collect is on the link, per child."""

    __tablename__ = "contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    phone: Mapped[str | None] = mapped_column(String(32))
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("photo.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ChildContact(db.Model):
    """How an adult relates to one child: guardianship and pick-up authorisation are separate."""

    __tablename__ = "child_contact"
    __table_args__ = (UniqueConstraint("child_id", "contact_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"))
    relationship: Mapped[Relationship] = mapped_column(str_enum(Relationship, 16))
    is_guardian: Mapped[bool]
    may_pick_up: Mapped[bool]
    may_drop_off: Mapped[bool]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Staff(db.Model):
    """A member of staff of one centre."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    role: Mapped[StaffRole] = mapped_column(str_enum(StaffRole, 16))
    phone: Mapped[str | None] = mapped_column(String(32))
    home_room_id: Mapped[int | None] = mapped_column(ForeignKey("room.id"))
    hired_on: Mapped[date]
    left_on: Mapped[date | None]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # 身份证号 (GB 11643, upper-case X), checked against the 禁入名单 at hire; only ever shown masked.
    id_number: Mapped[str | None] = mapped_column(String(18), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def id_number_masked(self) -> str | None:
        return mask_id_number(self.id_number)
