"""Live alerts for every open page: one stream per signed-in person, over the centres whose alerts they read.

`static/alerts.js` keeps the top bar's badge (`#alert-badge`) right from the `alerts` events and asks the
dashboard's alert list to re-render itself (htmx) when they change. The stream lives here, not in `alerts`:
`alerts` and `streams` are on one floor and import neither other.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence

from flask import Flask
from sqlalchemy import func, select

from server.alerts.models import Alert
from server.auth.actor import Actor
from server.auth.roles import Perm
from server.clock import utcnow
from server.database import db
from server.streams import OpenStreams, poll_stream


def alert_centres(actor: Actor) -> list[int]:
    """The centres whose alerts the actor reads now."""
    now = utcnow()
    return [c for c in actor.centre_ids(now) if actor.can(Perm.ALERTS_READ, c, now)]


def alert_events(app: Flask, centre_ids: Sequence[int], streams: OpenStreams) -> Iterator[str]:
    """An `alerts` event now and whenever an alert of these centres opens, is acknowledged or resolves."""
    ids = list(centre_ids)

    def marker() -> object:
        if not ids:
            return (0,)
        return tuple(db.session.execute(
            select(func.max(Alert.id), func.count(Alert.resolved_at), func.count(Alert.acknowledged_at),
                   func.max(Alert.resolved_at), func.max(Alert.acknowledged_at))
            .where(Alert.centre_id.in_(ids))).one())

    def message() -> str:
        return f"event: alerts\ndata: {json.dumps(open_alert_summary(ids))}\n\n"

    return poll_stream(app, streams, ("alerts", tuple(sorted(ids))), marker, message)


def open_alert_summary(centre_ids: Sequence[int]) -> dict[str, object]:
    """How many alerts are open and which (ids, most severe first), for the badge."""
    rows = db.session.execute(
        select(Alert.id, Alert.severity, Alert.acknowledged_at).where(Alert.centre_id.in_(list(centre_ids)), Alert.resolved_at.is_(None))
        .order_by(Alert.id)).all() if centre_ids else []
    urgent = any(severity in ("urgent", "emergency") for _, severity, _ in rows)
    return {"count": len(rows), "ids": [row_id for row_id, _, _ in rows], "urgent": urgent,
            "acknowledged": [row_id for row_id, _, acknowledged_at in rows if acknowledged_at is not None]}
