"""A small signed roster for the kiosk tests: one centre, two children, the adults around them.

Keys are derived from fixed seeds, so every run signs the same bytes. The fake "now" is
Monday 2026-09-07 09:30 in Shanghai (01:30 UTC).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import segno
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from devices.wire.card import issue_card
from devices.wire.keys import public_key_text
from devices.wire.pin import hash_pin
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
from hardware.clock import FakeClock
from kiosk.roster import Roster, load_roster
from kiosk.verify import ReplayCache, Verifier

T0 = datetime(2026, 9, 7, 1, 30, tzinfo=UTC)
CENTRE_ID = 7
OTHER_CENTRE_ID = 8
MOTHER_PIN = "482915"

# Credential ids
MOTHER = 1001  # 王芳, guardian of both children: drop off and pick up
NANNY = 1002  # 李阿姨, may drop off 王小明 only, may pick up nobody
UNCLE = 1003  # 张伟, listed, but authorised for no child
TEACHER = 1004  # 陈老师, staff
MOTHER_OLD = 1005  # 王芳's previous credential, expired yesterday

XIAOMING = 101
XIAOHONG = 102


def key(seed: str) -> Ed25519PrivateKey:
    """A deterministic Ed25519 key for a name."""
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(seed.encode()).digest())


CENTRE_KEY = key("centre 7")
OTHER_CENTRE_KEY = key("centre 8")
MOTHER_PHONE = key("mother's phone")
STRANGER_PHONE = key("somebody else's phone")


@functools.cache
def fast_pin_hash(pin: str) -> str:
    """argon2id at its cheapest legal cost: the real KDF, fast enough for tests."""
    return hash_pin(pin, time_cost=1, memory_cost_kib=64)


def make_document(*, version: int = 1, centre_id: int = CENTRE_ID, generated_at: datetime = T0,
                  **changes: Any) -> RosterDocument:
    """The test roster; keyword arguments replace whole fields of the document."""
    document = RosterDocument(
        centre=RosterCentre(centre_id, f"SH-XH-{centre_id:03d}", "Asia/Shanghai"),
        version=version,
        generated_at=generated_at,
        keys=expand_keys([CENTRE_KEY.public_key()]),
        persons=(
            RosterPerson("c1", "王芳", PersonKind.GUARDIAN, photo=11, pin_hash=fast_pin_hash(MOTHER_PIN),
                         drop_off=(XIAOMING, XIAOHONG), pick_up=(XIAOMING, XIAOHONG)),
            RosterPerson("c2", "李阿姨", PersonKind.PICKUP, photo=12, drop_off=(XIAOMING,)),
            RosterPerson("c3", "张伟", PersonKind.PICKUP),
            RosterPerson("s1", "陈老师", PersonKind.STAFF, pin_hash=fast_pin_hash("730261")),
        ),
        credentials=(
            RosterCredential(MOTHER, "c1", date(2027, 8, 31), card_serial=2, revoked_serials=(1,),
                             phones=(PhoneEnrolment(9001, public_key_text(MOTHER_PHONE)),)),
            RosterCredential(NANNY, "c2", date(2027, 8, 31), card_serial=1),
            RosterCredential(UNCLE, "c3", date(2027, 8, 31), card_serial=1),
            RosterCredential(TEACHER, "s1", date(2027, 8, 31), card_serial=1),
            RosterCredential(MOTHER_OLD, "c1", date(2026, 9, 6), card_serial=1,
                             phones=(PhoneEnrolment(9002, public_key_text(MOTHER_PHONE)),)),
        ),
        children=(RosterChild(XIAOMING, "王小明", "乳儿班", 21), RosterChild(XIAOHONG, "王小红", "托小班", 22)),
    )
    return dataclasses.replace(document, **changes)


def make_roster(**changes: Any) -> Roster:
    """The test roster, signed by the centre key and loaded as a kiosk would."""
    doc_bytes, signature = sign_roster(make_document(**changes), CENTRE_KEY)
    return load_roster(doc_bytes, signature, [CENTRE_KEY.public_key()], centre_id=CENTRE_ID)


@dataclass
class Kiosk:
    """A verifier on a fake clock, as the kiosk loop holds it."""

    clock: FakeClock
    roster: Roster
    verifier: Verifier


def make_kiosk(now: datetime = T0, **changes: Any) -> Kiosk:
    """A fresh verifier with an empty replay cache at ``now``."""
    clock = FakeClock(current=now)
    roster = make_roster(**changes)
    return Kiosk(clock, roster, Verifier(roster, clock, ReplayCache()))


def card(credential_id: int = MOTHER, *, person_id: str = "c1", serial: int = 2, signer: Ed25519PrivateKey = CENTRE_KEY,
         centre_id: int = CENTRE_ID, expires_on: date = date(2029, 8, 31)) -> str:
    """The QR text of a printed card (by default the mother's current card)."""
    return issue_card(signer, centre_id=centre_id, credential_id=credential_id, person_id=person_id, serial=serial,
                      issued_at=datetime(2026, 8, 20, 2, 0, tzinfo=UTC), expires_on=expires_on)


def qr_png(text: str, path: Path) -> Path:
    """Render ``text`` as a QR code at error level M into a PNG, as the server's card sheet would."""
    segno.make(text, error="m", boost_error=False, micro=False).save(path, scale=5)
    return path
