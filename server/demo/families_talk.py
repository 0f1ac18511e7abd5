"""The demo month's talk between the families and the centre (issue #16), steps of `server.demo.families`' timeline.

- Messages: a thread for about a third of the families with a log-in (林妈妈's among them), both ways over the
  month — a family asks in the morning and the class answers within hours, or the class tells something of the
  day and the family answers in the evening. Two threads got a photo from an outing (a small generated PNG), never
  the thread of the child whose photos consent was withdrawn. This morning two families wrote and the class has
  not read them yet; the class wrote to 林妈妈, who has not read it yet.
- Notes and development observations: two or three a week per child on days present, some internal (bulk, one
  audit entry each, dated when written, as `server.demo.care` writes the month).
- Ratings: last month's questionnaire answered by about 60 % of the families with a log-in (food and communication
  a little lower), this month's by fewer than the rule's minimum (hidden).
- Complaints: one answered and closed in time; one answered late (a finding); one still unanswered past its
  deadline (a finding), the director's alert open.
"""

from __future__ import annotations

import io
import random
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw
from sqlalchemy import select

from compliance.feedback import item_keys, min_responses
from compliance.period import add_months
from server.auth.actor import Actor
from server.care.models import CareNote, DevelopmentDomain, NoteKind
from server.care.notes import NOTE_FIELDS
from server.centre.models import ClassType, Room
from server.centre.rules import effective_rules
from server.centre.timezones import centre_today, centre_zone
from server.database import db
from server.demo.care import _stays, _Writer
from server.demo.families import Families, follow, parent_actor, staff_actor
from server.families.models import Complaint, MessageSide
from server.families.operations.complaints import answer_complaint, close_complaint, file_complaint
from server.families.operations.messages import Upload, mark_read, post_message
from server.families.operations.ratings import submit_rating
from server.families.settings import app_secret, message_store
from server.notices.models import GuardianNotice
from server.notices.operations import mark_read as read_notice
from server.people.models import Child, StaffRole

if TYPE_CHECKING:
    from server.people.models import Contact

THREAD_SHARE = 3  # one family in three with a log-in
# (the family's message in the morning, the class's answer)
FAMILY_FIRST = (
    ("老师好，孩子昨晚有点咳嗽，今天麻烦多给他喝点温水，谢谢！", "收到，今天已经提醒喝水四次，精神状态不错，午睡也睡得好。"),
    ("今天奶奶来接，下午四点半左右到。", "好的，已登记，会核对奶奶的接送卡。"),
    ("孩子这两天晚上入睡比较晚，中午能不能让他早点睡？", "可以的，今天中午十二点十分就睡着了，睡了一个半小时。"),
    ("请问明天户外活动需要带帽子吗？", "需要的，明天天气晴，请带一顶遮阳帽，我们会放在他的柜子里。"),
    ("孩子最近不太爱吃青菜，在家也是，麻烦老师多鼓励。", "好的，今天午餐的青菜吃了一半，我们会慢慢引导。"),
)
# (the class's message of the day, the family's answer in the evening)
STAFF_FIRST = (
    ("今天自己用勺子吃完了一整碗饭，很棒！", "太好了，谢谢老师！回家也表扬他。"),
    ("今天在积木区搭了一座很高的塔，还教小朋友怎么搭。", "哈哈，在家也最喜欢搭积木，谢谢老师分享。"),
    ("今天换下的衣服已放在书包里，明天请再带一套备用衣服。", "好的，明天带过来。"),
    ("今天午睡前有点想妈妈，哭了一会儿，抱抱后就睡着了，下午玩得很开心。", "谢谢老师的耐心，晚上我们多陪陪她。"),
)
PHOTO_TEXT = "今天户外活动玩沙子，分享一张照片。"
TODAY_FAMILY = ("老师好，孩子今天早上有点拉肚子，麻烦留意一下，如有异常请联系我。",
                "今天下午爸爸来接，可能会晚十分钟左右。")
TODAY_STAFF = "今天早上主动和老师打招呼，还帮忙收拾了玩具，真棒！"
NOTES = ("今天情绪很好，和小朋友一起玩了滑梯。", "午餐吃得很香，还添了半碗饭。", "今天学会了自己洗手，洗得很认真。",
         "上午听故事时很专注，还跟着说了几句。", "今天有点想家，老师抱了一会儿就好了。")
