"""The demo centre's 表9 injury register: a month with two minor injuries and the CCTV retention recorded.

Through the real operations, dated when they would have happened:

- a fall (跌倒伤, left knee) about three weeks ago: signed by the caregiver within the hour, witnessed, reviewed
  the next morning, acknowledged by the guardian that evening;
- a bead pushed into a nostril (异物伤害) four days ago: the caregiver signed only 5 hours after the event (the
  `incidents.report_deadline` finding), witnessed, reviewed two days ago, and the guardian's acknowledgement
  still waiting — overdue, reminded daily — so the dashboard, the list and the pack show what is caught;
- the CCTV recorder's retention recorded as 30 days (`security.cctv_retention` asks ≥ 90: a violation).

The acknowledged report reaches its family through the portal (the minute job's drain, as the parent loop's demo
does); the waiting one is about the child of the family without a log-in (paper only), so its notice also shows
as never delivered.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from server.auth.actor import Actor, Grant
from server.auth.roles import Role
from server.centre.models import Centre
from server.centre.timezones import centre_zone
from server.database import db
from server.demo.families import drain_outbox_at
from server.demo.members import acting_as
from server.incidents.models import IncidentReport, IncidentReview
from server.incidents.operations.cctv import record_retention
from server.incidents.operations.family import acknowledge_report
from server.incidents.operations.reports import create_draft
from server.incidents.operations.signing import review_report, sign_as_reporter, sign_as_witness
from server.people.models import Child, ChildContact, Contact, Staff, StaffRole

CCTV_DAYS = 30


def _guardian(child: Child) -> Contact | None:
    return db.session.execute(select(Contact).join(ChildContact, ChildContact.contact_id == Contact.id).where(
        ChildContact.child_id == child.id, ChildContact.is_guardian).order_by(Contact.user_id.is_(None), Contact.id)
    ).scalars().first()


def _children(centre: Centre) -> list[tuple[Child, list[Staff]]]:
    """Children with two caregivers in their class (a reporter and a witness), those whose guardian logs in last."""
    team: dict[int, list[Staff]] = {}
    for staff in db.session.scalars(select(Staff).where(Staff.centre_id == centre.id, Staff.role == StaffRole.CAREGIVER,
                                                        Staff.left_on.is_(None)).order_by(Staff.id)):
        if staff.home_room_id is not None:
            team.setdefault(staff.home_room_id, []).append(staff)
    found = []
    for child in db.session.scalars(select(Child).where(Child.centre_id == centre.id, Child.left_on.is_(None))
                                    .order_by(Child.id)):
        guardian = _guardian(child)
        if guardian is not None and len(team.get(child.room_id or 0, [])) >= 2:
            found.append((child, team[child.room_id or 0], guardian.user_id is not None))
    found.sort(key=lambda item: item[2])
    return [(child, staff) for child, staff, _ in found]


def _at(day: date, clock: str, centre: Centre) -> datetime:
    return datetime.combine(day, time.fromisoformat(clock), tzinfo=centre_zone(centre))


def _report(child: Child, team: list[Staff], values: dict[str, object], *, signed_after: timedelta,
            reviewed_after: timedelta, director: Actor) -> tuple[IncidentReport, IncidentReview]:
    occurred = values["occurred_at"]
    assert isinstance(occurred, datetime)
    system = Actor.system()
    row = create_draft(child, values={**values, "room_id": child.room_id, "witness_id": team[1].id},
                       actor=system, now=occurred + signed_after - timedelta(minutes=5))
    sign_as_reporter(row, signer=team[0], actor=system, now=occurred + signed_after)
    sign_as_witness(row, signer=team[1], actor=system, now=occurred + signed_after + timedelta(minutes=20))
    review = review_report(row, note="已核实经过，已与家长沟通。", actor=director, now=occurred + reviewed_after)
    return row, review


def seed_incidents(centre: Centre, *, start: date, today: date, now: datetime) -> None:
    """Two minor injuries over the month and the CCTV retention; nothing when no class has two caregivers."""
    director = acting_as(centre, Role.ADMIN)
    record_retention(centre.id, days=CCTV_DAYS, note="录像机硬盘容量所限（演示：低于90天的要求）", actor=director,
                     now=_at(start, "08:30", centre))
    children = _children(centre)
    if len(children) < 2:
        return
    (waiting_child, waiting_team), (fallen_child, fallen_team) = children[0], children[-1]
    fall_day = max(start + timedelta(days=2), today - timedelta(days=21))
    fall_at = _at(fall_day, "10:20", centre)
    report, review = _report(fallen_child, fallen_team, {
        "occurred_at": fall_at, "injury_type": "fall", "body_regions": ["left_knee_front"],
        "cause": "户外活动时奔跑，被滑梯台阶绊倒，左膝着地。", "first_aid": "清水冲洗，碘伏消毒，冷敷10分钟，贴创可贴；保健员检查无异常。",
        "treatment": "clinic", "guardian_told_at": fall_at + timedelta(minutes=30), "guardian_told_how": "phone",
        "guardian_told_by_id": fallen_team[0].id}, signed_after=timedelta(minutes=45),
        reviewed_after=timedelta(hours=22), director=director)
    drain_outbox_at(review.reviewed_at + timedelta(minutes=1))
    guardian = _guardian(fallen_child)
    assert guardian is not None
    parent = Actor(kind="user", user_id=guardian.user_id, grants=(Grant(centre.id, Role.GUARDIAN, None),),
                   contact_ids=frozenset({guardian.id}))  # the guardian on their phone, by their contact
    acknowledge_report(report, review, actor=parent, now=fall_at + timedelta(hours=31))
    bead_day = today - timedelta(days=4)
    bead_at = _at(bead_day, "15:40", centre)
    if bead_at + timedelta(days=2, hours=2) < now:
        _report(waiting_child, waiting_team, {
            "occurred_at": bead_at, "injury_type": "foreign_body", "body_regions": ["face"],
            "cause": "自由活动时将串珠塞入右侧鼻孔。", "first_aid": "保健员用镊子取出串珠，检查鼻腔无出血、无残留。",
            "treatment": "clinic", "guardian_told_at": bead_at + timedelta(hours=1), "guardian_told_how": "in_person",
            "guardian_told_by_id": waiting_team[0].id}, signed_after=timedelta(hours=5),
            reviewed_after=timedelta(days=2), director=director)
