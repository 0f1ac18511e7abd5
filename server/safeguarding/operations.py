"""Safeguarding concerns: raise one, read them (every read logged), record escalation steps, amend.

Any member of staff may raise a concern (`safeguarding.raise`) and sees only the confirmation of their own
submission; reading and handling are for those `access` admits (the director, designated leads; scoped inspectors
read). Every change is a new row with one audit entry; nothing is edited in place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from compliance.evaluators.safeguarding import concern_number, report_deadline
from server.audit.operations import log_access, record_change, snapshot
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.centre.models import Centre
from server.centre.operations import centre_by_id
from server.centre.rules import effective_rules
from server.centre.timezones import centre_today, centre_zone
from server.database import db
from server.errors import Conflict, NotFound, ProblemCollector
from server.people.employment import managers_on
from server.people.models import Child, Staff
from server.people.staff_models import BannedPerson
from server.safeguarding import access
from server.safeguarding.escalation import step_rules
from server.safeguarding.models import (
    Agency,
    AmendedField,
    Concern,
    ConcernAmendment,
    ConcernCategory,
    InvolvedStaff,
    Step,
    StepKind,
)

MAX_TEXT = 4000
MAX_STAFF = 10
MAX_NAME = 80
CONCERN_FIELDS = ("child_id", "category", "noticed_at", "account", "immediate_actions", "raised_by_id", "raised_at")
STEP_FIELDS = ("concern_id", "kind", "done_at", "done_by", "agency", "reference", "staff_id", "ban_id", "detail",
               "recorded_by_id", "recorded_at")
AMENDMENT_FIELDS = ("concern_id", "field", "value", "reason", "amended_by_id", "amended_at")
OBJECT = "safeguarding_concern"


@dataclass(frozen=True)
class ConcernView:
    """A concern as its readers see it: the values after corrections, its people, steps and report deadline."""

    concern: Concern
    child_name: str
    category: ConcernCategory
    noticed_at: datetime
    account: str
    immediate_actions: str
    involved: list[InvolvedStaff]
    steps: list[Step]
    amendments: list[ConcernAmendment]
    report_due: datetime | None  # None: the rule is not in force

    @property
    def number(self) -> str:
        return concern_number(self.concern.id)

    @property
    def first_report(self) -> Step | None:
        reports = [s for s in self.steps if step_rules()[s.kind].reports]
        return min(reports, key=lambda s: s.done_at) if reports else None

    @property
    def closed(self) -> Step | None:
        return next((s for s in self.steps if step_rules()[s.kind].ends), None)

    def report_overdue(self, now: datetime) -> bool:
        """No report by the deadline (or the first came after it)."""
        if self.report_due is None:
            return False
        first = self.first_report
        return first.done_at > self.report_due if first is not None else now > self.report_due


def _text(value: str | None, field: str, problems: ProblemCollector, *, required: bool = True,
          most: int = MAX_TEXT) -> str:
    text = (value or "").strip()
    if required and not text:
        problems.add("required", _l("This is required."), field)
    elif len(text) > most:
        problems.add("too_long", _l("At most %(most)s characters.", most=most), field)
    return text


def _instant(value: datetime | None, field: str, problems: ProblemCollector, now: datetime,
             not_before: datetime | None = None) -> None:
    if value is None:
        problems.add("required", _l("This is required."), field)
    elif value.tzinfo is None:
        problems.add("naive_time", _l("Give a time with its time zone."), field)
    elif value > now + timedelta(minutes=5):
        problems.add("in_future", _l("This time is in the future."), field)
    elif not_before is not None and value < not_before:
        problems.add("before_noticed", _l("This is before the concern was noticed."), field)


def raise_concern(centre: Centre, *, child_id: int | None, category: str, noticed_at: datetime | None, account: str,
                  immediate_actions: str = "", staff_ids: Sequence[int] = (), actor: Actor,
                  now: datetime) -> Concern:
    """Any member of staff records a concern about a child; the staff involved are kept with their managers then."""
    authorise(actor, Perm.SAFEGUARDING_RAISE, centre.id, now)
    problems = ProblemCollector()
    child = db.session.get(Child, child_id) if child_id is not None else None
    if child is None or child.centre_id != centre.id:
        problems.add("unknown_child", _l("Choose a child of this centre."), "child_id")
    if category not in {c.value for c in ConcernCategory}:
        problems.add("bad_choice", _l("Choose one of the options."), "category")
    _instant(noticed_at, "noticed_at", problems, now)
    body = _text(account, "account", problems)
    actions = _text(immediate_actions, "immediate_actions", problems, required=False)
    ids = list(dict.fromkeys(staff_ids))
    staff = [db.session.get(Staff, i) for i in ids[:MAX_STAFF + 1]]
    if len(ids) > MAX_STAFF:
        problems.add("too_many", _l("At most %(most)s people.", most=MAX_STAFF), "staff_ids")
    elif any(s is None or s.centre_id != centre.id for s in staff):
        problems.add("unknown_staff", _l("Choose members of staff of this centre."), "staff_ids")
    problems.raise_if_any()
    assert noticed_at is not None
    row = Concern(centre_id=centre.id, child_id=child_id, category=ConcernCategory(category), noticed_at=noticed_at,
                  account=body, immediate_actions=actions, raised_by_id=actor.user_id, raised_at=now)
    db.session.add(row)
    db.session.flush()
    day = noticed_at.astimezone(centre_zone(centre)).date()
    involved = []
    for person in staff:
        assert person is not None
        managers = [{"staff_id": m.id, "name": m.name, "role": m.role.value} for m in managers_on(person.id, day)]
        involved.append(InvolvedStaff(centre_id=centre.id, concern_id=row.id, staff_id=person.id, name=person.name,
                                      managers=managers))
    db.session.add_all(involved)
    db.session.flush()
    after = {**snapshot(row, CONCERN_FIELDS), "involved": [(i.staff_id, i.managers) for i in involved]}
    record_change(centre_id=centre.id, actor_id=actor.user_id, actor_kind=actor.kind, action="safeguarding.raise",
                  object_type=OBJECT, object_id=row.id, before=None, after=after, now=now)
    return row


def _view_read(centre_id: int, actor: Actor, now: datetime, *, what: str, object_id: object, detail: str) -> None:
    access.authorise_read(actor, centre_id, now)
    log_access(centre_id=centre_id, user_id=actor.user_id, action=what, object_type=OBJECT, object_id=object_id,
               now=now, detail=detail)


def get_concern(concern_id: int, *, actor: Actor, now: datetime, purpose: str = "detail") -> Concern:
    """One concern, for those who may read them (others: 404, as for a concern that does not exist); logged."""
    row = db.session.get(Concern, concern_id)
    if row is None:
        raise NotFound()
    _view_read(row.centre_id, actor, now, what="read", object_id=row.id, detail=f"safeguarding {purpose}")
    return row


def _centre_rows(centre_id: int) -> list[Concern]:
    return list(db.session.execute(select(Concern).where(Concern.centre_id == centre_id)
                                   .order_by(Concern.raised_at.desc(), Concern.id.desc())).scalars())


def views(concerns: Sequence[Concern], centre: Centre, now: datetime) -> list[ConcernView]:
    """The concerns with their people, steps, corrections and deadline (a few queries for them all)."""
    ids = [c.id for c in concerns]
    if not ids:
        return []
    involved = list(db.session.execute(select(InvolvedStaff).where(InvolvedStaff.concern_id.in_(ids))
                                       .order_by(InvolvedStaff.id)).scalars())
    steps = list(db.session.execute(select(Step).where(Step.concern_id.in_(ids))
                                    .order_by(Step.done_at, Step.id)).scalars())
    amendments = list(db.session.execute(select(ConcernAmendment).where(ConcernAmendment.concern_id.in_(ids))
                                         .order_by(ConcernAmendment.id)).scalars())
    children = dict(db.session.execute(select(Child.id, Child.name).where(
        Child.id.in_({c.child_id for c in concerns}))).all())
    limit = report_deadline(effective_rules(centre, centre_today(centre, now)))
    out = []
    for c in concerns:
        own = [a for a in amendments if a.concern_id == c.id]
        latest = {a.field: a.value for a in own}
        noticed = datetime.fromisoformat(latest[AmendedField.NOTICED_AT]) if AmendedField.NOTICED_AT in latest \
            else c.noticed_at
        out.append(ConcernView(
            concern=c, child_name=children.get(c.child_id, ""),
            category=ConcernCategory(latest.get(AmendedField.CATEGORY, c.category)), noticed_at=noticed,
            account=latest.get(AmendedField.ACCOUNT, c.account),
            immediate_actions=latest.get(AmendedField.IMMEDIATE_ACTIONS, c.immediate_actions),
            involved=[i for i in involved if i.concern_id == c.id], steps=[s for s in steps if s.concern_id == c.id],
            amendments=own, report_due=min(c.noticed_at, c.raised_at) + limit if limit is not None else None))
    return out


def list_concerns(centre: Centre, *, actor: Actor, now: datetime) -> list[ConcernView]:
    """The centre's concerns, open ones first (overdue reports first), then the closed, newest first; logged."""
    _view_read(centre.id, actor, now, what="read", object_id="list", detail="safeguarding list")
    found = views(_centre_rows(centre.id), centre, now)
    return sorted(found, key=lambda v: (v.closed is not None, not v.report_overdue(now)))


