"""The demo centre's parent loop (issue #16): log-ins, PIPL consents, notices delivered, read, acknowledged, reminded.

Two calls from `server.demo.seed`: `seed_family_logins` at set-up (before the month: the notices the health,
illness and medication phases queue then reach the families' portal inboxes), and `seed_families` after every
other phase, which lives the month's parent loop in time order through the real operations (a small event
timeline, each step run at the instant it happened):

- log-ins: every mother but two has one, handed out at set-up and used since (the one-time password replaced at
  the first log-in); one mother's was opened a few days ago and still waits for her first log-in
  (`FIRST_PASSWORD`), one family has none (paper only);
- consents: every family signed both PIPL consents on paper at enrolment (`seed._seed_family`); one family
  withdrew the photos consent on the phone mid-month (no photo in their thread, shown in the office); the director
  published a new data-processing text a few days ago: most mothers signed it on the phone within hours or a day
  or two, 林妈妈 (the demo parent) read it but has not signed, the new mother never logged in, the family without
  a log-in was never reached — three notices past their deadline (findings `families.notice_acknowledgement`);
- notices: the outbox drained a minute after each notice (portal delivery, as the minute job does); the families
  with a log-in read and acknowledge the 晨检 and exclusion notices within hours, one a day late (after its first
  reminder); reminders issued when the hourly job would have, until acknowledged;
- messages, notes and observations, ratings, complaints: `server.demo.families_talk`.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from argon2 import PasswordHasher
from flask import current_app
from sqlalchemy import select

from server.auth.actor import Actor
from server.auth.models import User
from server.auth.operations import actor_for, change_password
from server.centre.models import Centre
from server.centre.timezones import centre_today, centre_zone
from server.database import db
from server.notices.jobs import send
from server.notices.kinds import kind_of
from server.notices.models import GuardianNotice, NoticeAcknowledgement
from server.notices.operations import acknowledge, mark_read, open_notice_for, queue_notice
from server.notices.outbox import claim_due, record_result
from server.notices.reminders import issue_reminders
from server.notices.sealing import Sealer
from server.notices.settings import app_settings
from server.notices.timing import ack_timing
from server.people.consent_models import ConsentChoice, ConsentPurpose
from server.people.consents import NoticeHands, current_documents, decide, publish_version
from server.people.family_accounts import open_family_account
from server.people.models import Child, ChildContact, Contact, Relationship, Staff, StaffRole
from server.people.operations import contacts_of_user

DEMO_PASSWORD = "tuoyu-demo"  # as server.demo.seed (imported from there would be a cycle)
# The one-time password handed to the family log-ins (the new mother's is still it: a visitor can try her first
# log-in, which asks for a password of her own).
FIRST_PASSWORD = "tuoyu-first"
PUBLISHED_DAYS_AGO, NEW_ACCOUNT_DAYS_AGO = 3, 4
WITHDRAWN_DAY_FRACTION = 0.5  # the photos consent withdrawn half-way through the month
NEW_DP_PARAGRAPH_ZH = ("\n\n【第2版新增】家园沟通：您与班级之间的消息（文字、照片和文件）由本中心保存，用于照护沟通，"
                       "园长可以查看；消息不会删除，保存期限与幼儿档案相同。")
NEW_DP_PARAGRAPH_EN = ("\n\n[New in version 2] Messages with the class: the messages between you and your child's "
                       "class (text, photos and files) are kept by the centre for care, the director may read them; "
                       "they are never deleted and are kept as long as the child's file.")


def username(code: str, plain: str) -> str:
    """A demo log-in's name: plain for the `demo` centre, prefixed by the code for any other (as `demo_logins`)."""
    return plain if code == "demo" else f"{code}-{plain}"


class _OneHashPerPassword:
    """The app's argon2id hasher, hashing each distinct password once while the demo opens its family log-ins.

    Every demo account shares the published demo password, so one hash serves them all (the salt shared by
    accounts whose password is public anyway); otherwise each log-in would cost three argon2 runs of about half
    a second. Installed only for the seed, through the hook `server.auth.operations` reads.
    """

    def __init__(self, real: Any, known: dict[str, str]) -> None:
        self.real, self.hashes = real, dict(known)

    def hash(self, password: str) -> str:
        if password not in self.hashes:
            self.hashes[password] = self.real.hash(password)
        return self.hashes[password]

    def verify(self, hashed: str, password: str) -> bool:
        return True if self.hashes.get(password) == hashed else self.real.verify(hashed, password)


