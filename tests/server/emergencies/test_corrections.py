"""Preparedness records kept whole: what each audit entry holds (the plan's body, the drill's participants, the
check's item results), drills and checks judged by when they were written (no back-dating away a gap), amendments
of drills and checks (audited, in the registers, read by the evaluator), and a planned drill cancelled with why."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from compliance import Period, evaluate
from server.audit.models import AuditEntry
from server.audit.operations import digest, snapshot
from server.centre.records import centre_record
from server.centre.rules import effective_rules
from server.database import db
from server.emergencies.corrections import AMENDMENT_FIELDS, amend_check, amend_drill
from server.emergencies.drills import DRILL_FIELDS, DrillValues, record_drill, schedule_drill, upcoming
from server.emergencies.drills_models import DrillAmendment
from server.emergencies.fire_checks import CHECK_FIELDS, ItemResult, record_check
from server.emergencies.fire_checks_models import FireItem
from server.emergencies.plans import VERSION_FIELDS
from server.emergencies.preparedness_registers import DRILLS_REGISTER, FIRE_REGISTER
from server.errors import Conflict, ValidationFailed
from server.inspections.sources import app_sources, compliance_inputs
from tests.server.emergencies import preparedness_world
from tests.server.emergencies.preparedness_world import actor_of, publish_fire_plan

world = preparedness_world.world  # the fixture
ALL_OK = {item.value: ItemResult(True) for item in FireItem}


def _entry(action: str, object_id: int) -> AuditEntry:
    return db.session.execute(select(AuditEntry).where(AuditEntry.action == action,
                                                       AuditEntry.object_id == str(object_id))).scalar_one()


def _findings(world, period: Period, now: datetime, prefix: str) -> list:  # type: ignore[no-untyped-def]
    inputs = compliance_inputs(world["alpha"], period, app_sources(), now)
    return [f for f in evaluate(inputs, effective_rules(world["alpha"], period.end), period)
            if f.rule_id.startswith(prefix)]


def _drill(world, held_at: datetime, now: datetime):  # type: ignore[no-untyped-def]
    staff = world["staff"]
    row = record_drill(world["alpha"], DrillValues(
        scenario="fire", held_at=held_at, children_count=20, evacuation_s=150, duration_min=30,
        participant_ids=(staff["carer2"].id, staff["carer"].id)), actor=actor_of(world["director"]), now=now)
    db.session.commit()
    return row


def test_the_audit_entries_hold_the_plan_body_the_participants_and_the_item_results(world, clock):
    now = clock.now()
    version = publish_fire_plan(world, now)
    assert "body" in VERSION_FIELDS
    assert _entry("plan.publish", version.id).after_digest == digest(snapshot(version, VERSION_FIELDS))
    drill = _drill(world, now - timedelta(hours=2), now)
    participants = sorted([world["staff"]["carer"].id, world["staff"]["carer2"].id])
    assert _entry("drill.record", drill.id).after_digest == digest(
        {**snapshot(drill, DRILL_FIELDS), "participant_ids": participants})
    results = {**ALL_OK, "alarms": ItemResult(False, "二楼报警器无电")}
    check = record_check(world["alpha"], results=results, checked_at=now - timedelta(hours=1),
                         actor=actor_of(world["guard"]), now=now)
    db.session.commit()
    items = [(item.value, results[item.value].is_ok, results[item.value].note) for item in FireItem]
    assert _entry("fire.check", check.id).after_digest == digest({**snapshot(check, CHECK_FIELDS), "items": items})
    # Without the items the digest differs: what was recorded is in the snapshot, not only the header.
    assert _entry("fire.check", check.id).after_digest != digest(snapshot(check, CHECK_FIELDS))


def test_a_fire_check_typed_later_for_a_past_month_does_not_cover_it(world, clock):
    """August had no check; one recorded on 3 September "for 31 August" leaves August's finding standing."""
    now = datetime(2026, 9, 3, 2, 0, tzinfo=UTC)
    record_check(world["alpha"], results=ALL_OK, checked_at=datetime(2026, 7, 20, 2, 0, tzinfo=UTC),
                 actor=actor_of(world["guard"]), now=datetime(2026, 7, 20, 3, 0, tzinfo=UTC))
    record_check(world["alpha"], results=ALL_OK, checked_at=datetime(2026, 8, 31, 2, 0, tzinfo=UTC),
                 actor=actor_of(world["guard"]), now=now)
    db.session.commit()
    found = _findings(world, Period(date(2026, 7, 1), date(2026, 8, 31)), clock.now(), "fire.equipment_check")
    assert [f.evidence for f in found] == [("fire_check_month:2026-08",)]


