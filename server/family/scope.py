"""Whose children a family's page may show: a guardian's own, and only to a guardian.

A guardian is a user holding the guardian role at the centre whose contacts are linked to the child as guardian
(`ChildContact.is_guardian`). Staff read a child's day on the room tablet, never here: a member of staff (even the
director, who holds every permission) is refused (403, logged); a child of another family or centre is not found.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_pgettext
from sqlalchemy import or_, select

from server.auth.actor import AccessRefused, Actor, authorise
from server.auth.roles import Perm, Role
from server.centre.models import Centre
from server.database import db
from server.errors import NotFound
from server.people.links import is_linked, linked_child_ids
from server.people.models import Child


def require_guardian(actor: Actor, centre_id: int, now: datetime, perm: Perm = Perm.CHILDREN_READ) -> None:
    """Raise unless the actor holds `perm` at the centre as a guardian (no grant there: not found)."""
    authorise(actor, perm, centre_id, now)
    if actor.is_system or Role.GUARDIAN not in actor.roles_at(centre_id, now):
        raise AccessRefused(lazy_pgettext("family", "These pages are for the children's families"),
                            code="families_only", centre_id=centre_id)


def family_children(centre: Centre, *, actor: Actor, now: datetime, today: date) -> list[Child]:
    """The children at the centre the actor is a guardian of and who have not left before `today`, by name."""
    require_guardian(actor, centre.id, now)
    if not actor.contact_ids:
        return []
    return list(db.session.execute(select(Child).where(
        Child.centre_id == centre.id, Child.id.in_(linked_child_ids(actor)),
        or_(Child.left_on.is_(None), Child.left_on >= today)).order_by(Child.born_on, Child.id)).scalars())


def family_child(child_id: int, *, actor: Actor, now: datetime, perm: Perm = Perm.CARE_READ) -> Child:
    """One child the actor is a guardian of; another family's child (or centre's) is not found."""
    child = db.session.get(Child, child_id)
    if child is None:
        raise NotFound()
    require_guardian(actor, child.centre_id, now, perm)
    if not is_linked(actor, child.id):
        raise NotFound()
    return child
