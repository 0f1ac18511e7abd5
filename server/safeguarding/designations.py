"""Who the director lets read concerns: designated safeguarding leads, and inspectors' grants with the scope.

A designation is a row; its withdrawal is a row of its own (from that instant the lead sees nothing). The scope
of an inspector's grant is a row beside the grant (`membership`): it lasts as long as the grant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from server.audit.operations import audit_record
from server.auth.actor import Actor
from server.auth.models import Membership, User
from server.auth.roles import Role
from server.centre.models import Centre
from server.database import db
from server.errors import Conflict, NotFound, Problem, ValidationFailed
from server.safeguarding import access
from server.safeguarding.models import Designation, DesignationRevocation, InspectorScope


@dataclass(frozen=True)
class DesignationLine:
    """A designation with its lead's name and its withdrawal, if any."""

    designation: Designation
    name: str
    revocation: DesignationRevocation | None


@dataclass(frozen=True)
class InspectorLine:
    """An inspector's grant at the centre and whether it includes safeguarding."""

    membership: Membership
    name: str
    username: str
    scoped: bool


def staff_users(centre_id: int, now: datetime) -> list[tuple[int, str]]:
    """Users with an active staff grant at the centre (who may be named a lead), by name."""
    rows = db.session.execute(
        select(User.id, User.display_name, Membership.role, Membership.expires_at, Membership.revoked_at)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.centre_id == centre_id, Membership.role.in_(access.STAFF_ROLES - {Role.ADMIN}))).all()
    active = {(uid, name) for uid, name, _role, expires, revoked in rows
              if (expires is None or now < expires) and (revoked is None or revoked > now)}
    return sorted(active, key=lambda r: r[1])


def list_designations(centre: Centre, *, actor: Actor, now: datetime) -> list[DesignationLine]:
    """Every designation of the centre, newest first, with its withdrawal (the director only)."""
    access.authorise_designations(actor, centre.id, now)
    rows = db.session.execute(
        select(Designation, User.display_name, DesignationRevocation)
        .join(User, User.id == Designation.user_id)
        .outerjoin(DesignationRevocation, DesignationRevocation.designation_id == Designation.id)
        .where(Designation.centre_id == centre.id).order_by(Designation.id.desc())).all()
    return [DesignationLine(d, name, r) for d, name, r in rows]


def designate_lead(centre: Centre, *, user_id: int, actor: Actor, now: datetime) -> Designation:
    """Name a member of staff a designated safeguarding lead at the centre (once while in force)."""
    access.authorise_designations(actor, centre.id, now)
    if user_id not in {uid for uid, _name in staff_users(centre.id, now)}:
        raise ValidationFailed([Problem("unknown_user", _l("Choose a member of staff of this centre."), "user_id")])
    if access.active_designation(centre.id, user_id, now) is not None:
        raise Conflict(_l("This person is already a designated lead"), code="already_designated")
    row = Designation(centre_id=centre.id, user_id=user_id, designated_by_id=actor.user_id, designated_at=now)
    db.session.add(row)
    db.session.flush()
    audit_record(row, "safeguarding.designate", None, ("user_id", "designated_by_id", "designated_at"), actor=actor,
                 now=now)
    return row


def revoke_designation(centre: Centre, designation_id: int, *, actor: Actor, now: datetime) -> DesignationRevocation:
    """Withdraw a designation from now on (409 when withdrawn already)."""
    access.authorise_designations(actor, centre.id, now)
    designation = db.session.get(Designation, designation_id)
    if designation is None or designation.centre_id != centre.id:
        raise NotFound()
    row = DesignationRevocation(centre_id=centre.id, designation_id=designation.id, revoked_by_id=actor.user_id,
                                revoked_at=now)
    try:
        with db.session.begin_nested():  # the unique designation_id lets one withdrawal through
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        raise Conflict(_l("This designation is already withdrawn"), code="already_revoked") from None
    audit_record(row, "safeguarding.revoke", None, ("designation_id", "revoked_by_id", "revoked_at"), actor=actor,
                 now=now)
    return row


def inspector_lines(centre: Centre, *, actor: Actor, now: datetime) -> list[InspectorLine]:
    """The centre's inspector grants still in force, and whether each includes safeguarding (the director only)."""
    access.authorise_designations(actor, centre.id, now)
    rows = db.session.execute(
        select(Membership, User.display_name, User.username, InspectorScope.id)
        .join(User, User.id == Membership.user_id)
        .outerjoin(InspectorScope, (InspectorScope.membership_id == Membership.id)
                   & (InspectorScope.grant_expires_at == Membership.expires_at))
        .where(Membership.centre_id == centre.id, Membership.role == Role.INSPECTOR)
        .order_by(Membership.expires_at.desc(), Membership.id)).all()
    return [InspectorLine(m, name, username, scope is not None) for m, name, username, scope in rows
            if (m.revoked_at is None or m.revoked_at > now) and (m.expires_at is None or now < m.expires_at)]


def scoped_grant_ids(centre_id: int) -> set[int]:
    """The centre's inspector grants (membership ids) that include safeguarding: the grant page's badge."""
    return set(db.session.execute(select(InspectorScope.membership_id).join(
        Membership, (Membership.id == InspectorScope.membership_id)
        & (Membership.expires_at == InspectorScope.grant_expires_at)).where(
        InspectorScope.centre_id == centre_id)).scalars())


def include_in_grant(centre: Centre, *, membership_id: int, actor: Actor, now: datetime) -> InspectorScope:
    """Add the safeguarding scope to an inspector's grant in force at the centre (once)."""
    access.authorise_designations(actor, centre.id, now)
    grant = db.session.get(Membership, membership_id)
    if grant is None or grant.centre_id != centre.id or grant.role is not Role.INSPECTOR:
        raise NotFound()
    if (grant.revoked_at is not None and grant.revoked_at <= now) or (grant.expires_at is not None
                                                                       and grant.expires_at <= now):
        raise Conflict(_l("This grant is no longer in force"), code="grant_ended")
    row = InspectorScope(centre_id=centre.id, membership_id=grant.id, grant_expires_at=grant.expires_at,
                         granted_by_id=actor.user_id, granted_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        raise Conflict(_l("This grant already includes safeguarding"), code="already_scoped") from None
    audit_record(row, "safeguarding.inspector_scope", None, ("membership_id", "grant_expires_at", "granted_by_id", "granted_at"),
                 actor=actor, now=now)
    return row
