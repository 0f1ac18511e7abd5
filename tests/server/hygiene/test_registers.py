"""The pack's 表6 register (one row per class, day and line: manual value, device evidence, who, when,
amendments, signature), its monthly summary, and the findings from the server's evidence end to end."""

from __future__ import annotations

from datetime import date, timedelta

from compliance import Period, evaluate
from server.attendance.models import AttendanceEvent, AttendanceKind
from server.centre.records import centre_record
from server.centre.rules import effective_rules
from server.database import db
from server.hygiene import checklist
from server.hygiene.devices import handle_window_event
from server.hygiene.registers import MONTHLY_SUMMARY, REGISTER
from server.inspections.sources import app_sources, compliance_inputs
from server.people.models import Child
from tests.server.hygiene.conftest import CAREGIVER_PIN, DAY, World, at

PERIOD = Period(date(2026, 9, 1), date(2026, 9, 30))
HEADER = ["日期", "班级", "项目", "登记内容", "设备记录", "登记人", "登记时间", "更正记录", "签名"]


def _day_of_records(world: World) -> None:
    for state, hh in (("open", "09:02"), ("closed", "09:17")):
        handle_window_event(world.agent, world.event("hygiene.window", {"input": "w", "room_id": world.room.id,
                                                                        "state": state}, at(hh)), world.now)
    first = checklist.tick(world.room, DAY, item="ventilation", minutes=15, started_at=at("09:00"), actor=world.actor,
                           now=world.now)
    checklist.tick(world.room, DAY, item="ventilation", minutes=15, started_at=at("09:25"), actor=world.actor,
                   now=world.now)
    checklist.tick(world.room, DAY, item="tableware", method="boil", minutes=15, actor=world.actor, now=world.now)
    checklist.amend(first, minutes=16, started_at=at("09:00"), reason="补正时长", actor=world.actor,
                    now=world.now + timedelta(minutes=1))
    checklist.sign_day(world.room, DAY, pin=CAREGIVER_PIN, actor=world.actor, now=world.now + timedelta(minutes=2))


def test_the_register_rows(world: World) -> None:
    _day_of_records(world)
    assert REGISTER.name == "表6_班级卫生消毒检查记录表"
    assert [c.zh for c in REGISTER.columns] == HEADER
    rows = list(REGISTER.rows(centre_record(world.centre), PERIOD))
    assert len(rows) == 7  # one per line of the one class-day with records
    ventilation = next(r for r in rows if r[2] == "开窗通风")
    assert ventilation[:2] == ("2026-09-07", "小太阳班")
    assert ventilation[3] == "16 分钟（09:00 起）；15 分钟（09:25 起）"
    assert ventilation[4] == "窗磁 09:02–09:17 15 分钟"
    assert ventilation[5] == "张老师" and "补正时长" in ventilation[7] and ventilation[8].startswith("张老师")
    toys = next(r for r in rows if r[2] == "玩具清洗消毒")
    assert toys[3] == "" and toys[8]
    (summary,) = list(MONTHLY_SUMMARY.rows(centre_record(world.centre), PERIOD))
    assert summary == ("2026-09", "小太阳班", 1, 1, 1, 1, 1)


def test_the_findings_from_the_servers_evidence(app, world: World, clock) -> None:  # type: ignore[no-untyped-def]
    _day_of_records(world)
    child = db.session.query(Child).filter_by(centre_id=world.centre.id).one()
    db.session.add(AttendanceEvent(centre_id=world.centre.id, kind=AttendanceKind.CHECK_IN, child_id=child.id,
                                   method="manual", at=at("08:30"), recorded_at=at("08:30")))
    db.session.flush()
    clock.advance(days=2)
    inputs = compliance_inputs(world.centre, Period(DAY, DAY), app_sources(), clock.now())
    assert inputs.hygiene is not None and inputs.hygiene.rooms_with_window_contacts == frozenset({world.room.id})
    findings = [f for f in evaluate(inputs, effective_rules(world.centre, DAY), Period(DAY, DAY))
                if f.rule_id.startswith("hygiene.") and f.rule_id != "hygiene.uv_lamp"]  # A2 judges the lamp
    messages = sorted((f.rule_id, f.message_zh) for f in findings)
    # the 09:25 airing is ticked but the contacts show only 09:02–09:17: unproven; the cleaning lines are missing
    assert [r for r, _ in messages] == ["hygiene.class_cleaning", "hygiene.ventilation"]
    assert "登记但无法证实" in messages[1][1] and "09:25" in messages[1][1]


def test_a_centre_with_no_record_still_gets_an_evidence_object(world: World, clock) -> None:  # type: ignore[no-untyped-def]
    inputs = compliance_inputs(world.centre, PERIOD, app_sources(), clock.now())
    assert inputs.hygiene is not None and inputs.hygiene.checklists == ()
