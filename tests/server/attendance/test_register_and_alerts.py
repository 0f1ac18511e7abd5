"""出勤登记 with absence reasons and 出勤率, and the alerts kiosk events raise for staff."""

from __future__ import annotations

import csv
import io
import subprocess
import zipfile

from sqlalchemy import select

from server.alerts.models import Alert
from server.auth.roles import Role
from server.database import db
from tests.factories import link, make_contact, make_login
from tests.server.attendance.kiosk_helpers import kiosk_event, post_events


def test_a_checked_in_child_is_present_in_the_days_register(client, world, clock):
    post_events(client, world, kiosk_event(world, clock))
    body = client.get("/api/v1/centres/alpha/attendance?on=2026-09-07", headers=world["director"].headers).get_json()
    line = body["items"][0]
    assert (body["expected"], body["present"], line["arrived_at"]) == (1, 1, "2026-09-07T01:30:00Z")


def test_a_sick_day_needs_the_disease_name(client, world):
    response = client.post(f"/api/v1/children/{world['child'].id}/absences", json={"on": "2026-09-07", "reason": "sick"},
                           headers=world["director"].headers)
    assert (response.status_code, response.get_json()["error"]["code"]) == (422, "disease_required")


def test_a_caregiver_records_a_sick_day_that_the_register_shows(client, world, clock):
    caregiver = make_login("caregiver", clock.now(), [(world["centre"], Role.CAREGIVER)])
    client.post(f"/api/v1/children/{world['child'].id}/absences",
                json={"on": "2026-09-07", "reason": "sick", "disease": "手足口病"}, headers=caregiver.headers)
    line = client.get("/api/v1/centres/alpha/attendance?on=2026-09-07",
                      headers=world["director"].headers).get_json()["items"][0]
    assert (line["present"], line["absence_reason"], line["disease"]) == (False, "sick", "手足口病")


def test_a_correction_amends_the_earlier_absence(client, world):
    url = f"/api/v1/children/{world['child'].id}/absences"
    first = client.post(url, json={"on": "2026-09-07", "reason": "personal"}, headers=world["director"].headers).get_json()
    second = client.post(url, json={"on": "2026-09-07", "reason": "sick", "disease": "发热"},
                         headers=world["director"].headers).get_json()
    assert second["amends_id"] == first["id"]


def test_a_weekend_day_is_not_expected(client, world):
    body = client.get("/api/v1/centres/alpha/attendance?on=2026-09-06", headers=world["director"].headers).get_json()
    assert body["expected"] == 0


def test_the_pack_holds_the_attendance_register_and_the_rate(client, world, clock, tmp_path):
    post_events(client, world, kiosk_event(world, clock))
    with client.get("/api/v1/centres/alpha/packs?from=2026-09-07&to=2026-09-08",
                    headers=world["director"].headers) as response:
        (tmp_path / "p.zip").write_bytes(response.data)
    with zipfile.ZipFile(tmp_path / "p.zip") as zf:
        rows = list(csv.DictReader(io.StringIO(zf.read("registers/出勤登记.csv").decode("utf-8-sig"))))
        (tmp_path / "summary.pdf").write_bytes(zf.read("summary.pdf"))
    text = subprocess.run(["pdftotext", str(tmp_path / "summary.pdf"), "-"], capture_output=True, text=True).stdout
    # Monday present, Tuesday expected and absent: 1 of 2 = 50.0 % (附件5, one decimal).
    assert [(r["日期"], r["实际出勤"]) for r in rows] == [("2026-09-07", "是"), ("2026-09-08", "否")]
    assert "50.0 %" in text


def test_an_unauthorised_pick_up_alerts_staff(client, world, clock):
    stranger = make_contact(world["centre"], clock.now(), name="陌生人")
    link(world["child"], stranger, clock.now(), guardian=False, pick_up=False)
    db.session.commit()
    post_events(client, world, kiosk_event(world, clock, kind="attendance.check_out", person_id=f"c{stranger.id}",
                                           credential_id=None, method="pin"))
    alerts = client.get("/api/v1/centres/alpha/alerts", headers=world["director"].headers).get_json()["items"]
    assert [(a["severity"], "非授权接送人" in a["message_zh"]) for a in alerts] == [("urgent", True)]


def test_a_refused_pick_up_at_the_kiosk_alerts_staff(client, world, clock):
    event = kiosk_event(world, clock, kind="attendance.refused")
    event = event.model_copy(update={"payload": {"reason": "not_authorised_pick_up", "method": "card"}})
    post_events(client, world, event)
    alert = db.session.execute(select(Alert)).scalar_one()
    assert (alert.kind, alert.severity) == ("attendance.refused", "urgent")


def test_an_alert_is_acknowledged_then_resolved_with_who_and_when(client, world, clock):
    event = kiosk_event(world, clock, kind="attendance.refused")
    post_events(client, world, event.model_copy(update={"payload": {"reason": "not_authorised_pick_up"}}))
    alert_id = client.get("/api/v1/centres/alpha/alerts", headers=world["director"].headers).get_json()["items"][0]["id"]
    clock.advance(minutes=2)
    acked = client.post(f"/api/v1/alerts/{alert_id}/acknowledge", headers=world["director"].headers).get_json()
    clock.advance(minutes=5)
    client.post(f"/api/v1/alerts/{alert_id}/resolve", headers=world["director"].headers)
    remaining = client.get("/api/v1/centres/alpha/alerts", headers=world["director"].headers).get_json()["items"]
    assert (acked["acknowledged_at"], remaining) == ("2026-09-07T01:32:00Z", [])


def test_a_child_still_in_after_closing_raises_one_alert(client, world, clock):
    from server.attendance.jobs import sweep_all

    post_events(client, world, kiosk_event(world, clock))
    clock.advance(hours=9)  # 01:30Z + 9 h = 18:30 in Shanghai, after the 18:00 closing
    sweep_all(clock.now())
    clock.advance(minutes=10)
    sweep_all(clock.now())
    db.session.commit()
    kinds = [a.kind for a in db.session.execute(select(Alert)).scalars()]
    # A child with no caregiver checked in is also out of ratio (its own alert, from the rooms domain).
    assert sorted(kinds) == ["attendance.after_closing", "ratio.ratio"]


def test_a_booked_child_not_in_by_the_deadline_raises_an_alert_that_clears_on_arrival(client, world, clock):
    from server.attendance.jobs import sweep_all

    clock.advance(hours=1, minutes=15)  # 10:45 in Shanghai, past the 09:30 deadline
    sweep_all(clock.now())
    db.session.commit()
    opened = db.session.execute(select(Alert)).scalar_one()
    post_events(client, world, kiosk_event(world, clock))
    clock.advance(minutes=10)
    sweep_all(clock.now())
    db.session.commit()
    db.session.refresh(opened)
    assert (opened.kind, opened.resolved_at is not None) == ("attendance.not_arrived", True)
