"""The roster a kiosk caches: verified against pinned centre keys, never rolled back, indexed for scans.

The document format and the server's builder live in :mod:`devices.wire.roster` (the server may not
import ``kiosk``); this module is the kiosk's side: ``load_roster`` checks the detached signature
before parsing anything, then the centre and the version, and :class:`RosterCache` keeps the last
good roster on disk so a restart neither loses it nor accepts an older one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from devices.files import write_private
from devices.wire.health_screen import RosterExclusion
from devices.wire.keys import key_id, load_public_key
from devices.wire.roster import RosterChild, RosterCredential, RosterDocument, RosterFormatError, RosterPerson

MAX_ROSTER_BYTES: Final = 16 * 1024 * 1024
"""A centre of a few hundred children is well under 1 MiB; anything this large is refused unread."""
CLOCK_BEHIND_TOLERANCE: Final = timedelta(minutes=10)
"""A kiosk clock this far before the roster's generated_at is wrong (a Pi without RTC after power loss)."""


class RosterErrorCode(StrEnum):
    """Why a roster was refused."""

    BAD_SIGNATURE = "bad_signature"
    MALFORMED = "malformed"
    OTHER_CENTRE = "other_centre"
    ROLLBACK = "rollback"
    VERSION_REUSED = "version_reused"


_MESSAGES = {
    RosterErrorCode.BAD_SIGNATURE: ("名单签名无效", "the roster signature is not valid"),
    RosterErrorCode.MALFORMED: ("名单格式错误", "the roster is malformed"),
    RosterErrorCode.OTHER_CENTRE: ("名单属于其他机构", "the roster belongs to another centre"),
    RosterErrorCode.ROLLBACK: ("名单版本比当前旧", "the roster is older than the cached one"),
    RosterErrorCode.VERSION_REUSED: ("名单版本号重复但内容不同", "the roster reuses a version with other content"),
}


class RosterError(ValueError):
    """A refused roster, with a machine code and zh/en messages."""

    def __init__(self, code: RosterErrorCode, detail: str = "") -> None:
        self.code = code
        self.message_zh, self.message_en = _MESSAGES[code]
        self.detail = detail
        super().__init__(f"{code}: {self.message_en}" + (f" ({detail})" if detail else ""))


class Roster:
    """A verified roster with lookups by id; immutable, replaced whole when a newer one arrives."""

    def __init__(self, document: RosterDocument, *, digest: str, signed_by: str) -> None:
        self.document = document
        self.digest = digest
        """SHA-256 (hex) of the signed bytes."""
        self.signed_by = signed_by
        """key_id of the pinned key that verified it."""
        self.tz = ZoneInfo(document.centre.timezone)
        self.persons = {p.id: p for p in document.persons}
        self.credentials = {c.id: c for c in document.credentials}
        self.children = {c.id: c for c in document.children}
        self.card_keys: tuple[Ed25519PublicKey, ...] = tuple(load_public_key(k.public_key) for k in document.keys)
        self.phone_keys: dict[int, tuple[tuple[int, Ed25519PublicKey], ...]] = {
            c.id: tuple((ph.enrolment, load_public_key(ph.public_key)) for ph in c.phones)
            for c in document.credentials
        }

    @property
    def centre_id(self) -> int:
        """The centre this roster is for."""
        return self.document.centre.id

    @property
    def version(self) -> int:
        """The server's version number; strictly increasing per centre."""
        return self.document.version

    @property
    def generated_at(self) -> datetime:
        """When the server built it (aware)."""
        return self.document.generated_at

    def age(self, now: datetime) -> timedelta:
        """How old the roster is at ``now`` (negative if the kiosk clock is behind the server's)."""
        return now - self.document.generated_at

    def is_older_than(self, now: datetime, max_age: timedelta) -> bool:
        """Whether the kiosk should warn staff that it has not synced for ``max_age``."""
        return self.age(now) > max_age

    def clock_behind(self, now: datetime) -> bool:
        """Whether ``now`` is clearly before the roster was made: the kiosk clock is wrong."""
        return self.age(now) < -CLOCK_BEHIND_TOLERANCE

    def today(self, now: datetime) -> date:
        """The centre's local date at ``now``: expiry dates are local days."""
        return now.astimezone(self.tz).date()

    def person(self, person_id: str) -> RosterPerson | None:
        """The person with that id, if listed."""
        return self.persons.get(person_id)

    def credential(self, credential_id: int) -> RosterCredential | None:
        """The credential with that id, if listed."""
        return self.credentials.get(credential_id)

    def excluded_on(self, day: date) -> dict[int, RosterExclusion]:
        """Children excluded on ``day`` (until a return certificate): child id -> exclusion."""
        return {e.child: e for e in self.document.exclusions if e.applies_on(day)}

    def children_of(self, person: RosterPerson) -> tuple[tuple[RosterChild, ...], tuple[RosterChild, ...]]:
        """``(children they may drop off, children they may pick up)``, in roster order."""
        return (tuple(self.children[i] for i in person.drop_off), tuple(self.children[i] for i in person.pick_up))


