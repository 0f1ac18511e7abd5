"""One class's 表6 day as the page and the API show it.

Each line's entries as they stand, with their history, the device evidence beside them (窗磁 09:02–09:17 15 分钟;
the cabinet's cycles), and the signature.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from compliance.hygiene.checklist import LINES, ChecklistLine
from server.centre.models import Centre, Room
from server.centre.operations import centre_by_id
from server.hygiene.checklist import Day, Entry, day_bounds, load_day
from server.hygiene.devices import KITCHEN, Period, cabinet_periods, rooms_with_window_contacts, window_periods
from server.hygiene.models import CheckItem
from server.hygiene.registers import period_text, value_text


@dataclass
class DeviceSpan:
    source: str  # window | cabinet
    started_at: datetime
    ended_at: datetime | None
    minutes: int | None
    text: str


@dataclass
class LineView:
    line: ChecklistLine
    entries: list[Entry]
    device: list[DeviceSpan] = field(default_factory=list)

    @property
    def done(self) -> list[Entry]:
        return [e for e in self.entries if e.current.done]


@dataclass
class DayView:
    centre: Centre
    room: Room
    day: date
    record: Day
    lines: list[LineView]
    has_window_contacts: bool

    @property
    def signature(self):  # type: ignore[no-untyped-def]
        return self.record.signature

    def text(self, entry: Entry) -> str:
        return value_text(entry.current, self.centre)


def _span(p: Period, centre: Centre, source: str, label: str) -> DeviceSpan:
    minutes = None if p.ended_at is None else round((p.ended_at - p.started_at) / timedelta(minutes=1))
    return DeviceSpan(source, p.started_at, p.ended_at, minutes, period_text(p, centre, label))


def day_view(room: Room, day: date) -> DayView:
    centre = centre_by_id(room.centre_id)
    record = load_day(room, day)
    start, end = day_bounds(centre, day)
    windows = window_periods(centre.id, start, end, room.id)
    cabinets = [p for p in cabinet_periods(centre.id, start, end) if p.key in (KITCHEN, f"room:{room.id}")]
    contacts = room.id in rooms_with_window_contacts(centre.id, end)
    lines = []
    for line in LINES:
        entries = [e for e in record.entries if e.original.item.value == line.key]
        view = LineView(line, entries)
        if line.key == CheckItem.VENTILATION.value:
            view.device = [_span(p, centre, "window", "窗磁") for p in windows]
        elif line.key == CheckItem.TABLEWARE.value:
            view.device = [_span(p, centre, "cabinet", "消毒柜") for p in cabinets]
        lines.append(view)
    return DayView(centre, room, day, record, lines, contacts)
