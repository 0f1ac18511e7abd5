"""Kiosk credentials: cards, PINs and phones of the adults who bring and collect children."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l

from devices.wire.card import issue_card
from devices.wire.keys import load_public_key
from devices.wire.pin import check_pin_policy, hash_pin
from server.attendance.models import Credential, PhoneKey
from server.audit.operations import audit_record, snapshot
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.centre import keys
from server.centre.models import Centre
from server.centre.timezones import centre_today
from server.database import db
from server.errors import NotFound, ProblemCollector
from server.people.models import Contact, Staff

CREDENTIAL_FIELDS = ("contact_id", "staff_id", "card_serial", "revoked_serials", "expires_on", "revoked_at")


def person_ref(*, contact_id: int | None = None, staff_id: int | None = None) -> str:
    """Roster person ids: `c<contact id>` for guardians and pick-up adults, `s<staff id>` for staff."""
    return f"c{contact_id}" if contact_id is not None else f"s{staff_id}"


def issue_credential(
    centre: Centre, *, contact: Contact | None = None, staff: Staff | None = None, expires_on: date,
    actor: Actor, now: datetime,
) -> Credential:
    """Give an adult a kiosk credential (card serial 1; phones and PIN are added later)."""
    authorise(actor, Perm.CONTACTS_WRITE if contact else Perm.STAFF_WRITE, centre.id, now)
    problems = ProblemCollector()
    if (contact is None) == (staff is None):
        problems.add("one_person", _l("A credential belongs to one contact or one staff member"))
    for person in (contact, staff):
        if person is not None and person.centre_id != centre.id:
            raise NotFound()
    if expires_on <= centre_today(centre, now):
        problems.add("expiry_in_past", _l("Expiry must be after today"), "expires_on")
    problems.raise_if_any()
    credential = Credential(centre_id=centre.id, contact_id=contact.id if contact else None,
                            staff_id=staff.id if staff else None, card_serial=1, revoked_serials=[],
                            expires_on=expires_on, created_at=now)
    db.session.add(credential)
    db.session.flush()
    audit_record(credential, "credential.issue", None, CREDENTIAL_FIELDS, actor=actor, now=now)
    return credential


def reissue_card(credential: Credential, *, actor: Actor, now: datetime) -> Credential:
    """A lost card: its serial is revoked at every kiosk with the next roster; a new serial is printed."""
    authorise(actor, Perm.CONTACTS_WRITE, credential.centre_id, now)
    before = snapshot(credential, CREDENTIAL_FIELDS)
    credential.revoked_serials = [*credential.revoked_serials, credential.card_serial]
    credential.card_serial += 1
    db.session.flush()
    audit_record(credential, "credential.reissue", before, CREDENTIAL_FIELDS, actor=actor, now=now)
    return credential


def set_pin(credential: Credential, pin: str, *, actor: Actor, now: datetime) -> Credential:
    """Set the PIN an adult types at the kiosk when their phone is dead (argon2id in the roster)."""
    authorise(actor, Perm.CONTACTS_WRITE, credential.centre_id, now)
    problems = ProblemCollector()
    for code in check_pin_policy(pin):
        problems.add(code, _l("PIN: 6–8 digits, not trivial"), "pin")
    problems.raise_if_any()
    before = snapshot(credential, CREDENTIAL_FIELDS)
    credential.pin_hash = hash_pin(pin)
    db.session.flush()
    audit_record(credential, "credential.pin", before, CREDENTIAL_FIELDS, actor=actor, now=now)
    return credential


def enroll_phone(credential: Credential, public_key: str, *, actor: Actor, now: datetime) -> PhoneKey:
    """Enrol the key a phone page generated; the phone then shows 30-s signed codes."""
    if credential.contact_id is None or credential.contact_id not in actor.contact_ids:
        authorise(actor, Perm.CONTACTS_WRITE, credential.centre_id, now)
    try:
        load_public_key(public_key)
    except ValueError:
        problems = ProblemCollector()
        problems.add("bad_public_key", _l("Not an Ed25519 public key"), "public_key")
        problems.raise_if_any()
    phone = PhoneKey(credential_id=credential.id, public_key=public_key, enrolled_at=now)
    db.session.add(phone)
    db.session.flush()
    audit_record(credential, "credential.phone", None, CREDENTIAL_FIELDS, actor=actor, now=now)
    return phone


def revoke_phone(phone: PhoneKey, *, actor: Actor, now: datetime) -> PhoneKey:
    """A lost or replaced phone: its codes stop working at every kiosk with the next roster."""
    credential = db.session.get(Credential, phone.credential_id)
    assert credential is not None
    if credential.contact_id is None or credential.contact_id not in actor.contact_ids:
        authorise(actor, Perm.CONTACTS_WRITE, credential.centre_id, now)
    if phone.revoked_at is None:
        phone.revoked_at = now
        db.session.flush()
        audit_record(credential, "credential.phone_revoke", None, CREDENTIAL_FIELDS, actor=actor, now=now)
    return phone


def card_text(credential: Credential, *, now: datetime) -> str:
    """The QR text printed on the adult's card, signed by the centre key."""
    centre = db.session.get(Centre, credential.centre_id)
    assert centre is not None
    keys.ensure_keys(centre, now)
    _, private_key = keys.signing_key(centre)
    return issue_card(private_key, centre_id=centre.id, credential_id=credential.id,
                      person_id=person_ref(contact_id=credential.contact_id, staff_id=credential.staff_id),
                      serial=credential.card_serial, issued_at=now, expires_on=credential.expires_on)
