"""Offline verification of a scanned credential against the cached roster, and what to do with the children.

``Verifier.verify_scan(text)`` turns any scanned text into a :class:`Verdict` and never raises;
``decide(verdict, presence)`` turns an accepted verdict into check-in / check-out candidates for the
touch screen. Both are pure given the roster and the injected clock.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from devices.wire.card import CardPayload
from devices.wire.health_screen import RosterExclusion
from devices.wire.phone import PhoneCodePayload, time_step
from devices.wire.qr import CredentialError, CredentialErrorCode
from devices.wire.roster import PersonKind, RosterChild, RosterPerson
from devices.wire.scan import parse
from hardware.clock import Clock
from kiosk.roster import Roster

DRIFT_STEPS: Final = 1
"""Phone codes of the current step and one either side are accepted (30 s of clock drift each way)."""
REFUSED_EVENT_KIND: Final = "attendance.refused"
"""The outbox kind of every refusal event (``devices.wire.protocol.EventKind.ATTENDANCE_REFUSED``)."""


class Method(StrEnum):
    """How the person identified themselves."""

    CARD = "card"
    PHONE = "phone"
    PIN = "pin"


class Refusal(StrEnum):
    """Machine reason of a refused scan, PIN entry or child action."""

    NOT_A_CREDENTIAL = "not_a_credential"
    MALFORMED = "malformed"
    UNSUPPORTED_VERSION = "unsupported_version"
    BAD_SIGNATURE = "bad_signature"
    OTHER_CENTRE = "other_centre"
    UNKNOWN_CREDENTIAL = "unknown_credential"
    REVOKED_CARD = "revoked_card"
    EXPIRED = "expired"
    STALE_CODE = "stale_code"
    REPLAYED = "replayed"
    CLOCK_UNSYNCHRONISED = "clock_unsynchronised"
    NO_CHILDREN = "no_children"
    UNKNOWN_PERSON = "unknown_person"
    NO_PIN = "no_pin"
    WRONG_PIN = "wrong_pin"
    PERSON_LOCKED = "person_locked"
    KIOSK_LOCKED = "kiosk_locked"
    NOT_AUTHORISED_PICK_UP = "not_authorised_pick_up"
    NOT_PRESENT = "not_present"
    EXCLUDED = "excluded"
    """The child is excluded (表4) until a return certificate: refused offline from the roster."""


MESSAGES: Final[dict[Refusal, tuple[str, str]]] = {
    Refusal.NOT_A_CREDENTIAL: ("这不是签到码", "This is not a check-in code"),
    Refusal.MALFORMED: ("签到码不完整，请重新扫描", "The code is incomplete; please scan again"),
    Refusal.UNSUPPORTED_VERSION: ("签到码版本不受支持，请联系前台", "Unsupported code version; please ask the front desk"),
    Refusal.BAD_SIGNATURE: ("签到码无效（伪造或手机已注销）", "Invalid code (forged, or the phone is no longer enrolled)"),
    Refusal.OTHER_CENTRE: ("这是其他机构的签到码", "This code belongs to another centre"),
    Refusal.UNKNOWN_CREDENTIAL: ("签到码未登记，请联系前台", "This code is not registered; please ask the front desk"),
    Refusal.REVOKED_CARD: ("此卡已挂失或已更换", "This card has been reported lost or replaced"),
    Refusal.EXPIRED: ("签到码已过期", "This credential has expired"),
    Refusal.STALE_CODE: ("动态码已过时，请刷新手机页面", "The phone code is out of date; please refresh the page"),
    Refusal.REPLAYED: ("此动态码已使用过，请等待新码", "This phone code was already used; wait for a new one"),
    Refusal.CLOCK_UNSYNCHRONISED: ("终端时间不正确，请联系前台", "The kiosk clock is wrong; please ask the front desk"),
    Refusal.NO_CHILDREN: ("您没有可接送的幼儿", "You are not authorised for any child"),
    Refusal.UNKNOWN_PERSON: ("未找到此人", "Person not found"),
    Refusal.NO_PIN: ("未设置密码，请联系前台", "No PIN is set; please ask the front desk"),
    Refusal.WRONG_PIN: ("密码错误", "Wrong PIN"),
    Refusal.PERSON_LOCKED: ("密码错误次数过多，请稍后再试或联系前台", "Too many wrong PINs; try later or ask the front desk"),
    Refusal.KIOSK_LOCKED: ("本终端密码输入已暂停，请联系前台", "PIN entry is paused on this kiosk; please ask the front desk"),
    Refusal.NOT_AUTHORISED_PICK_UP: ("您未被授权接走此幼儿", "You are not authorised to pick up this child"),
    Refusal.NOT_PRESENT: ("幼儿不在园", "This child is not checked in"),
    Refusal.EXCLUDED: ("幼儿因病暂停入园，须凭医疗机构返园证明入园，请联系保健室",
                       "The child is off for illness until a doctor's return certificate; please see the health room"),
}


@dataclass(frozen=True)
class KioskEvent:
    """An event for the kiosk's outbox: ``outbox.put(event.kind, event.payload)``."""

    kind: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class Verdict:
    """The outcome of one scan or PIN entry: accepted with the person's children, or refused with a reason."""

    accepted: bool
    reason: Refusal | None = None
    method: Method | None = None
    credential_id: int | None = None
    person: RosterPerson | None = None
    drop_off: tuple[RosterChild, ...] = ()
    pick_up: tuple[RosterChild, ...] = ()
    enrolment: int | None = None
    """Which enrolled phone signed (phone codes only)."""
    detail: str = field(default="", compare=False)
    """Free text for logs (never shown, never personal data)."""

    @property
    def message_zh(self) -> str:
        """What the screen says, in Chinese (empty when accepted)."""
        return MESSAGES[self.reason][0] if self.reason else ""

    @property
    def message_en(self) -> str:
        """What the screen says, in English (empty when accepted)."""
        return MESSAGES[self.reason][1] if self.reason else ""

    @property
    def kind(self) -> PersonKind | None:
        """The identified person's kind: guardian, pickup or staff."""
        return self.person.kind if self.person else None

    def refusal_event(self) -> KioskEvent | None:
        """The outbox event recording this refusal (ids only, never the scanned text); None if accepted."""
        if self.accepted or self.reason is None:
            return None
        payload: dict[str, Any] = {"reason": self.reason.value}
        if self.method is not None:
            payload["method"] = self.method.value
        if self.credential_id is not None:
            payload["credential_id"] = self.credential_id
        if self.person is not None:
            payload["person_id"] = self.person.id
        return KioskEvent(REFUSED_EVENT_KIND, payload)


