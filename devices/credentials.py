"""Kiosk credentials shared by the server (issuer) and the kiosk (verifier): QR payloads, PIN hashes, the roster.

Version 1, documented byte for byte in docs/qr-credential.md and docs/roster.md:

* printed card ``TY1C:`` + base45(CBOR [1, centre, credential, person, serial, issued_at, expires_on, sig]),
  signed by the centre key;
* phone code ``TY1P:`` + base45(CBOR [credential, step, sig]), signed by the key enrolled for that phone
  over the 20 bytes ``"TY1P" || u64be(credential) || u64be(step)``, one step every 30 s;
* the roster the kiosk caches: RFC 8785 canonical JSON with a detached Ed25519 signature by the centre key.

Payloads are ASCII in QR alphanumeric mode (pyzbar mangles binary). Decoding accepts only the exact
CBOR subset we emit (one definite-length array of shortest-form unsigned ints, text and byte strings),
so the attack surface of a door kiosk reading anyone's QR code stays tiny. This module checks no
signature itself: the verifier (``kiosk.verify``) holds the keys.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import base45  # type: ignore[import-untyped]
import cbor2
import rfc8785
from argon2 import PasswordHasher
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

FORMAT_VERSION: Final = 1
CARD_PREFIX: Final = "TY1C:"
PHONE_PREFIX: Final = "TY1P:"
STEP_SECONDS: Final = 30
"""A phone code changes every 30 s: step = floor(unix seconds / 30)."""
MAX_ID: Final = 2**53 - 1
"""Ids, serials and steps stay below 2**53 so a browser can hold them in a Number."""
MAX_TEXT_LENGTH: Final = 512
"""Longer scans are not ours (a v1 card is ~140 characters); nothing longer is decoded."""
PERSON_ID_PATTERN: Final = re.compile(r"[a-z][a-z0-9_-]{0,31}")
"""Roster person ids: the server's suggestion is ``c<contact id>`` and ``s<staff id>``."""
PIN_PATTERN: Final = re.compile(r"[0-9]{6,8}")

_SIGNATURE_LENGTH = 64
_FAMILY = re.compile(r"TY([0-9]{1,3})([A-Z]):")
_EPOCH_DAY = date(1970, 1, 1)


class CredentialErrorCode(StrEnum):
    """Why a scanned text is not a credential we can read."""

    NOT_OURS = "not_ours"
    MALFORMED = "malformed"
    WRONG_VERSION = "wrong_version"


_ERROR_MESSAGES = {
    CredentialErrorCode.NOT_OURS: ("不是本系统的签到码", "not a check-in code of this system"),
    CredentialErrorCode.MALFORMED: ("签到码不完整或已损坏", "the check-in code is truncated or damaged"),
    CredentialErrorCode.WRONG_VERSION: ("签到码版本不受支持", "unsupported check-in code version"),
}


class CredentialError(ValueError):
    """A scanned text that is not a readable v1 credential, with a machine code and zh/en messages."""

    def __init__(self, code: CredentialErrorCode, detail: str = "") -> None:
        self.code = code
        self.message_zh, self.message_en = _ERROR_MESSAGES[code]
        self.detail = detail
        super().__init__(f"{code}: {self.message_en}" + (f" ({detail})" if detail else ""))


@dataclass(frozen=True)
class CardPayload:
    """A printed card as read from its QR code; the signature is not checked yet."""

    version: int
    centre_id: int
    credential_id: int
    person_id: str
    serial: int
    issued_at: datetime
    expires_on: date
    signature: bytes = field(repr=False)

    def signed_message(self) -> bytes:
        """The bytes the centre key signed: ``"TY1C"`` + canonical CBOR of the seven fields."""
        return _card_message(self.version, self.centre_id, self.credential_id, self.person_id, self.serial,
                             self.issued_at, self.expires_on)


