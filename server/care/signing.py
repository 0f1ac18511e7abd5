"""Signing a record as a member of staff: with the kiosk PIN, or one's own password (issue #17's 表9, #18's 表6).

The PIN hash comes from attendance through the hand-down `app.extensions[STAFF_PIN_KEY]`, as for a medication
witness. One place for the proof, so every signed register asks the same of its signer.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l

from server.auth.actor import Actor
from server.auth.models import User
from server.auth.operations import check_password
from server.care.medication.doses import STAFF_PIN_KEY, StaffPinHash
from server.database import db
from server.errors import ProblemCollector
from server.people.models import Staff


def pin_matches(staff: Staff, pin: str) -> bool | None:
    """Whether ``pin`` is the staff member's kiosk PIN (None: they have none yet)."""
    lookup: StaffPinHash | None = current_app.extensions.get(STAFF_PIN_KEY)
    pin_hash = lookup(staff.centre_id, staff.id) if lookup is not None else None
    if not pin_hash:
        return None
    try:
        return PasswordHasher().verify(pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return False


def signature_proof(signer: Staff, pin: str | None, password: str | None, actor: Actor,
                    problems: ProblemCollector) -> str | None:
    """How the signer proved it is them ("system", "pin" or "password"), or None with the problem added.

    The PIN first (a colleague's tablet), else the signer's own password while signed in as themselves.
    """
    if actor.is_system:
        return "system"
    if pin:
        matches = pin_matches(signer, pin)
        if matches is None:
            problems.add("signer_has_no_pin", _l("This person has no PIN yet: sign with your password"), "pin")
        elif not matches:
            problems.add("wrong_pin", _l("The PIN is not right"), "pin")
        return "pin" if matches else None
    if password:
        user = db.session.get(User, signer.user_id) if signer.user_id is not None else None
        if signer.user_id != actor.user_id or not check_password(user, password):
            problems.add("wrong_password", _l("The password is not right"), "password")
            return None
        return "password"
    problems.add("required", _l("Type your PIN or your password to sign"), "pin")
    return None
