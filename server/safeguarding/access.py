"""Who may learn that a safeguarding concern exists: the director, designated leads, scoped inspectors.

`safeguarding.read` / `safeguarding.write` are the director's alone in the role table; the designated leads (a
designation row at the centre, not revoked, and an active staff grant there) and inspectors whose grant carries the
safeguarding scope (read only) are added here. Everyone else gets 404, never 403: a refusal must not tell them
that there is anything to refuse.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from server.auth.actor import Actor
from server.auth.models import Membership
from server.auth.roles import Perm, Role
from server.database import db
from server.errors import NotFound
from server.safeguarding.models import Designation, DesignationRevocation, InspectorScope

STAFF_ROLES = frozenset({Role.ADMIN, Role.CAREGIVER, Role.HEALTH, Role.KITCHEN, Role.SECURITY})


def active_designation(centre_id: int, user_id: int | None, now: datetime) -> Designation | None:
    """The user's designation as a lead at the centre in force now, if any."""
    if user_id is None:
        return None
    revoked = select(DesignationRevocation.designation_id).where(DesignationRevocation.revoked_at <= now)
    return db.session.execute(
        select(Designation).where(Designation.centre_id == centre_id, Designation.user_id == user_id,
                                  Designation.designated_at <= now, Designation.id.not_in(revoked))
        .order_by(Designation.id.desc()).limit(1)).scalar_one_or_none()


def is_lead(actor: Actor, centre_id: int, now: datetime) -> bool:
    """A designated lead who still works at the centre (an active staff grant there)."""
    if not actor.roles_at(centre_id, now) & STAFF_ROLES:
        return False
    return active_designation(centre_id, actor.user_id, now) is not None


def scoped_inspector(actor: Actor, centre_id: int, now: datetime) -> bool:
    """An inspector whose active grant at the centre includes the safeguarding scope."""
    if actor.user_id is None or Role.INSPECTOR not in actor.roles_at(centre_id, now):
        return False
    rows = db.session.execute(
        select(Membership).join(InspectorScope, (InspectorScope.membership_id == Membership.id)
                                & (InspectorScope.grant_expires_at == Membership.expires_at))
        .where(Membership.user_id == actor.user_id, Membership.centre_id == centre_id,
               Membership.role == Role.INSPECTOR)).scalars()
    return any((m.revoked_at is None or m.revoked_at > now) and (m.expires_at is None or now < m.expires_at)
               for m in rows)


def may_read(actor: Actor, centre_id: int, now: datetime) -> bool:
    """The director, a designated lead, a scoped inspector (and the system: the CLI, jobs)."""
    return (actor.can(Perm.SAFEGUARDING_READ, centre_id, now) or is_lead(actor, centre_id, now)
            or scoped_inspector(actor, centre_id, now))


def may_write(actor: Actor, centre_id: int, now: datetime) -> bool:
    """Record steps, notes and amendments: the director and the designated leads."""
    return actor.can(Perm.SAFEGUARDING_WRITE, centre_id, now) or is_lead(actor, centre_id, now)


def authorise_read(actor: Actor, centre_id: int, now: datetime) -> None:
    """Raise NotFound unless the actor may read the centre's concerns."""
    if not may_read(actor, centre_id, now):
        raise NotFound()


def authorise_write(actor: Actor, centre_id: int, now: datetime) -> None:
    """Raise NotFound unless the actor may handle the centre's concerns (a scoped inspector reads only)."""
    if not may_write(actor, centre_id, now):
        raise NotFound()


def authorise_designations(actor: Actor, centre_id: int, now: datetime) -> None:
    """Name and withdraw leads, add the scope to an inspector's grant: the director alone (others: 404)."""
    if not actor.can(Perm.SAFEGUARDING_WRITE, centre_id, now):
        raise NotFound()
