"""The live-emergency API's answers, built from the records.

An emergency, its timeline, the state every tablet polls (roll call and timeline), and the record whole (close-out,
notices, review, follow-ups).
"""

from __future__ import annotations

from datetime import datetime

from server.centre.operations import centre_by_id
from server.centre.timezones import centre_today
from server.emergencies import followups, live_read, rollcall
from server.emergencies.live_models import Emergency
from server.emergencies.live_schemas import (
    EmergencyOut,
    FollowUpOut,
    LineOut,
    LiveOut,
    NotifyOut,
    RoomCountOut,
    SheetOut,
    TickOut,
)
from server.i18n import is_chinese, label


def emergency_out(emergency: Emergency) -> EmergencyOut:
    return EmergencyOut(id=emergency.id, kind=emergency.kind, source=emergency.source, summary=emergency.summary,
                        opened_at=emergency.opened_at, status=followups.status_of(emergency))


def lines_out(emergency: Emergency) -> list[LineOut]:
    return [LineOut(id=line.entry.id, kind=line.entry.kind, label=label(line.entry.kind), at=line.entry.at, by=line.by,
                    words=line.words)
            for line in live_read.timeline(emergency, zh=is_chinese())]


def live_state(emergency: Emergency | None, now: datetime) -> LiveOut:
    """What every tablet polls: the open emergency, its roll call and its timeline."""
    if emergency is None:
        return LiveOut(open=False)
    found = rollcall.state(emergency, now)
    return LiveOut(open=True, emergency=emergency_out(emergency), version=found.version,
                   ticks=[TickOut(person=key, status=t.status, at=t.at, by_id=t.by_id) for key, t in found.ticks.items()],
                   rooms=[RoomCountOut(**vars(r)) for r in found.rooms], expected=found.expected,
                   unticked=found.unticked, missing=found.missing, timeline=lines_out(emergency))


def sheet_out(emergency: Emergency, now: datetime) -> SheetOut:
    found = live_read.sheet(emergency, zh=is_chinese(), today=centre_today(centre_by_id(emergency.centre_id), now))
    close, review = found.close_out, found.review
    return SheetOut(
        **emergency_out(emergency).model_dump(), opened_by=found.opened_by, timeline=lines_out(emergency),
        closed_at=close.closed_at if close else None, close_summary=close.summary if close else None,
        all_clear=close.all_clear if close else None, reviewed_at=review.reviewed_at if review else None,
        what_happened=review.what_happened if review else None, what_worked=review.what_worked if review else None,
        what_to_change=review.what_to_change if review else None,
        notices=[NotifyOut(id=n.id, template=n.template, children=n.children, sent_at=n.sent_at) for n in found.notices],
        follow_ups=[FollowUpOut(id=f.follow_up.id, what=f.follow_up.what, owner_staff_id=f.follow_up.owner_staff_id,
                                owner=f.owner, due_on=f.follow_up.due_on, done_at=f.done.done_at if f.done else None,
                                note=f.done.note if f.done else None, overdue=f.overdue) for f in found.follow_ups])