class _Hashing:
    KEY = "tuoyu.password_hasher"

    def __init__(self, known: dict[str, str]) -> None:
        self.known = known

    def __enter__(self) -> None:
        ext, cfg = current_app.extensions, current_app.config
        self.saved = ext.get(self.KEY)
        real = self.saved or PasswordHasher(time_cost=cfg["ARGON2_TIME_COST"], memory_cost=cfg["ARGON2_MEMORY_COST_KIB"])
        ext[self.KEY] = _OneHashPerPassword(real, self.known)

    def __exit__(self, *exc: object) -> None:
        if self.saved is None:
            current_app.extensions.pop(self.KEY, None)
        else:
            current_app.extensions[self.KEY] = self.saved


def _demo_hash(centre: Centre) -> dict[str, str]:
    """The demo password's hash as the seed already made it (the demo parent's account)."""
    row = db.session.execute(select(User.password_hash).join(Contact, Contact.user_id == User.id).where(
        Contact.centre_id == centre.id).order_by(Contact.id).limit(1)).scalar_one_or_none()
    return {DEMO_PASSWORD: row} if row else {}


def mothers(centre: Centre) -> list[tuple[Child, Contact]]:
    """Each child with the mother linked as guardian, by child id."""
    return [(child, contact) for child, contact in db.session.execute(
        select(Child, Contact).join(ChildContact, ChildContact.child_id == Child.id)
        .join(Contact, Contact.id == ChildContact.contact_id)
        .where(Child.centre_id == centre.id, ChildContact.relationship == Relationship.MOTHER,
               ChildContact.is_guardian.is_(True)).order_by(Child.id)).all()]


def staff_actor(centre: Centre, role: StaffRole, room_id: int | None = None) -> Actor:
    """The log-in of a member of staff (the director; a class's caregiver), or the system when none has one."""
    stmt = select(User).join(Staff, Staff.user_id == User.id).where(Staff.centre_id == centre.id, Staff.role == role)
    if room_id is not None:
        stmt = stmt.where(Staff.home_room_id == room_id)
    user = db.session.execute(stmt.order_by(Staff.id).limit(1)).scalar_one_or_none()
    return actor_for(user, lambda _: frozenset()) if user is not None else Actor.system()


def parent_actor(contact: Contact) -> Actor | None:
    """A guardian on their phone: their log-in's actor; None without one."""
    user = db.session.get(User, contact.user_id) if contact.user_id is not None else None
    return actor_for(user, contacts_of_user) if user is not None else None


def seed_family_logins(centre: Centre, *, setup_at: datetime, now: datetime, rng: random.Random) -> None:
    """At set-up the director hands a log-in to every mother but the last two families'; each logs in soon after.

    `parent2`, `parent3` … (by child), the one-time password replaced by the demo password at the first log-in.
    """
    director = staff_actor(centre, StaffRole.DIRECTOR)
    pairs = [(c, m) for c, m in mothers(centre)][:-2]
    with _Hashing(_demo_hash(centre)):
        for number, (_, mother) in enumerate(pairs, start=1):
            if mother.user_id is not None:  # the demo parent, 林妈妈
                continue
            user, password = open_family_account(mother, username=username(centre.code, f"parent{number}"),
                                                 actor=director, now=setup_at, make_password=lambda: FIRST_PASSWORD)
            first = min(now, setup_at + timedelta(hours=rng.uniform(3, 60)))
            change_password(user, password, DEMO_PASSWORD, actor=actor_for(user, contacts_of_user), now=first)


# ---- the timeline -----------------------------------------------------------------------------------------

@dataclass
class Timeline:
    """Steps run in time order (each gets its instant); a step may add later ones. Nothing after `now` runs."""

    now: datetime
    steps: list[tuple[datetime, int, Callable[[datetime], None]]] = field(default_factory=list)
    counter: itertools.count = field(default_factory=itertools.count)
    drains: set[datetime] = field(default_factory=set)
    slots: set[tuple[int, datetime]] = field(default_factory=set)

    def at(self, when: datetime, step: Callable[[datetime], None]) -> None:
        if when <= self.now:
            heapq.heappush(self.steps, (when, next(self.counter), step))

    def run(self) -> None:
        while self.steps:
            when, _, step = heapq.heappop(self.steps)
            step(when)

    def drain_after(self, notice: GuardianNotice) -> None:
        """The minute job's drain right after the notice was queued (portal rows are delivered at once)."""
        minute = notice.created_at.replace(second=0, microsecond=0) + timedelta(minutes=1)
        if minute not in self.drains:
            self.drains.add(minute)
            self.at(minute, drain_outbox_at)


