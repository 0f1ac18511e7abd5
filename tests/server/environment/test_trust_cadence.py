"""Replayed minute by minute at the scheduler's cadence: each minute the agent posts its reading through the device
API, the clock moves one minute and the environment job fires as `tuoyu scheduler run` fires it.

A window mean counts only on enough data (GB 3095—2012 表4, from the rulebook), and a stuck sensor's fault wins
over the exceedance its stuck values produced.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from compliance import ComplianceInputs, Period, effective_rulebook
from compliance.evaluators.environment import evaluate_environment
from server.alerts.models import Alert
from server.audit.models import AuditEntry
from server.centre.records import centre_record
from server.database import db
from server.environment.models import Exceedance, ExceedanceWithdrawal, Series, StuckRun
from server.environment.operations.alerting import SENSOR_FAULT_RESOLUTION
from server.environment.registers import EXCEEDANCE_REGISTER, MONTHLY_SUMMARY, environment_evidence
from tests.server.environment.helpers import Scheduler
from tests.sessions import log_in

RULES = effective_rulebook(None, None, date(2026, 9, 7))
PERIOD = Period(date(2026, 9, 1), date(2026, 9, 7))
FRIDGE = "fridge-sample"


def _live(ppm: float, minute: int) -> float:
    """A working sensor's reading: its value moves by a little from one minute to the next."""
    return ppm + (1.0 if minute % 2 else -1.0)


def _exceedance_alerts() -> list[Alert]:
    return list(db.session.execute(select(Alert).where(Alert.kind == "environment.exceedance")
                                   .order_by(Alert.id)).scalars())


def _stuck_alerts() -> list[Alert]:
    return [a for a in db.session.execute(select(Alert).where(Alert.kind == "sensor.fault").order_by(Alert.id))
            .scalars() if a.subject.get("fault") == "stuck"]


def _state(client, site, quantity: str, point: str | None = None) -> str:
    cards = client.get("/api/v1/centres/alpha/environment", headers=site.director.headers).get_json()["items"]
    [card] = [c for c in cards if c["point"] == (point or site.point)]
    [value] = [v for v in card["values"] if v["quantity"] == quantity]
    return value["state"]


def _minute(app, site, client, clock, scheduler: Scheduler, event) -> None:
    """The agent's reading of this minute arrives; a minute later the job fires."""
    assert site.post(client, event).status_code == 200
    clock.advance(minutes=1)
    scheduler.fire()


def _fridge(site, clock, celsius: float | None):
    if celsius is None:
        return site.reading(clock.now(), location=FRIDGE, sensor="fridge-a", model="DS18B20", status="fault",
                            fault="stuck")
    return site.reading(clock.now(), {"fridge_c": celsius}, location=FRIDGE, sensor="fridge-a", model="DS18B20")


# ---- a window is judged only on enough data -------------------------------------------------------------------

def test_twenty_minutes_high_then_forty_low_is_never_an_exceedance(app, site, client, clock):
    # True hourly mean 933 ppm, under the 1 000 limit; the first 30 minutes alone average 1 067.
    scheduler, states = Scheduler(app), []
    for minute in range(60):
        ppm = _live(1200.0 if minute < 20 else 800.0, minute)
        _minute(app, site, client, clock, scheduler, site.reading(clock.now(), {"co2_ppm": ppm}))
        assert (db.session.execute(select(Exceedance)).scalars().all(), _exceedance_alerts()) == ([], [])
        assert db.session.execute(select(Series.open_rule_id)).scalar_one() is None
        states.append(_state(client, site, "co2_ppm"))
    assert states == ["insufficient_data"] * 44 + ["ok"] * 16  # judged from the 45th minute of data on


def test_a_window_short_of_data_is_shown_as_insufficient_on_the_page(app, site, client, clock):
    site.co2_series(client, clock.now() - timedelta(minutes=30), 30, 1200.0, spread=1.0)
    Scheduler(app).fire()
    log_in(client, "director")
    html = client.get("/centres/alpha/environment").get_data(as_text=True)
    assert f'data-point="{site.point}" data-state="insufficient_data"' in html
    assert "数据不足" in html and "Insufficient data" not in html  # Chinese first, through the catalogue
    assert "1小时均值至少需要 45 分钟数据" in html and "20 个有效小时均值" in html  # the rulebook's figures