def test_a_drill_recorded_late_closes_the_gap_only_from_when_it_was_written(world, clock):
    """Drills at most 3 months apart: one on 1 May; the next typed on 20 August "for 1 August" — the gap from the
    due day (1 August) to 20 August is a finding, though the typed date is in time."""
    _drill(world, datetime(2026, 5, 1, 2, 0, tzinfo=UTC), datetime(2026, 5, 1, 3, 0, tzinfo=UTC))
    _drill(world, datetime(2026, 7, 31, 2, 0, tzinfo=UTC), datetime(2026, 8, 20, 2, 0, tzinfo=UTC))
    found = _findings(world, Period(date(2026, 8, 1), date(2026, 8, 31)), clock.now(), "emergency.drills")
    assert [f.evidence for f in found] == [("drill_due:2026-08-01",)]
    assert "2026-08-20" in found[0].message_zh


def test_an_amended_drill_is_audited_listed_and_its_date_counts_from_the_amendment(world, clock):
    now = clock.now()  # 7 September
    drill = _drill(world, datetime(2026, 5, 1, 2, 0, tzinfo=UTC), datetime(2026, 5, 1, 3, 0, tzinfo=UTC))
    director = actor_of(world["director"])
    row = amend_drill(drill, field="held_at", value="2026-08-01T10:00:00+08:00", reason="日期记错", actor=director,
                      now=now)
    db.session.commit()
    assert (row.old_value, row.new_value) == ("2026-05-01T02:00:00.000000Z", "2026-08-01T02:00:00.000000Z")
    assert drill.held_at == datetime(2026, 5, 1, 2, 0, tzinfo=UTC)  # the record itself is kept as written
    assert _entry("drill.amend", row.id).after_digest == digest(snapshot(row, (*AMENDMENT_FIELDS, "drill_id")))
    rows = list(DRILLS_REGISTER.rows(centre_record(world["alpha"]), Period(date(2026, 8, 1), date(2026, 9, 7))))
    assert rows[0][1] == "2026-08-01 10:00" and "日期记错" in rows[0][-1] and "held_at" in rows[0][-1]
    # Corrected on 7 September to "1 August": the drill is on record only from 7 September.
    found = _findings(world, Period(date(2026, 8, 1), date(2026, 8, 31)), now, "emergency.drills")
    assert [f.evidence for f in found] == [("drill_due:2026-08-01",)]
    for bad in ({"field": "scenario", "value": "fire"}, {"field": "children_count", "value": -1},
                {"field": "problems", "value": "x", "reason": " "}):
        try:
            amend_drill(drill, **{"reason": "更正", **bad}, actor=director, now=now)
        except ValidationFailed:
            db.session.rollback()
        else:
            raise AssertionError(bad)


def test_an_amended_check_is_read_with_its_new_item_result(world, clock):
    now = clock.now()
    check = record_check(world["alpha"], results=ALL_OK, checked_at=now - timedelta(days=1),
                         actor=actor_of(world["guard"]), now=now - timedelta(days=1))
    db.session.commit()
    row = amend_check(check, field="items.alarms", value={"is_ok": False, "note": "二楼报警器无电"},
                      reason="漏记故障", actor=actor_of(world["guard"]), now=now)
    db.session.commit()
    assert row.old_value == {"is_ok": True, "note": None}
    rows = list(FIRE_REGISTER.rows(centre_record(world["alpha"]), Period(date(2026, 9, 1), date(2026, 9, 7))))
    assert "有故障" in rows[0] and "漏记故障" in rows[0][-1]
    try:
        amend_check(check, field="items.alarms", value={"is_ok": False, "note": "二楼报警器无电"}, reason="再记",
                    actor=actor_of(world["guard"]), now=now)
    except Conflict as exc:
        assert exc.code == "unchanged"
    else:
        raise AssertionError("the same value twice")


