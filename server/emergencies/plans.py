"""The emergency plan library: the director publishes a version, every member of staff confirms reading it.

A new version supersedes the one before (both kept, each audited); read receipts belong to one version, so a new
version starts unread by everyone. The reading deadline is the rule `emergency.plans_read`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from server.audit.operations import audit_record
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.centre.models import Centre
from server.centre.operations import centre_by_id
from server.centre.rules import effective_rules
from server.centre.timezones import centre_today, centre_zone
from server.database import db
from server.emergencies.plans_models import EmergencyPlan, PlanRead, PlanScenario, PlanVersion
from server.emergencies.preparedness import MAX_NOTE, active_staff, staff_of
from server.errors import Conflict, NotFound, ProblemCollector
from server.files import FileStore, sanitise_name
from server.people.models import Staff, StaffRole

VERSION_FIELDS = ("plan_id", "version_no", "title", "body", "responsible_roles", "change_note", "file_sha256",
                  "published_by_id", "published_at")
READ_FIELDS = ("version_id", "staff_id", "user_id", "read_at")
MAX_BODY = 20000
RULE = "emergency.plans_read"


@dataclass(frozen=True)
class PlanLine:
    """A scenario of the library: its plan's current version and who has read it (None: no plan yet)."""

    scenario: PlanScenario
    version: PlanVersion | None
    versions: int
    readers: tuple[Staff, ...]
    unread: tuple[Staff, ...]
    read_by_me: bool
    due_at: datetime | None  # when the staff of its publication should have read it; None: the rule is not in force
    late: tuple[Staff, ...] = ()  # unread past their own deadline (a later hire's runs from their first day)

    @property
    def overdue(self) -> bool:
        return bool(self.late)


def _version_problems(scenario: str, title: str, body: str, roles: list[str], has_file: bool,
                      problems: ProblemCollector) -> None:
    if scenario not in {s.value for s in PlanScenario}:
        problems.add("bad_choice", _l("Choose one of the options."), "scenario")
    if not title.strip():
        problems.add("required", _l("The title is required"), "title")
    elif len(title.strip()) > 120:
        problems.add("too_long", _l("At most %(most)s characters.", most=120), "title")
    if not body.strip() and not has_file:
        problems.add("required", _l("Write the plan or attach its PDF"), "body")
    elif len(body) > MAX_BODY:
        problems.add("too_long", _l("At most %(most)s characters.", most=MAX_BODY), "body")
    if not roles:
        problems.add("required", _l("Name at least one responsible role"), "responsible_roles")
    elif any(r not in {s.value for s in StaffRole} for r in roles):
        problems.add("bad_choice", _l("Choose one of the options."), "responsible_roles")


def publish_version(centre: Centre, *, scenario: str, title: str, body: str, responsible_roles: list[str],
                    change_note: str | None = None, file: tuple[bytes, str | None] | None = None,
                    store: FileStore | None = None, actor: Actor, now: datetime) -> PlanVersion:
    """Publish a new version of the centre's plan for a scenario (the first creates the plan); audited."""
    authorise(actor, Perm.EMERGENCY_MANAGE, centre.id, now)
    problems = ProblemCollector()
    roles = sorted(set(responsible_roles))
    _version_problems(scenario, title, body, roles, file is not None, problems)
    note = (change_note or "").strip() or None
    if note is not None and len(note) > MAX_NOTE:
        problems.add("too_long", _l("At most %(most)s characters.", most=MAX_NOTE), "change_note")
    stored = None
    if file is not None:
        assert store is not None
        stored = store.inspect(file[0], problems, field="file")
        if stored is not None and stored.content_type != "application/pdf":
            problems.add("unsupported_file_type", _l("Attach the plan as a PDF"), "file")
    problems.raise_if_any()
    plan = db.session.execute(select(EmergencyPlan).where(
        EmergencyPlan.centre_id == centre.id, EmergencyPlan.scenario == scenario)).scalar_one_or_none()
    if plan is None:
        plan = EmergencyPlan(centre_id=centre.id, scenario=PlanScenario(scenario), created_at=now)
        db.session.add(plan)
        db.session.flush()
    number = db.session.execute(select(func.coalesce(func.max(PlanVersion.version_no), 0)).where(
        PlanVersion.plan_id == plan.id)).scalar_one() + 1
    if stored is not None and file is not None and store is not None:
        store.keep(file[0], stored)
    version = PlanVersion(centre_id=centre.id, plan_id=plan.id, version_no=number, title=title.strip(), body=body,
                          responsible_roles=roles, change_note=note,
                          file_sha256=stored.sha256 if stored else None,
                          file_name=sanitise_name(file[1], fallback="plan.pdf") if stored and file else None,
                          file_size=stored.size if stored else None, published_by_id=actor.user_id,
                          published_at=now)
    db.session.add(version)
    db.session.flush()
    audit_record(version, "plan.publish", None, VERSION_FIELDS, actor=actor, now=now)
    return version


def get_version(version_id: int, *, actor: Actor, now: datetime) -> PlanVersion:
    version = db.session.get(PlanVersion, version_id)
    if version is None:
        raise NotFound()
    authorise(actor, Perm.EMERGENCY_READ, version.centre_id, now)
    return version


