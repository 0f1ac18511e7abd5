"""Evaluate a centre against its rulebook, keep the findings, grant inspectors, build signed packs."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import BinaryIO

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from compliance import Period, evaluate
from compliance.pack.build import PackResult, build_pack
from compliance.pack.zip_writer import Progress
from server.audit.models import AuditEntry, chain_for
from server.audit.operations import log_access, record_change
from server.auth.actor import Actor, authorise
from server.auth.models import Membership, User
from server.auth.operations import create_user, grant_role, revoke_grant
from server.auth.roles import Perm, Role
from server.centre import keys
from server.centre.models import Centre
from server.centre.records import centre_record
from server.centre.rules import effective_rules
from server.centre.timezones import centre_today, centre_zone
from server.database import db
from server.errors import Problem, ProblemCollector, ValidationFailed
from server.inspections.models import EvaluationRun, StoredFinding
from server.inspections.records import access_log, audit_entries, audit_head
from server.inspections.sources import ComplianceSources, compliance_inputs

GENERATOR_VERSION = "0.1.0"
# Inspections are unannounced (双随机): a pack may cover any period, but not an unbounded one.
MAX_PACK_DAYS = 3 * 366
# Findings older than this are re-evaluated when shown, even if no audited record changed: what time alone
# changes (an open ratio breach passing its grace, a day without environment data) is then at most this late.
FINDINGS_MAX_AGE = timedelta(minutes=10)
SEVERITY_RANK = {"critical": 0, "violation": 1, "warning": 2, "info": 3}


def evaluation_period(centre: Centre, now: datetime) -> Period:
    """What a routine evaluation looks at: the last 30 days up to today."""
    today = centre_today(centre, now)
    return Period(today - timedelta(days=29), today)


def evaluate_centre(centre: Centre, *, sources: ComplianceSources, trigger: str, actor: Actor,
                    now: datetime) -> EvaluationRun:
    """Run every evaluator; the new findings replace the current ones (older runs stay as history)."""
    authorise(actor, Perm.CENTRE_MANAGE, centre.id, now)
    period = evaluation_period(centre, now)
    rules = effective_rules(centre, period.end)
    findings = evaluate(compliance_inputs(centre, period, sources, now), rules, period)
    run = EvaluationRun(centre_id=centre.id, at=now, trigger=trigger, rulebook_version=rules.version,
                        period_from=period.start, period_to=period.end, findings=len(findings))
    db.session.add(run)
    db.session.flush()
    db.session.execute(update(StoredFinding).where(StoredFinding.centre_id == centre.id,
                                                   StoredFinding.is_current).values(is_current=False))
    db.session.add_all(
        StoredFinding(
            centre_id=centre.id, run_id=run.id, rule_id=f.rule_id, severity=f.severity.value,
            period_from=f.period.start, period_to=f.period.end, evidence=list(f.evidence),
            message_zh=f.message_zh, message_en=f.message_en, responsibility=f.responsibility.value,
            inspection_area=f.inspection_area.value, is_current=True,
        )
        for f in findings
    )
    db.session.flush()
    record_change(centre_id=centre.id, actor_id=actor.user_id, actor_kind=actor.kind, action="evaluation.run",
                  object_type="evaluation_run", object_id=run.id, before=None,
                  after={"rulebook": rules.version, "findings": len(findings), "trigger": trigger}, now=now)
    return run


def current_findings(centre: Centre, *, actor: Actor, now: datetime) -> list[StoredFinding]:
    """The latest run's findings, most serious first.

    Read by run (not by `is_current`), so two evaluations racing each other never show as one doubled set.
    """
    authorise(actor, Perm.FINDINGS_READ, centre.id, now)
    run = last_run(centre)
    if run is None:
        return []
    rows = db.session.execute(select(StoredFinding).where(StoredFinding.run_id == run.id)).scalars()
    return sorted(rows, key=lambda f: (SEVERITY_RANK.get(f.severity, 9), f.rule_id, f.id))


def last_run(centre: Centre) -> EvaluationRun | None:
    """The centre's latest evaluation, if any."""
    return db.session.execute(
        select(EvaluationRun).where(EvaluationRun.centre_id == centre.id).order_by(EvaluationRun.id.desc()).limit(1)
    ).scalar_one_or_none()


def findings_are_stale(centre: Centre, run: EvaluationRun | None, now: datetime) -> bool:
    """Whether the stored findings may no longer tell the truth.

    Stale when there is no run, when it is older than `FINDINGS_MAX_AGE`, when the centre's day has turned
    since (the evaluation period moved), or when any change was audited on the centre's chain after the
    run's own entry: every regulated record (children, consent, classes, attendance, moves, alerts, the
    centre) writes one, so the audit chain is the one marker of "the records behind the findings changed"
    that needs no import of any record domain.
    """
    if run is None or now - run.at >= FINDINGS_MAX_AGE or centre_today(centre, run.at) != centre_today(centre, now):
        return True
    chain = chain_for(centre.id)
    own_seq = db.session.execute(
        select(AuditEntry.seq).where(AuditEntry.chain == chain, AuditEntry.object_type == "evaluation_run",
                                     AuditEntry.object_id == str(run.id))
    ).scalar_one_or_none()
    if own_seq is None:
        return True
    return db.session.execute(
        select(AuditEntry.id).where(AuditEntry.chain == chain, AuditEntry.seq > own_seq).limit(1)
    ).first() is not None


