"""Every minute: the nap patrol. An overdue check raises `care.nap_patrol` to the director; it resolves itself."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from server.alerts.models import Alert
from server.care.models import Nap
from server.care.operations.naps import PATROLLED_FOR, nap_states, open_naps
from server.care.operations.patrol_alerts import nap_of, open_alerts_by_nap, patrol_key, settle_patrol_alerts
from server.clock import utcnow
from server.database import db
from server.scheduling.operations import ScheduledJob

__all__ = ["NAP_PATROL", "PATROLLED_FOR", "patrol_all", "still_overdue"]


def patrol_all(now: datetime) -> None:
    """Every open nap of the last hours, and every nap an alert is still open for: alerts raised or resolved.

    The open alerts are read once for all naps (this runs every minute), never nap by nap.
    """
    naps = {nap.id: nap for nap in open_naps(now)}
    alerts = open_alerts_by_nap()
    alerted = set(alerts) - set(naps)
    if alerted:
        naps.update({nap.id: nap for nap in db.session.scalars(select(Nap).where(Nap.id.in_(alerted)))})
    for state in nap_states(sorted(naps.values(), key=lambda n: n.id), now):
        stale = state.nap.started_at <= now - PATROLLED_FOR
        settle_patrol_alerts(state.nap, state.next_check_due, state.overdue and not stale, now,
                             open_alerts=alerts.get(state.nap.id, []))
    db.session.flush()


def still_overdue(alert: Alert) -> bool:
    """The alert condition: the nap's check the alert is about has still not come (nor the nap ended)."""
    nap = db.session.get(Nap, nap_of(alert) or 0)
    if nap is None:
        return False
    state = nap_states([nap], utcnow())[0]
    return bool(state.overdue and state.next_check_due is not None
                and patrol_key(nap.id, state.next_check_due) == alert.dedupe_key)


NAP_PATROL = ScheduledJob("care.nap_patrol", run=patrol_all, cron={"minute": "*"}, slot_format="%Y-%m-%dT%H:%M")
