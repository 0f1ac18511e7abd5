"""A guardian's log-in (家长账号): the director opens one for a guardian and hands over a one-time password.

The parent loop reaches a family only through an account: the family's day, notices, consents, messages. A log-in
is made for a contact who is a guardian of a child of the centre; its first password is one-time (the account
chooses its own at the first log-in), and the director can issue a new one when a parent forgets theirs — only
for an account that is nothing but a parent's at centres the director runs, never a member of staff's.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from server.audit.operations import audit_record, snapshot
from server.auth.actor import Actor, authorise
from server.auth.models import Membership, User
from server.auth.operations import create_user, grant_role, set_one_time_password
from server.auth.roles import Perm, Role
from server.database import db
from server.errors import Conflict, Forbidden, ProblemCollector
from server.people.models import Child, ChildContact, Contact
from server.people.operations import CONTACT_FIELDS

# No 0/O, 1/l/I: a parent types it from a slip of paper.
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
ONE_TIME_LENGTH = 10
MAX_USERNAME = 80


def one_time_password() -> str:
    """Ten characters a person can read aloud and type (≈ 57 bits)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(ONE_TIME_LENGTH))


@dataclass(frozen=True)
class FamilyAccount:
    """A guardian's account as the office sees it (never its password)."""

    contact: Contact
    user: User | None
    children: tuple[Child, ...]  # those the contact is a guardian of

    @property
    def first_log_in_pending(self) -> bool:
        return self.user is not None and self.user.must_change_password


def family_account(contact: Contact, *, actor: Actor, now: datetime) -> FamilyAccount:
    """The account of a contact, with the children they are a guardian of; for the director."""
    authorise(actor, Perm.CENTRE_MANAGE, contact.centre_id, now)
    children = tuple(db.session.execute(
        select(Child).join(ChildContact, ChildContact.child_id == Child.id)
        .where(ChildContact.contact_id == contact.id, ChildContact.is_guardian.is_(True)).order_by(Child.id)
    ).scalars())
    user = db.session.get(User, contact.user_id) if contact.user_id else None
    return FamilyAccount(contact, user, children)


def open_family_account(contact: Contact, *, username: str | None, actor: Actor, now: datetime,
                        make_password: Callable[[], str] = one_time_password) -> tuple[User, str]:
    """Make a guardian's log-in: account, guardian role at the centre, linked to the contact; audited.

    Answers the account and its one-time password (shown once, never kept in the clear). The username defaults to
    the contact's phone number. 409 when the contact has a log-in or the name is taken; 422 when not a guardian.
    """
    account = family_account(contact, actor=actor, now=now)
    if account.user is not None:
        raise Conflict(_l("This person already has a log-in"), code="has_account")
    name = (username or contact.phone or "").strip()
    problems = ProblemCollector()
    if not account.children:
        problems.add("not_guardian", _l("Only a guardian of a child of the centre can have a family log-in."))
    if not name:
        problems.add("required", _l("Username is required"), "username")
    elif len(name) > MAX_USERNAME or any(ch.isspace() for ch in name):
        problems.add("bad_username", _l("A username has no spaces and at most 80 characters."), "username")
    problems.raise_if_any()
    password = make_password()
    user = create_user(name, contact.name, password, must_change_password=True, actor=actor, now=now)
    grant_role(user, contact.centre_id, Role.GUARDIAN, actor=actor, now=now)
    before = snapshot(contact, CONTACT_FIELDS)
    contact.user_id = user.id
    db.session.flush()
    audit_record(contact, "contact.open_account", before, CONTACT_FIELDS, actor=actor, now=now)
    return user, password


def reissue_password(contact: Contact, *, actor: Actor, now: datetime,
                     make_password: Callable[[], str] = one_time_password) -> tuple[User, str]:
    """A new one-time password for a parent who forgot theirs; their sessions end.

    Refused (403 `not_a_family_account`) unless every role of the account is a guardian's at a centre where the
    actor is the director: a director never resets a member of staff's password through a family link.
    """
    account = family_account(contact, actor=actor, now=now)
    if account.user is None:
        raise Conflict(_l("This person has no log-in yet"), code="no_account")
    grants = db.session.execute(select(Membership.centre_id, Membership.role).where(
        Membership.user_id == account.user.id, Membership.revoked_at.is_(None))).all()
    if any(role is not Role.GUARDIAN or not actor.can(Perm.CENTRE_MANAGE, centre_id, now)
           for centre_id, role in grants):
        raise Forbidden(_l("Only a parent's own log-in can be reset here."), code="not_a_family_account")
    password = make_password()
    set_one_time_password(account.user, password, actor=actor, now=now)
    return account.user, password
