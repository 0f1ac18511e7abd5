"""The outbreak alert: two cases of one disease in one class within 7 days (rulebook), raised once, held while the
outbreak stands, checked by the hourly job's morning run day by day with the injected clock."""

from __future__ import annotations

import pytest
from flask import current_app
from sqlalchemy import select

from server.alerts.models import Alert
from server.alerts.operations import resolve
from server.database import db
from server.errors import Conflict
from server.health.illness.jobs import OUTBREAK_CHECK
from server.health.illness.operations import amend_case
from server.health.illness.outbreak import OUTBREAK_KIND
from server.scheduling.operations import run_once
from tests.factories import SYSTEM
from tests.server.health.illness.conftest import TODAY, days, report


def _alerts() -> list[Alert]:
    db.session.expire_all()
    return list(db.session.execute(select(Alert).where(Alert.kind == OUTBREAK_KIND).order_by(Alert.id)).scalars())


def test_the_second_case_in_a_class_raises_one_alert_without_the_disease_name(world, clock):
    now, (a, b, c) = clock.now(), world["kids"]
    report(a, now, onset=TODAY - days(6))
    assert _alerts() == []
    report(b, now, onset=TODAY)
    [alert] = _alerts()
    assert (alert.severity, alert.subject["room"], alert.resolved_at) == ("urgent", world["moon"].id, None)
    assert "小月亮班" in alert.message_zh and "手足口病" not in alert.message_zh + alert.message_en
    report(c, now, onset=TODAY - days(1), disease="手足口病 ")  # same disease (spaces do not count): same alert
    assert len(_alerts()) == 1


@pytest.mark.parametrize("second", [
    {"onset": TODAY - days(7)},  # 8 days apart: outside the 7-day window
    {"disease": "水痘"},  # another disease
    {"infectious": False, "disease": "手足口病"},  # not infectious
])
def test_no_alert_outside_the_rule(world, clock, second):
    now = clock.now()
    report(world["kids"][0], now, onset=TODAY)
    report(world["kids"][1], now, **second)
    assert _alerts() == []


def test_cases_in_two_classes_raise_nothing(world, clock):
    report(world["kids"][0], clock.now())
    report(world["other"], clock.now())
    assert _alerts() == []


def test_nobody_resolves_the_alert_while_the_outbreak_stands(world, clock):
    now = clock.now()
    report(world["kids"][0], now, onset=TODAY - days(1))
    report(world["kids"][1], now, onset=TODAY)
    [alert] = _alerts()
    conditions = current_app.extensions["tuoyu.alert_conditions"]
    with pytest.raises(Conflict) as refused:
        resolve(alert, actor=SYSTEM, now=now, conditions=conditions)
    assert refused.value.code == "still_in_breach"
    clock.advance(days=6)  # onsets D-1 and D: the window ending D+6 no longer holds D-1
    assert resolve(alert, actor=SYSTEM, now=clock.now(), conditions=conditions).resolved_at == clock.now()


def test_a_correction_that_ends_the_outbreak_closes_its_alert(world, clock):
    now = clock.now()
    report(world["kids"][0], now)
    second = report(world["kids"][1], now)
    amend_case(second, {"disease": "疱疹性咽峡炎"}, reason="诊断更正", actor=SYSTEM, now=now)
    [alert] = _alerts()
    assert alert.resolved_at == now


def test_the_daily_job_raises_and_closes_day_by_day(world, clock):
    now = clock.now()
    report(world["kids"][0], now, onset=TODAY - days(1))
    report(world["kids"][1], now, onset=TODAY)
    # As if recorded without the check (an import): the job must find the outbreak by itself.
    db.session.execute(Alert.__table__.delete())
    db.session.commit()
    clock.advance(hours=19, minutes=43)  # T0 is 09:30 in Shanghai: now 05:13 the next morning (D+1)
    assert run_once(OUTBREAK_CHECK, now=clock.now()) and _alerts() == []  # nothing before 06:00 local
    seen = []
    for _ in range(8):  # D+1 … D+8, each at 07:13 local: the hourly job's morning run
        clock.advance(hours=2)
        assert run_once(OUTBREAK_CHECK, now=clock.now())
        assert not run_once(OUTBREAK_CHECK, now=clock.now())  # one run per slot
        seen.append([a.resolved_at is None for a in _alerts()])
        clock.advance(hours=22)
    # onsets D-1 and D: the 7-day window holds both through D+5; on D+6 the system closes the alert
    assert seen == [[True]] * 5 + [[False]] * 3
