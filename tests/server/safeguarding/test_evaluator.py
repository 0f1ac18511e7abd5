"""The rule safeguarding.mandatory_report: a report within 24 hours of noticing, findings by number only."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from compliance import Period
from compliance.evaluators.safeguarding import ConcernRecord, SafeguardingEvidence, evaluate_safeguarding
from compliance.findings import Severity
from compliance.records import CentreRecord, ComplianceInputs, FilingStatus, LegalForm
from compliance.rulebook import effective_rulebook

RECORDED = datetime(2026, 9, 7, 2, 0, tzinfo=UTC)
PERIOD = Period(date(2026, 9, 1), date(2026, 9, 30))
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _run(*concerns: ConcernRecord, as_of: datetime | None = None):  # type: ignore[no-untyped-def]
    centre = CentreRecord(code="alpha", name="阳光托育", legal_form=LegalForm.FOR_PROFIT, registering_authority="区市场监管局",
                          filing_status=FilingStatus.FILED, filed_on=date(2026, 1, 5), approved_places=40,
                          puhui_places=20)
    inputs = ComplianceInputs(centre=centre, as_of=as_of, safeguarding=SafeguardingEvidence(tuple(concerns)))
    return evaluate_safeguarding(inputs, effective_rulebook(None, None, PERIOD.end), PERIOD)


def test_a_report_within_the_deadline_is_no_finding():
    assert _run(ConcernRecord(1, RECORDED, RECORDED + timedelta(hours=23))) == []


def test_a_report_thirty_hours_after_is_a_warning_naming_the_number_only():
    [finding] = _run(ConcernRecord(7, RECORDED, RECORDED + timedelta(hours=30)))
    assert (finding.rule_id, finding.severity, "SG-7" in finding.message_zh, finding.evidence) == (
        "safeguarding.mandatory_report", Severity.WARNING, True, ("safeguarding_concern:7",))


def test_no_report_past_the_deadline_is_a_violation():
    [finding] = _run(ConcernRecord(8, RECORDED))
    assert finding.severity is Severity.VIOLATION


def test_no_report_before_the_deadline_is_no_finding_yet():
    assert _run(ConcernRecord(9, RECORDED), as_of=RECORDED + timedelta(hours=3)) == []


def test_the_deadline_runs_from_when_the_concern_was_noticed_not_when_it_was_recorded():
    noticed = RECORDED - timedelta(days=2)  # seen on Saturday, written down on Monday
    [finding] = _run(ConcernRecord(5, RECORDED, RECORDED + timedelta(hours=3), noticed_at=noticed))
    assert finding.severity is Severity.WARNING and noticed.astimezone(SHANGHAI).strftime("%m-%d") in finding.message_zh


def test_an_old_concern_reported_late_before_the_period_is_not_reported_again():
    old = RECORDED - timedelta(days=40)
    assert _run(ConcernRecord(3, old, old + timedelta(hours=30))) == []
