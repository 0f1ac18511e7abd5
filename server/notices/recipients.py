"""Who a notice is for: the guardians of the child (people's links with `is_guardian`), and a guardian's children."""

from __future__ import annotations

from sqlalchemy import select

from server.auth.actor import Actor
from server.database import db
from server.people.links import linked_child_ids
from server.people.models import ChildContact, Contact


def guardians(child_id: int) -> list[tuple[ChildContact, Contact]]:
    """The child's guardians (link and contact), in the order they were linked."""
    return [(link, contact) for link, contact in db.session.execute(
        select(ChildContact, Contact).join(Contact, Contact.id == ChildContact.contact_id)
        .where(ChildContact.child_id == child_id, ChildContact.is_guardian).order_by(ChildContact.id)).all()]


def guardian_contact_ids(child_id: int) -> list[int]:
    """The ids of the child's guardian contacts, lowest first."""
    return list(db.session.execute(select(ChildContact.contact_id).where(
        ChildContact.child_id == child_id, ChildContact.is_guardian).order_by(ChildContact.contact_id)).scalars())


def guardian_children(actor: Actor, centre_id: int) -> set[int]:
    """The children of the centre the actor is a guardian of (through the contacts they act as)."""
    if not actor.contact_ids:
        return set()
    return set(db.session.execute(linked_child_ids(actor).where(ChildContact.centre_id == centre_id)).scalars())


def own_contacts(actor: Actor, centre_id: int) -> list[Contact]:
    """The contacts of the centre the actor acts as, lowest id first (a guardian's settings are theirs)."""
    if not actor.contact_ids:
        return []
    return list(db.session.execute(select(Contact).where(
        Contact.centre_id == centre_id, Contact.id.in_(actor.contact_ids)).order_by(Contact.id)).scalars())
