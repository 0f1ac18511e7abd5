"""Violation intervals across midnight, "how long in total" in the API and the pack, findings after grace."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import timedelta

from sqlalchemy import select

from server.attendance.rooms.models import RatioViolation
from server.database import db
from server.inspections.operations import current_findings, evaluate_centre
from server.inspections.sources import app_sources
from tests.factories import SYSTEM


def _evening_breach(rooms, clock, minutes: int = 20):
    """Toddler room out of ratio from 23:50 Shanghai time (15:50Z) for `minutes` (past midnight by default)."""
    clock.advance(hours=14)  # 01:30Z + 14 h = 15:30Z = 23:30 local
    rooms.staff_in(0, 1)
    rooms.children_in(rooms.toddler_kids[:10])
    clock.advance(minutes=20)
    rooms.move(1, reason="break")
    clock.advance(minutes=minutes)
    rooms.move(1, rooms.toddlers)


def test_an_interval_across_midnight_is_one_interval_split_by_day_when_asked(rooms, clock):
    _evening_breach(rooms, clock)
    violation = db.session.execute(select(RatioViolation)).scalar_one()
    assert violation.closed_at - violation.opened_at == timedelta(minutes=20)
    headers = rooms.director.headers
    day1 = rooms.client.get("/api/v1/centres/alpha/ratio-violations?from=2026-09-07&to=2026-09-07",
                            headers=headers).get_json()
    day2 = rooms.client.get("/api/v1/centres/alpha/ratio-violations?from=2026-09-08&to=2026-09-08",
                            headers=headers).get_json()
    both = rooms.client.get(f"/api/v1/centres/alpha/ratio-violations?from=2026-09-07&to=2026-09-08"
                            f"&room_id={rooms.toddlers.id}", headers=headers).get_json()
    assert [t["minutes"] for t in day1["totals"]] == [10.0]
    assert [t["minutes"] for t in day2["totals"]] == [10.0]
    assert [(t["kind"], t["intervals"], t["minutes"]) for t in both["totals"]] == [("ratio", 1, 20.0)]
    other_room = rooms.client.get(f"/api/v1/centres/alpha/ratio-violations?from=2026-09-07&to=2026-09-08"
                                  f"&room_id={rooms.older.id}", headers=headers).get_json()
    assert other_room == {"items": [], "totals": []}


def test_a_reversed_period_is_refused_with_its_field(rooms):
    response = rooms.client.get("/api/v1/centres/alpha/ratio-violations?from=2026-09-08&to=2026-09-01",
                                headers=rooms.director.headers)
    assert (response.status_code, response.get_json()["error"]["field"]) == (422, "to")


def test_the_pack_register_lists_the_interval_with_who_was_present(rooms, clock, tmp_path):
    _evening_breach(rooms, clock)
    url = "/api/v1/centres/alpha/packs?from=2026-09-07&to=2026-09-08"
    with rooms.client.get(url, headers=rooms.director.headers) as response:
        assert response.status_code == 200
        (tmp_path / "pack.zip").write_bytes(response.data)
    with zipfile.ZipFile(tmp_path / "pack.zip") as zf:
        violations = list(csv.DictReader(io.StringIO(zf.read("registers/师幼比违规记录.csv").decode("utf-8-sig"))))
        places = list(csv.DictReader(io.StringIO(zf.read("registers/托位动态监测.csv").decode("utf-8-sig"))))
    assert [(v["班级"], v["类型"], v["开始时间"], v["结束时间"], v["期间内时长（分钟）"]) for v in violations] == [
        ("托小班", "师幼比不足", "2026-09-07 23:50:00", "2026-09-08 00:10:00", "20.0")]
    assert violations[0]["在场保育人员"] == "保育员0"  # the one left with the children
    assert [(p["日期"], p["在托人数"], p["核定托位"]) for p in places] == [
        ("2026-09-07", "24", "40"), ("2026-09-08", "24", "40")]


def _ratio_findings(rooms, clock):
    evaluate_centre(rooms.centre, sources=app_sources(), trigger="manual", actor=SYSTEM,
                    now=clock.now())
    db.session.commit()
    return [f.rule_id for f in current_findings(rooms.centre, actor=SYSTEM, now=clock.now())
            if f.rule_id.startswith("ratio.")]


def test_a_violation_longer_than_the_grace_is_a_finding(rooms, clock):
    _evening_breach(rooms, clock, minutes=5)
    assert _ratio_findings(rooms, clock) == ["ratio.tuoxiaoban"]  # default grace: 0 minutes


def test_a_violation_within_the_centres_grace_is_recorded_but_no_finding(rooms, clock):
    rooms.centre.rule_policy = {"ratio.violation_grace": {"grace_minutes": 10}}
    db.session.commit()
    _evening_breach(rooms, clock, minutes=5)
    assert _ratio_findings(rooms, clock) == []
    assert db.session.execute(select(RatioViolation.closed_at)).scalar_one() is not None
