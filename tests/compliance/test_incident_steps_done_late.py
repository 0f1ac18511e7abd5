"""A witness signature, review or acknowledgement done after its deadline stays a finding once it is done: the
period it was missing in reports it missing, the period it was done in reports it late, and a later one is clean."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from compliance import CentreRecord, ComplianceInputs, FilingStatus, LegalForm, Period
from compliance.evaluators.incidents import evaluate_incidents
from compliance.incidents import IncidentEvidence, IncidentRecord
from compliance.rulebook import effective_rulebook

CENTRE = CentreRecord("A-1", "阳光托育", LegalForm.FOR_PROFIT, "市场监管局", FilingStatus.FILED, date(2024, 1, 1),
                      40, 20)
RULES = effective_rulebook(None, None, date(2026, 9, 1))
SEPTEMBER, OCTOBER, NOVEMBER = (Period(date(2026, 9, 1), date(2026, 9, 30)), Period(date(2026, 10, 1),
                                date(2026, 10, 31)), Period(date(2026, 11, 1), date(2026, 11, 30)))
EVENT = datetime(2026, 9, 20, 2, 20, tzinfo=UTC)  # 10:20 in Shanghai: the witness is due on the 23rd
SIGNED = EVENT + timedelta(minutes=45)


def _steps(period: Period, record: IncidentRecord) -> list[tuple[str, str]]:
    inputs = ComplianceInputs(centre=CENTRE, as_of=datetime(2026, 12, 7, tzinfo=UTC),
                              incidents=IncidentEvidence((record,), cctv_retention_days=90))
    return sorted((f.evidence[1], "late" if "才完成" in f.message_zh else "missing")
                  for f in evaluate_incidents(inputs, RULES, period)
                  if f.rule_id == "incidents.signatures_and_acknowledgement")


def test_a_witness_who_signed_nine_days_late_is_missing_in_september_and_late_in_october():
    record = IncidentRecord(1, 7, "王小明", "fall", EVENT, reporter_signed_at=SIGNED,
                            witness_signed_at=SIGNED + timedelta(days=12), reviewed_at=SIGNED + timedelta(hours=2))
    assert [_steps(p, record) for p in (SEPTEMBER, OCTOBER, NOVEMBER)] == [
        [("witness", "missing")], [("witness", "late")], []]


def test_steps_done_in_time_are_no_finding():
    record = IncidentRecord(1, 7, "王小明", "fall", EVENT, reporter_signed_at=SIGNED,
                            witness_signed_at=SIGNED + timedelta(hours=1), reviewed_at=SIGNED + timedelta(hours=2))
    assert [_steps(p, record) for p in (SEPTEMBER, OCTOBER)] == [[], []]
