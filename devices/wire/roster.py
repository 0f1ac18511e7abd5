"""The roster the kiosk caches: RFC 8785 canonical JSON with a detached Ed25519 signature by the centre key.

Built and signed by the server, read strictly by the kiosk (docs/roster.md). Every rule of the document is
checked at once, so a bad roster names all of its problems.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from devices.wire.health_screen import (
    RosterExclusion,
    RosterHealthScreen,
    exclusion_problems,
    read_exclusions,
    read_health_screen,
)
from devices.wire.keys import key_id, load_public_key, public_key_text
from devices.wire.qr import PERSON_ID_PATTERN, is_id

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


class NoticeKind(StrEnum):
    """Why a member of staff sees their own credential on the kiosk (issue #14)."""

    EXPIRING = "expiring"
    """Certified, but a credential is within the rulebook's first warning figure."""
    NOT_CERTIFIED = "not_certified"
    """Not certified on the day the roster was built: the check-in is recorded but flagged."""


@dataclass(frozen=True)
class CredentialNotice:
    """A staff member's own credential notice, as the server judged it on the day it built the roster.

    ``days_left`` is that day's count (negative once expired); a kiosk counts again from ``expires_on`` and its
    own date, since a roster may be older than today. ``expires_on`` is None for a credential not on file.
    """

    kind: NoticeKind
    title_zh: str
    title_en: str
    credential_kind: str | None = None
    """The credential type's kind (health | background | qualification): the kiosk words the advice by it."""
    expires_on: date | None = None
    days_left: int | None = None


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
    notice: CredentialNotice | None = None
    """Staff only, optional (v1 kiosks ignore it): their own credential notice for the check-in screen."""


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
    exclusions: tuple[RosterExclusion, ...] = ()
    """Children excluded today until a return certificate (issue #15): the kiosk refuses their check-in."""
    health_screen: RosterHealthScreen | None = None
    """The centre's quick health screen at check-in; None: the kiosk asks nothing (v1 behaviour)."""

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
            "persons": [_person_json(p) for p in self.persons],
            "credentials": [
                {"id": c.id, "person": c.person, "expires_on": c.expires_on.isoformat(),
                 "card_serial": c.card_serial, "revoked_serials": list(c.revoked_serials),
                 "phones": [{"enrolment": ph.enrolment, "public_key": ph.public_key} for ph in c.phones]}
                for c in self.credentials
            ],
            "children": [{"id": ch.id, "name": ch.name, "room": ch.room, "photo": ch.photo} for ch in self.children],
            # Absent rather than empty: a roster without them keeps its v1 bytes (older kiosks ignore both).
            **({"exclusions": [e.as_json() for e in self.exclusions]} if self.exclusions else {}),
            **({"health_screen": self.health_screen.as_json()} if self.health_screen else {}),
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


def expand_keys(keys: Sequence[Ed25519PublicKey]) -> tuple[RosterKey, ...]:
    """Roster key entries for the centre's current public keys (the server calls this when building)."""
    return tuple(RosterKey(key_id(k), public_key_text(k)) for k in keys)


def _person_json(person: RosterPerson) -> dict[str, Any]:
    out: dict[str, Any] = {"id": person.id, "name": person.name, "kind": person.kind.value, "photo": person.photo,
                           "pin_hash": person.pin_hash, "drop_off": list(person.drop_off),
                           "pick_up": list(person.pick_up)}
    notice = person.notice
    if notice is not None:  # absent rather than null: a roster without notices keeps its v1 bytes
        out["notice"] = {"kind": notice.kind.value, "title_zh": notice.title_zh, "title_en": notice.title_en,
                         "credential_kind": notice.credential_kind,
                         "expires_on": notice.expires_on.isoformat() if notice.expires_on else None,
                         "days_left": notice.days_left}
    return out


def _notice_problems(person: RosterPerson) -> list[str]:
    notice = person.notice
    if notice is None:
        return []
    where = f"person {person.id!r}: notice"
    problems = []
    if person.kind is not PersonKind.STAFF:
        problems.append(f"{where} on a person who is not staff")
    if not all(isinstance(t, str) and t for t in (notice.title_zh, notice.title_en)):
        problems.append(f"{where} title is not text")
    if notice.credential_kind is not None and not isinstance(notice.credential_kind, str):
        problems.append(f"{where} credential_kind is not text")
    if notice.expires_on is not None and not isinstance(notice.expires_on, date):
        problems.append(f"{where} expires_on is not a date")
    if notice.days_left is not None and (isinstance(notice.days_left, bool) or not isinstance(notice.days_left, int)):
        problems.append(f"{where} days_left is not an integer")
    if notice.kind is NoticeKind.EXPIRING and notice.expires_on is None:
        problems.append(f"{where} expiring without expires_on")
    return problems


def _document_problems(doc: RosterDocument) -> list[str]:
    problems: list[str] = []

    def unique(kind: str, ids: Iterable[object]) -> None:
        seen: set[object] = set()
        for value in ids:
            if value in seen:
                problems.append(f"{kind} {value!r} appears twice")
            seen.add(value)

    if not is_id(doc.centre.id):
        problems.append("centre.id is not an id")
    try:
        ZoneInfo(doc.centre.timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        problems.append(f"centre.timezone {doc.centre.timezone!r} is unknown")
    if not is_id(doc.version) or doc.version < 1:
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
    problems += exclusion_problems(doc.exclusions, child_ids)
    if doc.health_screen is not None:
        problems += doc.health_screen.problems()
    for child in doc.children:
        if not is_id(child.id):
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
        problems += _notice_problems(person)
    for cred in doc.credentials:
        if not is_id(cred.id):
            problems.append(f"credential {cred.id!r}: id is not an id")
        if cred.person not in person_ids:
            problems.append(f"credential {cred.id!r}: person {cred.person!r} is not in the roster")
        if not _is_id_or_none(cred.card_serial) or not all(is_id(serial) for serial in cred.revoked_serials):
            problems.append(f"credential {cred.id!r}: a card serial is not an id")
        if cred.card_serial is not None and cred.card_serial in cred.revoked_serials:
            problems.append(f"credential {cred.id!r}: card_serial is also revoked")
        for phone in cred.phones:
            if not is_id(phone.enrolment):
                problems.append(f"credential {cred.id!r}: phone enrolment {phone.enrolment!r} is not an id")
            try:
                load_public_key(phone.public_key)
            except ValueError:
                problems.append(f"credential {cred.id!r}: phone {phone.enrolment!r} key is not Ed25519")
    return problems


def _is_id_or_none(value: object) -> bool:
    return value is None or is_id(value)


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
        if not all(is_id(v) for v in values):
            self.problems.append(f"{where}.{name} holds a non-id")
            return ()
        return tuple(values)

    def _date(self, text: str | None, where: str) -> date | None:
        try:
            return date.fromisoformat(text) if text is not None else None
        except ValueError:
            self.problems.append(f"{where} is not a date")
            return None

    def _notice(self, person: Mapping[str, Any], where: str) -> CredentialNotice | None:
        obj = self._get(person, "notice", where, (dict,), optional=True)
        if obj is None:
            return None
        w = f"{where}.notice"
        kind = self._get(obj, "kind", w, (str,))
        if kind not in {k.value for k in NoticeKind}:
            return None  # a kind from a newer server: this kiosk cannot word it, and the check-in needs none
        return CredentialNotice(
            NoticeKind(kind), self._get(obj, "title_zh", w, (str,)), self._get(obj, "title_en", w, (str,)),
            self._get(obj, "credential_kind", w, (str,), optional=True),
            self._date(self._get(obj, "expires_on", w, (str,), optional=True), f"{w}.expires_on"),
            self._get(obj, "days_left", w, (int,), optional=True))

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
                self._ids(p, "drop_off", w), self._ids(p, "pick_up", w), self._notice(p, w)))
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
        exclusions = read_exclusions(obj, self._get, self._date, self.problems)
        health_screen = read_health_screen(obj, self._get)
        if self.problems:
            return None
        return RosterDocument(centre, version, generated_at, keys, tuple(persons),
                              tuple(credentials), children, exclusions, health_screen)