def concern_view(concern: Concern, now: datetime) -> ConcernView:
    """One concern's view (the caller got the concern through `get_concern`)."""
    return views([concern], centre_by_id(concern.centre_id), now)[0]


def add_step(concern: Concern, *, kind: str, done_at: datetime | None, done_by: str, agency: str | None = None,
             reference: str | None = None, staff_id: int | None = None, ban_id: int | None = None,
             detail: str = "", actor: Actor, now: datetime) -> Step:
    """Record an escalation step or a note, with when it was done and by whom; none after the closing step."""
    access.authorise_write(actor, concern.centre_id, now)
    problems = ProblemCollector()
    rule = step_rules().get(StepKind(kind)) if kind in {k.value for k in StepKind} else None
    if rule is None:
        problems.add("bad_choice", _l("Choose one of the options."), "kind")
    _instant(done_at, "done_at", problems, now, not_before=concern.noticed_at)  # never reported before it was seen
    who = _text(done_by, "done_by", problems, most=MAX_NAME)
    text = _text(detail, "detail", problems, required=rule is not None and "detail" in rule.needs)
    ref = _text(reference, "reference", problems, required=False, most=MAX_NAME) or None
    chosen = rule.agency if rule is not None and rule.agency is not None else None
    if chosen is None and agency:
        if agency in {a.value for a in Agency}:
            chosen = Agency(agency)
        else:
            problems.add("bad_choice", _l("Choose one of the options."), "agency")
    if rule is not None and "agency" in rule.needs and chosen is None:
        problems.add("required", _l("Say which authority."), "agency")
    if rule is not None and "staff" in rule.needs and staff_id is None:
        problems.add("required", _l("Choose the member of staff."), "staff_id")
    if staff_id is not None:
        person = db.session.get(Staff, staff_id)
        if person is None or person.centre_id != concern.centre_id:
            problems.add("unknown_staff", _l("Choose members of staff of this centre."), "staff_id")
    if ban_id is not None:
        ban = db.session.get(BannedPerson, ban_id)
        if ban is None or ban.centre_id != concern.centre_id:
            problems.add("unknown_ban", _l("No such entry in the ban list."), "ban_id")
    problems.raise_if_any()
    assert rule is not None and done_at is not None
    if db.session.execute(select(Step.id).where(Step.concern_id == concern.id,
                                                Step.kind == StepKind.CLOSED)).first() is not None:
        raise Conflict(_l("This concern is closed"), code="concern_closed")
    row = Step(centre_id=concern.centre_id, concern_id=concern.id, kind=rule.kind, done_at=done_at, done_by=who,
               agency=chosen, reference=ref, staff_id=staff_id, ban_id=ban_id, detail=text,
               recorded_by_id=actor.user_id, recorded_at=now)
    db.session.add(row)
    db.session.flush()
    record_change(centre_id=concern.centre_id, actor_id=actor.user_id, actor_kind=actor.kind,
                  action=f"safeguarding.step.{rule.kind.value}", object_type="safeguarding_step", object_id=row.id,
                  before=None, after=snapshot(row, STEP_FIELDS), now=now)
    return row


