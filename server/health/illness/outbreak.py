"""The outbreak alert (聚集性疫情): ≥ N cases of one disease in one class within D days (`health.outbreak`).

`compliance.health.outbreaks` with the effective rulebook's figures decides; this module turns a standing
outbreak into one alert of kind `health.outbreak` per class and disease (its dedupe key), raised right after a
case is recorded or corrected and by the daily job, and resolved by the system once the window has passed.
Its condition (`outbreak_holds`, listed by the app factory in `tuoyu.alert_conditions`) keeps anyone from
resolving it while the outbreak stands. The alert names the class and the count, never the disease: alerts
are read by every member of staff, disease names only with HEALTH_READ (the 表4 page shows it).
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta

from sqlalchemy import select

from compliance.health import Outbreak, disease_key, outbreak_figures, outbreaks
from server.alerts.models import Alert
from server.alerts.operations import raise_alert, resolve
from server.auth.actor import Actor
from server.centre.models import Centre, Room
from server.centre.rules import effective_rules
from server.centre.timezones import centre_today
from server.clock import utcnow
from server.database import db
from server.health.illness.cases import current_cases

OUTBREAK_KIND = "health.outbreak"


def outbreak_key(class_id: object, disease: str) -> str:
    """The alert's dedupe key: one open alert per class and disease (the disease only as a digest)."""
    digest = hashlib.sha256(disease_key(disease).encode()).hexdigest()[:16]
    return f"{OUTBREAK_KIND}:{class_id}:{digest}"


def standing_outbreaks(centre: Centre, day: date) -> list[Outbreak]:
    """The outbreaks standing on `day` (centre-local) by the rulebook in force that day."""
    rules = effective_rules(centre, day)
    figures = outbreak_figures(rules)
    if figures is None:
        return []
    views = current_cases(centre.id, onset_from=day - timedelta(days=figures[1] - 1), onset_to=day)
    return outbreaks([v.record for v in views], day, rules)


def raise_outbreak_alerts(centre: Centre, *, day: date, now: datetime) -> list[Alert]:
    """One alert per standing outbreak (an open one for the same class and disease is kept, not repeated)."""
    figures = outbreak_figures(effective_rules(centre, day))
    raised = []
    for outbreak in standing_outbreaks(centre, day):
        assert figures is not None
        room = db.session.get(Room, outbreak.class_id) if isinstance(outbreak.class_id, int) else None
        where_zh, where_en = (room.name, room.name) if room else ("未分班幼儿", "children without a class")
        count, days = len({c.child_id for c in outbreak.cases}), figures[1]
        zh = (f"{where_zh} {days} 天内有 {count} 名幼儿患同一种传染病（聚集性疫情）：请查看表4，按规定上报，"
              f"加强晨午检和消毒")
        en = (f"{where_en}: {count} children with one infectious disease within {days} days (outbreak): see 表4, "
              f"report it, step up the health checks and disinfection")
        raised.append(raise_alert(centre.id, kind=OUTBREAK_KIND, severity="urgent",
                                  dedupe_key=outbreak_key(outbreak.class_id, outbreak.disease), message_zh=zh,
                                  message_en=en, subject={"room": outbreak.class_id,
                                                          "cases": [c.id for c in outbreak.cases]}, now=now))
    return raised


def _holds(alert: Alert, centre: Centre, day: date) -> bool:
    return any(outbreak_key(o.class_id, o.disease) == alert.dedupe_key for o in standing_outbreaks(centre, day))


def outbreak_holds(alert: Alert) -> bool:
    """The alert condition: the alert's outbreak still stands today (its class and disease, within the window)."""
    centre = db.session.get(Centre, alert.centre_id)
    if centre is None:
        return False
    return _holds(alert, centre, centre_today(centre, utcnow()))


def close_ended_outbreaks(centre: Centre, *, day: date, now: datetime) -> list[Alert]:
    """Resolve (as the system) the open outbreak alerts whose outbreak no longer stands on `day`."""
    ended = []
    for alert in db.session.execute(select(Alert).where(
            Alert.centre_id == centre.id, Alert.kind == OUTBREAK_KIND, Alert.resolved_at.is_(None))
            .order_by(Alert.id)).scalars().all():
        if not _holds(alert, centre, day):
            ended.append(resolve(alert, actor=Actor.system(), now=now))
    return ended


def after_case_change(centre: Centre, *, now: datetime) -> list[Alert]:
    """Right after a case is recorded or corrected: raise what stands today, close what a correction ended."""
    day = centre_today(centre, now)
    close_ended_outbreaks(centre, day=day, now=now)
    return raise_outbreak_alerts(centre, day=day, now=now)