def drain_outbox_at(now: datetime) -> None:
    """`notices.drain_outbox` without its commits (the seed is one transaction): claim, send, record."""
    settings, sealer = app_settings(), Sealer(str(current_app.config["SECRET_KEY"]))
    while True:
        claimed = claim_due(now, settings=settings, sealer=sealer)
        for item in claimed:
            record_result(item, send(item, settings), now=now, settings=settings)
        if len(claimed) < settings.batch:
            return


def _hourly_slot(at: datetime) -> datetime:
    """The first run of the hourly reminder job (:05) at or after `at`."""
    slot = at.replace(minute=5, second=0, microsecond=0)
    return slot if slot >= at else slot + timedelta(hours=1)


def remind(timeline: Timeline, centre: Centre, notice: GuardianNotice, number: int = 1) -> None:
    """The hourly job's run when reminder `number` falls due; the next one is looked at then if still unanswered."""
    timing = ack_timing(centre, kind_of(notice.kind), notice.created_at)
    if timing is None:
        return
    slot = _hourly_slot(timing.due_at(notice.created_at, number))

    def run(at: datetime) -> None:
        if (notice.id, at) not in timeline.slots:
            timeline.slots.add((notice.id, at))
            issue_reminders(at)
        if db.session.execute(select(NoticeAcknowledgement.id).where(
                NoticeAcknowledgement.notice_id == notice.id)).first() is None:
            remind(timeline, centre, notice, number + 1)

    timeline.at(slot, run)


# ---- the month ----------------------------------------------------------------------------------------------

@dataclass
class Families:
    """Who is who in the demo's parent loop, for the steps of both modules."""

    centre: Centre
    setup_at: datetime
    now: datetime
    rng: random.Random
    timeline: Timeline
    pairs: list[tuple[Child, Contact]]  # every child and its mother
    director: Actor
    demo_child_id: int | None = None  # 林妈妈's child
    new_mother: Contact | None = None  # her log-in waits for the first log-in
    paper_family: Contact | None = None  # no log-in
    withdrawn_child_id: int | None = None  # the photos consent withdrawn
    late_done: bool = False  # one 晨检 notice acknowledged a day late

    def day_at(self, days_ago: float, clock: str) -> datetime:
        """A local time `days_ago` days before today (never before the set-up morning)."""
        zone = centre_zone(self.centre)
        day = centre_today(self.centre, self.now) - timedelta(days=int(days_ago))
        return max(self.setup_at + timedelta(minutes=30), datetime.combine(day, time.fromisoformat(clock), tzinfo=zone))

    def mother_of(self, child_id: int) -> Contact:
        return next(m for c, m in self.pairs if c.id == child_id)

    def with_log_in(self) -> list[tuple[Child, Contact]]:
        """The families whose mother uses her log-in (not the new mother, nor the paper family)."""
        return [(c, m) for c, m in self.pairs if m.user_id is not None and m is not self.new_mother]


def seed_families(centre: Centre, *, start: date, setup_at: datetime, now: datetime, rng: random.Random) -> None:
    """The month's parent loop up to `now` (see the module's story), then the talk of `families_talk`."""
    from server.demo import families_talk

    pairs = mothers(centre)
    if not pairs:
        return
    timeline = Timeline(now)
    demo_parent = next((m for _, m in pairs if m.user_id is not None), None)
    world = Families(centre, setup_at, now, rng, timeline, pairs, staff_actor(centre, StaffRole.DIRECTOR),
                     demo_child_id=next((c.id for c, m in pairs if m is demo_parent), None),
                     new_mother=pairs[-2][1] if len(pairs) > 2 and pairs[-2][1].user_id is None else None,
                     paper_family=pairs[-1][1] if pairs[-1][1].user_id is None else None)
    for notice in db.session.execute(select(GuardianNotice).where(
            GuardianNotice.centre_id == centre.id).order_by(GuardianNotice.id)).scalars():
        follow(world, notice)
    _plan_consents(world)
    families_talk.plan(world)
    timeline.run()