def may_be_newer_than_roster(verdict: Verdict) -> bool:
    """Whether a refusal may only mean the code was issued after the roster (a newly enrolled phone or card).

    A phone code signed by a key the credential does not list, or a credential (or card serial)
    the roster does not know: a fresher roster may accept it.
    """
    if verdict.reason is Refusal.UNKNOWN_CREDENTIAL:
        return True
    return verdict.reason is Refusal.BAD_SIGNATURE and verdict.method is Method.PHONE


def refused(reason: Refusal, *, method: Method | None = None, credential_id: int | None = None,
            person: RosterPerson | None = None, detail: str = "") -> Verdict:
    """A refused verdict."""
    return Verdict(False, reason, method, credential_id, person, detail=detail)


def accept_person(roster: Roster, person: RosterPerson, method: Method, *, credential_id: int | None = None,
                  enrolment: int | None = None) -> Verdict:
    """Accept an identified person with their children, or refuse ``no_children`` (staff need none)."""
    drop_off, pick_up = roster.children_of(person)
    if not drop_off and not pick_up and person.kind is not PersonKind.STAFF:
        return refused(Refusal.NO_CHILDREN, method=method, credential_id=credential_id, person=person)
    return Verdict(True, None, method, credential_id, person, drop_off, pick_up, enrolment)


class ReplayCache:
    """Phone codes already accepted, keyed by (credential, step); steps out of the window are dropped."""

    def __init__(self) -> None:
        self._seen: set[tuple[int, int]] = set()

    def __len__(self) -> int:
        return len(self._seen)

    def seen(self, credential_id: int, step: int) -> bool:
        """Whether that code was accepted already."""
        return (credential_id, step) in self._seen

    def remember(self, credential_id: int, step: int) -> None:
        """Record an accepted code."""
        self._seen.add((credential_id, step))

    def prune(self, current_step: int) -> None:
        """Forget codes that are stale anyway, so the cache stays a few entries per family."""
        oldest = current_step - DRIFT_STEPS
        self._seen = {entry for entry in self._seen if entry[1] >= oldest}


