"""A room's attendance today from the caregiver's tablet: absences with their reason, corrections that amend."""

from __future__ import annotations

import csv
import io
import zipfile

from sqlalchemy import select

from server.attendance.models import AttendanceEvent
from server.auth.roles import Role
from server.database import db
from tests.factories import make_login
from tests.server.attendance.kiosk_helpers import kiosk_event, post_events
from tests.sessions import csrf_token

PAGE = "/centres/alpha/attendance"


def _as(session_client, world, clock, role: Role = Role.CAREGIVER):
    return session_client(make_login(f"{role.value}-1", clock.now(), [(world["centre"], role)]))


def _post(client, url: str, data: dict[str, str]):
    token = csrf_token(client.get(PAGE).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def _line(client, world):
    return client.get("/api/v1/centres/alpha/attendance?on=2026-09-07",
                      headers=world["director"].headers).get_json()["items"][0]


def test_the_room_page_shows_a_checked_in_child_as_in(client, session_client, world, clock):
    post_events(client, world, kiosk_event(world, clock))
    html = _as(session_client, world, clock).get(PAGE).get_data(as_text=True)
    assert f'data-child="{world["child"].id}" data-state="in"' in html


def test_a_caregiver_records_a_sick_day_the_register_shows(client, session_client, world, clock):
    caregiver = _as(session_client, world, clock)
    _post(caregiver, f"/centres/alpha/children/{world['child'].id}/absence", {"reason": "sick", "disease": "手足口病"})
    line = _line(client, world)
    assert (line["absence_reason"], line["disease"]) == ("sick", "手足口病")


def test_a_sick_day_without_the_disease_comes_back_with_what_was_typed(session_client, world, clock):
    caregiver = _as(session_client, world, clock)
    response = _post(caregiver, f"/centres/alpha/children/{world['child'].id}/absence",
                     {"reason": "sick", "note": "早上发烧"})
    html = response.get_data(as_text=True)
    assert (response.status_code, 'value="早上发烧"' in html, 'id="disease-problem"' in html) == (422, True, True)


def test_a_missed_check_in_corrected_by_hand_is_in_the_register(client, session_client, world, clock):
    caregiver = _as(session_client, world, clock)
    _post(caregiver, f"/centres/alpha/children/{world['child'].id}/attendance",
          {"kind": "check_in", "time": "08:10", "reason": "家长忘记刷卡"})
    assert (_line(client, world)["present"], _line(client, world)["arrived_at"]) == (True, "2026-09-07T00:10:00Z")


def test_a_corrected_check_in_amends_the_kiosk_row(client, session_client, world, clock):
    post_events(client, world, kiosk_event(world, clock))
    _post(_as(session_client, world, clock), f"/centres/alpha/children/{world['child'].id}/attendance",
          {"kind": "check_in", "time": "08:10", "reason": "刷卡晚了"})
    original, correction = db.session.execute(select(AttendanceEvent).order_by(AttendanceEvent.id)).scalars()
    assert (correction.amends_id, _line(client, world)["arrived_at"]) == (original.id, "2026-09-07T00:10:00Z")


def test_the_pack_keeps_the_original_time_beside_the_correction(client, session_client, world, clock, tmp_path):
    post_events(client, world, kiosk_event(world, clock))
    _post(_as(session_client, world, clock), f"/centres/alpha/children/{world['child'].id}/attendance",
          {"kind": "check_in", "time": "08:10", "reason": "刷卡晚了"})
    with client.get("/api/v1/centres/alpha/packs?from=2026-09-07&to=2026-09-07",
                    headers=world["director"].headers) as response:
        (tmp_path / "p.zip").write_bytes(response.data)
    with zipfile.ZipFile(tmp_path / "p.zip") as zf:
        row = next(csv.DictReader(io.StringIO(zf.read("registers/出勤登记.csv").decode("utf-8-sig"))))
    assert (row["入园时间"], row["更正记录"]) == ("08:10", "入园 08:10（原 09:30；刷卡晚了）")


def test_a_correction_without_a_reason_is_not_stored(session_client, world, clock):
    response = _post(_as(session_client, world, clock), f"/centres/alpha/children/{world['child'].id}/attendance",
                     {"kind": "check_out", "time": "08:10", "reason": ""})
    stored = db.session.execute(select(AttendanceEvent)).scalars().all()
    assert (response.status_code, 'id="reason-problem"' in response.get_data(as_text=True), stored) == (422, True, [])


def test_a_correction_later_than_now_is_refused(session_client, world, clock):
    response = _post(_as(session_client, world, clock), f"/centres/alpha/children/{world['child'].id}/attendance",
                     {"kind": "check_out", "time": "17:00", "reason": "提前登记"})
    assert (response.status_code, 'id="at-problem"' in response.get_data(as_text=True)) == (422, True)


def test_the_kitchen_cannot_open_the_room_attendance_page(session_client, world, clock):
    assert _as(session_client, world, clock, Role.KITCHEN).get(PAGE).status_code == 403
