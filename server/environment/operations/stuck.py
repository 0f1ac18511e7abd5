"""Stuck sensors: a flat line that the sensor kind's own noise makes implausible, or the agent's `stuck` fault.

A series' newest readings are a stuck run once `flat_readings` of them in a row are equal (the sensor-kind table,
`devices.wire.readings.QUANTITY_KINDS`), or once the agent that sent its newest value reports that sensor `stuck`. Then
the fault wins over whatever the stuck values looked like:

* the run is kept (`env_stuck_run`, from its first equal reading): its minutes are no data for any window mean,
  now and whenever the span is judged again;
* every exceedance of the series that opened after the run began (its opening mean rested on stuck values) is
  withdrawn by an appended correction (`env_exceedance_withdrawal`; the exceedance row stays as recorded), the
  open one first appended as it stands; an alert of theirs still open is resolved as a sensor fault;
* a `sensor.fault` alert (fault `stuck`) says so, unless the agent's own fault alert already does.

The run ends (`ended_at`, set once) at the first minute whose values differ; its stuck alert then resolves.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select

from devices.wire.readings import FaultCode, flat_readings
from server.alerts.models import Alert
from server.audit.operations import record_change
from server.database import db
from server.environment.models import (
    Exceedance,
    ExceedanceWithdrawal,
    MinuteRollup,
    Reading,
    ReadingSource,
    SensorState,
    Series,
    StuckRun,
)
from server.environment.operations.alerting import auto_resolve, open_alert, raise_sensor_alert, resolve_as_sensor_fault
from server.environment.operations.evaluate import append_exceedance, load_state, not_withdrawn, store_state
from server.environment.operations.rollup import floor_minute
from server.environment.operations.sensor_states import sensor_key, stuck_key

STUCK = FaultCode.STUCK.value
SENSOR_FAULT = "sensor_fault"  # the reason of a withdrawal
AgentStuck = dict[str, set[tuple[int, str]]]
"""point -> (device, sensor) of each sensor there that its agent reports stuck now."""


def _of_series(series: Series) -> tuple[ColumnElement[bool], ...]:
    return (MinuteRollup.centre_id == series.centre_id, MinuteRollup.point == series.point,
            MinuteRollup.quantity == series.quantity)


def _differs(value: float) -> ColumnElement[bool]:
    return or_(MinuteRollup.low != value, MinuteRollup.high != value)


def trailing_flat(series: Series, readings: int) -> tuple[float, datetime] | None:
    """(value, oldest minute looked at) when the series' newest `readings` readings are all one value."""
    rows = db.session.execute(
        select(MinuteRollup.at, MinuteRollup.n, MinuteRollup.low, MinuteRollup.high).where(*_of_series(series))
        .order_by(MinuteRollup.at.desc()).limit(readings)
    ).all()
    if not rows:
        return None
    value, count = rows[0].low, 0
    for row in rows:
        if row.low != value or row.high != value:
            return None
        count += row.n
        if count >= readings:
            return value, row.at
    return None


def run_start(series: Series, value: float, before: datetime) -> datetime:
    """The first minute of the run of `value` that reaches back from the minute `before`."""
    broken = db.session.execute(
        select(func.max(MinuteRollup.at)).where(*_of_series(series), MinuteRollup.at < before, _differs(value))
    ).scalar()
    first = select(func.min(MinuteRollup.at)).where(*_of_series(series))
    if broken is not None:
        first = first.where(MinuteRollup.at > broken)
    return db.session.execute(first).scalar_one()


def stuck_sensors(centre_id: int) -> AgentStuck:
    """Sensors whose agent's newest word is a `stuck` fault (no good sample since), by point."""
    rows = db.session.execute(
        select(SensorState.point, SensorState.device_pk, SensorState.sensor).where(
            SensorState.centre_id == centre_id, SensorState.last_fault == STUCK,
            or_(SensorState.last_ok_at.is_(None), SensorState.last_fault_at > SensorState.last_ok_at))
    ).all()
    stuck: AgentStuck = {}
    for point, device_pk, sensor in rows:
        stuck.setdefault(point, set()).add((device_pk, sensor))
    return stuck


def _agent_stuck_sensor(series: Series, agent_stuck: AgentStuck) -> tuple[int, str] | None:
    """The (device, sensor) that gave the series' newest value, if its agent now reports it stuck."""
    candidates = agent_stuck.get(series.point)
    if not candidates:
        return None
    newest = db.session.execute(
        select(ReadingSource.device_pk, Reading.sensor).join(ReadingSource, ReadingSource.id == Reading.source_id)
        .where(Reading.centre_id == series.centre_id, Reading.point == series.point,
               Reading.quantity == series.quantity, Reading.at >= series.last_at)
        .order_by(Reading.at.desc()).limit(1)
    ).first()
    return (newest.device_pk, newest.sensor) if newest and (newest.device_pk, newest.sensor) in candidates else None


