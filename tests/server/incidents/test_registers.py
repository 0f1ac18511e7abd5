"""The pack register 表9_儿童伤害登记表 (header, original rows and amendment rows) and the evaluators: the report
deadline, missing signatures, review and acknowledgement, the CCTV retention."""

from __future__ import annotations

from datetime import date, timedelta

from compliance import CentreRecord, Period, evaluate
from compliance.evaluators.incidents import evaluate_incidents
from compliance.records import ComplianceInputs
from server.centre.records import centre_record
from server.centre.rules import effective_rules
from server.database import db
from server.incidents.operations.amendments import amend_report
from server.incidents.operations.cctv import record_retention
from server.incidents.registers import INJURY_REGISTER, incident_evidence
from tests.server.incidents.conftest import actor_of

PERIOD = Period(date(2026, 9, 1), date(2026, 9, 30))
HEADER = ["编号", "记录类型", "发生时间", "地点", "幼儿姓名", "伤害类型", "受伤部位", "经过与原因", "处理措施", "就医情况",
          "告知家长时间", "告知方式", "告知人", "见证人", "报告人", "报告人签署时间", "见证人签署时间", "负责人审核时间",
          "审核意见", "家长确认时间", "状态", "更正字段", "原值", "新值", "更正原因", "更正时间", "更正人"]


def _record(world) -> CentreRecord:  # type: ignore[no-untyped-def]
    return centre_record(world.centre)


def test_the_register_has_the_table9_columns(world) -> None:  # type: ignore[no-untyped-def]
    assert INJURY_REGISTER.name == "表9_儿童伤害登记表"
    assert [c.zh for c in INJURY_REGISTER.columns] == HEADER


def test_the_register_lists_the_report_then_its_amendments(world) -> None:  # type: ignore[no-untyped-def]
    row = world.signed()
    amend_report(row, field="cause", value="被玩具绊倒", reason="补充原因", actor=actor_of(world.caregiver), now=world.now)
    db.session.commit()
    rows = list(INJURY_REGISTER.rows(_record(world), PERIOD))
    assert [r[1] for r in rows] == ["原始记录", "更正"]
    assert rows[0][4:7] == ("王小明", "跌倒伤", "左膝、右手")
    assert rows[1][21:25] == ("经过与原因", "在活动区奔跑时绊倒", "被玩具绊倒", "补充原因")


def _findings(world, clock):  # type: ignore[no-untyped-def]
    inputs = ComplianceInputs(centre=_record(world), as_of=clock.now(),
                              incidents=incident_evidence(world.centre, PERIOD))
    return evaluate_incidents(inputs, effective_rules(world.centre, clock.now().date()), PERIOD)


def test_a_report_signed_late_is_a_warning_naming_the_child(world, clock) -> None:  # type: ignore[no-untyped-def]
    world.signed(occurred_at=world.now - timedelta(hours=5))
    found = [f for f in _findings(world, clock) if f.rule_id == "incidents.report_deadline"]
    assert [f.severity.value for f in found] == ["warning"]
    assert "幼儿王小明" in found[0].message_zh


def test_missing_witness_review_and_acknowledgement_past_their_deadlines(world, clock) -> None:  # type: ignore[no-untyped-def]
    world.signed()
    world.reviewed()
    clock.advance(days=4)
    found = [f.evidence for f in _findings(world, clock) if f.rule_id == "incidents.signatures_and_acknowledgement"]
    steps = sorted(e[1] for e in found)
    assert steps == ["acknowledgement", "review", "witness"]


def test_cctv_retention_below_90_days_or_unrecorded(world, clock) -> None:  # type: ignore[no-untyped-def]
    assert [f.severity.value for f in _findings(world, clock) if f.rule_id == "security.cctv_retention"] == ["warning"]
    record_retention(world.centre.id, days=30, note=None, actor=actor_of(world.director), now=world.now)
    db.session.commit()
    assert [f.severity.value for f in _findings(world, clock) if f.rule_id == "security.cctv_retention"] == ["violation"]


def test_the_evaluator_is_registered(world, clock) -> None:  # type: ignore[no-untyped-def]
    inputs = ComplianceInputs(centre=_record(world), as_of=clock.now(),
                              incidents=incident_evidence(world.centre, PERIOD))
    found = evaluate(inputs, effective_rules(world.centre, clock.now().date()), PERIOD)
    assert any(f.rule_id == "security.cctv_retention" for f in found)


def test_a_built_pack_holds_the_register_with_its_header_and_amendment_rows(client, world) -> None:  # type: ignore[no-untyped-def]
    import csv
    import io
    import zipfile

    row = world.signed()
    amend_report(row, field="cause", value="被玩具绊倒", reason="补充原因", actor=actor_of(world.caregiver), now=world.now)
    db.session.commit()
    with client.get("/api/v1/centres/alpha/packs?from=2026-09-01&to=2026-09-07",
                    headers=world.director.headers) as response:
        assert response.status_code == 200, response.get_data(as_text=True)
        data = response.data
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        rows = list(csv.reader(io.StringIO(zf.read("registers/表9_儿童伤害登记表.csv").decode("utf-8-sig"))))
    assert rows[0] == HEADER
    assert [r[1] for r in rows[1:]] == ["原始记录", "更正"]
