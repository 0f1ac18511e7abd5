"""The guardian's phone pass: which credential a logged-in adult's phone shows, and the web-app shell around it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select

from server.attendance.cards import collectable_children, contact_role_label
from server.attendance.models import Credential, PhoneKey
from server.auth.actor import Actor
from server.centre.models import Centre
from server.centre.timezones import centre_today
from server.database import db
from server.people.models import Contact

STATIC = Path(__file__).resolve().parents[1] / "static"
# What the service worker caches so the pass opens without the network (paths under static/).
SHELL_ASSETS = (
    "attendance/pass.css",
    "attendance/pass.js",
    "attendance/vendor/qrcode-generator-2.0.4.js",
    "attendance/icon-192.png",
)


@dataclass(frozen=True)
class PhonePass:
    """What the pass page shows besides the code itself."""

    credential_id: int
    centre_name: str
    person_name: str
    role_label: str
    children: tuple[str, ...]
    expires_on: date
    phone_key_ids: tuple[int, ...]  # the enrolments still active: a phone whose key is missing was removed


def own_credentials(actor: Actor, now: datetime) -> list[Credential]:
    """The active, unexpired credentials of the contacts linked to the actor's account, oldest first."""
    if not actor.contact_ids:
        return []
    rows = db.session.execute(
        select(Credential, Centre).join(Centre, Centre.id == Credential.centre_id)
        .where(Credential.contact_id.in_(actor.contact_ids), Credential.revoked_at.is_(None))
        .order_by(Credential.id)
    ).all()
    return [cred for cred, centre in rows if cred.expires_on >= centre_today(centre, now)]


def phone_pass(credential: Credential, *, now: datetime) -> PhonePass:
    """The pass of one credential: names for the screen, and which phone enrolments are live."""
    centre = db.session.get(Centre, credential.centre_id)
    contact = db.session.get(Contact, credential.contact_id)
    assert centre is not None and contact is not None
    phone_ids = db.session.execute(
        select(PhoneKey.id).where(PhoneKey.credential_id == credential.id, PhoneKey.revoked_at.is_(None))
        .order_by(PhoneKey.id)
    ).scalars()
    return PhonePass(credential_id=credential.id, centre_name=centre.name, person_name=contact.name,
                     role_label=contact_role_label(contact.id),
                     children=collectable_children(contact.id, centre_today(centre, now)),
                     expires_on=credential.expires_on, phone_key_ids=tuple(phone_ids))


def shell_version() -> str:
    """A digest of the cached files: a new release gets a new service-worker cache."""
    digest = hashlib.sha256()
    for name in SHELL_ASSETS:
        digest.update((STATIC / name).read_bytes())
    return digest.hexdigest()[:12]