def amend_concern(concern: Concern, *, field: str, value: str, reason: str, actor: Actor,
                  now: datetime) -> ConcernAmendment:
    """Correct one field of a concern with a reason: a new row; the concern as raised stays as it was."""
    access.authorise_write(actor, concern.centre_id, now)
    problems = ProblemCollector()
    why = _text(reason, "reason", problems)
    stored = (value or "").strip()
    if field not in {f.value for f in AmendedField}:
        problems.add("bad_choice", _l("Choose one of the options."), "field")
    elif field == AmendedField.CATEGORY and stored not in {c.value for c in ConcernCategory}:
        problems.add("bad_choice", _l("Choose one of the options."), "value")
    elif field == AmendedField.NOTICED_AT:
        try:
            at = datetime.fromisoformat(stored)
        except ValueError:
            problems.add("bad_time", _l("Not a valid date and time."), "value")
        else:
            _instant(at, "value", problems, now)
            if at.tzinfo is not None:
                stored = at.astimezone(UTC).isoformat()
    else:
        stored = _text(value, "value", problems, required=field == AmendedField.ACCOUNT)
    problems.raise_if_any()
    row = ConcernAmendment(centre_id=concern.centre_id, concern_id=concern.id, field=AmendedField(field),
                           value=stored, reason=why, amended_by_id=actor.user_id, amended_at=now)
    db.session.add(row)
    db.session.flush()
    record_change(centre_id=concern.centre_id, actor_id=actor.user_id, actor_kind=actor.kind,
                  action="safeguarding.amend", object_type="safeguarding_amendment", object_id=row.id, before=None,
                  after=snapshot(row, AMENDMENT_FIELDS), now=now)
    return row