# ---- a stuck sensor's fault wins ------------------------------------------------------------------------------

def _stick_after_an_hour(app, site, client, clock) -> dict:
    """An hour of live readings at about 990 ppm, then the sensor sticks at 1 500 ppm for a quarter of an hour."""
    scheduler, start, opened = Scheduler(app), clock.now(), []
    for minute in range(75):
        ppm = _live(990.0, minute) if minute < 60 else 1500.0
        _minute(app, site, client, clock, scheduler, site.reading(clock.now(), {"co2_ppm": ppm}))
        series = db.session.execute(select(Series)).scalar_one()
        opened.append(series.open_rule_id is not None)
    return {"start": start, "opened": opened}


def test_an_exceedance_a_stuck_value_opened_is_withdrawn_when_the_fault_is_recognised(app, site, client, clock):
    run = _stick_after_an_hour(app, site, client, clock)
    start = run["start"]
    # Two stuck minutes lift the 1-h mean over 1 000; the ninth equal reading (CO2's figure) is the fault.
    assert run["opened"] == [False] * 61 + [True] * 7 + [False] * 7
    [row] = db.session.execute(select(Exceedance)).scalars().all()
    [withdrawal] = db.session.execute(select(ExceedanceWithdrawal)).scalars().all()
    [stuck] = db.session.execute(select(StuckRun)).scalars().all()
    assert (row.started_at, row.ended_at, row.worst_mean > 1000) == (
        start + timedelta(minutes=62), start + timedelta(minutes=69), True)  # kept as recorded
    assert (withdrawal.exceedance_id, withdrawal.reason, withdrawal.fault, withdrawal.withdrawn_at,
            withdrawal.stuck_run_id) == (row.id, "sensor_fault", "stuck", start + timedelta(minutes=69), stuck.id)
    assert (stuck.value, stuck.started_at, stuck.source, stuck.ended_at) == (
        1500.0, start + timedelta(minutes=60), "server", None)
    assert _state(client, site, "co2_ppm") == "fault"


def test_the_withdrawn_exceedance_alert_is_resolved_as_a_sensor_fault(app, site, client, clock):
    start = _stick_after_an_hour(app, site, client, clock)["start"]
    [alert] = _exceedance_alerts()
    assert (alert.opened_at, alert.resolved_at) == (start + timedelta(minutes=62), start + timedelta(minutes=69))
    actions = db.session.execute(select(AuditEntry.action).where(
        AuditEntry.object_type == "alert", AuditEntry.object_id == str(alert.id)).order_by(AuditEntry.seq)
    ).scalars().all()
    assert actions == ["alert.open", SENSOR_FAULT_RESOLUTION]
    [fault] = _stuck_alerts()
    assert (fault.opened_at, fault.resolved_at, fault.subject["quantity"]) == (
        start + timedelta(minutes=69), None, "co2_ppm")


def test_a_withdrawn_exceedance_is_in_no_register_list_or_evidence(app, site, client, clock):
    _stick_after_an_hour(app, site, client, clock)
    [alert] = _exceedance_alerts()
    record = centre_record(site.centre)
    assert list(EXCEEDANCE_REGISTER.rows(record, PERIOD)) == []
    # No minute out of limits, and the stuck minutes are no data: the month's maximum is a live reading.
    assert [(row[6], row[7], row[8]) for row in MONTHLY_SUMMARY.rows(record, PERIOD)] == [("991", 60, "0")]
    assert alert.id not in [a.id for a in environment_evidence(site.centre, PERIOD).alerts]
    listed = client.get("/api/v1/centres/alpha/environment/exceedances", headers=site.director.headers).get_json()
    assert listed["items"] == []
    everything = client.get("/api/v1/centres/alpha/environment/exceedances?withdrawn=true",
                            headers=site.director.headers).get_json()["items"]
    assert [(x["alert_id"], x["withdrawal_reason"], x["withdrawal_fault"]) for x in everything] == [
        (alert.id, "sensor_fault", "stuck")]


