"""The pack register 家长通知确认记录 (the guardian by relationship, never by name) and the evaluator's evidence."""

from __future__ import annotations

from datetime import date, timedelta

from compliance import Period, evaluate
from server.centre.records import centre_record
from server.centre.rules import effective_rules
from server.inspections.sources import app_sources, compliance_inputs
from server.notices.jobs import drain_outbox
from server.notices.operations import acknowledge, mark_read, queue_notice
from server.notices.registers import NOTICE_REGISTER, notice_evidence
from tests.factories import SYSTEM
from tests.server.notices.conftest import SUBJECT

SEPTEMBER = Period(date(2026, 9, 1), date(2026, 9, 30))


def _queue(world, now, kind="health_check.abnormal", child="child"):  # type: ignore[no-untyped-def]
    return queue_notice(centre_id=world["alpha"].id, child_id=world[child].id, kind=kind, subject=SUBJECT,
                        detail={}, actor=SYSTEM, now=now)


def test_the_register_lists_each_notice_with_its_times_and_who_acknowledged(world, clock):
    done = _queue(world, clock.now())
    drain_outbox(clock.now())
    clock.advance(minutes=20)
    mark_read(done, contact_id=world["baba"].id, actor=SYSTEM, now=clock.now())
    acknowledge(done, contact_id=world["baba"].id, actor=SYSTEM, now=clock.now())
    late = _queue(world, clock.now(), child="other_child")
    info = _queue(world, clock.now(), kind="message.new")
    clock.advance(days=2)
    assert app_sources().register("家长通知确认记录") is NOTICE_REGISTER
    rows = list(NOTICE_REGISTER.rows(centre_record(world["alpha"]), SEPTEMBER))
    assert rows == [
        (done.id, world["child"].id, "王小明", "健康检查异常", "2026-09-07 09:30", "2026-09-07 09:30",
         "2026-09-07 09:50", "2026-09-07 09:50", "父亲", 0, "2026-09-08 09:30", "否"),
        (late.id, world["other_child"].id, "李小红", "健康检查异常", "2026-09-07 09:50", "", "", "", "", 0,
         "2026-09-08 09:50", "是"),
        (info.id, world["child"].id, "王小明", "新消息", "2026-09-07 09:50", "", "", "", "", 0, "", "不适用")]
    assert "王爸爸" not in str(rows)


def test_the_evidence_and_the_evaluation_find_the_overdue_notice(world, clock):
    _queue(world, clock.now())
    drain_outbox(clock.now())
    old = _queue(world, clock.now() - timedelta(days=40), child="other_child")
    acknowledge(old, contact_id=world["lima"].id, actor=SYSTEM, now=clock.now() - timedelta(days=35))
    clock.advance(days=2)
    evidence = notice_evidence(world["alpha"], SEPTEMBER)
    assert [n.kind for n in evidence.notices] == ["health_check.abnormal"]  # acknowledged before September: left out
    inputs = compliance_inputs(world["alpha"], SEPTEMBER, app_sources(), clock.now())
    findings = [f for f in evaluate(inputs, effective_rules(world["alpha"], date(2026, 9, 30)), SEPTEMBER)
                if f.rule_id == "families.notice_acknowledgement"]
    assert [(f.severity.value, f.evidence[1]) for f in findings] == [("warning", f"child:{world['child'].id}")]