@dataclass(frozen=True)
class PhoneCodePayload:
    """A rotating phone code as read from its QR code; the signature is not checked yet."""

    credential_id: int
    step: int
    signature: bytes = field(repr=False)

    def signed_message(self) -> bytes:
        """The 20 bytes the phone key signed (see :func:`phone_message`)."""
        return phone_message(self.credential_id, self.step)


# --- QR payloads -----------------------------------------------------------------------------------


def time_step(at: datetime) -> int:
    """The phone-code step of an aware instant: floor(unix seconds / 30)."""
    _require_aware(at)
    return int(at.timestamp()) // STEP_SECONDS


def phone_message(credential_id: int, step: int) -> bytes:
    """``b"TY1P" || uint64 big-endian credential id || uint64 big-endian step``: 20 bytes, easy in a browser."""
    return b"TY1P" + struct.pack(">QQ", _check_id(credential_id, "credential_id"), _check_id(step, "step"))


def issue_card(centre_key: Ed25519PrivateKey, *, centre_id: int, credential_id: int, person_id: str, serial: int,
               issued_at: datetime, expires_on: date) -> str:
    """The QR text of a printed card, signed by the centre key (the server calls this)."""
    _require_aware(issued_at)
    if not PERSON_ID_PATTERN.fullmatch(person_id):
        raise ValueError(f"person_id {person_id!r} does not match {PERSON_ID_PATTERN.pattern}")
    fields = _card_fields(FORMAT_VERSION, centre_id, credential_id, person_id, serial, issued_at, expires_on)
    signature = centre_key.sign(b"TY1C" + cbor2.dumps(fields, canonical=True))
    return CARD_PREFIX + _b45(cbor2.dumps([*fields, signature], canonical=True))


def phone_code(private_key: Ed25519PrivateKey, credential_id: int, at: datetime) -> str:
    """The QR text a phone shows at ``at`` (reference for the browser page, and for tests)."""
    step = time_step(at)
    signature = private_key.sign(phone_message(credential_id, step))
    return PHONE_PREFIX + _b45(cbor2.dumps([credential_id, step, signature], canonical=True))


def parse(text: str) -> CardPayload | PhoneCodePayload:
    """Read a scanned text as a v1 credential, or raise :class:`CredentialError` (never anything else)."""
    if not isinstance(text, str):
        raise CredentialError(CredentialErrorCode.NOT_OURS, "not text")
    text = text.strip()
    family = _FAMILY.match(text)
    if family is None:
        raise CredentialError(CredentialErrorCode.NOT_OURS)
    if family.group(1) != str(FORMAT_VERSION) or family.group(2) not in "CP":
        raise CredentialError(CredentialErrorCode.WRONG_VERSION, family.group(0))
    if len(text) > MAX_TEXT_LENGTH:
        raise CredentialError(CredentialErrorCode.MALFORMED, "too long")
    try:
        raw = base45.b45decode(text[family.end():])
    except (ValueError, TypeError, KeyError, IndexError):
        raise CredentialError(CredentialErrorCode.MALFORMED, "not base45") from None
    items = _decode_flat_array(raw)
    if family.group(2) == "C":
        return _card_from_items(items)
    return _phone_from_items(items)


def _b45(data: bytes) -> str:
    encoded: bytes = base45.b45encode(data)
    return encoded.decode("ascii")


def _card_fields(version: int, centre_id: int, credential_id: int, person_id: str, serial: int,
                 issued_at: datetime, expires_on: date) -> list[int | str]:
    return [
        _check_id(version, "version"),
        _check_id(centre_id, "centre_id"),
        _check_id(credential_id, "credential_id"),
        person_id,
        _check_id(serial, "serial"),
        _check_id(int(issued_at.timestamp()), "issued_at"),
        _check_id((expires_on - _EPOCH_DAY).days, "expires_on"),
    ]


def _card_message(version: int, centre_id: int, credential_id: int, person_id: str, serial: int,
                  issued_at: datetime, expires_on: date) -> bytes:
    fields = _card_fields(version, centre_id, credential_id, person_id, serial, issued_at, expires_on)
    return b"TY1C" + cbor2.dumps(fields, canonical=True)