OBSERVATIONS = {
    "motor": ("能扶着栏杆自己上下台阶。", "能用拇指和食指捏起小豆子。"),
    "language": ("能说出三个字的短句：“要喝水”。", "能指认图画书里的五种动物并说出名字。"),
    "cognition": ("能按颜色把积木分成两堆。", "会把形状块放进对应的洞里。"),
    "social_emotional": ("主动把玩具分给旁边的小朋友。", "和老师告别时会挥手说再见。"),
}
INTERNAL = ("午睡时翻身较多，下周继续观察入睡情况。", "与同伴争抢玩具两次，已引导轮流玩，需继续关注。",
            "家长反映在家挑食，已与厨房沟通，提供小份多样的菜。")
# Mean tendency per rating item: food and communication a little lower, as parents' surveys usually are.
TENDENCY = {"safety": 4.6, "care": 4.5, "food": 3.9, "communication": 4.0, "hygiene": 4.4}
COMPLAINTS = (
    # (days ago received, category, text, answer after (hours), answer, closed after the answer (hours), outcome)
    (20, "food", "最近午点心连续几天都是饼干，希望能多一些水果和奶制品。", 20,
     "感谢您的建议！已与厨房和保健员商量，下周起午点心每周至少三次水果、两次奶制品，食谱每周五公布。", 96,
     "新食谱已执行，家长表示满意。"),
    (9, "communication", "孩子在园摔了一下，膝盖擦伤，接的时候才知道，希望老师能及时告知。", 84,
     "非常抱歉没有及时告知。当时已由保健员处理伤口，今后任何磕碰都会在一小时内电话告知家长并在系统中通知。", 40,
     "已在班级会议上明确告知流程，家长接受。"),
    (4, "safety", "早上入园时门口人很多，门禁开着没人看守，担心安全。", None, None, None, None),
)


def _png(rng: random.Random) -> bytes:
    """A small picture of a sandpit outing (a generated PNG: sand, sky, a bucket)."""
    image = Image.new("RGB", (160, 120), (135, 190, 235))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 70, 160, 120), fill=(226, 196, 140))
    x = rng.randint(20, 110)
    draw.rectangle((x, 55, x + 24, 85), fill=(220, 60, 60))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def plan(world: Families) -> None:
    """Put the talk's steps on the timeline, and write the notes (in bulk)."""
    _plan_threads(world)
    _plan_ratings(world)
    _plan_complaints(world)
    _write_notes(world)


def _room_actor(world: Families, child: Child, rooms: dict[int, Room]) -> Actor:
    """Who writes for the class: the toddler class's caregiver log-in (陈老师); the director for the other classes."""
    room = rooms.get(child.room_id or 0)
    if room is not None and room.class_type is ClassType.TODDLER:
        carer = staff_actor(world.centre, StaffRole.CAREGIVER, room.id)
        if carer.user_id is not None:
            return carer
    return world.director


def _post(world: Families, child: Child, actor: Actor, body: str, at: datetime, uploads: tuple[Upload, ...] = ()) -> None:
    message = post_message(child, body=body, uploads=uploads, store=message_store(), actor=actor, now=at)
    if message.side is MessageSide.STAFF:
        notice = db.session.execute(select(GuardianNotice).where(
            GuardianNotice.child_id == child.id, GuardianNotice.kind == "message.new",
            GuardianNotice.created_at == at).order_by(GuardianNotice.id.desc()).limit(1)).scalar_one_or_none()
        if notice is not None:
            follow(world, notice)


def _read_as_family(child: Child, mother: Contact, actor: Actor, at: datetime) -> None:
    """The family opens the thread: the class's messages and their `message.new` notices read."""
    mark_read(child, actor=actor, now=at)
    for notice in db.session.execute(select(GuardianNotice).where(
            GuardianNotice.child_id == child.id, GuardianNotice.kind == "message.new",
            GuardianNotice.created_at <= at)).scalars():
        read_notice(notice, contact_id=mother.id, actor=actor, now=at)