def scenario_of(version: PlanVersion) -> PlanScenario:
    plan = db.session.get(EmergencyPlan, version.plan_id)
    assert plan is not None
    return plan.scenario


def current_versions(centre_id: int) -> list[PlanVersion]:
    """The latest version of each of the centre's plans."""
    latest = (select(PlanVersion.plan_id, func.max(PlanVersion.version_no).label("n"))
              .where(PlanVersion.centre_id == centre_id).group_by(PlanVersion.plan_id).subquery())
    return list(db.session.execute(select(PlanVersion).join(
        latest, (PlanVersion.plan_id == latest.c.plan_id) & (PlanVersion.version_no == latest.c.n))
        .order_by(PlanVersion.plan_id)).scalars())


def is_current(version: PlanVersion) -> bool:
    return db.session.execute(select(PlanVersion.id).where(
        PlanVersion.plan_id == version.plan_id, PlanVersion.version_no > version.version_no)).first() is None


def confirm_read(version: PlanVersion, *, actor: Actor, now: datetime) -> PlanRead:
    """The caller confirms "I have read this plan" (once per version; only the current version)."""
    authorise(actor, Perm.EMERGENCY_READ, version.centre_id, now)
    staff = staff_of(actor, version.centre_id, centre_today(centre_by_id(version.centre_id), now))
    if staff is None:
        raise Conflict(_l("Only a member of this centre's staff confirms reading its plans"), code="not_staff")
    if not is_current(version):
        raise Conflict(_l("A newer version of this plan has been published: read that one"), code="superseded")
    existing = db.session.execute(select(PlanRead).where(
        PlanRead.version_id == version.id, PlanRead.staff_id == staff.id)).scalar_one_or_none()
    if existing is not None:
        return existing
    receipt = PlanRead(centre_id=version.centre_id, version_id=version.id, staff_id=staff.id,
                       user_id=actor.user_id, read_at=now)
    db.session.add(receipt)
    db.session.flush()
    audit_record(receipt, "plan.read", None, READ_FIELDS, actor=actor, now=now)
    return receipt


def readers_of(version_id: int) -> dict[int, datetime]:
    """Staff id → when they confirmed reading the version."""
    return dict(db.session.execute(select(PlanRead.staff_id, PlanRead.read_at).where(
        PlanRead.version_id == version_id)).all())


def read_window(centre: Centre, now: datetime) -> timedelta | None:
    rule = effective_rules(centre, centre_today(centre, now)).get(RULE)
    return timedelta(days=int(rule.value("read_within_days"))) if rule is not None else None


def library(centre: Centre, *, actor: Actor, now: datetime) -> list[PlanLine]:
    """Every scenario with its current version, who has read it and who has not (active staff), in scenario order."""
    authorise(actor, Perm.EMERGENCY_READ, centre.id, now)
    today = centre_today(centre, now)
    staff = active_staff(centre.id, today)
    me = staff_of(actor, centre.id, today)
    plans = {p.id: p.scenario for p in db.session.execute(select(EmergencyPlan).where(
        EmergencyPlan.centre_id == centre.id)).scalars()}
    counts = dict(db.session.execute(select(PlanVersion.plan_id, func.count()).where(
        PlanVersion.centre_id == centre.id).group_by(PlanVersion.plan_id)).all())
    by_scenario = {plans[v.plan_id]: v for v in current_versions(centre.id)}
    window = read_window(centre, now)
    lines = []
    for scenario in PlanScenario:
        version = by_scenario.get(scenario)
        if version is None:
            lines.append(PlanLine(scenario, None, 0, (), (), False, None))
            continue
        read = readers_of(version.id)
        unread = tuple(s for s in staff if s.id not in read)
        late = tuple(s for s in unread if window is not None and max(
            version.published_at, datetime.combine(s.hired_on, time(), centre_zone(centre))) + window <= now)
        lines.append(PlanLine(scenario, version, counts.get(version.plan_id, 1),
                              tuple(s for s in staff if s.id in read), unread, me is not None and me.id in read,
                              version.published_at + window if window is not None else None, late))
    return lines


def versions_of(version: PlanVersion) -> list[PlanVersion]:
    """Every version of the plan, newest first."""
    return list(db.session.execute(select(PlanVersion).where(PlanVersion.plan_id == version.plan_id)
                                   .order_by(PlanVersion.version_no.desc())).scalars())


def my_unread(centre: Centre, *, actor: Actor, now: datetime) -> list[PlanVersion]:
    """The current plan versions the caller (a member of staff) has not confirmed: their to-do."""
    if not actor.can(Perm.EMERGENCY_READ, centre.id, now):
        return []
    me = staff_of(actor, centre.id, centre_today(centre, now))
    if me is None:
        return []
    read = set(db.session.execute(select(PlanRead.version_id).where(PlanRead.staff_id == me.id)).scalars())
    return [v for v in current_versions(centre.id) if v.id not in read]


def plan_file(version: PlanVersion, store: FileStore) -> bytes:
    """The version's PDF (404 when it has none)."""
    if version.file_sha256 is None:
        raise NotFound(_l("This version has no PDF"), code="no_file")
    return store.read(version.file_sha256)
