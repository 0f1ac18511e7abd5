"""Who is in today, as this kiosk knows it from its own events; cleared at the centre's local midnight.

The server is authoritative (it sees every kiosk); this is the kiosk's own view, enough to tell a
morning drop-off from an evening pick-up without a network. It is kept in a small file so a restart
in the middle of the day does not turn the evening's pick-ups into check-ins.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from devices.files import write_private
from hardware.clock import Clock

log = logging.getLogger(__name__)


class Presence:
    """Children checked in and staff on duty today (centre-local day)."""

    def __init__(self, clock: Clock, tz: ZoneInfo, path: Path | None = None) -> None:
        self.clock = clock
        self.tz = tz
        self.path = path
        self.day = self._today()
        self.children: set[int] = set()
        self.staff: set[str] = set()
        # When each child ("c<id>"... keyed "child:<id>") or staff member last moved, as this kiosk
        # knows it: the later of this and the server's last move wins when they are merged.
        self.moved_at: dict[str, datetime] = {}
        self._dirty = False
        self._load()

    def _today(self) -> date:
        return self.clock.now().astimezone(self.tz).date()

    def refresh(self) -> bool:
        """Start a new day if the local date changed; True if it did."""
        today = self._today()
        if today == self.day:
            return False
        self.day, self.children, self.staff, self.moved_at = today, set(), set(), {}
        self._save()
        return True

    def check_in(self, child_ids: Iterable[int]) -> None:
        """Children arrived (kept in memory; ``flush()`` writes the file)."""
        ids = list(child_ids)
        self._stamp(f"child:{i}" for i in ids)
        self._change(lambda: self.children.update(ids))

    def arrived_since(self, child_ids: Iterable[int], since: datetime) -> set[int]:
        """Those of ``child_ids`` present whose last move (their check-in) was at ``since`` or later."""
        return {i for i in child_ids if i in self.children
                and (at := self.moved_at.get(f"child:{i}")) is not None and at >= since}

    def check_out(self, child_ids: Iterable[int]) -> None:
        """Children left."""
        ids = list(child_ids)
        self._stamp(f"child:{i}" for i in ids)
        self._change(lambda: self.children.difference_update(ids))

    def on_duty(self, person_id: str) -> None:
        """A member of staff signed on."""
        self._stamp([f"staff:{person_id}"])
        self._change(lambda: self.staff.add(person_id))

    def off_duty(self, person_id: str) -> None:
        """A member of staff signed off."""
        self._stamp([f"staff:{person_id}"])
        self._change(lambda: self.staff.discard(person_id))

    def merge_server(self, body: Mapping[str, Any]) -> bool:
        """Take what the other kiosks saw (the server's last move of each person today).

        A move the server knows that is later than this kiosk's own last move of that person wins;
        this kiosk's own later moves (perhaps not delivered yet) are kept. True if anything changed.
        """
        try:
            if date.fromisoformat(str(body["day"])) != self.day:
                return False  # yesterday's answer, or the kiosk's clock is off: keep what we have
            moves = [(f"child:{int(m['id'])}", int(m["id"]), bool(m["inside"]), parse_instant(m["at"]))
                     for m in body["children"]]
            moves += [(f"staff:{m['id']}", str(m["id"]), bool(m["inside"]), parse_instant(m["at"])) for m in body["staff"]]
        except (KeyError, TypeError, ValueError) as exc:
            log.warning("presence from the server unreadable (%s); ignored", exc)
            return False
        before = (frozenset(self.children), frozenset(self.staff))
        for key, person, inside, at in moves:
            local = self.moved_at.get(key)
            if local is not None and local >= at:
                continue
            self.moved_at[key] = at
            group: set[Any] = self.children if key.startswith("child:") else self.staff
            (group.add if inside else group.discard)(person)
        changed = before != (self.children, self.staff)
        self._dirty = self._dirty or changed
        return changed

    def _stamp(self, keys: Iterable[str]) -> None:
        now = self.clock.now()
        for key in keys:
            self.moved_at[key] = now

    def flush(self) -> None:
        """Write the file if something changed since the last write.

        The kiosk calls this after the LED: the outbox commit is what must precede green; this file
        only spares the evening's pick-ups if the kiosk restarts during the day.
        """
        if self._dirty:
            self._save()

    def _change(self, change: Callable[[], object]) -> None:
        before = (frozenset(self.children), frozenset(self.staff))
        change()
        self._dirty = self._dirty or before != (self.children, self.staff)

    def _save(self) -> None:
        self._dirty = False
        if self.path is None:
            return
        data = {"day": self.day.isoformat(), "children": sorted(self.children), "staff": sorted(self.staff),
                "moved_at": {key: at.isoformat() for key, at in self.moved_at.items()}}
        write_private(self.path, json.dumps(data).encode("utf-8"))

    def _load(self) -> None:
        if self.path is None or not self.path.exists():
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if date.fromisoformat(data["day"]) != self.day:
                return  # yesterday's: everybody went home
            self.children = {int(i) for i in data["children"]}
            self.staff = {str(p) for p in data["staff"]}
            self.moved_at = {str(k): parse_instant(v) for k, v in data.get("moved_at", {}).items()}
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("presence file %s unreadable (%s); starting empty", self.path, exc)


def parse_instant(text: object) -> datetime:
    """An aware instant from ISO text (the server writes UTC with a Z)."""
    moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"instant without time zone: {text}")
    return moment
