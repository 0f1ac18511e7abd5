"""hygiene.uv_lamp (issue #18): relay-proven minutes, the 表6 tick against the relay, rooms without a relay."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from compliance.evaluators import evaluate
from compliance.evaluators.uv_lamp import evaluate_uv_lamp
from compliance.findings import Severity
from compliance.hygiene.records import ChecklistDayRecord, ChecklistItemRecord, HygieneEvidence, UvSessionRecord
from compliance.period import Period
from compliance.records import (
    AttendanceRecord,
    CentreRecord,
    ClassRecord,
    ClassType,
    ComplianceInputs,
    FilingStatus,
    LegalForm,
)
from compliance.rulebook import effective_rulebook

CENTRE = CentreRecord("A-1", "阳光托育", LegalForm.FOR_PROFIT, "市场监管局", FilingStatus.FILED, date(2024, 1, 1),
                      60, 30)
SH = ZoneInfo("Asia/Shanghai")
RULES = effective_rulebook(None, None, date(2026, 10, 1))
DAY = date(2026, 10, 12)
PERIOD = Period(DAY, DAY)
CLASSES = (ClassRecord(3, "小月亮班", ClassType.TUOXIAOBAN, 20),)


def _at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SH).astimezone(UTC)


def _session(minutes: int, reason: str = "done", start: datetime | None = None) -> UvSessionRecord:
    start = start or _at(17, 40)
    return UvSessionRecord(3, start, start + timedelta(minutes=minutes), reason, 60, "张老师")


def _tick(minutes: int, at: datetime | None = None) -> ChecklistDayRecord:
    return ChecklistDayRecord(3, DAY, (ChecklistItemRecord("uv_lamp", True, (minutes,), by="张老师",
                                                           at=at or _at(18, 45)),))


def _inputs(*, sessions=(), ticks=(), relay=True, present=True) -> ComplianceInputs:
    evidence = HygieneEvidence(checklists=tuple(ticks), uv_sessions=tuple(sessions),
                               rooms_with_uv_relay=frozenset({3}) if relay else frozenset())
    attendance = (AttendanceRecord(1, 3, DAY, present),)
    return ComplianceInputs(centre=CENTRE, classes=CLASSES, attendance=attendance, hygiene=evidence,
                            as_of=_at(9, day=DAY + timedelta(days=1)))


def _judge(inputs: ComplianceInputs) -> list[tuple[Severity, str]]:
    return [(f.severity, f.message_en) for f in evaluate_uv_lamp(inputs, RULES, PERIOD)]


def test_a_full_relay_session_and_a_matching_tick_is_clean() -> None:
    assert _judge(_inputs(sessions=[_session(60)], ticks=[_tick(60)])) == []


def test_59_minutes_on_the_relay_is_short() -> None:
    [(severity, message)] = _judge(_inputs(sessions=[_session(59)]))
    assert severity is Severity.WARNING and "59 min" in message


def test_no_session_at_all_is_a_violation() -> None:
    [(severity, _)] = _judge(_inputs())
    assert severity is Severity.VIOLATION


def test_two_sessions_add_up() -> None:
    first, second = _session(30, "stopped"), _session(30, start=_at(19, 0))
    assert _judge(_inputs(sessions=[first, second])) == []


def test_a_cut_off_session_counts_only_its_minutes_and_is_named() -> None:
    [(severity, message)] = _judge(_inputs(sessions=[_session(20, "children_present")]))
    assert severity is Severity.WARNING and "20 min" in message and "a child checked in" in message


def test_a_relay_fault_proves_nothing() -> None:
    [(severity, _)] = _judge(_inputs(sessions=[_session(60, "fault")]))
    assert severity is Severity.VIOLATION


def test_ticked_60_relay_20_is_a_mismatch() -> None:
    findings = evaluate_uv_lamp(_inputs(sessions=[_session(20, "motion")], ticks=[_tick(60)]), RULES, PERIOD)
    assert [f.evidence[0].endswith(":mismatch") for f in findings] == [False, True]
    assert "ticked 60 min" in findings[1].message_en and "the relay shows 20 min" in findings[1].message_en
    assert "表6登记紫外线60分钟，继电器仅记录20分钟" in findings[1].message_zh


def test_a_room_without_a_relay_is_judged_on_the_tick() -> None:
    assert _judge(_inputs(ticks=[_tick(60)], relay=False)) == []
    [(severity, _)] = _judge(_inputs(ticks=[_tick(45)], relay=False))
    assert severity is Severity.WARNING
    [(severity, _)] = _judge(_inputs(relay=False))
    assert severity is Severity.VIOLATION


def test_a_tick_written_after_the_day_ended_does_not_count() -> None:
    late = _tick(60, at=_at(8, day=DAY + timedelta(days=1)))
    [(severity, _)] = _judge(_inputs(ticks=[late], relay=False))
    assert severity is Severity.VIOLATION


def test_days_without_children_and_unfinished_days_are_not_judged() -> None:
    assert _judge(_inputs(present=False)) == []
    early = _inputs()
    early = ComplianceInputs(centre=early.centre, classes=early.classes, attendance=early.attendance,
                             hygiene=early.hygiene, as_of=_at(12))
    assert _judge(early) == []


def test_it_runs_in_the_registered_evaluators() -> None:
    findings = [f for f in evaluate(_inputs(), RULES, PERIOD) if f.rule_id == "hygiene.uv_lamp"]
    assert len(findings) == 1


def test_a_session_counts_no_more_than_was_asked_and_an_agent_restart_proves_nothing() -> None:
    """An off stamped late (60 asked, the off arrived after 90) counts 60; a session closed by the agent coming back
    after a power cut counts none of its hours, since nobody knows when the lamp went dark."""
    assert _judge(_inputs(sessions=[_session(90)])) == []
    late_restart = _judge(_inputs(sessions=[_session(180, reason="agent_restart")]))
    assert [severity for severity, _ in late_restart] == [Severity.VIOLATION]
    assert "shows 0 min" in late_restart[0][1] and "agent restarted" in late_restart[0][1]
