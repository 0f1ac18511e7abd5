"""UV sessions and refusals read from the relay events (issue #18): the 紫外线消毒记录.

A session is an ``on`` and the ``off`` that follows it for the same lamp (matched by request when both carry one,
else the next ``off`` in time). Events are sorted by the agent's own time, so late or out-of-order arrival does
not matter; a repeated event is stored once (event key). An ``on`` with no ``off`` yet is running; an ``off`` with
no ``on`` (its ``on`` lost or not yet arrived) is shown as a session of unknown start and counts no minutes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from server.auth.models import User as UserAccount
from server.database import db
from server.hygiene.uv_models import UvRelayEvent, UvRequest

_LOOKBACK = timedelta(hours=5)
"""A session may start before the window (a lamp switched on at 23:50) or end after it (at most 240 min)."""


@dataclass(frozen=True)
class Session:
    room_id: int
    lamp: str
    started_at: datetime | None  # None: the ``on`` is missing
    ended_at: datetime | None  # None: still running
    end_reason: str | None
    request_id: int | None
    minutes_requested: int | None
    requested_by: str | None
    children_at_end: int | None = None
    last_motion_at: datetime | None = None

    def minutes(self, as_of: datetime) -> int:
        """Whole minutes the lamp ran (to ``as_of`` while running); 0 without a known start."""
        if self.started_at is None:
            return 0
        end = self.ended_at or as_of
        return max(0, int((end - self.started_at).total_seconds() // 60))

    @property
    def cut_off(self) -> bool:
        """Ended by the interlock or a fault rather than by its minutes or a caregiver."""
        return self.end_reason not in (None, "done", "stopped")


@dataclass(frozen=True)
class Refusal:
    room_id: int
    lamp: str
    at: datetime
    reason: str
    request_id: int | None
    requested_by: str | None
    children_present: int | None
    last_motion_at: datetime | None


def _requesters(request_ids: set[int]) -> dict[int, str]:
    if not request_ids:
        return {}
    rows = db.session.execute(
        select(UvRequest.id, UserAccount.display_name)
        .join(UserAccount, UserAccount.id == UvRequest.requested_by_id, isouter=True)
        .where(UvRequest.id.in_(request_ids))).all()
    return {rid: name for rid, name in rows if name}


def sessions_and_refusals(room_ids: list[int] | None, start: datetime, end: datetime, *, centre_id: int,
                          received_by: datetime | None = None) -> tuple[list[Session], list[Refusal]]:
    """Sessions overlapping [start, end) and refusals within it, of the centre's rooms (all, or ``room_ids``).

    ``received_by``: only the events the server had received by then (what an evaluation at that time saw).
    """
    query = select(UvRelayEvent).where(UvRelayEvent.centre_id == centre_id,
                                       UvRelayEvent.at >= start - _LOOKBACK, UvRelayEvent.at < end + _LOOKBACK)
    if received_by is not None:
        query = query.where(UvRelayEvent.received_at <= received_by)
    if room_ids is not None:
        query = query.where(UvRelayEvent.room_id.in_(room_ids))
    events = list(db.session.execute(query.order_by(UvRelayEvent.at, UvRelayEvent.id)).scalars())
    names = _requesters({e.request_id for e in events if e.request_id is not None})
    by_lamp: dict[tuple[int, str], list[UvRelayEvent]] = defaultdict(list)
    refusals: list[Refusal] = []
    for e in events:
        if e.state == "refused":
            if start <= e.at < end:
                refusals.append(Refusal(e.room_id, e.lamp, e.at, e.reason or "", e.request_id,
                                        names.get(e.request_id) if e.request_id else None, e.children_present,
                                        e.last_motion_at))
        else:
            by_lamp[(e.room_id, e.lamp)].append(e)
    sessions: list[Session] = []
    for (room_id, lamp), rows in by_lamp.items():
        open_on: UvRelayEvent | None = None
        for e in rows:
            if e.state == "on":
                if open_on is not None:  # two ons in a row: the first one's off is lost; end it at the second
                    sessions.append(_session(open_on, None, names, ended_at=e.at, reason="fault"))
                open_on = e
            elif open_on is not None and (open_on.request_id is None or e.request_id in (None, open_on.request_id)):
                sessions.append(_session(open_on, e, names))
                open_on = None
            else:
                sessions.append(_session(None, e, names, room_id=room_id, lamp=lamp))
        if open_on is not None:
            sessions.append(_session(open_on, None, names))
    kept = [s for s in sessions if _overlaps(s, start, end)]
    kept.sort(key=lambda s: (s.started_at or s.ended_at or start, s.room_id))
    refusals.sort(key=lambda r: (r.at, r.room_id))
    return kept, refusals




def _overlaps(session: Session, start: datetime, end: datetime) -> bool:
    first = session.started_at or session.ended_at
    last = session.ended_at or session.started_at
    assert first is not None and last is not None
    if session.ended_at is None:
        return first < end
    return first < end and last >= start


def _session(on: UvRelayEvent | None, off: UvRelayEvent | None, names: dict[int, str], *,
             ended_at: datetime | None = None, reason: str | None = None, room_id: int | None = None,
             lamp: str | None = None) -> Session:
    source = on or off
    assert source is not None
    request_id = (on.request_id if on is not None else None) or (off.request_id if off is not None else None)
    return Session(
        room_id=room_id if room_id is not None else source.room_id,
        lamp=lamp if lamp is not None else source.lamp,
        started_at=on.at if on is not None else None,
        ended_at=off.at if off is not None else ended_at,
        end_reason=off.reason if off is not None else reason,
        request_id=request_id,
        minutes_requested=on.minutes if on is not None else None,
        requested_by=names.get(request_id) if request_id else None,
        children_at_end=off.children_present if off is not None else None,
        last_motion_at=off.last_motion_at if off is not None else None,
    )


def rooms_with_relay(centre_id: int) -> frozenset[int]:
    """Rooms whose agent has reported a UV relay event (on, off or refusal) at least once."""
    return frozenset(db.session.execute(
        select(UvRelayEvent.room_id).where(UvRelayEvent.centre_id == centre_id).distinct()).scalars())