def load_roster(doc_bytes: bytes, signature: bytes, trusted_keys: Iterable[Ed25519PublicKey], *, centre_id: int,
                cached: Roster | None = None) -> Roster:
    """Verify and read a roster; raises :class:`RosterError` (bad signature, other centre, rollback, malformed).

    ``trusted_keys`` are the centre keys pinned on this kiosk at enrolment; the signature is checked
    over the exact bytes before any parsing. ``cached`` is the roster in use: an older version is a
    rollback, and the same version must carry the same bytes.
    """
    if not isinstance(doc_bytes, bytes) or len(doc_bytes) > MAX_ROSTER_BYTES:
        raise RosterError(RosterErrorCode.MALFORMED, "not bytes or too large")
    signed_by = _verify(doc_bytes, signature, trusted_keys)
    try:
        obj = json.loads(doc_bytes, object_pairs_hook=_no_duplicates)
        document = RosterDocument.from_json(obj)
    except (ValueError, RecursionError) as exc:  # RosterFormatError and JSONDecodeError are ValueErrors
        detail = "; ".join(exc.problems[:5]) if isinstance(exc, RosterFormatError) else str(exc)
        raise RosterError(RosterErrorCode.MALFORMED, detail) from None
    if document.centre.id != centre_id:
        raise RosterError(RosterErrorCode.OTHER_CENTRE, f"centre {document.centre.id}, expected {centre_id}")
    digest = hashlib.sha256(doc_bytes).hexdigest()
    if cached is not None:
        if document.version < cached.version:
            raise RosterError(RosterErrorCode.ROLLBACK, f"version {document.version} < {cached.version}")
        if document.version == cached.version and digest != cached.digest:
            raise RosterError(RosterErrorCode.VERSION_REUSED, f"version {document.version}")
    return Roster(document, digest=digest, signed_by=signed_by)


def _verify(doc_bytes: bytes, signature: bytes, trusted_keys: Iterable[Ed25519PublicKey]) -> str:
    if not isinstance(signature, bytes) or len(signature) != 64:
        raise RosterError(RosterErrorCode.BAD_SIGNATURE, "not a 64-byte Ed25519 signature")
    for key in trusted_keys:
        try:
            key.verify(signature, doc_bytes)
        except InvalidSignature:
            continue
        return key_id(key)
    raise RosterError(RosterErrorCode.BAD_SIGNATURE)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Two parsers could read a duplicated key differently; a signed document has no reason for one.
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            raise ValueError(f"duplicate key {name!r}")
        result[name] = value
    return result


@dataclass
class RosterCache:
    """The last good roster on disk, as one file ``roster.signed`` (64-byte signature + document bytes).

    One file replaced atomically: a crash leaves the old roster or the new one, never a mixed pair.
    It is re-verified on every load, so a file changed on the SD card is refused, not trusted.
    """

    directory: Path
    trusted_keys: tuple[Ed25519PublicKey, ...]
    centre_id: int
    current: Roster | None = None

    @property
    def path(self) -> Path:
        """Where the signed roster is kept."""
        return self.directory / "roster.signed"

    def load(self) -> Roster | None:
        """Read the cached roster at start-up; None if there is none. A tampered file raises RosterError."""
        if not self.path.exists():
            return None
        blob = self.path.read_bytes()
        self.current = load_roster(blob[64:], blob[:64], self.trusted_keys, centre_id=self.centre_id)
        return self.current

    def install(self, doc_bytes: bytes, signature: bytes) -> Roster:
        """Verify a roster from the server against the current one, then store it durably and use it."""
        roster = load_roster(doc_bytes, signature, self.trusted_keys, centre_id=self.centre_id, cached=self.current)
        if self.current is not None and roster.digest == self.current.digest:
            return self.current
        self.directory.mkdir(parents=True, exist_ok=True)
        # 0600: the roster holds children's names (PIPL Art. 28: sensitive personal information).
        write_private(self.path, signature + doc_bytes)
        self.current = roster
        return roster


