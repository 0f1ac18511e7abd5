"""The hygiene evidence the evaluators read (ComplianceInputs.hygiene): 表6 days, window and cabinet periods, UV.

One provider for the whole of `HygieneEvidence`: the 表6 checklists (as they stand after amendments, each value
with the time it was recorded, so an entry back-dated later is seen as late), the rooms' ventilation periods from
the window contacts, the cabinet cycles, and the UV lamp's part from `server.hygiene.uv_read.uv_evidence`.
A centre with children but no record gets an empty evidence object (missing records are findings), not None.
"""

from __future__ import annotations

from datetime import date, datetime

from compliance import Period
from compliance.hygiene.records import (
    CabinetCycleRecord,
    ChecklistDayRecord,
    ChecklistItemRecord,
    HygieneEvidence,
    VentilationPeriodRecord,
)
from server.centre.models import Centre
from server.centre.timezones import period_bounds
from server.clock import utcnow
from server.hygiene import uv_read
from server.hygiene.checklist import Entry, entries_by_day, signatures
from server.hygiene.devices import KITCHEN, cabinet_periods, rooms_with_window_contacts, window_periods
from server.hygiene.models import CheckItem


def _items(entries: list[Entry]) -> tuple[ChecklistItemRecord, ...]:
    """The day's lines as they stand: the airings together in one ventilation line, every other entry its own."""
    items: list[ChecklistItemRecord] = []
    airings = [e.current for e in entries if e.original.item is CheckItem.VENTILATION and e.current.done]
    if airings:
        items.append(ChecklistItemRecord(
            item=CheckItem.VENTILATION.value, done=True, minutes=tuple(a.minutes or 0 for a in airings),
            by="、".join(dict.fromkeys(a.by_name for a in airings)), at=max(a.recorded_at for a in airings),
            starts=tuple(a.started_at for a in airings), recorded=tuple(a.recorded_at for a in airings)))
    for entry in entries:
        row = entry.current
        if entry.original.item is CheckItem.VENTILATION or not row.done:
            continue
        items.append(ChecklistItemRecord(item=row.item.value, done=True,
                                         minutes=(row.minutes,) if row.minutes is not None else (),
                                         method=row.method.value if row.method else None, by=row.by_name,
                                         at=row.recorded_at))
    return tuple(items)


def checklist_records(centre: Centre, start: date, end: date, as_of: datetime) -> tuple[ChecklistDayRecord, ...]:
    days = entries_by_day(centre.id, start, end, as_of=as_of)
    signed = signatures(centre.id, start, end)
    records = []
    for room_id, day in sorted(set(days) | set(signed), key=lambda k: (k[1], k[0])):
        entries = days.get((room_id, day), [])
        signature = signed.get((room_id, day))
        records.append(ChecklistDayRecord(
            class_id=room_id, day=day, items=_items(entries),
            signed_by=signature.by_name if signature else None,
            signed_at=signature.signed_at if signature else None,
            amendments=sum(len(e.amendments) for e in entries)))
    return tuple(records)


def hygiene_evidence(centre: Centre, period: Period, *, as_of: datetime | None = None) -> HygieneEvidence:
    """Everything `compliance.evaluators.hygiene` (and `uv_lamp`) read for the centre's period."""
    as_of = as_of or utcnow()
    start, end = period_bounds(centre, period.start, period.end)
    sessions, refusals, uv_rooms = uv_read.uv_evidence(centre.id, period.start, period.end, as_of)
    return HygieneEvidence(
        checklists=checklist_records(centre, period.start, period.end, as_of),
        ventilation=tuple(VentilationPeriodRecord(int(p.key), p.started_at, p.ended_at)
                          for p in window_periods(centre.id, start, end)),
        uv_sessions=tuple(sessions),
        uv_refusals=tuple(refusals),
        cabinet_cycles=tuple(CabinetCycleRecord(str(p.key), p.started_at, p.ended_at,
                                                None if p.key == KITCHEN else int(str(p.key)[5:]))
                             for p in cabinet_periods(centre.id, start, end)),
        rooms_with_window_contacts=rooms_with_window_contacts(centre.id, end),
        rooms_with_uv_relay=frozenset(uv_rooms),
    )
