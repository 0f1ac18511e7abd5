"""The PIN fallback's input: who the typed card number means, and attempts left / PIN 输入.

A card shows a personal number (the digits of the person id), not a name: a
typed number is matched here without ever telling the screen whose it is.
"""

from __future__ import annotations

import re

from kiosk.pin import PinGate, PinResult
from kiosk.roster import Roster
from kiosk.screens import KioskActionError
from kiosk.verify import Refusal


def _digits(person_id: str) -> int | None:
    """The personal number printed on a card: the digits of the person id (c12 -> 12)."""
    digits = re.sub(r"[^0-9]", "", person_id)
    return int(digits) if digits else None


def person_for_pin(roster: Roster, pin: object, *, person_id: object, number: object) -> str:
    """The person id a PIN entry is for, or :class:`KioskActionError` for input that cannot be one."""
    if not isinstance(pin, str) or len(pin) > 16:
        raise KioskActionError("bad_request", status=422)
    if person_id is None:
        if not isinstance(number, str) or not re.fullmatch(r"[0-9]{1,12}", number):
            raise KioskActionError("bad_request", status=422)
        matches = [p for p in roster.document.persons if _digits(p.id) == int(number)]
        if len(matches) > 1:
            # Two people share the digits (c12 and s12): ask which, without showing names.
            raise KioskActionError("ambiguous_number", status=409, extra={"choices": [
                {"person_id": p.id, "kind": p.kind.value} for p in matches]})
        return matches[0].id if matches else number
    if not isinstance(person_id, str) or len(person_id) > 32:
        raise KioskActionError("bad_request", status=422)
    return person_id


def attempts_left(result: PinResult, gate: PinGate) -> int | None:
    """Wrong PINs a person may still type before a lock-out (None when not a plain wrong PIN)."""
    verdict = result.verdict
    if verdict.reason is Refusal.WRONG_PIN and verdict.person is not None and result.retry_after is None:
        return max(0, gate.limits.person_failures - gate.failures(verdict.person.id))
    return None
