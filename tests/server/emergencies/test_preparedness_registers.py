"""The pack's 应急管理 and 消防安全 sections: the four registers with their headers and rows, and the evaluator
judging the real records (an unread plan, a month without a fire check, a drill action past due)."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, date, datetime

from compliance import Period, Responsibility, evaluate
from server.centre.rules import effective_rules
from server.database import db
from server.emergencies.drills import ActionValues, DrillValues, record_drill
from server.emergencies.fire_checks import ItemResult, record_certificate, record_check
from server.emergencies.fire_checks_models import FireItem
from server.emergencies.plans import confirm_read, publish_version
from server.emergencies.preparedness_registers import REGISTERS
from server.emergencies.supplies import record_isolation_room, record_movement
from server.inspections.sources import app_sources, compliance_inputs
from tests.server.emergencies import preparedness_world
from tests.server.emergencies.preparedness_world import actor_of

world = preparedness_world.world  # the fixture
AUGUST_1 = datetime(2026, 8, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
NAMES = ("应急预案清单", "应急演练记录", "消防设施检查记录", "防疫物资台账")


def _month_of_records(world, now):  # type: ignore[no-untyped-def]
    """A plan published on 1 August that one caregiver never read; a drill with an action left open; a fire check
    in July and September but none in August; the certificate; masks below their minimum; the isolation room."""
    director, staff = actor_of(world["director"]), world["staff"]
    version = publish_version(world["alpha"], scenario="fire", title="火灾应急预案", body="报警、疏散、清点",
                              responsible_roles=["director"], actor=director, now=AUGUST_1)
    for who in ("director", "carer", "guard"):
        confirm_read(version, actor=actor_of(world[who]), now=AUGUST_1)
    record_drill(world["alpha"], DrillValues(
        scenario="fire", held_at=datetime(2026, 8, 20, 2, 0, tzinfo=UTC), children_count=22, evacuation_s=160,
        duration_min=30, problems="出口指示灯不亮", participant_ids=(staff["carer"].id, staff["carer2"].id),
        actions=(ActionValues("更换出口指示灯", staff["guard"].id, date(2026, 9, 1)),)), actor=director, now=now)
    all_ok = {item.value: ItemResult(True) for item in FireItem}
    guard = actor_of(world["guard"])
    record_check(world["alpha"], results=all_ok, checked_at=datetime(2026, 7, 5, 2, 0, tzinfo=UTC), actor=guard,
                 now=now)
    record_check(world["alpha"], results=all_ok, checked_at=datetime(2026, 9, 3, 2, 0, tzinfo=UTC), actor=guard,
                 now=now)
    record_certificate(world["alpha"], issued_on=date(2026, 3, 1), valid_until=date(2027, 2, 28),
                       issuer="区消防救援大队", actor=director, now=now)
    record_movement(world["alpha"], kind="masks", movement="counted", quantity=60, actor=director, now=now)
    record_isolation_room(world["alpha"], has_room=True, location="一楼观察室", checked_on=date(2026, 9, 1),
                          actor=director, now=now)
    db.session.commit()


def test_the_registers_fill_the_emergency_and_fire_sections():
    sections = {r.name: r.responsibility for r in REGISTERS}
    assert sections == {"应急预案清单": Responsibility.EMERGENCY, "应急演练记录": Responsibility.EMERGENCY,
                        "消防设施检查记录": Responsibility.FIRE_SAFETY, "防疫物资台账": Responsibility.EMERGENCY}


def test_a_built_pack_holds_each_register_with_its_header_and_rows(client, world, clock, tmp_path):
    _month_of_records(world, clock.now())
    with client.get("/api/v1/centres/alpha/packs?from=2026-07-01&to=2026-09-07",
                    headers=world["director"].headers) as response:
        assert response.status_code == 200, response.get_data(as_text=True)
        data = response.data
    by_name = {r.name: r for r in REGISTERS}
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in NAMES:
            rows = list(csv.reader(io.StringIO(zf.read(f"registers/{name}.csv").decode("utf-8-sig"))))
            assert rows[0] == [c.zh for c in by_name[name].columns], name
            assert len(rows) > 1, name


def test_the_plans_register_counts_the_readers(world, clock):
    _month_of_records(world, clock.now())
    from server.centre.records import centre_record

    rows = list(REGISTERS[0].rows(centre_record(world["alpha"]), Period(date(2026, 8, 1), date(2026, 9, 7))))
    assert [(r[0], r[1], r[6], r[8], r[9], r[10]) for r in rows] == [("火灾", 1, "现行", 5, 3, "李老师、赵师傅")]


def test_the_evaluation_finds_the_unread_plan_the_missed_check_and_the_open_action(world, clock):
    _month_of_records(world, clock.now())
    period = Period(date(2026, 8, 1), date(2026, 9, 7))
    inputs = compliance_inputs(world["alpha"], period, app_sources(), clock.now())
    findings = [f for f in evaluate(inputs, effective_rules(world["alpha"], period.end), period)
                if f.rule_id.startswith(("emergency.", "fire.", "health.isolation"))]
    assert sorted((f.rule_id, f.evidence[-1]) for f in findings) == [
        ("emergency.drills", "drill_action:1"),
        ("emergency.plans_read", f"staff:{world['staff']['cook'].id}"),
        ("fire.equipment_check", "fire_check_month:2026-08")]


def test_a_centre_without_children_is_not_judged_but_a_silent_one_with_children_is(world, clock):
    from server.emergencies.preparedness_registers import preparedness_evidence

    assert preparedness_evidence(world["beta"], Period(date(2026, 8, 1), date(2026, 9, 7))) is None
    period = Period(date(2026, 8, 1), date(2026, 8, 31))
    inputs = compliance_inputs(world["alpha"], period, app_sources(), clock.now())
    assert inputs.preparedness is not None
    rules = {f.rule_id for f in evaluate(inputs, effective_rules(world["alpha"], period.end), period)}
    assert {"emergency.drills", "fire.equipment_check", "fire.safety_inspection",
            "health.isolation_supplies"} <= rules
