"""The day's timeline of one room as a small server-side SVG (no script, no CDN, prints as it shows).

Children present are a step line; the children the caregivers present may look after (caregivers ×
the governing ratio) a dashed step line; time out of ratio is shaded red, near the limit amber.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from xml.sax.saxutils import escape

from sqlalchemy import select

from server.attendance.rooms.models import RoomStatusLog
from server.centre.models import Centre
from server.centre.timezones import centre_zone
from server.database import db

WIDTH, HEIGHT, PAD = 320, 90, 18
STATE_FILL = {"breach": "#f8d7da", "near_limit": "#fff3cd"}


@dataclass(frozen=True)
class Step:
    at: datetime
    state: str
    children: int
    caregivers: int


def day_steps(centre: Centre, room_id: int, now: datetime) -> tuple[datetime, datetime, list[Step]]:
    """The room's states from local midnight to now (the state at midnight carried in)."""
    tz = centre_zone(centre)
    start = datetime.combine(now.astimezone(tz).date(), time.min, tzinfo=tz)
    before = db.session.execute(
        select(RoomStatusLog).where(RoomStatusLog.room_id == room_id, RoomStatusLog.at < start)
        .order_by(RoomStatusLog.at.desc(), RoomStatusLog.id.desc()).limit(1)).scalar_one_or_none()
    rows = db.session.execute(
        select(RoomStatusLog).where(RoomStatusLog.room_id == room_id, RoomStatusLog.at >= start,
                                    RoomStatusLog.at <= now).order_by(RoomStatusLog.at, RoomStatusLog.id)).scalars()
    steps = [Step(start, before.state, before.children, before.caregivers)] if before else []
    steps += [Step(r.at, r.state, r.children, r.caregivers) for r in rows]
    return start, now, steps


def timeline_svg(start: datetime, end: datetime, steps: list[Step], *, per_caregiver: float, title: str) -> str:
    """An accessible SVG: a title for screen readers, hour ticks, the two step lines and state bands."""
    span = max((end - start).total_seconds(), 60.0)
    top = max([s.children for s in steps] + [int(s.caregivers * per_caregiver) for s in steps] + [5])

    def x(at: datetime) -> float:
        return PAD + (WIDTH - 2 * PAD) * max(0.0, (at - start).total_seconds()) / span

    def y(value: float) -> float:
        return HEIGHT - PAD - (HEIGHT - 2 * PAD) * value / top

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" class="timeline">',
             f"<title>{escape(title)}</title>"]
    for index, step in enumerate(steps):
        stop = steps[index + 1].at if index + 1 < len(steps) else end
        if step.state in STATE_FILL:
            parts.append(f'<rect x="{x(step.at):.1f}" y="{PAD}" width="{max(x(stop) - x(step.at), 1):.1f}" '
                         f'height="{HEIGHT - 2 * PAD}" fill="{STATE_FILL[step.state]}" data-state="{step.state}"/>')
    parts.append(_step_path(steps, end, x, y, lambda s: s.children, 'stroke="#1d4f91" stroke-width="2"',
                            "children"))
    parts.append(_step_path(steps, end, x, y, lambda s: s.caregivers * per_caregiver,
                            'stroke="#2e7d32" stroke-width="1.5" stroke-dasharray="4 3"', "allowed"))
    hour = start.replace(minute=0, second=0, microsecond=0)
    while hour <= end:
        if hour >= start and hour.hour % 3 == 0:
            parts.append(f'<text x="{x(hour):.1f}" y="{HEIGHT - 4}" font-size="8" text-anchor="middle">'
                         f"{hour.hour:02d}</text>")
        hour += timedelta(hours=1)
    parts.append(f'<text x="2" y="{y(top) + 3:.1f}" font-size="8">{top}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _step_path(steps: list[Step], end: datetime, x, y, value, style: str, name: str) -> str:  # type: ignore[no-untyped-def]
    if not steps:
        return ""
    points = []
    for index, step in enumerate(steps):
        stop = steps[index + 1].at if index + 1 < len(steps) else end
        points.append(f"{x(step.at):.1f},{y(value(step)):.1f} {x(stop):.1f},{y(value(step)):.1f}")
    return f'<polyline fill="none" {style} data-series="{name}" points="{" ".join(points)}"/>'
