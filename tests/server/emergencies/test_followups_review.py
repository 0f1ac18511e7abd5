"""Recovery: follow-ups until done, the director's review, the rule `emergency.response_record` and the register."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, date, datetime, timedelta

import pytest

from compliance import CentreRecord, ComplianceInputs, FilingStatus, LegalForm, Period, evaluate
from compliance.evaluators.emergency_response import (
    EmergencyRecord,
    EmergencyResponseEvidence,
    FollowUpRecord,
    evaluate_emergency_response,
)
from compliance.rulebook import effective_rulebook
from server.centre.records import centre_record
from server.centre.rules import effective_rules
from server.emergencies.live_registers import EMERGENCY_REGISTER, emergency_response_evidence
from server.inspections.sources import app_sources, compliance_inputs
from tests.server.emergencies.test_live_world import LiveWorld


@pytest.fixture
def world(client, clock) -> LiveWorld:  # type: ignore[no-untyped-def]
    return LiveWorld(client, clock)

SEPTEMBER = Period(date(2026, 9, 1), date(2026, 9, 30))


def _closed(world, client, clock) -> int:  # type: ignore[no-untyped-def]
    world.smoke()
    emergency_id = world.current(world.director)["emergency"]["id"]
    for person in [f"c{k.id}" for k in world.kids] + [f"s{world.staff_a.id}", f"s{world.staff_b.id}"]:
        world.tick(world.carer_a, person, "present")
    clock.advance(minutes=3)
    client.post(f"/api/v1/live-emergencies/{emergency_id}/notify", headers=world.director.headers,
                json={"template": "all_safe"})
    client.post(f"/api/v1/live-emergencies/{emergency_id}/close", headers=world.director.headers,
                json={"summary": "厨房油烟误报", "all_clear": True})
    return emergency_id


def _post(client, world, url: str, body: dict):  # type: ignore[no-untyped-def]
    return client.post(url, headers=world.director.headers, json=body)


def test_an_open_emergency_cannot_be_reviewed(world, client):
    world.smoke()
    emergency_id = world.current(world.director)["emergency"]["id"]
    response = _post(client, world, f"/api/v1/live-emergencies/{emergency_id}/review", {"what_happened": "误报"})
    assert (response.status_code, response.get_json()["error"]["code"]) == (409, "still_open")


def test_reviewed_with_every_follow_up_done_is_complete(world, client, clock):
    emergency_id = _closed(world, client, clock)
    base = f"/api/v1/live-emergencies/{emergency_id}"
    reviewed = _post(client, world, f"{base}/review", {"what_happened": "厨房油烟", "what_worked": "3分钟点名完毕",
                                                       "what_to_change": "烟感移位"})
    added = _post(client, world, f"{base}/follow-ups", {"what": "清洁厨房油烟机旁的烟感", "due_on": "2026-09-14",
                                                        "owner_staff_id": world.staff_a.id})
    task = added.get_json()["follow_ups"][0]
    done = _post(client, world, f"/api/v1/emergency-follow-ups/{task['id']}/done", {"note": "已清洁"})
    again = _post(client, world, f"/api/v1/emergency-follow-ups/{task['id']}/done", {"note": "再次"})
    assert (reviewed.get_json()["status"], added.get_json()["status"], task["owner"]) == (
        "complete", "closed", "张老师")  # reviewed with nothing left to do; a new task reopens the work
    assert (done.get_json()["status"], again.status_code) == ("complete", 409)


def test_a_follow_up_owner_must_be_staff_of_the_centre(world, client, clock):
    emergency_id = _closed(world, client, clock)
    response = _post(client, world, f"/api/v1/live-emergencies/{emergency_id}/follow-ups",
                     {"what": "检查", "due_on": "2026-09-14", "owner_staff_id": 999999})
    assert (response.status_code, response.get_json()["error"]["field"]) == (422, "owner_staff_id")


def test_an_inspector_reads_the_record_but_may_not_review_it(world, client, clock):
    emergency_id = _closed(world, client, clock)
    read = client.get(f"/api/v1/live-emergencies/{emergency_id}", headers=world.inspector.headers)
    review = client.post(f"/api/v1/live-emergencies/{emergency_id}/review", headers=world.inspector.headers,
                         json={"what_happened": "x"})
    assert (read.status_code, [line["kind"] for line in read.get_json()["timeline"]], review.status_code) == (
        200, ["opened", "rollcall_complete", "notified", "closed"], 403)


def test_the_evaluator_finds_a_missing_review_and_an_overdue_follow_up():
    closed = datetime(2026, 9, 2, 2, 0, tzinfo=UTC)
    evidence = EmergencyResponseEvidence((
        EmergencyRecord(1, "火灾", "Fire", closed - timedelta(minutes=5), closed, None,
                        (FollowUpRecord(7, "清洁烟感", date(2026, 9, 10)),)),
        EmergencyRecord(2, "幼儿走失", "Missing child", closed, closed, closed + timedelta(days=3),
                        (FollowUpRecord(8, "加固围栏", date(2026, 9, 10), closed + timedelta(days=2)),)),
    ))
    centre = CentreRecord(code="alpha", name="alpha", legal_form=LegalForm.FOR_PROFIT, registering_authority="市监局",
                          filing_status=FilingStatus.FILED, filed_on=date(2025, 1, 10), approved_places=40,
                          puhui_places=10)
    inputs = ComplianceInputs(centre=centre, emergency_response=evidence)
    findings = evaluate_emergency_response(inputs, effective_rulebook(None, None, date(2026, 9, 7)), SEPTEMBER)
    assert [(f.severity.value, f.evidence) for f in findings] == [
        ("violation", ("emergency:1",)), ("warning", ("emergency:1", "follow_up:7"))]


def test_the_evidence_and_a_run_find_the_unreviewed_emergency(world, client, clock):
    emergency_id = _closed(world, client, clock)
    evidence = emergency_response_evidence(world.centre, SEPTEMBER)
    inputs = compliance_inputs(world.centre, SEPTEMBER, app_sources(), clock.now() + timedelta(days=20))
    findings = [f for f in evaluate(inputs, effective_rules(world.centre, SEPTEMBER.end), SEPTEMBER)
                if f.rule_id == "emergency.response_record"]
    assert [(e.id, e.closed_at, e.reviewed_at) for e in evidence.emergencies] == [(emergency_id, clock.now(), None)]
    assert [(f.severity.value, f.evidence) for f in findings] == [("violation", (f"emergency:{emergency_id}",))]


def test_the_register_lists_the_emergency_with_its_roll_call_and_notices(world, client, clock):
    emergency_id = _closed(world, client, clock)
    [row] = list(EMERGENCY_REGISTER.rows(centre_record(world.centre), SEPTEMBER))
    assert [c.zh for c in EMERGENCY_REGISTER.columns][:4] == ["编号", "类别", "启动方式", "启动时间"]
    assert row[:3] == (emergency_id, "火灾", "烟雾报警")
    assert row[8] == "确认在场 5 人，未到 0 人；应到 5 人全部到齐，用时 0 分 0 秒"
    assert row[9] == "2026-09-07 09:33 所有幼儿均安全（3 名幼儿家长）"


def test_the_pack_holds_the_register_under_its_exact_name(world, client, clock, tmp_path):
    _closed(world, client, clock)
    with client.get("/api/v1/centres/alpha/packs?from=2026-09-01&to=2026-09-07",
                    headers=world.inspector.headers) as response:
        assert response.status_code == 200
        path = tmp_path / "pack.zip"
        path.write_bytes(response.data)
    with zipfile.ZipFile(path) as zf:
        header = next(csv.reader(io.StringIO(zf.read("registers/突发事件记录.csv").decode("utf-8-sig"))))
    assert header == [c.zh for c in EMERGENCY_REGISTER.columns]
