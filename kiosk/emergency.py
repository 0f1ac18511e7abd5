"""Open emergencies (panic button, smoke alarm) shown at the kiosk as a red banner (issue #7).

``RosterSync`` polls ``GET /api/v1/devices/emergencies`` every 2 s and hands the parsed list to
:meth:`EmergencyBoard.update`; ``Kiosk.state()`` shows :meth:`EmergencyBoard.banner` above every
screen. The banner never blocks the scanner: parents collect children during an evacuation.

What a failed poll means: an older server answers 404 (no such endpoint), taken as "none open";
a network failure, a 401 or an unreadable answer keeps the last list, because a smoke alarm must
not vanish from the door because the Wi-Fi flickered.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from kiosk.presence import parse_instant

EMERGENCY_TITLES: dict[str, tuple[str, str]] = {
    "emergency.smoke": ("烟雾报警", "Smoke alarm"),
    "emergency.panic": ("紧急按钮报警", "Panic alarm"),
}
"""Titles by alert kind; any other kind the server calls an emergency is shown as 紧急情况 / Emergency."""


@dataclass(frozen=True)
class Emergency:
    """One open emergency alert of the centre."""

    id: int
    kind: str
    message_zh: str
    message_en: str
    opened_at: datetime

    def title(self) -> tuple[str, str]:
        """``(zh, en)`` of the kind."""
        return EMERGENCY_TITLES.get(self.kind, ("紧急情况", "Emergency"))


def parse_emergencies(body: Any) -> tuple[Emergency, ...]:
    """The open emergencies of an answer, oldest first; ``ValueError`` if it does not parse.

    The list is under ``emergencies`` (the contract in docs/kiosk.md); ``items`` (the server's
    list shape elsewhere) is read too.
    """
    if not isinstance(body, dict):
        raise ValueError("the emergencies answer is not a JSON object")
    entries = body.get("emergencies", body.get("items"))
    if not isinstance(entries, list):
        raise ValueError("the emergencies answer has no list")
    found: list[Emergency] = []
    for index, entry in enumerate(entries):
        try:
            ident, kind = entry["id"], entry["kind"]
            zh, en = entry.get("message_zh") or "", entry.get("message_en") or ""
            if isinstance(ident, bool) or not isinstance(ident, int) or not isinstance(kind, str):
                raise TypeError("id or kind")
            if not isinstance(zh, str) or not isinstance(en, str):
                raise TypeError("message")
            found.append(Emergency(ident, kind, zh, en, parse_instant(entry["opened_at"])))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ValueError(f"emergencies[{index}]: {exc}") from None
    return tuple(sorted(found, key=lambda e: (e.opened_at, e.id)))


class EmergencyBoard:
    """The emergencies open now, as the last good poll saw them (written by the sync thread)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: tuple[Emergency, ...] = ()

    def update(self, emergencies: Iterable[Emergency]) -> None:
        """Replace the list (an empty one: all over)."""
        with self._lock:
            self._open = tuple(emergencies)

    @property
    def open(self) -> tuple[Emergency, ...]:
        """The emergencies shown now."""
        with self._lock:
            return self._open

    def banner(self, tz: ZoneInfo) -> dict[str, Any] | None:
        """The red banner's content, or None when nothing is open."""
        emergencies = self.open
        if not emergencies:
            return None
        items = []
        for emergency in emergencies:
            zh, en = emergency.title()
            items.append({"id": emergency.id, "kind": emergency.kind, "title_zh": zh, "title_en": en,
                          "message_zh": emergency.message_zh or zh, "message_en": emergency.message_en or en,
                          "opened_at": emergency.opened_at.astimezone(tz).strftime("%H:%M")})
        return {"title_zh": "紧急情况！请按应急预案行动", "title_en": "EMERGENCY — follow the emergency plan",
                "items": items}
