"""The signed roster kiosks verify offline: every adult who may bring or collect, and their children."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from sqlalchemy import select

from devices.wire.health_screen import RosterExclusion
from devices.wire.roster import (
    PersonKind,
    PhoneEnrolment,
    RosterCentre,
    RosterChild,
    RosterCredential,
    RosterDocument,
    RosterPerson,
    expand_keys,
    sign_roster,
)
from server.attendance.kiosk_screen import roster_health_screen
from server.attendance.models import Credential, PhoneKey
from server.attendance.operations.credentials import person_ref
from server.attendance.operations.roster_notices import staff_notices
from server.audit.models import AuditHead, chain_for
from server.centre import keys
from server.centre.models import Centre, Room
from server.centre.timezones import centre_today
from server.database import db
from server.health.illness.operations import excluded_children
from server.people.models import Child, ChildContact, Contact, Staff

# A roster also changes with the centre's day (cards expire, children leave, credential notices count down), so
# the version rises with the day as well as with every audited change: day × 2³² + the chain's length, which
# stays below 2⁵³ (what the wire allows) for thousands of years.
VERSION_EPOCH = date(2024, 1, 1)


def roster_version(centre: Centre, now: datetime) -> int:
    """Rising with every audited change and with every new day at the centre."""
    head = db.session.get(AuditHead, chain_for(centre.id))
    day = (centre_today(centre, now) - VERSION_EPOCH).days
    return day * 2**32 + (head.seq if head else 0)


def roster_exclusions(centre: Centre, today: date, enrolled: set[int]) -> tuple[RosterExclusion, ...]:
    """The children excluded today until a return certificate (表4): who, since when, and the expected return.

    No health data travels (docs/roster.md, Privacy): not the disease nor anything else of the case, only that
    the child is excluded and until when, and only while the exclusion lasts. The kiosk's screen is seen by
    anyone at the door and its cache sits on a Pi, so the door refuses with a generic reason.
    """
    cases = excluded_children(centre.id, today)
    return tuple(RosterExclusion(child_id, case.excluded_from or today, case.excluded_until)
                 for child_id, case in sorted(cases.items()) if child_id in enrolled)


def build_roster(centre: Centre, *, now: datetime) -> tuple[bytes, bytes, int]:
    """The roster the kiosks verify offline: who may drop off and pick up whom, signed by the centre key."""
    keyset = keys.ensure_keys(centre, now)
    _, private_key = keys.signing_key(centre)
    today = centre_today(centre, now)
    rooms = dict(db.session.execute(select(Room.id, Room.name).where(Room.centre_id == centre.id)).all())
    children = db.session.execute(
        select(Child).where(Child.centre_id == centre.id, Child.enrolled_on <= today,
                            (Child.left_on.is_(None)) | (Child.left_on >= today)).order_by(Child.id)
    ).scalars().all()
    enrolled = {c.id for c in children}
    drop_off: dict[int, list[int]] = defaultdict(list)
    pick_up: dict[int, list[int]] = defaultdict(list)
    guardians: set[int] = set()
    for link in db.session.execute(select(ChildContact).where(ChildContact.centre_id == centre.id)).scalars():
        if link.is_guardian:
            guardians.add(link.contact_id)
        if link.child_id in enrolled:
            if link.may_drop_off:
                drop_off[link.contact_id].append(link.child_id)
            if link.may_pick_up:
                pick_up[link.contact_id].append(link.child_id)
    credentials = db.session.execute(
        select(Credential).where(Credential.centre_id == centre.id, Credential.revoked_at.is_(None),
                                 Credential.expires_on >= today).order_by(Credential.id)
    ).scalars().all()
    phones: dict[int, list[PhoneKey]] = defaultdict(list)
    for phone in db.session.execute(select(PhoneKey).where(PhoneKey.revoked_at.is_(None))).scalars():
        phones[phone.credential_id].append(phone)
    notices = staff_notices(centre.id, {c.staff_id for c in credentials if c.staff_id is not None}, today)
    persons: dict[str, RosterPerson] = {}
    for cred in credentials:
        ref = person_ref(contact_id=cred.contact_id, staff_id=cred.staff_id)
        if cred.contact_id is not None:
            contact = db.session.get(Contact, cred.contact_id)
            assert contact is not None
            kind = PersonKind.GUARDIAN if contact.id in guardians else PersonKind.PICKUP
            persons[ref] = RosterPerson(ref, contact.name, kind, contact.photo_id, cred.pin_hash,
                                        tuple(sorted(drop_off[contact.id])), tuple(sorted(pick_up[contact.id])))
        else:
            staff = db.session.get(Staff, cred.staff_id)
            assert staff is not None
            persons[ref] = RosterPerson(ref, staff.name, PersonKind.STAFF, None, cred.pin_hash,
                                        notice=notices.get(staff.id))
    document = RosterDocument(
        centre=RosterCentre(centre.id, centre.code, centre.timezone), version=roster_version(centre, now),
                # Retired keys stay listed: cards printed before a rotation keep working until reissued.
        generated_at=now, keys=expand_keys([record.public_key for record in keyset.keys]),
        persons=tuple(persons.values()),
        credentials=tuple(
            RosterCredential(c.id, person_ref(contact_id=c.contact_id, staff_id=c.staff_id), c.expires_on,
                             c.card_serial, tuple(c.revoked_serials),
                             tuple(PhoneEnrolment(p.id, p.public_key) for p in phones[c.id]))
            for c in credentials
        ),
        children=tuple(RosterChild(c.id, c.name, rooms.get(c.room_id), c.photo_id) for c in children),
        exclusions=roster_exclusions(centre, today, enrolled),
        health_screen=roster_health_screen(centre, today),
    )
    data, signature = sign_roster(document, private_key)
    return data, signature, document.version
