"""PIN fallback for a dead phone: argon2id hashes from the roster, rate-limited per person and per kiosk.

Limits follow docs/reliability §5 (≤ 5 failures per 15 min per account): a person is locked while
they have 5 failures in the last 15 min, the whole kiosk while it has 20. Windows slide on the
injected clock's monotonic time, so changing the wall clock neither unlocks nor locks anyone.
Every failure, and every attempt refused by a lock, returns an event for the kiosk's outbox.

Counters live in memory: a restart clears them. Taking the kiosk off power at the door to win
more guesses is visible to staff; the hash cost and the 6-digit minimum bound what remains.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from devices.wire.pin import PIN_PATTERN, hash_pin
from devices.wire.roster import RosterPerson
from hardware.clock import Clock
from kiosk.roster import Roster
from kiosk.verify import REFUSED_EVENT_KIND, KioskEvent, Method, Refusal, Verdict, accept_person, refused

__all__ = ["PinGate", "PinLimits", "PinResult", "hash_pin"]


@dataclass(frozen=True)
class PinLimits:
    """How many failures lock a person, and the kiosk, within the sliding window."""

    person_failures: int = 5
    kiosk_failures: int = 20
    window: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class PinResult:
    """The verdict on one PIN entry, the outbox event of a failure, and how long a lock still lasts."""

    verdict: Verdict
    event: KioskEvent | None = None
    retry_after: timedelta | None = None


class PinGate:
    """Checks PINs against the roster with per-person and per-kiosk lock-outs."""

    def __init__(self, roster: Roster, clock: Clock, limits: PinLimits | None = None) -> None:
        self.roster = roster
        self.clock = clock
        self.limits = limits or PinLimits()
        self._person_failures: dict[str, deque[float]] = {}
        self._kiosk_failures: deque[float] = deque()
        self._hasher = PasswordHasher()  # verify reads the cost from each hash string

    def attempt(self, person_id: str, pin: str) -> PinResult:
        """Check ``pin`` for the person chosen on the touch screen; a success clears their failures."""
        now = self.clock.monotonic()
        self._prune(now)
        person = self.roster.person(person_id) if isinstance(person_id, str) else None
        kiosk_wait = self._wait(self._kiosk_failures, self.limits.kiosk_failures, now)
        if kiosk_wait is not None:
            return self._refuse(Refusal.KIOSK_LOCKED, person_id, person, retry_after=kiosk_wait)
        if person is None:
            self._kiosk_failures.append(now)
            return self._refuse(Refusal.UNKNOWN_PERSON, person_id, None)
        failures = self._person_failures.setdefault(person.id, deque())
        person_wait = self._wait(failures, self.limits.person_failures, now)
        if person_wait is not None:
            return self._refuse(Refusal.PERSON_LOCKED, person.id, person, retry_after=person_wait)
        if person.pin_hash is None:
            return self._refuse(Refusal.NO_PIN, person.id, person)
        if self._matches(person.pin_hash, pin):
            # Only the person's own count is cleared: one known PIN must not buy guesses at others'.
            self._person_failures.pop(person.id, None)
            return PinResult(accept_person(self.roster, person, Method.PIN))
        failures.append(now)
        self._kiosk_failures.append(now)
        return self._refuse(Refusal.WRONG_PIN, person.id, person,
                            retry_after=self._wait(failures, self.limits.person_failures, now))

    def failures(self, person_id: str) -> int:
        """Failures of that person within the current window."""
        self._prune(self.clock.monotonic())
        return len(self._person_failures.get(person_id, ()))

    def kiosk_failures(self) -> int:
        """Failures on this kiosk within the current window."""
        self._prune(self.clock.monotonic())
        return len(self._kiosk_failures)

    def _matches(self, pin_hash: str, pin: str) -> bool:
        if not isinstance(pin, str) or not PIN_PATTERN.fullmatch(pin):
            return False  # cannot be anyone's PIN: no need to spend a hash on it
        try:
            return self._hasher.verify(pin_hash, pin)
        except (VerificationError, InvalidHashError):
            return False

    def _wait(self, failures: deque[float], limit: int, now: float) -> timedelta | None:
        """Time until the lock lifts, or None if not locked."""
        if len(failures) < limit:
            return None
        lifts_at = failures[len(failures) - limit] + self.limits.window.total_seconds()
        return timedelta(seconds=lifts_at - now)

    def _prune(self, now: float) -> None:
        oldest = now - self.limits.window.total_seconds()
        for failures in (self._kiosk_failures, *self._person_failures.values()):
            while failures and failures[0] <= oldest:
                failures.popleft()
        self._person_failures = {pid: f for pid, f in self._person_failures.items() if f}

    def _refuse(self, reason: Refusal, person_id: object, person: RosterPerson | None, *,
                retry_after: timedelta | None = None) -> PinResult:
        payload: dict[str, Any] = {
            "reason": reason.value,
            "method": Method.PIN.value,
            # An unknown id is logged only as a short, printable string: it came from the touch screen.
            "person_id": person.id if person else str(person_id)[:32],
            "failures_person": len(self._person_failures.get(person.id, ())) if person else 0,
            "failures_kiosk": len(self._kiosk_failures),
            "locked": retry_after is not None,
        }
        return PinResult(refused(reason, method=Method.PIN, person=person), KioskEvent(REFUSED_EVENT_KIND, payload),
                         retry_after)
