"""Which children a user is linked to through the contacts they act as: the one answer every family-scoped read asks.

A guardian's log-in acts as one or more contacts (`Actor.contact_ids`); a contact is linked to children by
`ChildContact`, as a guardian or (without a log-in of their own, usually) as someone who may only collect.
"""

from __future__ import annotations

from sqlalchemy import Select, select

from server.auth.actor import Actor
from server.database import db
from server.people.models import ChildContact


def linked_child_ids(actor: Actor, *, guardians_only: bool = True) -> Select[tuple[int]]:
    """A query of the ids of the children the actor's contacts are linked to (as guardians, unless told)."""
    stmt = select(ChildContact.child_id).where(ChildContact.contact_id.in_(actor.contact_ids))
    return stmt.where(ChildContact.is_guardian.is_(True)) if guardians_only else stmt


def is_linked(actor: Actor, child_id: int, *, guardians_only: bool = True) -> bool:
    """Whether the actor's contacts are linked to the child (as a guardian, unless told)."""
    if not actor.contact_ids:
        return False
    return db.session.execute(linked_child_ids(actor, guardians_only=guardians_only)
                              .where(ChildContact.child_id == child_id).limit(1)).first() is not None
