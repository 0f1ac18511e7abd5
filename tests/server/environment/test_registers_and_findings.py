"""The pack's environment registers, and findings for late acknowledgement and rooms without data."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from compliance import ComplianceInputs, Period, Severity, effective_rulebook
from compliance.evaluators.environment import evaluate_environment
from compliance.records import EnvironmentAlertRecord, EnvironmentEvidence, MonitoredRoomRecord
from server.centre.records import centre_record
from server.environment.registers import EXCEEDANCE_REGISTER, MONTHLY_SUMMARY, environment_evidence
from tests.server.environment.helpers import run_evaluation

RULES = effective_rulebook(None, None, date(2026, 9, 7))
PERIOD = Period(date(2026, 9, 1), date(2026, 9, 7))
OPENED = datetime(2026, 9, 3, 2, 0, tzinfo=UTC)


def _inputs(site, evidence: EnvironmentEvidence) -> ComplianceInputs:
    return ComplianceInputs(centre=centre_record(site.centre), environment=evidence)


def test_a_closed_exceedance_is_a_register_row_with_its_alert_durations(app, site, client, clock):
    start = clock.now() - timedelta(minutes=70)
    site.co2_series(client, start, 70, 1300.0, spread=1.0)
    run_evaluation(app, clock.now())
    clock.advance(minutes=60)
    site.co2_series(client, start + timedelta(minutes=70), 60, 500.0, spread=1.0)
    run_evaluation(app, clock.now())
    [row] = list(EXCEEDANCE_REGISTER.rows(centre_record(site.centre), PERIOD))
    assert row[:5] == ("小月亮班", "二氧化碳", "environment.co2", "≤ 1000 ppm", 60)
    assert row[7] == "1300"
    assert row[11] == "" and row[12] == "60"  # never acknowledged; resolved by itself after an hour


def test_the_monthly_summary_gives_mean_range_and_minutes_per_point(app, site, client, clock):
    start = clock.now() - timedelta(minutes=30)
    site.co2_series(client, start, 10, 600.0)
    site.co2_series(client, start + timedelta(minutes=10), 10, 800.0)
    [row] = list(MONTHLY_SUMMARY.rows(centre_record(site.centre), PERIOD))
    assert row == ("2026-09", "小月亮班", "二氧化碳", "ppm", "700", "600", "800", 20, "0")


def test_evidence_lists_the_days_each_room_had_data(app, site, client, clock):
    site.co2_series(client, clock.now() - timedelta(minutes=5), 5, 600.0)
    evidence = environment_evidence(site.centre, PERIOD)
    assert evidence.monitored
    assert evidence.rooms == (MonitoredRoomRecord(site.room.id, frozenset({date(2026, 9, 7)})),)


def test_an_alert_acknowledged_too_late_is_a_warning(site):
    late = EnvironmentAlertRecord(1, "environment.exceedance", "warning", OPENED, OPENED + timedelta(minutes=45))
    findings = evaluate_environment(_inputs(site, EnvironmentEvidence(True, alerts=(late,))), RULES, PERIOD)
    assert [(f.rule_id, f.severity, f.evidence) for f in findings] == [
        ("environment.alert_acknowledgement", Severity.WARNING, ("alert:1",))]


def test_an_emergency_never_acknowledged_is_a_violation(site):
    never = EnvironmentAlertRecord(2, "emergency.smoke", "emergency", OPENED)
    [finding] = evaluate_environment(_inputs(site, EnvironmentEvidence(True, alerts=(never,))), RULES, PERIOD)
    assert finding.severity is Severity.VIOLATION


def test_an_alert_acknowledged_in_time_is_fine(site):
    ok = EnvironmentAlertRecord(3, "sensor.fault", "warning", OPENED, OPENED + timedelta(minutes=10))
    assert evaluate_environment(_inputs(site, EnvironmentEvidence(True, alerts=(ok,))), RULES, PERIOD) == []


def test_a_room_without_any_data_is_a_violation(site):
    evidence = EnvironmentEvidence(True, rooms=(MonitoredRoomRecord(7),))
    [finding] = evaluate_environment(_inputs(site, evidence), RULES, PERIOD)
    assert (finding.rule_id, finding.severity, finding.evidence) == (
        "environment.monitoring_coverage", Severity.VIOLATION, ("class:7",))


def test_a_room_missing_some_days_is_a_warning(site):
    evidence = EnvironmentEvidence(True, rooms=(MonitoredRoomRecord(7, frozenset({date(2026, 9, 1)})),))
    [finding] = evaluate_environment(_inputs(site, evidence), RULES, PERIOD)
    assert finding.severity is Severity.WARNING and "6" in finding.message_zh


def test_a_centre_that_does_not_monitor_gets_no_environment_findings(site):
    evidence = EnvironmentEvidence(False, rooms=(MonitoredRoomRecord(7),))
    assert evaluate_environment(_inputs(site, evidence), RULES, PERIOD) == []


def test_a_centre_policy_may_shorten_the_acknowledgement_time(site):
    rules = effective_rulebook(None, {"environment.alert_acknowledgement": {"max_minutes": 10}}, date(2026, 9, 7))
    quick = EnvironmentAlertRecord(4, "sensor.fault", "warning", OPENED, OPENED + timedelta(minutes=15))
    inputs = _inputs(site, EnvironmentEvidence(True, alerts=(quick,)))
    assert len(evaluate_environment(inputs, rules, PERIOD)) == 1
    assert evaluate_environment(inputs, RULES, PERIOD) == []
