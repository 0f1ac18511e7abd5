"""The notices evaluator: a notice past its acknowledgement deadline and unacknowledged at the period's end is a
warning (the family was told, has not confirmed) or a violation (never delivered); otherwise silence."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from compliance_factories import make_centre

from compliance import EVALUATORS, ChildRecord, ComplianceInputs, Finding, Period, Severity
from compliance.evaluators.notices import RULE_ID, evaluate_notices, period_cutoff
from compliance.notices import NoticeEvidence, NoticeRecord
from compliance.rulebook import effective_rulebook

SEPTEMBER = Period(date(2026, 9, 1), date(2026, 9, 30))
RULES = effective_rulebook(None, None, date(2026, 9, 7))
QUEUED = datetime(2026, 9, 7, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai
END = datetime(2026, 9, 30, 16, 0, tzinfo=UTC)  # the period's last local day ends at midnight in Shanghai


def notice(**changes: object) -> NoticeRecord:
    values: dict[str, object] = {"id": 7, "child_id": 3, "kind": "health_check.abnormal", "kind_zh": "健康检查异常",
                                 "kind_en": "Abnormal health check", "queued_at": QUEUED,
                                 "delivered_at": QUEUED + timedelta(minutes=1),
                                 "deadline_at": QUEUED + timedelta(hours=24), **changes}
    return NoticeRecord(**values)  # type: ignore[arg-type]


def run(*notices: NoticeRecord, as_of: datetime | None = None) -> list[Finding]:
    inputs = ComplianceInputs(centre=make_centre(timezone="Asia/Shanghai"), as_of=as_of,
                              children=(ChildRecord(3, 10, date(2026, 3, 1), name="王小明"),),
                              notices=NoticeEvidence(notices=notices))
    return evaluate_notices(inputs, RULES, SEPTEMBER)


def test_wired_and_silent_without_notices() -> None:
    assert evaluate_notices in EVALUATORS
    inputs = ComplianceInputs(centre=make_centre())
    assert evaluate_notices(inputs, RULES, SEPTEMBER) == [] and run() == []


def test_an_unacknowledged_notice_past_its_deadline_is_a_warning_citing_the_rule() -> None:
    [finding] = run(notice())
    assert (finding.rule_id, finding.severity, finding.evidence) == (RULE_ID, Severity.WARNING, ("notice:7", "child:3"))
    assert "幼儿王小明" in finding.message_zh and "2026-09-08 09:30" in finding.message_zh


def test_a_notice_never_delivered_is_a_violation() -> None:
    assert [f.severity for f in run(notice(delivered_at=None))] == [Severity.VIOLATION]


def test_acknowledged_by_the_end_of_the_period_even_late_is_no_finding() -> None:
    assert run(notice(acknowledged_at=QUEUED + timedelta(days=3))) == []


def test_acknowledged_only_after_the_period_counts_as_outstanding_at_its_end() -> None:
    assert len(run(notice(acknowledged_at=END + timedelta(hours=1)))) == 1


def test_a_deadline_after_the_period_or_no_deadline_is_no_finding() -> None:
    late = notice(queued_at=END - timedelta(hours=2), deadline_at=END + timedelta(hours=22))
    assert run(late, notice(id=8, deadline_at=None, kind="message.new")) == []


def test_the_period_ends_when_the_inputs_were_read_if_earlier() -> None:
    assert period_cutoff(ComplianceInputs(centre=make_centre(timezone="Asia/Shanghai")), SEPTEMBER) == END
    assert run(notice(), as_of=QUEUED + timedelta(hours=23)) == []
