"""The demo centre's safeguarding record (issue #17): one designated lead and one concern of 变相体罚, lived in time.

The 保健员 (吴保健, log-in `health`) is the designated safeguarding lead from set-up. Ten days ago 陈老师 (log-in
`caregiver`) saw a colleague of 小太阳班 make a child stand alone in the corridor as a punishment and raised a
concern; the director reviewed it within two hours, told the guardian that afternoon, reported it to the health
commission 30 hours after it was recorded (past the 24-hour rule: a finding `safeguarding.mandatory_report`),
had the colleague retrained, and closed it. Every step goes through the real operations at the time it happened.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from server.auth.models import Membership, User
from server.auth.operations import actor_for
from server.auth.roles import Role
from server.centre.models import Centre, Room
from server.centre.timezones import centre_zone
from server.database import db
from server.people.models import Child, Staff, StaffRole
from server.people.operations import contacts_of_user
from server.safeguarding.designations import designate_lead
from server.safeguarding.operations import add_step, raise_concern

DAYS_AGO = 10
ROOM = "小太阳班"


def _member(centre: Centre, role: Role) -> User:
    """The centre's first log-in of a role (`director`, `health`, `caregiver` at the demo; `<code>-…` elsewhere)."""
    return db.session.execute(select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.centre_id == centre.id, Membership.role == role).order_by(Membership.id).limit(1)).scalar_one()


def seed_safeguarding(centre: Centre, *, setup_at: datetime, today: date) -> None:
    """The lead named at set-up, then the concern and its steps (nothing when the centre lacks the class)."""
    director = actor_for(_member(centre, Role.ADMIN), contacts_of_user)
    lead = _member(centre, Role.HEALTH)
    designate_lead(centre, user_id=lead.id, actor=director, now=setup_at)
    raiser = _member(centre, Role.CAREGIVER)
    room = db.session.execute(select(Room).where(Room.centre_id == centre.id, Room.name == ROOM)).scalar_one_or_none()
    if room is None:
        return
    child = db.session.execute(select(Child).where(Child.room_id == room.id).order_by(Child.id).limit(1)).scalar_one()
    colleague = db.session.execute(select(Staff).where(
        Staff.centre_id == centre.id, Staff.home_room_id == room.id, Staff.role == StaffRole.CAREGIVER,
        Staff.user_id.is_(None) | (Staff.user_id != raiser.id)).order_by(Staff.id).limit(1)).scalar_one_or_none()
    zone = centre_zone(centre)
    day = today - timedelta(days=DAYS_AGO)
    noticed = datetime.combine(day, time(10, 40), zone)
    recorded = noticed + timedelta(minutes=25)
    concern = raise_concern(
        centre, child_id=child.id, category="corporal_punishment", noticed_at=noticed,
        account=f"上午户外活动回来后，看到{colleague.name if colleague else '一位同事'}让{child.name}独自在走廊罚站约十五分钟，"
                "孩子在哭，说「老师让我站在这里」。",
        immediate_actions="我把孩子带回教室安抚，告诉了班长。", staff_ids=[colleague.id] if colleague else [],
        actor=actor_for(raiser, contacts_of_user), now=recorded)
    steps: tuple[tuple[timedelta, str, dict[str, object]], ...] = (
        (timedelta(hours=2), "internal_review", {"detail": "与涉事保育员、报告人和班长分别谈话，调看走廊监控，确认罚站约15分钟，属变相体罚。"}),
        (timedelta(hours=5), "guardian_informed", {"detail": "园长当面告知孩子母亲经过与处理措施。"}),
        (timedelta(hours=30), "authority_report", {"agency": "health_commission", "reference": "区卫健委托育科 受理登记",
                                                   "detail": "书面报告区卫生健康委员会托育科。"}),
        (timedelta(days=3), "staff_retrained", {"staff_id": colleague.id if colleague else None,
                                                "detail": "停止带班三天，完成师德与正面管教培训并书面检讨。"}),
        (timedelta(days=6), "closed", {"detail": "已整改：涉事人员再培训后调岗，全园开展正面管教培训；家长已确认知悉。"}),
    )
    for after, kind, values in steps:
        at = recorded + after
        if kind == "staff_retrained" and colleague is None:
            continue
        add_step(concern, kind=kind, done_at=at, done_by="周园长", actor=director, now=at + timedelta(minutes=10),
                 **values)  # type: ignore[arg-type]
    db.session.flush()