_PARSE_REFUSALS = {
    CredentialErrorCode.NOT_OURS: Refusal.NOT_A_CREDENTIAL,
    CredentialErrorCode.MALFORMED: Refusal.MALFORMED,
    CredentialErrorCode.WRONG_VERSION: Refusal.UNSUPPORTED_VERSION,
}


class Verifier:
    """Verifies scans offline against the cached roster; swap ``roster`` when a newer one is installed."""

    def __init__(self, roster: Roster, clock: Clock, replay_cache: ReplayCache) -> None:
        self.roster = roster
        self.clock = clock
        self.replay_cache = replay_cache

    def verify_scan(self, text: object) -> Verdict:
        """The verdict on one scanned text (str, or bytes from a raw decoder); never raises."""
        if isinstance(text, bytes | bytearray):
            try:
                text = bytes(text).decode("ascii")
            except UnicodeDecodeError:
                return refused(Refusal.NOT_A_CREDENTIAL, detail="not ASCII")
        if not isinstance(text, str):
            return refused(Refusal.NOT_A_CREDENTIAL, detail="not text")
        try:
            payload = parse(text)
        except CredentialError as exc:
            return refused(_PARSE_REFUSALS[exc.code], detail=exc.detail)
        now = self.clock.now()
        if isinstance(payload, CardPayload):
            return self._verify_card(payload, now)
        return self._verify_phone(payload, now)

    def _verify_card(self, card: CardPayload, now: datetime) -> Verdict:
        roster = self.roster
        where: dict[str, Any] = {"method": Method.CARD, "credential_id": card.credential_id}
        if card.centre_id != roster.centre_id:
            return refused(Refusal.OTHER_CENTRE, detail=f"centre {card.centre_id}", **where)
        message = card.signed_message()
        if not any(_signed(key, card.signature, message) for key in roster.card_keys):
            return refused(Refusal.BAD_SIGNATURE, **where)
        credential = roster.credential(card.credential_id)
        if credential is None or credential.person != card.person_id:
            return refused(Refusal.UNKNOWN_CREDENTIAL, **where)
        person = roster.persons[credential.person]
        where["person"] = person
        if card.serial != credential.card_serial:
            newer = credential.card_serial is None or card.serial > credential.card_serial
            if newer and card.serial not in credential.revoked_serials:
                # Signed by us but unknown to this roster: issued after the last sync.
                return refused(Refusal.UNKNOWN_CREDENTIAL, detail="serial newer than the roster", **where)
            return refused(Refusal.REVOKED_CARD, detail=f"serial {card.serial}", **where)
        if _expired(roster.today(now), card.expires_on, credential.expires_on):
            return refused(Refusal.EXPIRED, **where)
        return accept_person(roster, person, Method.CARD, credential_id=credential.id)

    def _verify_phone(self, code: PhoneCodePayload, now: datetime) -> Verdict:
        roster = self.roster
        where: dict[str, Any] = {"method": Method.PHONE, "credential_id": code.credential_id}
        credential = roster.credential(code.credential_id)
        if credential is None:
            return refused(Refusal.UNKNOWN_CREDENTIAL, **where)
        where["person"] = person = roster.persons[credential.person]
        message = code.signed_message()
        enrolment = next((enrolment for enrolment, key in roster.phone_keys.get(credential.id, ())
                          if _signed(key, code.signature, message)), None)
        if enrolment is None:
            return refused(Refusal.BAD_SIGNATURE, **where)
        if roster.clock_behind(now):
            return refused(Refusal.CLOCK_UNSYNCHRONISED, detail=f"kiosk time {now.isoformat()}", **where)
        current = time_step(now)
        if abs(code.step - current) > DRIFT_STEPS:
            return refused(Refusal.STALE_CODE, detail=f"step {code.step - current:+d}", **where)
        self.replay_cache.prune(current)
        if self.replay_cache.seen(credential.id, code.step):
            return refused(Refusal.REPLAYED, **where)
        if _expired(roster.today(now), credential.expires_on):
            return refused(Refusal.EXPIRED, **where)
        verdict = accept_person(roster, person, Method.PHONE, credential_id=credential.id, enrolment=enrolment)
        if verdict.accepted:
            self.replay_cache.remember(credential.id, code.step)
        return verdict