def follow(world: Families, notice: GuardianNotice) -> None:
    """What happens to a notice once queued: the drain, the family's reading and answer, the reminders."""
    world.timeline.drain_after(notice)
    kind = kind_of(notice.kind)
    if not kind.needs_ack:
        return
    remind(world.timeline, world.centre, notice)
    if notice.kind not in ("health_check.abnormal", "exclusion"):
        return  # medication requests are answered by signing (server.demo.medication), consents by deciding
    mother = world.mother_of(notice.child_id) if any(c.id == notice.child_id for c, _ in world.pairs) else None
    actor = parent_actor(mother) if mother is not None else None
    if mother is None or actor is None or mother is world.new_mother:
        return  # nobody reads it on a phone: the office has to ring (a finding when it is past its deadline)
    created = notice.created_at
    today = centre_today(world.centre, world.now)
    late = not world.late_done and created.astimezone(centre_zone(world.centre)).date() < today - timedelta(days=3)
    if late:
        world.late_done = True
        answer = created + timedelta(hours=world.rng.uniform(27, 33))  # the day after, once reminded
    else:
        answer = created + timedelta(minutes=world.rng.uniform(20, 240))
    read_at = answer - timedelta(minutes=world.rng.uniform(1, 5))
    world.timeline.at(read_at, lambda at: mark_read(notice, contact_id=mother.id, actor=actor, now=at))
    if created.astimezone(centre_zone(world.centre)).date() < today:  # today's: read, to acknowledge later
        world.timeline.at(answer, lambda at: acknowledge(notice, contact_id=mother.id, actor=actor, now=at))


def _plan_consents(world: Families) -> None:
    """The photos withdrawal mid-month, the new mother's log-in, the new data-processing text and its signing."""
    centre, timeline, rng = world.centre, world.timeline, world.rng
    hands = NoticeHands(open_notice_for=open_notice_for, acknowledge=acknowledge)
    signers = [(c, m) for c, m in world.with_log_in() if c.id != world.demo_child_id]
    if len(signers) > 3:
        child, mother = signers[len(signers) // 3]
        world.withdrawn_child_id = child.id
        days = (world.now - world.setup_at).days
        actor = parent_actor(mother)
        assert actor is not None

        def withdraw(at: datetime) -> None:
            version = current_documents(centre, at)[ConsentPurpose.PHOTOS].version
            decide(child, purpose=ConsentPurpose.PHOTOS, version=version, decision=ConsentChoice.WITHDRAWN,
                   signed_name=None, actor=actor, now=at, notices=hands)

        timeline.at(world.day_at(days * WITHDRAWN_DAY_FRACTION, "20:40"), withdraw)
    if world.new_mother is not None:
        new_mother = world.new_mother

        def open_account(at: datetime) -> None:
            with _Hashing(_demo_hash(centre)):
                open_family_account(new_mother, username=username(centre.code, "parent-new"), actor=world.director,
                                    now=at, make_password=lambda: FIRST_PASSWORD)

        timeline.at(world.day_at(NEW_ACCOUNT_DAYS_AGO, "16:30"), open_account)

    def publish(at: datetime) -> None:
        current = current_documents(centre, at)[ConsentPurpose.DATA_PROCESSING]
        document = publish_version(centre, ConsentPurpose.DATA_PROCESSING, text_zh=current.text_zh + NEW_DP_PARAGRAPH_ZH,
                                   text_en=current.text_en + NEW_DP_PARAGRAPH_EN, notify=queue_notice,
                                   actor=world.director, now=at)
        notices = {n.child_id: n for n in db.session.execute(select(GuardianNotice).where(
            GuardianNotice.centre_id == centre.id, GuardianNotice.kind == "consent.to_sign",
            GuardianNotice.created_at == at)).scalars()}
        for notice in notices.values():
            follow(world, notice)
        late = 2
        for child, mother in signers:
            notice = notices.get(child.id)
            actor = parent_actor(mother)
            if notice is None or actor is None:
                continue
            hours = rng.uniform(30, 50) if late and rng.random() < 0.3 else rng.uniform(0.5, 20)
            late -= hours > 24
            signed = at + timedelta(hours=hours)
            timeline.at(signed - timedelta(minutes=3),
                        lambda t, n=notice, m=mother, a=actor: mark_read(n, contact_id=m.id, actor=a, now=t))
            timeline.at(signed, lambda t, c=child, m=mother, a=actor: decide(
                c, purpose=ConsentPurpose.DATA_PROCESSING, version=document.version, decision=ConsentChoice.GIVEN,
                signed_name=m.name, actor=a, now=t, notices=hands))
        demo = notices.get(world.demo_child_id or 0)
        demo_parent = world.mother_of(world.demo_child_id) if world.demo_child_id else None
        demo_actor = parent_actor(demo_parent) if demo_parent is not None else None
        if demo is not None and demo_parent is not None and demo_actor is not None:  # read, not signed yet
            timeline.at(at + timedelta(hours=2, minutes=10),
                        lambda t: mark_read(demo, contact_id=demo_parent.id, actor=demo_actor, now=t))

    timeline.at(world.day_at(PUBLISHED_DAYS_AGO, "17:00"), publish)
