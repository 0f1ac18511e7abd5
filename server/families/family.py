"""Who the family is: a guardian's children at a centre, and whether an actor reads as staff or as a family.

A guardian's scope is the children their contacts are linked to *as guardian* (`ChildContact.is_guardian`); a
pick-up-only adult is nobody's family here. Staff read every child of the centre (`children.all`): caregivers and
保健员 see every room's threads, not only their own rooms (a product choice: rooms share staff during the day).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.database import db
from server.errors import NotFound
from server.people.links import linked_child_ids
from server.people.models import Child, ChildContact


def is_staff(actor: Actor, centre_id: int, now: datetime) -> bool:
    """Whether the actor reads the centre as staff (every child), not as a family."""
    return actor.can(Perm.CHILDREN_ALL, centre_id, now)


def guardian_children(actor: Actor, centre_id: int, *, on: date | None = None) -> list[Child]:
    """The children at the centre the actor's contacts are guardians of (enrolled `on` that day, if given), by id."""
    if not actor.contact_ids:
        return []
    stmt = select(Child).where(Child.centre_id == centre_id, Child.id.in_(linked_child_ids(actor)))
    if on is not None:
        stmt = stmt.where(Child.enrolled_on <= on, Child.left_on.is_(None) | (Child.left_on >= on))
    return list(db.session.execute(stmt.order_by(Child.id)).scalars())


def guardian_contact_of(actor: Actor, child_id: int) -> int | None:
    """The actor's contact that is a guardian of the child (the lowest id when several are), or None."""
    if not actor.contact_ids:
        return None
    return db.session.execute(select(ChildContact.contact_id).where(
        ChildContact.child_id == child_id, ChildContact.contact_id.in_(actor.contact_ids),
        ChildContact.is_guardian.is_(True)).order_by(ChildContact.contact_id).limit(1)).scalar_one_or_none()


def is_guardian_of(actor: Actor, child_id: int) -> bool:
    return guardian_contact_of(actor, child_id) is not None


def child_in_scope(child_id: int, perm: Perm, *, actor: Actor, now: datetime) -> Child:
    """A child the actor may act on with `perm`: as staff of its centre, or as its guardian; others are not found."""
    child = db.session.get(Child, child_id)
    if child is None:
        raise NotFound()
    authorise(actor, perm, child.centre_id, now)
    if not is_staff(actor, child.centre_id, now) and not is_guardian_of(actor, child.id):
        raise NotFound()
    return child