def test_a_fridge_sensor_stuck_warm_is_withdrawn_after_an_hour_and_no_finding_counts_it(app, site, client, clock):
    # The 30-min mean is valid at 23 minutes (opens there); a DS18B20 holding one step for 60 readings is stuck.
    scheduler, start = Scheduler(app), clock.now()
    for _minute_ in range(60):
        _minute(app, site, client, clock, scheduler, _fridge(site, clock, 12.0))
        if _minute_ == 22:
            assert db.session.execute(select(Series.open_started_at)).scalar_one() == start + timedelta(minutes=23)
    [alert] = _exceedance_alerts()
    [row] = db.session.execute(select(Exceedance)).scalars().all()
    assert (alert.opened_at, alert.resolved_at) == (start + timedelta(minutes=23), start + timedelta(minutes=60))
    assert db.session.execute(select(ExceedanceWithdrawal.exceedance_id)).scalar_one() == row.id
    # Open 37 min unacknowledged: had it counted, it would be a late acknowledgement.
    inputs = ComplianceInputs(centre=centre_record(site.centre), environment=environment_evidence(site.centre, PERIOD))
    findings = evaluate_environment(inputs, RULES, PERIOD)
    [fault] = _stuck_alerts()
    assert [f.evidence for f in findings if f.rule_id == "environment.alert_acknowledgement"] == [
        (f"alert:{fault.id}",)]  # the sensor fault's own alert, not yet acknowledged
    assert list(EXCEEDANCE_REGISTER.rows(centre_record(site.centre), PERIOD)) == []


def test_the_agents_stuck_fault_withdraws_the_exceedance_its_last_values_opened(app, site, client, clock):
    # The agent calls 60 equal raw samples stuck: the server gets 59 equal values, then fault readings.
    scheduler, start = Scheduler(app), clock.now()
    for minute in range(62):
        _minute(app, site, client, clock, scheduler, _fridge(site, clock, 12.0 if minute < 59 else None))
        if minute == 58:
            assert db.session.execute(select(Series.open_rule_id)).scalar_one() == "environment.fridge"
    [stuck] = db.session.execute(select(StuckRun)).scalars().all()
    [fault] = db.session.execute(select(Alert).where(Alert.kind == "sensor.fault")).scalars().all()
    assert (stuck.source, stuck.started_at, stuck.recognised_at, stuck.fault_alert_id) == (
        "agent", start, start + timedelta(minutes=60), fault.id)
    assert fault.dedupe_key.startswith("sensor:")  # the agent's alert says it; no second one
    assert db.session.execute(select(ExceedanceWithdrawal)).scalars().all() != []
    assert [a.resolved_at for a in _exceedance_alerts()] == [start + timedelta(minutes=60)]
    assert db.session.execute(select(Series.open_rule_id)).scalar_one() is None


def test_a_sensor_stuck_from_the_start_and_then_freed_never_makes_an_exceedance(app, site, client, clock):
    scheduler, start, states = Scheduler(app), clock.now(), []
    for minute in range(80):
        ppm = 1500.0 if minute < 30 else _live(600.0, minute)
        _minute(app, site, client, clock, scheduler, site.reading(clock.now(), {"co2_ppm": ppm}))
        assert (db.session.execute(select(Exceedance)).scalars().all(), _exceedance_alerts()) == ([], [])
        states.append(_state(client, site, "co2_ppm"))
    # Fault from the ninth equal reading; once freed, the stuck minutes are no data: 45 live minutes are needed.
    assert states == ["insufficient_data"] * 8 + ["fault"] * 22 + ["insufficient_data"] * 44 + ["ok"] * 6
    [stuck] = db.session.execute(select(StuckRun)).scalars().all()
    [fault] = _stuck_alerts()
    assert (stuck.started_at, stuck.ended_at) == (start, start + timedelta(minutes=30))
    assert (fault.opened_at, fault.resolved_at) == (start + timedelta(minutes=9), start + timedelta(minutes=31))


def test_a_real_exceedance_is_kept_when_the_sensor_sticks_later(app, site, client, clock):
    # The exceedance opened on live readings before the run began: the fault does not undo it.
    scheduler = Scheduler(app)
    for minute in range(70):
        ppm = _live(1300.0, minute) if minute < 55 else 1300.0
        _minute(app, site, client, clock, scheduler, site.reading(clock.now(), {"co2_ppm": ppm}))
    assert db.session.execute(select(StuckRun.started_at)).scalar_one() is not None
    assert db.session.execute(select(ExceedanceWithdrawal)).scalars().all() == []
    [alert] = _exceedance_alerts()
    assert alert.resolved_at is None
    assert db.session.execute(select(Series.open_rule_id)).scalar_one() == "environment.co2"