def fresh_findings(centre: Centre, *, sources: ComplianceSources, actor: Actor,
                   now: datetime) -> tuple[EvaluationRun, list[StoredFinding]]:
    """The current findings, re-evaluated first if stale (`findings_are_stale`), with the run they come from.

    Whoever may read findings may cause this re-evaluation (an inspector too): it is done by the system,
    writes its own run and audit entry, and changes no record.
    """
    authorise(actor, Perm.FINDINGS_READ, centre.id, now)
    run = last_run(centre)
    if findings_are_stale(centre, run, now):
        run = evaluate_centre(centre, sources=sources, trigger="stale", actor=Actor.system(), now=now)
    assert run is not None
    return run, sources.findings_for(current_findings(centre, actor=actor, now=now), centre, actor, now)


def grant_inspector(
    centre: Centre, *, username: str, display_name: str, expires_at: datetime, actor: Actor, now: datetime
) -> tuple[User, str | None]:
    """Give an inspector read-only access to this centre until `expires_at`.

    A new account gets a one-time random password (returned once, to hand over); an existing
    inspector account simply gains this centre in its scope.
    """
    authorise(actor, Perm.INSPECTORS_GRANT, centre.id, now)
    user = db.session.execute(select(User).where(User.username == username.strip())).scalar_one_or_none()
    password = None
    if user is None:
        password = secrets.token_urlsafe(12)
        user = create_user(username, display_name, password, actor=actor, now=now, must_change_password=True)
    grant_role(user, centre.id, Role.INSPECTOR, expires_at=expires_at, actor=actor, now=now)
    return user, password


@dataclass(frozen=True)
class InspectorGrant:
    """One inspector's grant at a centre, as the office sees it."""

    membership: Membership
    user: User

    def state(self, now: datetime) -> str:
        """The grant now: "revoked", "expired" or "active"."""
        if self.membership.revoked_at is not None:
            return "revoked"
        if self.membership.expires_at is not None and self.membership.expires_at <= now:
            return "expired"
        return "active"


def list_inspector_grants(centre: Centre, *, actor: Actor, now: datetime) -> list[InspectorGrant]:
    """The centre's inspector grants, the latest expiry first (those who may grant them only)."""
    authorise(actor, Perm.INSPECTORS_GRANT, centre.id, now)
    rows = db.session.execute(
        select(Membership, User).join(User, User.id == Membership.user_id)
        .where(Membership.centre_id == centre.id, Membership.role == Role.INSPECTOR)
        .order_by(Membership.expires_at.desc(), Membership.id)
    ).all()
    return [InspectorGrant(m, u) for m, u in rows]


def revoke_inspector(centre: Centre, *, username: str, actor: Actor, now: datetime) -> Membership:
    """Withdraw an inspector's grant at this centre at once (revoke_grant); an unknown inspector is a problem."""
    authorise(actor, Perm.INSPECTORS_GRANT, centre.id, now)
    membership = db.session.execute(
        select(Membership).join(User, User.id == Membership.user_id)
        .where(Membership.centre_id == centre.id, Membership.role == Role.INSPECTOR, User.username == username.strip())
    ).scalar_one_or_none()
    if membership is None:
        raise ValidationFailed([Problem("unknown_grant", _l("No such inspector grant"), "username")])
    return revoke_grant(membership, actor=actor, now=now)


def check_period(start: date | None, end: date | None) -> Period:
    """A pack period from user input, with every problem reported at once."""
    problems = ProblemCollector()
    if start is None:
        problems.add("required", _l("Start date is required"), "from")
    if end is None:
        problems.add("required", _l("End date is required"), "to")
    if start and end and end < start:
        problems.add("period_reversed", _l("The period ends before it starts"), "to")
    if start and end and (end - start).days + 1 > MAX_PACK_DAYS:
        problems.add("period_too_long", _l("A pack covers at most three years"), "to")
    problems.raise_if_any()
    assert start is not None and end is not None
    return Period(start, end)


def write_pack(
    centre: Centre, period: Period, output: BinaryIO, *, sources: ComplianceSources, actor: Actor, now: datetime,
    progress: Progress | None = None,
) -> PackResult:
    """Stream a signed compliance pack of the period into `output`.

    The download is logged first, so it appears in the pack's own access register.
    """
    authorise(actor, Perm.PACKS_DOWNLOAD, centre.id, now)
    log_access(centre_id=centre.id, user_id=actor.user_id, action="download", object_type="pack",
               object_id=f"{period.start}..{period.end}", now=now, detail="compliance pack")
    db.session.flush()
    keys.ensure_keys(centre, now)
    key_id, private_key = keys.signing_key(centre)
    rules = effective_rules(centre, period.end)
    findings_run = evaluate(compliance_inputs(centre, period, sources, now), rules, period)
    tz = centre_zone(centre)
    figures = [figure for provider in sources.key_figures for figure in provider(centre, period)]
    return build_pack(
        output, centre=centre_record(centre), period=period, registers=sources.registers_for(centre, actor, now),
        findings=sources.findings_for(findings_run, centre, actor, now), rulebook=rules, audit_head=audit_head(centre),
        audit_entries=audit_entries(centre, period, tz), access_log=access_log(centre, period, tz),
        signing_key=private_key, key_id=key_id, generated_at=now, generator_version=GENERATOR_VERSION,
        progress=progress, tz=tz, statistics=figures,
    )