def _card_from_items(items: list[int | str | bytes]) -> CardPayload:
    if len(items) != 8:
        raise CredentialError(CredentialErrorCode.MALFORMED, f"card has {len(items)} fields, not 8")
    version, centre_id, credential_id, person_id, serial, issued_s, expires_day, signature = items
    if isinstance(version, int) and version != FORMAT_VERSION:
        raise CredentialError(CredentialErrorCode.WRONG_VERSION, f"card layout version {version}")
    ints = [v for v in (version, centre_id, credential_id, serial, issued_s, expires_day)
            if isinstance(v, int) and v <= MAX_ID]
    if len(ints) != 6:
        raise CredentialError(CredentialErrorCode.MALFORMED, "card field is not an id")
    version, centre_id, credential_id, serial, issued_s, expires_day = ints
    if not isinstance(person_id, str) or not PERSON_ID_PATTERN.fullmatch(person_id):
        raise CredentialError(CredentialErrorCode.MALFORMED, "person id")
    if not isinstance(signature, bytes) or len(signature) != _SIGNATURE_LENGTH:
        raise CredentialError(CredentialErrorCode.MALFORMED, "signature")
    try:
        issued_at = datetime.fromtimestamp(issued_s, UTC)
        expires_on = _EPOCH_DAY + timedelta(days=expires_day)
    except (OverflowError, ValueError, OSError):
        raise CredentialError(CredentialErrorCode.MALFORMED, "date out of range") from None
    return CardPayload(version, centre_id, credential_id, person_id, serial, issued_at, expires_on, signature)


def _phone_from_items(items: list[int | str | bytes]) -> PhoneCodePayload:
    if len(items) != 3:
        raise CredentialError(CredentialErrorCode.MALFORMED, f"phone code has {len(items)} fields, not 3")
    credential_id, step, signature = items
    if not (isinstance(credential_id, int) and isinstance(step, int) and credential_id <= MAX_ID and step <= MAX_ID):
        raise CredentialError(CredentialErrorCode.MALFORMED, "phone code field is not an id")
    if not isinstance(signature, bytes) or len(signature) != _SIGNATURE_LENGTH:
        raise CredentialError(CredentialErrorCode.MALFORMED, "signature")
    return PhoneCodePayload(credential_id, step, signature)


def _decode_flat_array(data: bytes) -> list[int | str | bytes]:
    """Strictly decode the only CBOR we emit: one definite array of uint / tstr / bstr, shortest form, no tail."""

    def head(pos: int) -> tuple[int, int, int]:
        if pos >= len(data):
            raise CredentialError(CredentialErrorCode.MALFORMED, "truncated CBOR")
        initial = data[pos]
        major, info = initial >> 5, initial & 0x1F
        if info < 24:
            return major, info, pos + 1
        if info > 27:  # indefinite lengths and reserved values: never emitted by us
            raise CredentialError(CredentialErrorCode.MALFORMED, "indefinite or reserved CBOR")
        size = 1 << (info - 24)
        if pos + 1 + size > len(data):
            raise CredentialError(CredentialErrorCode.MALFORMED, "truncated CBOR")
        value = int.from_bytes(data[pos + 1:pos + 1 + size], "big")
        if value < (24 if size == 1 else 1 << (4 * size)):
            raise CredentialError(CredentialErrorCode.MALFORMED, "non-canonical CBOR")
        return major, value, pos + 1 + size

    major, count, pos = head(0)
    if major != 4 or count > 16:
        raise CredentialError(CredentialErrorCode.MALFORMED, "not a CBOR array")
    items: list[int | str | bytes] = []
    for _ in range(count):
        major, value, pos = head(pos)
        if major == 0:
            items.append(value)
        elif major in (2, 3):
            if pos + value > len(data):
                raise CredentialError(CredentialErrorCode.MALFORMED, "truncated CBOR")
            chunk = data[pos:pos + value]
            pos += value
            if major == 2:
                items.append(chunk)
            else:
                try:
                    items.append(chunk.decode("utf-8"))
                except UnicodeDecodeError:
                    raise CredentialError(CredentialErrorCode.MALFORMED, "bad UTF-8") from None
        else:
            raise CredentialError(CredentialErrorCode.MALFORMED, f"CBOR major type {major}")
    if pos != len(data):
        raise CredentialError(CredentialErrorCode.MALFORMED, "trailing bytes")
    return items


