"""Read side of the UV lamp log (issue #18): the evidence for the compliance engine and the tablet panel.

``uv_evidence`` feeds :func:`server.hygiene.evidence.hygiene_evidence` (A1's provider);
``uv_panel`` gives the context of ``templates/hygiene/uv_panel.html``, included by the 表6 page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from compliance.hygiene.records import UvRefusalRecord, UvSessionRecord
from server.centre.models import Centre, Room
from server.centre.timezones import centre_zone, period_bounds
from server.database import db
from server.hygiene.uv_log import Refusal, Session, rooms_with_relay, sessions_and_refusals
from server.hygiene.uv_ops import running_request_id, waiting_request
from server.i18n import is_chinese

REASONS: dict[str, tuple[str, str]] = {
    "done": ("时间到", "Minutes done"),
    "stopped": ("手动停止", "Stopped by staff"),
    "children_present": ("有幼儿入室，已切断", "Cut off: a child checked in"),
    "motion": ("检测到人员活动，已切断", "Cut off: movement seen"),
    "presence_stale": ("无法确认室内无人（服务器无应答），已切断", "Cut off: presence unknown (server unreachable)"),
    "busy": ("紫外线灯已在运行", "The lamp was already running"),
    "agent_restart": ("设备重启，已关闭", "Switched off: the agent restarted"),
    "fault": ("继电器故障", "Relay fault"),
}
"""How each end or refusal reason reads, in Chinese and English (the screens and the register)."""


def reason_text(reason: str | None, chinese: bool = True) -> str:
    """One end/refusal reason for people ("" for none)."""
    if not reason:
        return ""
    zh, en = REASONS.get(reason, (reason, reason))
    return zh if chinese else en


def session_record(session: Session) -> UvSessionRecord:
    """A session as the compliance evidence holds it."""
    return UvSessionRecord(class_id=session.room_id, started_at=session.started_at or session.ended_at,  # type: ignore[arg-type]
                           ended_at=session.ended_at if session.started_at is not None else session.ended_at,
                           end_reason=session.end_reason if session.started_at is not None else "fault",
                           minutes_requested=session.minutes_requested, requested_by=session.requested_by)


def refusal_record(refusal: Refusal) -> UvRefusalRecord:
    """A refusal as the compliance evidence holds it."""
    return UvRefusalRecord(class_id=refusal.room_id, at=refusal.at, reason=refusal.reason)


def uv_evidence(
    centre_id: int, start: date, end: date, as_of: datetime
) -> tuple[tuple[UvSessionRecord, ...], tuple[UvRefusalRecord, ...], frozenset[int]]:
    """(uv_sessions, uv_refusals, rooms_with_uv_relay) of the centre for local days start..end inclusive.

    Only what had reached the server by ``as_of`` counts (an event received later was not known then).
    """
    centre = db.session.get(Centre, centre_id)
    if centre is None:
        return (), (), frozenset()
    lo, hi = period_bounds(centre, start, end)
    sessions, refusals = sessions_and_refusals(None, lo, hi, centre_id=centre_id, received_by=as_of)
    return (tuple(session_record(s) for s in sessions), tuple(refusal_record(r) for r in refusals),
            rooms_with_relay(centre_id))


@dataclass(frozen=True)
class PanelLine:
    """One line of the panel: a session or a refusal."""

    kind: str  # session | refusal
    at: datetime
    ended_at: datetime | None
    minutes: int | None
    reason: str | None
    cut_off: bool
    by: str | None
    reason_label: str = ""
    start_label: str = ""  # HH:MM, the centre's time
    end_label: str = ""


@dataclass(frozen=True)
class UvPanel:
    """What the 表6 page shows about the room's UV lamp on one day."""

    room_id: int
    day: date
    has_relay: bool
    lines: tuple[PanelLine, ...]
    proven_minutes: int  # the minutes of sessions that ran their course or were stopped by staff
    running: bool
    waiting: bool
    is_today: bool


def uv_panel(room_id: int, day: date, now: datetime) -> UvPanel | None:
    """The panel's context for ``room_id`` on ``day`` (None: no such room)."""
    room = db.session.get(Room, room_id)
    if room is None:
        return None
    centre = db.session.get(Centre, room.centre_id)
    assert centre is not None
    lo, hi = period_bounds(centre, day, day)
    sessions, refusals = sessions_and_refusals([room.id], lo, hi, centre_id=centre.id)
    zone, chinese = centre_zone(centre), is_chinese()

    def hm(at: datetime | None) -> str:
        return at.astimezone(zone).strftime("%H:%M") if at is not None else ""

    lines = [PanelLine("session", s.started_at or s.ended_at, s.ended_at, s.minutes(now), s.end_reason,  # type: ignore[arg-type]
                       s.cut_off, s.requested_by, reason_text(s.end_reason, chinese),
                       hm(s.started_at) or "?", hm(s.ended_at)) for s in sessions]
    lines += [PanelLine("refusal", r.at, None, None, r.reason, True, r.requested_by, reason_text(r.reason, chinese),
                        hm(r.at)) for r in refusals]
    lines.sort(key=lambda line: line.at)
    proven = sum(s.minutes(now) for s in sessions if s.end_reason in ("done", "stopped"))
    has_relay = room.id in rooms_with_relay(centre.id)
    return UvPanel(room_id=room.id, day=day, has_relay=has_relay, lines=tuple(lines), proven_minutes=proven,
                   running=running_request_id(room.id, now) is not None,
                   waiting=waiting_request(room.id, now) is not None,
                   is_today=lo <= now < hi)
