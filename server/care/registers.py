"""Registers of care for the pack (午睡巡查记录, 户外活动时间) and the care part of the evaluators' evidence.

Medication (服药记录, consents and doses) is `server/care/medication`'s; the app factory merges both parts into
one `compliance.care.CareEvidence` (see `care_evidence_part`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from sqlalchemy import select

from compliance import CentreRecord, Column, InspectionArea, Period, RegisterSource, Responsibility
from compliance.care import CareType, exemption_for, outdoor_minutes, required_minutes
from server.auth.models import User
from server.care.models import Nap, NapCheck, NapEnd, OutdoorExemption, OutdoorSpell
from server.care.operations.common import rules_on
from server.care.operations.naps import check_record, nap_record
from server.care.operations.outdoor import class_care_by_day, exemption_record, period_class_care, spell_record
from server.centre.models import Centre, Room
from server.centre.registers import centre_of
from server.centre.timezones import centre_zone
from server.database import db
from server.health.checks.operations import present_children
from server.people.models import Child

YES, NO = "是", "否"


def _naps(centre_id: int, period: Period) -> list[Nap]:
    return list(db.session.scalars(select(Nap).where(Nap.centre_id == centre_id, Nap.day >= period.start,
                                                     Nap.day <= period.end).order_by(Nap.started_at, Nap.id)))


def _checks_and_ends(naps: list[Nap]) -> tuple[dict[int, list[NapCheck]], dict[int, NapEnd]]:
    ids = [n.id for n in naps]
    checks: dict[int, list[NapCheck]] = {}
    ends: dict[int, NapEnd] = {}
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        for check in db.session.scalars(select(NapCheck).where(NapCheck.nap_id.in_(chunk))
                                        .order_by(NapCheck.at, NapCheck.id)):
            checks.setdefault(check.nap_id, []).append(check)
        for end in db.session.scalars(select(NapEnd).where(NapEnd.nap_id.in_(chunk))):
            ends[end.nap_id] = end
    return checks, ends


def _spells(centre_id: int, period: Period) -> list[OutdoorSpell]:
    return list(db.session.scalars(select(OutdoorSpell).where(
        OutdoorSpell.centre_id == centre_id, OutdoorSpell.day >= period.start, OutdoorSpell.day <= period.end)
        .order_by(OutdoorSpell.day, OutdoorSpell.id)))


def _exemptions(centre_id: int, period: Period) -> list[OutdoorExemption]:
    return list(db.session.scalars(select(OutdoorExemption).where(
        OutdoorExemption.centre_id == centre_id, OutdoorExemption.day >= period.start,
        OutdoorExemption.day <= period.end).order_by(OutdoorExemption.day, OutdoorExemption.id)))


def care_evidence_part(centre: Centre, period: Period) -> dict[str, Any]:
    """Naps, their checks, outdoor time, exemptions, each class's care type and the zone, as `CareEvidence` fields.

    The care type is the period's (`period_class_care`: full-day when the class was on any of its days); the
    register 户外活动时间 reads each day's.

    The app factory's "care" provider merges it with medication's consents and doses:
    `CareEvidence(**care_evidence_part(centre, period), consents=..., doses=...)`.
    """
    naps = _naps(centre.id, period)
    checks, ends = _checks_and_ends(naps)
    return {
        "naps": tuple(nap_record(n, ends.get(n.id)) for n in naps),
        "nap_checks": tuple(check_record(c) for n in naps for c in checks.get(n.id, ())),
        "outdoor": tuple(spell_record(s) for s in _spells(centre.id, period)),
        "outdoor_exemptions": tuple(exemption_record(e) for e in _exemptions(centre.id, period)),
        "class_care": period_class_care(centre.id, period),
        "zone": centre_zone(centre).key,
    }


def _names(model: type, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    column = User.display_name if model is User else Child.name
    return dict(db.session.execute(select(model.id, column).where(model.id.in_(ids))).all())  # type: ignore[attr-defined]


def _ok(flag: bool) -> str:
    return "正常" if flag else "异常"


def _patrol_rows(record: CentreRecord, period: Period) -> Iterator[tuple[object, ...]]:
    centre = centre_of(record)
    tz = centre_zone(centre)
    naps = _naps(centre.id, period)
    checks, ends = _checks_and_ends(naps)
    rooms = dict(db.session.execute(select(Room.id, Room.name).where(Room.centre_id == centre.id)).all())
    children = _names(Child, {n.child_id for n in naps})
    people = _names(User, {c.checked_by_id for cs in checks.values() for c in cs if c.checked_by_id})

    def hm(at: Any) -> str:
        return at.astimezone(tz).strftime("%H:%M") if at is not None else ""

    for nap in naps:
        end = ends.get(nap.id)
        head = (nap.day, rooms.get(nap.room_id, ""), nap.child_id, children.get(nap.child_id, ""), hm(nap.started_at),
                hm(end.at if end else None))
        if not checks.get(nap.id):
            yield (*head, "", "", "", "", "", "")
        for check in checks.get(nap.id, ()):
            position = check_record(check).position
            yield (*head, hm(check.at), position.zh, _ok(check.breathing_ok), _ok(check.colour_ok), check.action,
                   people.get(check.checked_by_id or 0, ""))


NAP_PATROL_REGISTER = RegisterSource(
    "午睡巡查记录",
    (Column("on", "日期", "date"), Column("class", "班级", "class"), Column("child_id", "幼儿编号", "child id"),
     Column("name", "姓名", "name"), Column("nap_start", "入睡", "asleep"), Column("nap_end", "起床", "woke"),
     Column("check_at", "巡查时间", "check at"), Column("position", "睡姿", "position"),
     Column("breathing", "呼吸", "breathing"), Column("colour", "面色", "colour"), Column("action", "处理", "action"),
     Column("checked_by", "巡查人", "checked by")),
    Responsibility.QUALITY_SAFETY, InspectionArea.OPERATIONS, _patrol_rows, "Nap patrol record",
)


def _class_days(centre: Centre, period: Period, spells: list[OutdoorSpell],
                exemptions: list[OutdoorExemption]) -> dict[int, set[date]]:
    """The days each class met: children present (handed down from attendance), or care recorded for it."""
    days: dict[int, set[date]] = {}
    for spell in spells:
        days.setdefault(spell.room_id, set()).add(spell.day)
    for exemption in exemptions:
        if exemption.room_id is not None:
            days.setdefault(exemption.room_id, set()).add(exemption.day)
    for nap in _naps(centre.id, period):
        days.setdefault(nap.room_id, set()).add(nap.day)
    for day in period.each_day():
        for room_id in set(present_children(centre.id, day).values()) - {None}:
            days.setdefault(room_id, set()).add(day)
    return days


def _outdoor_rows(record: CentreRecord, period: Period) -> Iterator[tuple[object, ...]]:
    centre = centre_of(record)
    spells, exemptions = _spells(centre.id, period), _exemptions(centre.id, period)
    records, exempt = [spell_record(s) for s in spells], [exemption_record(e) for e in exemptions]
    rooms = {r.id: r.name for r in db.session.scalars(select(Room).where(Room.centre_id == centre.id))}
    care = class_care_by_day(centre.id, period)  # each day's class make-up: a past day as it was then
    for room_id, days in sorted(_class_days(centre, period, spells, exemptions).items()):
        for day in sorted(days):
            kind = CareType(care.get(day, {}).get(room_id, CareType.FULL_DAY.value))
            needed = required_minutes(rules_on(centre.id, day)) if kind is CareType.FULL_DAY else None
            minutes, exemption = outdoor_minutes(records, room_id, day), exemption_for(exempt, room_id, day)
            met = needed is None or exemption is not None or minutes >= needed
            yield (day, rooms.get(room_id, ""), kind.zh, minutes, needed if needed is not None else "",
                   exemption.reason if exemption else "", YES if met else NO)


OUTDOOR_REGISTER = RegisterSource(
    "户外活动时间",
    (Column("on", "日期", "date"), Column("class", "班级", "class"), Column("care_type", "托育类型", "care type"),
     Column("minutes", "户外分钟", "minutes outdoors"), Column("required", "要求分钟", "minutes required"),
     Column("exemption", "未开展原因", "reason not held"), Column("met", "是否达标", "met")),
    Responsibility.SERVICE, InspectionArea.HEALTH, _outdoor_rows, "Outdoor time",
)

__all__ = ["NAP_PATROL_REGISTER", "OUTDOOR_REGISTER", "care_evidence_part"]
