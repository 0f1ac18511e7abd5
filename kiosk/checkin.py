"""Check-in decisions after a scan: what to offer, what to record, what to raise / 签到决定.

Pure functions over the verdict and the decision of ``kiosk.verify``, plus the one
write they lead to (``record``): the state machine in ``kiosk.machine`` calls them and
only moves between screens.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from datetime import datetime

from devices.wire.health_screen import QuickScreen
from devices.wire.protocol import EventKind
from devices.wire.roster import RosterChild
from kiosk.events import EventWriter, attendance_event
from kiosk.roster import Roster
from kiosk.screens import Action, Pending
from kiosk.verify import ChildRefusal, Decision, KioskEvent, Refusal, Verdict

log = logging.getLogger(__name__)


class OutboxFault(Exception):
    """Writing to the outbox failed: the kiosk must not show green."""


def record(writer: EventWriter, events: list[KioskEvent], scan_at: datetime, *, priority: bool | None = None) -> None:
    """Store ``events`` in the outbox, stamped with the scan time; any failure is an :class:`OutboxFault`."""
    for event in events:
        try:
            writer.put(event, at=scan_at, priority=priority)
        except Exception as exc:  # disk full, broken SD card: never show green for an unrecorded event
            log.exception("could not store %s", event.kind)
            raise OutboxFault(str(exc)) from exc


def still_valid(verdict: Verdict, old: Roster, new: Roster) -> bool:
    """Whether the person and the credential of an accepted verdict are unchanged from ``old`` to ``new``."""
    person = verdict.person
    if person is None or new.person(person.id) != person:
        return False
    ident = verdict.credential_id
    return ident is None or new.credential(ident) == old.credential(ident)


def staff_event(verdict: Verdict, *, leaving: bool) -> KioskEvent:
    """Staff sign on duty with one scan and off with the next: the event of this scan."""
    person, method = verdict.person, verdict.method
    assert person is not None and method is not None
    kind = EventKind.ATTENDANCE_CHECK_OUT if leaving else EventKind.ATTENDANCE_CHECK_IN
    return attendance_event(kind, person_id=person.id, children=(), method=method,
                            credential_id=verdict.credential_id)


def candidates(decision: Decision) -> dict[int, Action]:
    """The children the person may act on now, each with its action."""
    offered = {c.id: Action.CHECK_IN for c in decision.check_in}
    offered.update({c.id: Action.CHECK_OUT for c in decision.check_out})
    return offered


def refused_pick_ups(decision: Decision) -> list[ChildRefusal]:
    """Children the person tried to take but may not: staff are alerted."""
    return [r for r in decision.refused if r.reason is Refusal.NOT_AUTHORISED_PICK_UP]


def refusal_reason(decision: Decision, alarm: Collection[ChildRefusal]) -> Refusal:
    """Why nothing can be done for anyone: a refused pick-up outranks the other reasons."""
    if alarm:
        return Refusal.NOT_AUTHORISED_PICK_UP
    return decision.refused[0].reason if decision.refused else Refusal.NO_CHILDREN


def needs_no_tap(decision: Decision, offered: dict[int, Action], alarm: Collection[ChildRefusal]) -> bool:
    """One child, one obvious way and no alarm: record at once instead of asking for a confirming tap."""
    return len(offered) == 1 and decision.preselected == set(offered) and not alarm


def offered_children(decision: Decision, offered: dict[int, Action]) -> list[tuple[RosterChild, Action, bool]]:
    """The confirm screen's list: each child, its action, and whether it is ticked in advance."""
    return [(child, offered[child.id], child.id in decision.preselected)
            for child in (*decision.check_out, *decision.check_in)]


def split_selection(pending: Pending, selected: set[int]) -> tuple[list[int], list[int]]:
    """The ticked children as (checking in, checking out), each sorted."""
    ins = sorted(i for i in selected if pending.candidates[i] is Action.CHECK_IN)
    outs = sorted(i for i in selected if pending.candidates[i] is Action.CHECK_OUT)
    return ins, outs


def attendance_events(verdict: Verdict, ins: list[int], outs: list[int],
                      screens: Sequence[QuickScreen] = ()) -> list[KioskEvent]:
    """One check-in (with the quick health screens of its children) and/or one check-out event."""
    assert verdict.person is not None and verdict.method is not None
    return [attendance_event(kind, person_id=verdict.person.id, children=ids, method=verdict.method,
                             credential_id=verdict.credential_id,
                             screens=screens if kind is EventKind.ATTENDANCE_CHECK_IN else ())
            for kind, ids in ((EventKind.ATTENDANCE_CHECK_IN, ins), (EventKind.ATTENDANCE_CHECK_OUT, outs))
            if ids]
