"""Who is in today, as this kiosk knows it from its own events; cleared at the centre's local midnight.

The server is authoritative (it sees every kiosk); this is the kiosk's own view, enough to tell a
morning drop-off from an evening pick-up without a network. It is kept in a small file so a restart
in the middle of the day does not turn the evening's pick-ups into check-ins.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from hardware.clock import Clock
from kiosk.sync import write_private

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
        self._dirty = False
        self._load()

    def _today(self) -> date:
        return self.clock.now().astimezone(self.tz).date()

    def refresh(self) -> bool:
        """Start a new day if the local date changed; True if it did."""
        today = self._today()
        if today == self.day:
            return False
        self.day, self.children, self.staff = today, set(), set()
        self._save()
        return True

    def check_in(self, child_ids: Iterable[int]) -> None:
        """Children arrived (kept in memory; ``flush()`` writes the file)."""
        self._change(lambda: self.children.update(child_ids))

    def check_out(self, child_ids: Iterable[int]) -> None:
        """Children left."""
        self._change(lambda: self.children.difference_update(child_ids))

    def on_duty(self, person_id: str) -> None:
        """A member of staff signed on."""
        self._change(lambda: self.staff.add(person_id))

    def off_duty(self, person_id: str) -> None:
        """A member of staff signed off."""
        self._change(lambda: self.staff.discard(person_id))

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
        data = {"day": self.day.isoformat(), "children": sorted(self.children), "staff": sorted(self.staff)}
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
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("presence file %s unreadable (%s); starting empty", self.path, exc)