def _check_id(value: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_ID:
        raise ValueError(f"{name} must be an integer in 0..2**53-1, not {value!r}")
    return value


def _require_aware(at: datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("naive datetime: credentials need aware UTC times")


# --- Keys ------------------------------------------------------------------------------------------


def public_key_text(key: Ed25519PublicKey | Ed25519PrivateKey) -> str:
    """The raw 32-byte public key as unpadded base64url: the form in the roster and in phone enrolment."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return _b64u(public.public_bytes(Encoding.Raw, PublicFormat.Raw))


def load_public_key(text: str) -> Ed25519PublicKey:
    """Parse :func:`public_key_text` output (e.g. what a phone posts at enrolment); ``ValueError`` if bad."""
    raw = _unb64u(text)
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def key_id(key: Ed25519PublicKey | Ed25519PrivateKey) -> str:
    """Short fingerprint of a public key: the first 8 bytes of SHA-256 of the raw key, in hex."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return hashlib.sha256(public.public_bytes(Encoding.Raw, PublicFormat.Raw)).hexdigest()[:16]


def expand_keys(keys: Sequence[Ed25519PublicKey]) -> tuple[RosterKey, ...]:
    """Roster key entries for the centre's current public keys (the server calls this when building)."""
    return tuple(RosterKey(key_id(k), public_key_text(k)) for k in keys)


def _b64u(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64u(text: str) -> bytes:
    if not isinstance(text, str) or not re.fullmatch(r"[A-Za-z0-9_-]*", text):
        raise ValueError("not unpadded base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise ValueError("not unpadded base64url") from None


# --- PIN -------------------------------------------------------------------------------------------

# RFC 9106 §4 second recommended option (argon2-cffi's default profile): t=3, 64 MiB, 4 lanes.
PIN_TIME_COST: Final = 3
PIN_MEMORY_COST_KIB: Final = 65536
PIN_PARALLELISM: Final = 4


def check_pin_policy(pin: str) -> list[str]:
    """Problems with a new PIN (empty if fine): 6–8 digits, not one repeated digit, not a straight run."""
    if not isinstance(pin, str) or not PIN_PATTERN.fullmatch(pin):
        return ["pin_format"]
    steps = {int(b) - int(a) for a, b in zip(pin, pin[1:], strict=False)}
    if steps in ({0}, {1}, {-1}):
        return ["pin_too_simple"]
    return []


def hash_pin(pin: str, *, time_cost: int = PIN_TIME_COST, memory_cost_kib: int = PIN_MEMORY_COST_KIB,
             parallelism: int = PIN_PARALLELISM) -> str:
    """Salted argon2id hash of a PIN for the roster; the cost travels in the hash string (server calls this)."""
    problems = check_pin_policy(pin)
    if problems:
        raise ValueError(f"PIN refused: {', '.join(problems)}")
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost_kib, parallelism=parallelism).hash(pin)


# --- Roster document -------------------------------------------------------------------------------

ROSTER_FORMAT: Final = "tuoyu-roster/1"


class PersonKind(StrEnum):
    """Who a person is to the centre; what they may do is in their drop_off / pick_up lists."""

    GUARDIAN = "guardian"
    PICKUP = "pickup"
    STAFF = "staff"


@dataclass(frozen=True)
class RosterCentre:
    """The centre a roster belongs to; ``timezone`` decides what "today" is for expiry dates."""

    id: int
    code: str
    timezone: str = "Asia/Shanghai"


@dataclass(frozen=True)
class RosterKey:
    """A centre public key that signs cards; ``id`` is :func:`key_id` of it."""

    id: str
    public_key: str


@dataclass(frozen=True)
class RosterPerson:
    """An adult who may use the kiosk, the children they may drop off and pick up, and their PIN hash."""

    id: str
    name: str
    kind: PersonKind
    photo: int | None = None
    pin_hash: str | None = field(default=None, repr=False)
    drop_off: tuple[int, ...] = ()
    pick_up: tuple[int, ...] = ()


@dataclass(frozen=True)
class PhoneEnrolment:
    """One phone enrolled for a credential: the public half of the key the phone page signs with."""

    enrolment: int
    public_key: str


@dataclass(frozen=True)
class RosterCredential:
    """A credential of a person: the one valid card serial, revoked serials, enrolled phones, expiry."""

    id: int
    person: str
    expires_on: date
    card_serial: int | None = None
    revoked_serials: tuple[int, ...] = ()
    phones: tuple[PhoneEnrolment, ...] = ()


@dataclass(frozen=True)
class RosterChild:
    """A child as the kiosk shows it: name, class, photo reference (no birth date, no health data)."""

    id: int
    name: str
    room: str | None = None
    photo: int | None = None


class RosterFormatError(ValueError):
    """A roster document that breaks the v1 schema; ``problems`` lists every problem found."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid roster: " + "; ".join(problems))


@dataclass(frozen=True)
class RosterDocument:
    """The signed content of a kiosk roster (docs/roster.md); build it, then :func:`sign_roster`."""

    centre: RosterCentre
    version: int
    generated_at: datetime
    keys: tuple[RosterKey, ...]
    persons: tuple[RosterPerson, ...]
    credentials: tuple[RosterCredential, ...]
    children: tuple[RosterChild, ...]

    def problems(self) -> list[str]:
        """Every broken rule of the document (empty when valid): types, uniqueness, references."""
        return _document_problems(self)

    def to_json(self) -> dict[str, Any]:
        """The JSON object (before canonicalisation); raises :class:`RosterFormatError` if invalid."""
        problems = self.problems()
        if problems:
            raise RosterFormatError(problems)
        return {
            "format": ROSTER_FORMAT,
            "centre": {"id": self.centre.id, "code": self.centre.code, "timezone": self.centre.timezone},
            "version": self.version,
            "generated_at": self.generated_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "keys": [{"id": k.id, "public_key": k.public_key} for k in self.keys],
            "persons": [
                {"id": p.id, "name": p.name, "kind": p.kind.value, "photo": p.photo, "pin_hash": p.pin_hash,
                 "drop_off": list(p.drop_off), "pick_up": list(p.pick_up)}
                for p in self.persons
            ],
            "credentials": [
                {"id": c.id, "person": c.person, "expires_on": c.expires_on.isoformat(),
                 "card_serial": c.card_serial, "revoked_serials": list(c.revoked_serials),
                 "phones": [{"enrolment": ph.enrolment, "public_key": ph.public_key} for ph in c.phones]}
                for c in self.credentials
            ],
            "children": [{"id": ch.id, "name": ch.name, "room": ch.room, "photo": ch.photo} for ch in self.children],
        }

    @classmethod
    def from_json(cls, obj: object) -> RosterDocument:
        """Read a parsed JSON object strictly; raises :class:`RosterFormatError` with every problem."""
        reader = _Reader()
        doc = reader.document(obj)
        problems = reader.problems + (doc.problems() if doc is not None else [])
        if problems or doc is None:
            raise RosterFormatError(problems or ["not a roster"])
        return doc


def roster_bytes(document: RosterDocument) -> bytes:
    """The canonical RFC 8785 bytes of a roster: exactly what is signed and shipped."""
    return rfc8785.dumps(document.to_json())


def sign_roster(document: RosterDocument, centre_key: Ed25519PrivateKey) -> tuple[bytes, bytes]:
    """``(document bytes, 64-byte detached Ed25519 signature)`` for the kiosk (the server calls this)."""
    data = roster_bytes(document)
    return data, centre_key.sign(data)


def _document_problems(doc: RosterDocument) -> list[str]:
    problems: list[str] = []

    def unique(kind: str, ids: Iterable[object]) -> None:
        seen: set[object] = set()
        for value in ids:
            if value in seen:
                problems.append(f"{kind} {value!r} appears twice")
            seen.add(value)

    if not _is_id(doc.centre.id):
        problems.append("centre.id is not an id")
    try:
        ZoneInfo(doc.centre.timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        problems.append(f"centre.timezone {doc.centre.timezone!r} is unknown")
    if not _is_id(doc.version) or doc.version < 1:
        problems.append("version must be a positive integer")
    if doc.generated_at.tzinfo is None:
        problems.append("generated_at is naive")
    for key in doc.keys:
        try:
            if key_id(load_public_key(key.public_key)) != key.id:
                problems.append(f"key {key.id!r}: id is not the key's fingerprint")
        except ValueError:
            problems.append(f"key {key.id!r}: not an Ed25519 public key")
    child_ids = {c.id for c in doc.children}
    person_ids = {p.id for p in doc.persons}
    unique("child", (c.id for c in doc.children))
    unique("person", (p.id for p in doc.persons))
    unique("credential", (c.id for c in doc.credentials))
    unique("phone enrolment", (ph.enrolment for c in doc.credentials for ph in c.phones))
    if not isinstance(doc.centre.code, str):
        problems.append("centre.code is not text")
    for child in doc.children:
        if not _is_id(child.id):
            problems.append(f"child {child.id!r}: id is not an id")
        if not isinstance(child.name, str) or not _is_id_or_none(child.photo):
            problems.append(f"child {child.id!r}: name is not text or photo is not an id")
    for person in doc.persons:
        if not PERSON_ID_PATTERN.fullmatch(person.id):
            problems.append(f"person {person.id!r}: id does not match {PERSON_ID_PATTERN.pattern}")
        if not isinstance(person.name, str) or not _is_id_or_none(person.photo):
            problems.append(f"person {person.id!r}: name is not text or photo is not an id")
        if person.pin_hash is not None and not person.pin_hash.startswith("$argon2id$"):
            problems.append(f"person {person.id!r}: pin_hash is not argon2id")
        for listed in (*person.drop_off, *person.pick_up):
            if listed not in child_ids:
                problems.append(f"person {person.id!r}: child {listed!r} is not in the roster")
    for cred in doc.credentials:
        if not _is_id(cred.id):
            problems.append(f"credential {cred.id!r}: id is not an id")
        if cred.person not in person_ids:
            problems.append(f"credential {cred.id!r}: person {cred.person!r} is not in the roster")
        if not _is_id_or_none(cred.card_serial) or not all(_is_id(serial) for serial in cred.revoked_serials):
            problems.append(f"credential {cred.id!r}: a card serial is not an id")
        if cred.card_serial is not None and cred.card_serial in cred.revoked_serials:
            problems.append(f"credential {cred.id!r}: card_serial is also revoked")
        for phone in cred.phones:
            if not _is_id(phone.enrolment):
                problems.append(f"credential {cred.id!r}: phone enrolment {phone.enrolment!r} is not an id")
            try:
                load_public_key(phone.public_key)
            except ValueError:
                problems.append(f"credential {cred.id!r}: phone {phone.enrolment!r} key is not Ed25519")
    return problems


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_ID


def _is_id_or_none(value: object) -> bool:
    return value is None or _is_id(value)


class _Reader:
    """Reads the roster JSON with exact types, noting each problem instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def _get(self, obj: Mapping[str, Any], name: str, where: str, types: tuple[type, ...],
             optional: bool = False) -> Any:
        if name not in obj or (optional and obj[name] is None):
            if not optional:
                self.problems.append(f"{where}.{name} is missing")
            return None
        value = obj[name]
        if isinstance(value, bool) and bool not in types or not isinstance(value, types):
            self.problems.append(f"{where}.{name} has the wrong type")
            return None
        return value

    def _objects(self, obj: Mapping[str, Any], name: str, where: str) -> list[tuple[str, Mapping[str, Any]]]:
        items = self._get(obj, name, where, (list,)) or []
        out: list[tuple[str, Mapping[str, Any]]] = []
        for index, item in enumerate(items):
            label = f"{where}.{name}[{index}]" if where else f"{name}[{index}]"
            if isinstance(item, dict):
                out.append((label, item))
            else:
                self.problems.append(f"{label} is not an object")
        return out

    def _ids(self, obj: Mapping[str, Any], name: str, where: str) -> tuple[int, ...]:
        values = self._get(obj, name, where, (list,)) or []
        if not all(_is_id(v) for v in values):
            self.problems.append(f"{where}.{name} holds a non-id")
            return ()
        return tuple(values)

    def _date(self, text: str | None, where: str) -> date | None:
        try:
            return date.fromisoformat(text) if text is not None else None
        except ValueError:
            self.problems.append(f"{where} is not a date")
            return None

    def document(self, obj: object) -> RosterDocument | None:
        if not isinstance(obj, dict):
            self.problems.append("the roster is not a JSON object")
            return None
        if obj.get("format") != ROSTER_FORMAT:
            self.problems.append(f"format is not {ROSTER_FORMAT!r}")
            return None
        centre_obj = self._get(obj, "centre", "", (dict,)) or {}
        centre = RosterCentre(self._get(centre_obj, "id", "centre", (int,)),
                              self._get(centre_obj, "code", "centre", (str,)),
                              self._get(centre_obj, "timezone", "centre", (str,)) or "UTC")
        version = self._get(obj, "version", "", (int,))
        generated_text = self._get(obj, "generated_at", "", (str,))
        generated_at = None
        try:
            generated_at = datetime.fromisoformat(generated_text) if generated_text else None
        except ValueError:
            self.problems.append("generated_at is not a time")
        keys = tuple(RosterKey(self._get(k, "id", w, (str,)), self._get(k, "public_key", w, (str,)))
                     for w, k in self._objects(obj, "keys", ""))
        persons = []
        for w, p in self._objects(obj, "persons", ""):
            kind = self._get(p, "kind", w, (str,))
            if kind not in {k.value for k in PersonKind}:
                self.problems.append(f"{w}.kind {kind!r} is unknown")
                continue
            persons.append(RosterPerson(
                self._get(p, "id", w, (str,)) or "", self._get(p, "name", w, (str,)), PersonKind(kind),
                self._get(p, "photo", w, (int,), optional=True), self._get(p, "pin_hash", w, (str,), optional=True),
                self._ids(p, "drop_off", w), self._ids(p, "pick_up", w)))
        credentials = []
        for w, c in self._objects(obj, "credentials", ""):
            phones = tuple(PhoneEnrolment(self._get(ph, "enrolment", pw, (int,)),
                                          self._get(ph, "public_key", pw, (str,)) or "")
                           for pw, ph in self._objects(c, "phones", w))
            credentials.append(RosterCredential(
                self._get(c, "id", w, (int,)), self._get(c, "person", w, (str,)),
                self._date(self._get(c, "expires_on", w, (str,)), f"{w}.expires_on"),  # type: ignore[arg-type]
                self._get(c, "card_serial", w, (int,), optional=True), self._ids(c, "revoked_serials", w), phones))
        children = tuple(RosterChild(self._get(ch, "id", w, (int,)), self._get(ch, "name", w, (str,)),
                                     self._get(ch, "room", w, (str,), optional=True),
                                     self._get(ch, "photo", w, (int,), optional=True))
                         for w, ch in self._objects(obj, "children", ""))
        if self.problems or generated_at is None:
            if generated_at is None and not self.problems:
                self.problems.append("generated_at is missing")
            return None
        return RosterDocument(centre, version, generated_at, keys, tuple(persons),
                              tuple(credentials), children)

