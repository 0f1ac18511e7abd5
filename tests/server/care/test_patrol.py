"""The nap patrol minute by minute with the injected clock: due (the tablet), overdue a minute later (the job's
alert to the director), one alert per nap and due time, resolved by itself when the check comes or the nap ends.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from compliance.care import SleepPosition, patrol_interval
from server.alerts.models import Alert
from server.alerts.operations import open_alerts
from server.auth.actor import Actor
from server.care.board import child_states
from server.care.jobs import NAP_PATROL, PATROLLED_FOR, patrol_all, still_overdue
from server.care.operations.naps import end_nap, record_nap_check, start_nap
from server.centre.rules import effective_rules
from server.centre.timezones import centre_zone
from server.database import db
from server.scheduling.operations import run_once
from tests.server.care.conftest import TODAY

SYSTEM = Actor.system()


@pytest.fixture
def interval(care_world) -> int:  # type: ignore[no-untyped-def]
    """The rulebook's patrol interval of the centre today, in whole minutes (the test follows the rulebook)."""
    figure = patrol_interval(effective_rules(care_world["alpha"], TODAY))
    assert figure is not None and figure.total_seconds() % 60 == 0
    return int(figure.total_seconds() // 60)


def _patrol_alerts(resolved: bool | None = False) -> list[Alert]:
    stmt = select(Alert).where(Alert.kind == "care.nap_patrol").order_by(Alert.id)
    if resolved is not None:
        stmt = stmt.where(Alert.resolved_at.is_not(None) if resolved else Alert.resolved_at.is_(None))
    return list(db.session.scalars(stmt))


def _tick(clock, minutes: int = 1) -> None:  # type: ignore[no-untyped-def]
    clock.advance(minutes=minutes)
    patrol_all(clock.now())


def test_minute_by_minute_due_overdue_escalated_and_resolved_by_the_check(app, care_world, clock, interval):
    child = care_world["child"]
    nap = start_nap(child, actor=SYSTEM, now=clock.now())
    started = clock.now()
    due = started + timedelta(minutes=interval)
    for minute in range(1, interval):  # before the interval is up: nothing due yet
        _tick(clock)
        state = child_states([child.id], clock.now())[child.id]
        assert state.next_check_due == due and not state.check_overdue, minute
    _tick(clock)  # the interval is up: due now — the tablet announces it, no alert yet
    assert clock.now() == due
    assert not child_states([child.id], clock.now())[child.id].check_overdue
    assert _patrol_alerts() == []
    _tick(clock)  # a minute later: overdue → the director's alert
    assert child_states([child.id], clock.now())[child.id].check_overdue
    [alert] = _patrol_alerts()
    assert alert.severity == "urgent" and alert.subject["nap"] == nap.id and alert.subject["child"] == child.id
    local_due = due.astimezone(centre_zone(care_world["alpha"])).strftime("%H:%M")
    assert "午睡巡查超时" in alert.message_zh and local_due in alert.message_zh
    director_sees = open_alerts(care_world["alpha"].id, actor=SYSTEM, now=clock.now())
    assert alert in director_sees
    for _ in range(5):  # still overdue: the same one alert, not a flood
        _tick(clock)
    assert _patrol_alerts() == [alert] and still_overdue(alert)
    record_nap_check(nap, position=SleepPosition.BACK, actor=SYSTEM, now=clock.now())  # the check comes
    assert alert.resolved_at == clock.now() and _patrol_alerts() == []
    assert not still_overdue(alert)
    checked = clock.now()
    for _ in range(interval):
        _tick(clock)
    assert _patrol_alerts() == []  # due again at check + interval: not yet overdue
    _tick(clock)
    [second] = _patrol_alerts()  # a new due time: a new alert
    assert second.id != alert.id and second.subject["due"].startswith(
        (checked + timedelta(minutes=interval)).strftime("%Y-%m-%dT%H:%M"))
    end_nap(nap, actor=SYSTEM, now=clock.now())  # the nap ends: resolved at once
    assert second.resolved_at == clock.now()
    _tick(clock)
    assert _patrol_alerts() == []


def test_the_job_resolves_an_alert_whose_condition_ended(app, care_world, clock, interval):
    nap = start_nap(care_world["child"], actor=SYSTEM, now=clock.now())
    _tick(clock, interval + 1)
    [alert] = _patrol_alerts()
    # A check recorded another way (a late offline delivery) without the operation's resolution: the job catches up.
    from server.care.models import NapCheck

    db.session.add(NapCheck(centre_id=nap.centre_id, nap_id=nap.id, at=clock.now(), position=SleepPosition.SIDE,
                            breathing_ok=True, colour_ok=True, action="", recorded_at=clock.now()))
    db.session.flush()
    _tick(clock)
    assert alert.resolved_at is not None


def test_a_late_check_older_than_the_last_leaves_the_alert_open(app, care_world, clock, interval):
    nap = start_nap(care_world["child"], actor=SYSTEM, now=clock.now())
    _tick(clock, interval + 5)
    [alert] = _patrol_alerts()
    # A queued check from minute 2: due again at minute 2 + interval, still overdue at interval + 5.
    record_nap_check(nap, position=SleepPosition.BACK, at=clock.now() - timedelta(minutes=interval + 3), actor=SYSTEM,
                     now=clock.now())
    [new] = _patrol_alerts()
    assert new.id != alert.id and alert.resolved_at is not None  # the old due time's alert gave way


def test_nobody_may_resolve_it_by_hand_while_overdue(client, care_world, clock, interval):
    nap = start_nap(care_world["child"], actor=SYSTEM, now=clock.now())
    _tick(clock, interval + 1)
    [alert] = _patrol_alerts()
    db.session.commit()
    refused = client.post(f"/api/v1/alerts/{alert.id}/resolve", headers=care_world["director"].headers)
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "still_in_breach"
    record_nap_check(nap, position=SleepPosition.BACK, actor=SYSTEM, now=clock.now())
    db.session.commit()
    assert _patrol_alerts() == []


def test_the_scheduled_job_runs_once_a_minute(app, care_world, clock, interval):
    start_nap(care_world["child"], actor=SYSTEM, now=clock.now())
    db.session.commit()
    assert NAP_PATROL.cron == {"minute": "*"}
    clock.advance(minutes=interval + 1)
    assert run_once(NAP_PATROL, now=clock.now()) is True
    assert run_once(NAP_PATROL, now=clock.now()) is False  # the same minute's slot is taken
    assert len(_patrol_alerts()) == 1
    assert NAP_PATROL in app.extensions["tuoyu.jobs"]
    assert app.extensions["tuoyu.alert_conditions"]["care.nap_patrol"] is still_overdue


def test_a_nap_forgotten_for_hours_stops_alerting(app, care_world, clock, interval):
    start_nap(care_world["child"], actor=SYSTEM, now=clock.now())
    _tick(clock, interval + 1)
    [alert] = _patrol_alerts()
    _tick(clock, int(PATROLLED_FOR.total_seconds() // 60))
    assert alert.resolved_at is not None and _patrol_alerts() == []


def test_resolved_as_the_alerts_own_resolution_acknowledged_or_not(app, care_world, clock, interval):
    """The system resolves through `server.alerts.operations.resolve`: who acknowledged is kept; an alert nobody
    acknowledged counts as acknowledged when it resolves, as for any alert."""
    from server.alerts.operations import acknowledge
    from server.audit.models import AuditEntry
    from server.auth.operations import actor_for

    first = start_nap(care_world["child"], actor=SYSTEM, now=clock.now())
    second = start_nap(care_world["sister"], actor=SYSTEM, now=clock.now())
    _tick(clock, interval + 1)
    taken, ignored = sorted(_patrol_alerts(), key=lambda a: a.subject["nap"] != first.id)
    director = care_world["director"]
    acknowledge(taken, actor=actor_for(director.user, lambda _: frozenset()), now=clock.now())
    acknowledged_at = clock.now()
    clock.advance(minutes=2)
    record_nap_check(first, position=SleepPosition.BACK, actor=SYSTEM, now=clock.now())
    end_nap(second, actor=SYSTEM, now=clock.now())
    assert (taken.acknowledged_at, taken.acknowledged_by_id) == (acknowledged_at, director.user.id)
    assert (ignored.acknowledged_at, ignored.acknowledged_by_id) == (clock.now(), None)
    assert taken.resolved_at == ignored.resolved_at == clock.now() and ignored.resolved_by_id is None
    actions = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.object_type == "alert", AuditEntry.object_id.in_([str(taken.id), str(ignored.id)]))).all()
    assert sorted(actions) == ["alert.acknowledge", "alert.open", "alert.open", "alert.resolve", "alert.resolve"]


def test_the_minute_job_reads_the_open_alerts_once_not_nap_by_nap(app, care_world, clock, interval):
    from sqlalchemy import event

    from tests.factories import make_child

    alpha, room = care_world["alpha"], care_world["room"]
    children = [care_world["child"], care_world["sister"],
                *(make_child(alpha, clock.now(), room=room, name=f"孩子{i}") for i in range(3))]

    def statements_of_a_tick() -> list[str]:
        seen: list[str] = []

        def listen(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
            seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", listen)
        try:
            _tick(clock)
        finally:
            event.remove(db.engine, "before_cursor_execute", listen)
        return seen

    start_nap(children[0], actor=SYSTEM, now=clock.now())
    _tick(clock, interval + 1)
    one = statements_of_a_tick()  # one nap overdue, its alert open
    for child in children[1:]:
        start_nap(child, at=clock.now() - timedelta(minutes=interval + 1), actor=SYSTEM, now=clock.now())
    _tick(clock)
    assert len(_patrol_alerts()) == len(children)
    five = statements_of_a_tick()  # five naps overdue, five alerts open
    assert len(_patrol_alerts()) == len(children)
    assert len(five) == len(one) and not any(" LIKE " in s.upper() for s in five)
