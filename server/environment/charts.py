"""Server-side SVG line charts with the limit band: no JavaScript, no CDN, printable."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from flask_babel import gettext
from markupsafe import Markup

from server.environment.operations.queries import ChartPoint

WIDTH, HEIGHT = 640, 180
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 22, 26


def _fmt(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") if abs(value) < 10 else f"{value:.0f}"


def _y_range(points: Sequence[ChartPoint], lower: float | None, upper: float | None) -> tuple[float, float]:
    values = [p.mean for p in points] + [v for v in (lower, upper) if v is not None]
    if not values:
        return 0.0, 1.0
    low, high = min(values), max(values)
    pad = (high - low) * 0.1 or abs(high) * 0.1 or 1.0
    return low - pad, high + pad


def _path(points: Sequence[ChartPoint], x: object, y: object, gap: timedelta) -> str:
    """An SVG path, broken where data is missing for longer than `gap`."""
    parts: list[str] = []
    previous: datetime | None = None
    for p in points:
        move = previous is None or p.at - previous > gap
        parts.append(f"{'M' if move else 'L'}{x(p.at):.1f},{y(p.mean):.1f}")  # type: ignore[operator]
        previous = p.at
    return " ".join(parts)


def line_chart(points: Sequence[ChartPoint], *, start: datetime, end: datetime, step: timedelta,
               lower: float | None, upper: float | None, title: str, unit: str, zone: ZoneInfo) -> Markup:
    """One parameter over [start, end]: its means as a line, the allowed band shaded, the limits dashed."""
    low, high = _y_range(points, lower, upper)
    span = (end - start).total_seconds() or 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(at: datetime) -> float:
        return LEFT + plot_w * (at - start).total_seconds() / span

    def y(value: float) -> float:
        return TOP + plot_h * (1 - (value - low) / (high - low))

    out = [f'<svg class="env-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
           f'role="img" aria-label="{escape(title)}">',
           f'<title>{escape(title)}</title>',
           f'<text x="{LEFT}" y="14" font-size="12">{escape(title)}（{escape(unit)}）</text>',
           f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#ccc"/>']
    if lower is not None or upper is not None:
        band_top = y(min(upper, high)) if upper is not None else TOP
        band_bottom = y(max(lower, low)) if lower is not None else TOP + plot_h
        out.append(f'<rect class="limit-band" x="{LEFT}" y="{band_top:.1f}" width="{plot_w}" '
                   f'height="{max(band_bottom - band_top, 0):.1f}" fill="#2e7d32" fill-opacity="0.12"/>')
        for value in (v for v in (lower, upper) if v is not None):
            out.append(f'<line class="limit" x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
                       f'stroke="#c62828" stroke-dasharray="4 3"/>'
                       f'<text x="{LEFT - 4}" y="{y(value) + 4:.1f}" font-size="10" text-anchor="end" '
                       f'fill="#c62828">{_fmt(value)}</text>')
    for value in (low, high):
        out.append(f'<text x="{LEFT - 4}" y="{y(value) + 4:.1f}" font-size="10" text-anchor="end" '
                   f'fill="#666">{_fmt(value)}</text>')
    for i in range(5):
        at = start + (end - start) * i / 4
        label = at.astimezone(zone).strftime("%H:%M" if end - start <= timedelta(days=1) else "%m-%d")
        out.append(f'<text x="{x(at):.1f}" y="{HEIGHT - 8}" font-size="10" text-anchor="middle" '
                   f'fill="#666">{label}</text>')
    if points:
        out.append(f'<path class="series" d="{_path(points, x, y, step * 3)}" fill="none" stroke="#1d4f91" '
                   f'stroke-width="1.5"/>')
    else:
        out.append(f'<text x="{LEFT + plot_w / 2}" y="{TOP + plot_h / 2}" text-anchor="middle" font-size="12" '
                   f'fill="#999">{escape(gettext("No data"))}</text>')
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704 - every interpolated text is escaped above