def _plan_threads(world: Families) -> None:
    centre, rng, timeline = world.centre, world.rng, world.timeline
    zone = centre_zone(centre)
    today = centre_today(centre, world.now)
    rooms = {r.id: r for r in db.session.scalars(select(Room).where(Room.centre_id == centre.id))}
    stays = _stays(centre, zone)
    families = world.with_log_in()
    threads = [p for i, p in enumerate(families) if i % THREAD_SHARE == 0 or p[0].id == world.demo_child_id]
    photos = [c.id for c, _ in threads if c.id not in (world.withdrawn_child_id, world.demo_child_id)][:2]
    waiting_today = [p for p in threads if p[0].id != world.demo_child_id][-2:]
    for child, mother in threads:
        actor = parent_actor(mother)
        if actor is None:
            continue
        room_actor = _room_actor(world, child, rooms)
        days = sorted(d for (cid, d) in stays if cid == child.id and d < today)
        for day in rng.sample(days, min(len(days), rng.randint(2, 4))):
            arrived, left = stays[(child.id, day)]
            if rng.random() < 0.5:
                ask, reply = rng.choice(FAMILY_FIRST)
                asked = arrived - timedelta(minutes=rng.uniform(20, 50))
                answered = arrived + timedelta(hours=rng.uniform(1, 3))
                timeline.at(asked, lambda t, c=child, a=actor, b=ask: _post(world, c, a, b, t))
                timeline.at(answered - timedelta(minutes=2), lambda t, c=child, a=room_actor: mark_read(c, actor=a, now=t))
                timeline.at(answered, lambda t, c=child, a=room_actor, b=reply: _post(world, c, a, b, t))
                timeline.at(answered + timedelta(hours=rng.uniform(3, 6)),
                            lambda t, c=child, m=mother, a=actor: _read_as_family(c, m, a, t))
            else:
                tell, reply = rng.choice(STAFF_FIRST)
                told = datetime.combine(day, time(15, 30), tzinfo=zone) + timedelta(minutes=rng.uniform(0, 60))
                evening = datetime.combine(day, time(20), tzinfo=zone) + timedelta(minutes=rng.uniform(0, 90))
                timeline.at(told, lambda t, c=child, a=room_actor, b=tell: _post(world, c, a, b, t))
                timeline.at(evening - timedelta(minutes=2),
                            lambda t, c=child, m=mother, a=actor: _read_as_family(c, m, a, t))
                timeline.at(evening, lambda t, c=child, a=actor, b=reply: _post(world, c, a, b, t))
                # The class reads the evening's answers first thing the next morning.
                next_morning = datetime.combine(day + timedelta(days=1), time(7, 15), tzinfo=zone)
                timeline.at(next_morning + timedelta(minutes=rng.uniform(0, 20)),
                            lambda t, c=child, a=room_actor: mark_read(c, actor=a, now=t))
        if child.id in photos and days:
            day = days[len(days) // 2]
            at = datetime.combine(day, time(11, 20), tzinfo=zone)
            upload = Upload(_png(rng), "sandpit.png")
            timeline.at(at, lambda t, c=child, a=room_actor, u=upload: _post(world, c, a, PHOTO_TEXT, t, (u,)))
            timeline.at(at + timedelta(hours=9), lambda t, c=child, m=mother, a=actor: _read_as_family(c, m, a, t))
        if (child, mother) in waiting_today:  # this morning's, not yet read by the class
            text = TODAY_FAMILY[waiting_today.index((child, mother)) % len(TODAY_FAMILY)]
            timeline.at(datetime.combine(today, time(7, 40), tzinfo=zone) + timedelta(minutes=rng.uniform(0, 30)),
                        lambda t, c=child, a=actor, b=text: _post(world, c, a, b, t))
        if child.id == world.demo_child_id:  # the class wrote to 林妈妈 this morning: unread on her phone
            timeline.at(datetime.combine(today, time(10, 15), tzinfo=zone),
                        lambda t, c=child, a=room_actor: _post(world, c, a, TODAY_STAFF, t))


def _score(rng: random.Random, tendency: float) -> int:
    return max(1, min(5, round(rng.gauss(tendency, 0.7))))


def _plan_ratings(world: Families) -> None:
    """Last month's questionnaire by ~60 % of the families with a log-in; this month's by fewer than the minimum."""
    centre, rng = world.centre, world.rng
    today = centre_today(centre, world.now)
    minimum = min_responses(effective_rules(centre, today)) or 3
    families = [m for _, m in world.with_log_in()]
    this_month, last_month = today.replace(day=1), add_months(today.replace(day=1), -1)
    zone = centre_zone(centre)
    open_from = world.setup_at + timedelta(days=1)

    def window(first: date, last: date) -> tuple[datetime, datetime] | None:
        start = max(open_from, datetime.combine(first, time(19), tzinfo=zone))
        end = min(world.now, datetime.combine(last, time(22), tzinfo=zone))
        return (start, end) if start < end else None

    chosen = rng.sample(families, round(len(families) * 0.6))
    spans = ((last_month, this_month - timedelta(days=1), chosen),
             (this_month, today, rng.sample([m for m in families if m not in chosen] or families,
                                            min(len(families), minimum - 1))))
    for first, last, who in spans:
        span = window(first, last)
        if span is None:
            continue
        for mother in who:
            actor = parent_actor(mother)
            if actor is None:
                continue
            at = span[0] + (span[1] - span[0]) * rng.random()
            answers = {key: _score(rng, TENDENCY.get(key, 4.3)) for key in item_keys()}
            comment = rng.choice((None, None, "老师们很用心，谢谢！", "希望点心多一些水果。", "希望多发一些孩子在园的情况。"))
            world.timeline.at(at, lambda t, a=actor, s=answers, c=comment: submit_rating(
                centre, answers=s, comment=c, secret=app_secret(), actor=a, now=t))


def _plan_complaints(world: Families) -> None:
    families = world.with_log_in()
    if not families:
        return
    for number, (ago, category, text, answer_h, answer, close_h, outcome) in enumerate(COMPLAINTS):
        child, mother = families[(number * 7 + 3) % len(families)]
        actor = parent_actor(mother)
        received = world.day_at(ago, "21:10")
        if actor is None or received >= world.now:
            continue

        def receive(at: datetime, a: Actor = actor, c: Child = child, cat: str = category, body: str = text,
                    answer_h: float | None = answer_h, answer: str | None = answer, close_h: float | None = close_h,
                    outcome: str | None = outcome) -> None:
            complaint = file_complaint(world.centre, category=cat, text=body, child_id=c.id, actor=a, now=at)
            if answer_h is None or answer is None:
                return
            answered = at + timedelta(hours=answer_h)
            world.timeline.at(answered, lambda t: _answer(world, complaint, answer, t))
            if close_h is not None and outcome is not None:
                world.timeline.at(answered + timedelta(hours=close_h),
                                  lambda t: close_complaint(complaint, outcome=outcome, actor=world.director, now=t))

        world.timeline.at(received, receive)


def _answer(world: Families, complaint: Complaint, text: str, at: datetime) -> None:
    answer_complaint(complaint, text=text, actor=world.director, now=at)
    notice = db.session.execute(select(GuardianNotice).where(
        GuardianNotice.child_id == complaint.family_child_id, GuardianNotice.kind == "complaint.answered",
        GuardianNotice.created_at == at)).scalars().first()
    if notice is not None:
        follow(world, notice)


def _write_notes(world: Families) -> None:
    """Two or three notes a week per child on days present, some observations, some internal; in bulk."""
    centre, rng = world.centre, world.rng
    zone = centre_zone(centre)
    rooms = {r.id: r for r in db.session.scalars(select(Room).where(Room.centre_id == centre.id))}
    carer = {room_id: staff_actor(centre, StaffRole.CAREGIVER, room_id).user_id for room_id in rooms}
    children = {c.id: c for c in db.session.scalars(select(Child).where(Child.centre_id == centre.id))}
    writer = _Writer(centre.id)
    areas = [code for code in OBSERVATIONS if code in {d.value for d in DevelopmentDomain}]
    for (child_id, day), (arrived, left) in sorted(_stays(centre, zone).items()):
        child = children.get(child_id)
        if child is None or child.room_id is None or rng.random() > 0.5:  # about 2.5 of 5 days
            continue
        at = min(arrived + timedelta(hours=rng.uniform(1.5, 6)), left or world.now, world.now)
        if at <= arrived:
            continue
        roll = rng.random()
        if roll < 0.15 or not areas and roll < 0.55:
            kind, domain, body, shared = NoteKind.NOTE, None, rng.choice(INTERNAL), False
        elif roll < 0.55:
            area = rng.choice(areas)
            kind, domain, body, shared = NoteKind.OBSERVATION, area, rng.choice(OBSERVATIONS[area]), True
        else:
            kind, domain, body, shared = NoteKind.NOTE, None, rng.choice(NOTES), True
        writer.add(CareNote, {"centre_id": centre.id, "child_id": child.id, "room_id": child.room_id, "day": day,
                              "at": at, "kind": kind, "domain": domain, "body": body, "shared_with_family": shared,
                              "written_by_id": carer.get(child.room_id), "amends_id": None, "reason": None,
                              "recorded_at": at}, "care_note.write", NOTE_FIELDS, at)
    writer.flush()
