"""Care records of the room tablet: naps and patrol checks, the care log, notes and observations, outdoor time.

Append-only.

A closing fact is its own row (a nap's end is a `NapEnd`); a correction of a care entry is a new entry whose
`amends_id` names the one it replaces (readers use the latest). Medication lives in `server/care/medication`.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from compliance.care import SleepPosition
from compliance.care.development import development_domains
from server.centre.models import str_enum
from server.database import UTCDateTime, db


class CareKind(StrEnum):
    """What a care-log entry records."""

    MEAL = "meal"  # 进餐
    BOTTLE = "bottle"  # 喂奶
    WATER = "water"  # 饮水
    DIAPER = "diaper"  # 换尿布
    TOILET = "toilet"  # 如厕


class ShareEaten(StrEnum):
    """How much of a meal the child ate."""

    NONE = "none"
    LITTLE = "little"
    HALF = "half"
    MOST = "most"
    ALL = "all"


class DiaperKind(StrEnum):
    """What a diaper (or the toilet) held."""

    WET = "wet"
    SOILED = "soiled"
    BOTH = "both"
    DRY = "dry"


class NoteKind(StrEnum):
    """What a care note is: a message about the child's day, or an observation of their development."""

    NOTE = "note"  # 留言：今天很开心…
    OBSERVATION = "observation"  # 发展观察：动作、语言、认知、情感与社会性


# The development domains of an observation are data (compliance/care/development.yaml, 保育指导大纲 2021): the enum
# is built from that list, so a domain added there is a domain here, with its names.
DevelopmentDomain = StrEnum("DevelopmentDomain", {code.upper(): code for code in development_domains()})  # type: ignore[misc]


# Closed sets shown on screens and in registers (the app factory adds them to tuoyu.labels).
LABELS: dict[StrEnum, tuple[str, str]] = {
    CareKind.MEAL: ("进餐", "Meal"),
    CareKind.BOTTLE: ("喂奶", "Bottle"),
    CareKind.WATER: ("饮水", "Water"),
    CareKind.DIAPER: ("换尿布", "Diaper"),
    CareKind.TOILET: ("如厕", "Toileting"),
    ShareEaten.NONE: ("未吃", "None"),
    ShareEaten.LITTLE: ("少量", "A little"),
    ShareEaten.HALF: ("一半", "Half"),
    ShareEaten.MOST: ("大部分", "Most"),
    ShareEaten.ALL: ("全部", "All"),
    DiaperKind.WET: ("小便", "Wet"),
    DiaperKind.SOILED: ("大便", "Soiled"),
    DiaperKind.BOTH: ("大小便", "Wet and soiled"),
    DiaperKind.DRY: ("干爽", "Dry"),
    SleepPosition.BACK: ("仰卧", "On the back"),
    SleepPosition.SIDE: ("侧卧", "On the side"),
    SleepPosition.STOMACH: ("俯卧", "On the stomach"),
    NoteKind.NOTE: ("留言", "Note"),
    NoteKind.OBSERVATION: ("发展观察", "Development observation"),
    **{DevelopmentDomain(code): (info.zh, info.en) for code, info in development_domains().items()},
}


class Nap(db.Model):
    """One nap of one child: from its start to its `NapEnd` (none while the child sleeps)."""

    __tablename__ = "care_nap"
    __table_args__ = (Index("ix_care_nap_child", "centre_id", "child_id", "started_at"),
                      Index("ix_care_nap_day", "centre_id", "day"))

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"))
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    day: Mapped[date]  # the centre's local day it started
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class NapEnd(db.Model):
    """The child woke up: the nap is over (its own row; a nap ends once)."""

    __tablename__ = "care_nap_end"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    nap_id: Mapped[int] = mapped_column(ForeignKey("care_nap.id"), unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class NapCheck(db.Model):
    """A patrol check (午睡巡查): position, breathing, colour, and what was done when something was off."""

    __tablename__ = "care_nap_check"
    __table_args__ = (Index("ix_care_nap_check_nap", "nap_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    nap_id: Mapped[int] = mapped_column(ForeignKey("care_nap.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    position: Mapped[SleepPosition] = mapped_column(str_enum(SleepPosition, 16))
    breathing_ok: Mapped[bool]
    colour_ok: Mapped[bool]
    action: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class CareEntry(db.Model):
    """One line of the care log: a meal, a bottle, water, a diaper or the toilet.

    A correction is a new entry with `amends_id` and `reason`; the original stays on record, no longer counting.
    """

    __tablename__ = "care_entry"
    __table_args__ = (Index("ix_care_entry_child", "centre_id", "child_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"))
    room_id: Mapped[int | None] = mapped_column(ForeignKey("room.id"))
    kind: Mapped[CareKind] = mapped_column(str_enum(CareKind, 16))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    ml: Mapped[int | None]
    share_eaten: Mapped[ShareEaten | None] = mapped_column(str_enum(ShareEaten, 16))
    allergen_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    diaper_kind: Mapped[DiaperKind | None] = mapped_column(str_enum(DiaperKind, 16))
    abnormal: Mapped[bool] = mapped_column(default=False)
    abnormal_note: Mapped[str | None] = mapped_column(Text)
    allergy_acknowledged: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(Text)
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("care_entry.id"), unique=True)
    reason: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class OutdoorSpell(db.Model):
    """户外活动: one spell of a class outdoors on a day, in minutes."""

    __tablename__ = "care_outdoor_spell"
    __table_args__ = (Index("ix_care_outdoor_spell_day", "centre_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id"))
    day: Mapped[date]
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    minutes: Mapped[int]
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class OutdoorExemption(db.Model):
    """A day a class (or, room_id None, the whole centre) could not go out: rain, smog, a heat warning…"""

    __tablename__ = "care_outdoor_exemption"
    __table_args__ = (Index("ix_care_outdoor_exemption_day", "centre_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    room_id: Mapped[int | None] = mapped_column(ForeignKey("room.id"))
    day: Mapped[date]
    reason: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class CareNote(db.Model):
    """A note about a child's day or a development observation, written on the room tablet (or through the API).

    `shared_with_family` (default yes) puts it on the family's day; an internal note stays with the staff. A
    correction is a new note whose `amends_id` names the one it replaces (readers use the latest); the original
    stays on record.
    """

    __tablename__ = "care_note"
    __table_args__ = (Index("ix_care_note_child_day", "centre_id", "child_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"))
    room_id: Mapped[int | None] = mapped_column(ForeignKey("room.id"))
    day: Mapped[date]  # the centre's local day of `at`
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[NoteKind] = mapped_column(str_enum(NoteKind, 16))
    domain: Mapped[str | None] = mapped_column(String(40))  # a DevelopmentDomain code (an observation only)
    body: Mapped[str] = mapped_column(Text)
    shared_with_family: Mapped[bool] = mapped_column(default=True)
    written_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("care_note.id"), unique=True)
    reason: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