def open_run(series: Series) -> StuckRun | None:
    return db.session.execute(
        select(StuckRun).where(StuckRun.centre_id == series.centre_id, StuckRun.point == series.point,
                               StuckRun.quantity == series.quantity, StuckRun.ended_at.is_(None))
        .order_by(StuckRun.id.desc()).limit(1)
    ).scalar_one_or_none()


def _audit_run(run: StuckRun, action: str, now: datetime) -> None:
    record_change(centre_id=run.centre_id, actor_id=None, actor_kind="system", action=action,
                  object_type="env_stuck_run", object_id=run.id, before=None,
                  after={"point": run.point, "quantity": run.quantity, "value": run.value,
                         "started_at": run.started_at, "recognised_at": run.recognised_at, "source": run.source,
                         "fault_alert_id": run.fault_alert_id, "ended_at": run.ended_at}, now=now)


def withdraw_exceedance(row: Exceedance, run: StuckRun, now: datetime) -> ExceedanceWithdrawal:
    """Withdraw an exceedance that a stuck sensor produced: one appended, audited correction; the row stays."""
    withdrawal = ExceedanceWithdrawal(exceedance_id=row.id, centre_id=row.centre_id, reason=SENSOR_FAULT, fault=STUCK,
                                      stuck_run_id=run.id, withdrawn_at=now)
    db.session.add(withdrawal)
    db.session.flush()
    record_change(centre_id=row.centre_id, actor_id=None, actor_kind="system", action="environment.exceedance_withdraw",
                  object_type="env_exceedance", object_id=row.id, before=None,
                  after={"reason": SENSOR_FAULT, "fault": STUCK, "stuck_run_id": run.id, "withdrawn_at": now}, now=now)
    alert = db.session.get(Alert, row.alert_id) if row.alert_id else None
    if alert is not None:
        resolve_as_sensor_fault(alert, now)
    return withdrawal


def withdraw_built_on(series: Series, run: StuckRun, now: datetime) -> list[Exceedance]:
    """Withdraw the series' exceedances that opened after the run began (the open one appended first)."""
    after_start = and_(Exceedance.centre_id == series.centre_id, Exceedance.point == series.point,
                       Exceedance.quantity == series.quantity, Exceedance.started_at > run.started_at)
    rows = list(db.session.execute(select(Exceedance).where(after_start, not_withdrawn())
                                   .order_by(Exceedance.started_at, Exceedance.id)).scalars())
    state = load_state(series)
    if state is not None and state.started_at > run.started_at:
        rows.append(append_exceedance(series, state, max(floor_minute(now), state.started_at), now))
        store_state(series, None)
    for row in rows:
        withdraw_exceedance(row, run, now)
    return rows


def _recognise(series: Series, agent_stuck: AgentStuck, now: datetime) -> StuckRun | None:
    needed = flat_readings(series.quantity)
    found = trailing_flat(series, needed) if needed else None
    source, fault_alert = "server", None
    if found is None:
        sensor = _agent_stuck_sensor(series, agent_stuck)
        if sensor is None:
            return None
        # The agent counted the equal raw samples; the values it sent before saying so are the run.
        found, source = trailing_flat(series, 1), "agent"
        fault_alert = open_alert(series.centre_id, sensor_key(*sensor))
        if found is None:
            return None
    value, oldest = found
    if source == "server":
        fault_alert = raise_sensor_alert(series.centre_id, dedupe_key=stuck_key(series.point, series.quantity),
                                         point=series.point, sensor=series.point, fault=STUCK,
                                         quantity=series.quantity, now=now)
    run = StuckRun(centre_id=series.centre_id, point=series.point, quantity=series.quantity, value=value,
                   started_at=run_start(series, value, oldest), recognised_at=now, source=source,
                   fault_alert_id=fault_alert.id if fault_alert else None)
    db.session.add(run)
    db.session.flush()
    _audit_run(run, "environment.stuck_run", now)
    withdraw_built_on(series, run, now)
    return run


def check_stuck(series: Series, *, agent_stuck: AgentStuck, now: datetime) -> StuckRun | None:
    """Recognise, keep or end the series' stuck run; the run going on now (its minutes are no data), or None."""
    run = open_run(series)
    if run is not None:
        ended = db.session.execute(
            select(func.min(MinuteRollup.at)).where(*_of_series(series), MinuteRollup.at >= run.started_at,
                                                    _differs(run.value))
        ).scalar()
        if ended is None:
            return run
        run.ended_at = ended
        db.session.flush()
        _audit_run(run, "environment.stuck_run_end", now)
        alert = db.session.get(Alert, run.fault_alert_id) if run.source == "server" and run.fault_alert_id else None
        if alert is not None:
            auto_resolve(alert, now)
        return None
    run = _recognise(series, agent_stuck, now)
    if run is None:
        # A stuck alert without a run (raised before runs were kept) ends when the values move.
        legacy = open_alert(series.centre_id, stuck_key(series.point, series.quantity))
        if legacy is not None:
            auto_resolve(legacy, now)
    return run