def _signed(key: Ed25519PublicKey, signature: bytes, message: bytes) -> bool:
    try:
        key.verify(signature, message)
    except InvalidSignature:
        return False
    return True


def _expired(today: date, *expiry_dates: date) -> bool:
    # A credential is valid through its expiry day, in the centre's time zone.
    return any(today > day for day in expiry_dates)


@dataclass(frozen=True)
class ChildRefusal:
    """A child the person is related to but may not act on now."""

    child: RosterChild
    reason: Refusal
    exclusion: RosterExclusion | None = None
    """For ``excluded``: the exclusion, whose expected return day (if known) the screen gives.

    The screen at the door is seen by anyone nearby, so it never says which illness (PIPL Art. 28): the roster
    does not even carry it.
    """

    @property
    def message_zh(self) -> str:
        """Chinese text for the screen."""
        if self.exclusion is not None:
            expected = self.exclusion.expected_until
            return ("因病暂停入园，须凭医疗机构返园证明入园"
                    + (f"（预计{expected.isoformat()}返园）" if expected else "") + "，请联系保健室")
        return MESSAGES[self.reason][0]

    @property
    def message_en(self) -> str:
        """English text for the screen."""
        if self.exclusion is not None:
            expected = self.exclusion.expected_until
            return ("Off for illness: a doctor's return certificate is needed to come back"
                    + (f" (expected back {expected.isoformat()})" if expected else "") + "; please see the health room")
        return MESSAGES[self.reason][1]


@dataclass(frozen=True)
class Decision:
    """What the touch screen offers after a scan: children to check in, to check out, and refusals."""

    verdict: Verdict
    check_in: tuple[RosterChild, ...] = ()
    check_out: tuple[RosterChild, ...] = ()
    refused: tuple[ChildRefusal, ...] = ()
    preselected: frozenset[int] = frozenset()
    """Child ids ticked in advance: all candidates when they go one way, none when the scan is ambiguous."""

    def events(self) -> list[KioskEvent]:
        """Outbox events for refused pick-ups and excluded children (the refusals the office must see), one each."""
        person_id = self.verdict.person.id if self.verdict.person else None
        return [
            KioskEvent(REFUSED_EVENT_KIND, {"reason": r.reason.value, "child_id": r.child.id, "person_id": person_id,
                                            "method": self.verdict.method.value if self.verdict.method else None})
            for r in self.refused if r.reason is Refusal.NOT_AUTHORISED_PICK_UP
            # An excluded child counts as a refused check-in on a drop-off; a pick-up of a sibling records none.
            or (r.reason is Refusal.EXCLUDED and not self.check_out)
        ]


def decide(verdict: Verdict, presence: Collection[int],
           excluded: Mapping[int, RosterExclusion] | None = None) -> Decision:
    """Check-in / check-out candidates for an accepted verdict; ``presence`` holds ids of children present now.

    A present child is a check-out candidate if the person may pick them up, else refused
    ``not_authorised_pick_up``; an absent child is a check-in candidate if the person may drop
    them off, else ``not_present``; one ``excluded`` today (the roster's exclusions) is refused ``excluded``
    with a generic reason (never the illness). When the candidates go both ways (one child present, another
    not) nothing is preselected: the person taps what they mean rather than the kiosk guessing.
    """
    if not verdict.accepted:
        return Decision(verdict)
    may_drop_off = {child.id for child in verdict.drop_off}
    may_pick_up = {child.id for child in verdict.pick_up}
    related = list({child.id: child for child in (*verdict.drop_off, *verdict.pick_up)}.values())
    check_in: list[RosterChild] = []
    check_out: list[RosterChild] = []
    refusals: list[ChildRefusal] = []
    for child in related:
        if child.id in presence:
            if child.id in may_pick_up:
                check_out.append(child)
            else:
                refusals.append(ChildRefusal(child, Refusal.NOT_AUTHORISED_PICK_UP))
        elif child.id in may_drop_off and excluded and child.id in excluded:
            refusals.append(ChildRefusal(child, Refusal.EXCLUDED, excluded[child.id]))
        elif child.id in may_drop_off:
            check_in.append(child)
        else:
            refusals.append(ChildRefusal(child, Refusal.NOT_PRESENT))
    one_way = check_in if not check_out else check_out if not check_in else []
    return Decision(verdict, tuple(check_in), tuple(check_out), tuple(refusals),
                    frozenset(child.id for child in one_way))