def test_a_cancelled_planned_drill_leaves_the_plan_and_cannot_be_recorded(world, clock, client):
    now = clock.now()
    director = actor_of(world["director"])
    planned = schedule_drill(world["alpha"], scenario="earthquake", planned_on=date(2026, 9, 20), actor=director,
                             now=now)
    db.session.commit()
    answer = client.post(f"/api/v1/drill-schedules/{planned.id}/cancel", json={"reason": "当天停电，改期"},
                         headers=world["director"].headers)
    assert answer.status_code == 201, answer.get_json()
    assert upcoming(world["alpha"], actor=director, now=now) == []
    again = client.post(f"/api/v1/drill-schedules/{planned.id}/cancel", json={"reason": "再取消"},
                        headers=world["director"].headers)
    assert (again.status_code, again.get_json()["error"]["code"]) == (409, "already_cancelled")
    refused = client.post(f"/api/v1/drill-schedules/{planned.id}/cancel", json={"reason": "x"},
                          headers=world["carer"].headers)
    assert refused.status_code == 403
    recorded = client.post("/api/v1/centres/alpha/drills", headers=world["director"].headers, json={
        "scenario": "earthquake", "held_at": "2026-09-07T01:00:00Z", "children_count": 10, "duration_min": 20,
        "participant_ids": [world["staff"]["carer"].id], "schedule_id": planned.id})
    assert recorded.status_code == 422 and recorded.get_json()["error"]["code"] == "cancelled"
    entry = _entry("drill.cancel", answer.get_json()["id"])
    assert entry.actor_id == world["director"].user.id


def test_the_amendment_routes_answer_422_for_bad_input_and_403_for_a_caregiver(world, clock, client):
    drill = _drill(world, clock.now() - timedelta(hours=3), clock.now())
    url = f"/api/v1/drills/{drill.id}/amendments"
    bad = client.post(url, json={"field": "held_at", "value": "tomorrow", "reason": "更正"},
                      headers=world["director"].headers)
    assert (bad.status_code, bad.get_json()["error"]["field"]) == (422, "value")
    assert client.post(url, json={"field": "problems", "value": "x", "reason": "y"},
                       headers=world["carer"].headers).status_code == 403
    good = client.post(url, json={"field": "children_count", "value": 21, "reason": "少数了一个"},
                       headers=world["director"].headers)
    assert good.status_code == 201 and good.get_json()["new_value"] == 21


def test_the_correction_pages_keep_a_refused_form_and_record_a_good_one(world, clock, session_client):
    from tests.sessions import page_csrf

    drill = _drill(world, clock.now() - timedelta(hours=3), clock.now())
    director = session_client(world["director"])
    page = f"/centres/alpha/drills/{drill.id}/correct"
    assert f'id="correct-drill-{drill.id}"' in director.get("/centres/alpha/drills").get_data(as_text=True)
    refused = director.post(page, data={"csrf_token": page_csrf(director, page), "field": "children_count",
                                        "value": "many", "reason": "少数了一个"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'value="many"' in html and 'value="少数了一个"' in html
    assert 'id="value-problem"' in html and '<option value="children_count" selected>' in html
    done = director.post(page, data={"csrf_token": page_csrf(director, page), "field": "held_at",
                                     "value": "2026-09-07T08:00", "reason": "时间记错"})
    assert done.status_code == 303
    row = db.session.execute(select(DrillAmendment)).scalar_one()
    assert row.new_value == "2026-09-07T00:00:00.000000Z"  # 08:00 in Shanghai
    planned = schedule_drill(world["alpha"], scenario="fire", planned_on=date(2026, 9, 30),
                             actor=actor_of(world["director"]), now=clock.now())
    db.session.commit()
    cancel = f"/centres/alpha/drill-schedules/{planned.id}/cancel"
    empty = director.post(cancel, data={"csrf_token": page_csrf(director, cancel), "reason": " "})
    assert empty.status_code == 422 and 'id="reason-problem"' in empty.get_data(as_text=True)
    assert director.post(cancel, data={"csrf_token": page_csrf(director, cancel), "reason": "改期"}).status_code == 303
    guard = session_client(world["guard"])
    check = record_check(world["alpha"], results=ALL_OK, checked_at=clock.now(), actor=actor_of(world["guard"]),
                         now=clock.now())
    db.session.commit()
    fix = f"/centres/alpha/fire-checks/{check.id}/correct"
    fault = guard.post(fix, data={"csrf_token": page_csrf(guard, fix), "field": "items.alarms", "is_ok": "fault",
                                  "value": "", "reason": "漏记"})
    assert fault.status_code == 422 and 'value="漏记"' in fault.get_data(as_text=True)
    assert guard.post(fix, data={"csrf_token": page_csrf(guard, fix), "field": "items.alarms", "is_ok": "fault",
                                 "value": "二楼报警器无电", "reason": "漏记"}).status_code == 303
