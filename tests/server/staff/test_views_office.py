"""The roster week, the director's expiry list, the 禁入名单 and the dashboard's card, as the office uses them."""

from __future__ import annotations

import json
import re
from datetime import time, timedelta

import pytest
from sqlalchemy import func, select

from server.database import db
from server.people.staff_models import BannedPerson
from server.staff.models import Shift, ShiftCancellation, StaffCredential
from server.staff.operations.credentials import amend_credential
from server.staff.operations.roster import assign_shift
from tests.factories import SYSTEM
from tests.server.staff.factories import TODAY, add_credential, make_staff
from tests.sessions import csrf_token

ROSTER = "/centres/alpha/roster"
BANS = "/centres/alpha/banned-persons"
BAN = {"name": "禁入者", "id_number": "11010519491231002X", "reason": "法院判决", "source": "court",
       "decided_on": "2026-09-01", "is_lifetime": "y"}


@pytest.fixture
def world(staff_world):
    db.session.commit()
    return staff_world


def _post(client, page: str, url: str, data: dict[str, object]):
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def _count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def _shift(world, clock, who: str = "certified") -> Shift:
    shift = assign_shift(world["alpha"], staff_id=world[who].id, room_id=world["room"].id, day=TODAY,
                         starts=time(8), ends=time(12), actor=SYSTEM, now=clock.now())
    db.session.commit()
    return shift


def _assign(world, who: str) -> dict[str, str]:
    return {"staff_id": str(world[who].id), "room_id": str(world["room"].id), "day": TODAY.isoformat(),
            "starts": "08:00", "ends": "16:00"}


# --- the roster -----------------------------------------------------------------------------------------------


def test_the_week_shows_each_shift_in_its_room_and_day(session_client, world, clock):
    _shift(world, clock)
    html = session_client(world["director"]).get(ROSTER).get_data(as_text=True)
    cell = html.split(f'data-cell="{world["room"].id}-2026-09-07"', 1)[1].split("</td>", 1)[0]
    assert ("张老师" in cell, "08:00–12:00" in cell) == (True, True)


def test_a_shift_whose_person_is_no_longer_certified_is_marked(session_client, world, clock):
    shift = _shift(world, clock)
    health = db.session.execute(select(StaffCredential).where(
        StaffCredential.staff_id == world["certified"].id, StaffCredential.type_code == "health_certificate")
    ).scalar_one()
    amend_credential(health, {"expires_on": TODAY - timedelta(days=1)}, note="有效期录错", actor=SYSTEM,
                     now=clock.now(), today=TODAY)
    db.session.commit()
    html = session_client(world["director"]).get(ROSTER).get_data(as_text=True)
    block = html.split(f'data-shift="{shift.id}"', 1)[1].split("</div>", 1)[0]
    assert ('class="shift uncertified"' in html, "未持证" in block) == (True, True)


def test_the_previous_week_is_a_link_away(session_client, world):
    html = session_client(world["director"]).get(f"{ROSTER}?week=2026-08-31").get_data(as_text=True)
    assert ('id="roster-week">2026-08-31<' in html, "week=2026-08-24" in html) == (True, True)


def test_a_certified_caregiver_is_assigned_from_the_form(session_client, world):
    response = _post(session_client(world["director"]), ROSTER, ROSTER, _assign(world, "certified"))
    assert (response.status_code, _count(Shift)) == (302, 1)


def test_an_uncertified_caregiver_is_refused_with_the_reason_in_the_form_and_the_cell(session_client, world):
    response = _post(session_client(world["director"]), ROSTER, ROSTER, _assign(world, "uncertified"))
    html = response.get_data(as_text=True)
    cell = html.split(f'data-cell="{world["room"].id}-2026-09-07"', 1)[1].split("</td>", 1)[0]
    assert (response.status_code, _count(Shift), "缺少无犯罪记录证明" in cell,
            'id="assign-staff_id-problem"' in html) == (422, 0, True, True)


def test_an_expired_health_certificate_is_named_when_refused(session_client, world, clock):
    lapsed = make_staff(world["alpha"], clock.now(), name="过期老师", room=world["room"])
    add_credential(lapsed, clock.now(), "health_certificate", issued_on=TODAY - timedelta(days=300),
                   expires_on=TODAY - timedelta(days=1))
    add_credential(lapsed, clock.now(), "criminal_record_check", number="京公证2026-0002")
    add_credential(lapsed, clock.now(), "childcare_worker", number="1931000000654321")
    world["lapsed"] = lapsed
    db.session.commit()
    html = _post(session_client(world["director"]), ROSTER, ROSTER, _assign(world, "lapsed")).get_data(as_text=True)
    assert "托幼机构工作人员健康合格证已于 2026-09-06 过期" in html


def test_a_caregiver_reads_the_roster_but_cannot_assign(session_client, world):
    client = session_client(world["caregiver"])
    page = client.get(ROSTER)
    response = _post(client, ROSTER, ROSTER, _assign(world, "certified"))
    assert (page.status_code, 'id="assign-form"' in page.get_data(as_text=True), response.status_code,
            _count(Shift)) == (200, False, 403, 0)


def test_a_shift_is_cancelled_with_a_reason(session_client, world, clock):
    shift = _shift(world, clock)
    response = _post(session_client(world["director"]), ROSTER, f"/centres/alpha/shifts/{shift.id}/cancel",
                     {"reason": "调班"})
    assert (response.status_code, _count(ShiftCancellation)) == (302, 1)


def test_a_cancellation_without_a_reason_is_shown_under_the_shift(session_client, world, clock):
    shift = _shift(world, clock)
    response = _post(session_client(world["director"]), ROSTER, f"/centres/alpha/shifts/{shift.id}/cancel",
                     {"reason": ""})
    html = response.get_data(as_text=True)
    assert (response.status_code, f'id="cancel-{shift.id}-reason-problem"' in html) == (422, True)


# --- the expiry list ------------------------------------------------------------------------------------------


def test_the_expiry_list_shows_the_stage_and_links_to_the_file(session_client, world, clock):
    add_credential(world["uncertified"], clock.now(), "health_certificate", issued_on=TODAY - timedelta(days=300),
                   expires_on=TODAY + timedelta(days=25))
    db.session.commit()
    html = session_client(world["director"]).get("/centres/alpha/staff-files/expiry").get_data(as_text=True)
    expiring = html.split('id="expiring-list"', 1)[1].split("</table>", 1)[0]
    assert ("李老师" in expiring, "25 天后到期" in expiring, "30 天提醒" in expiring,
            f'/centres/alpha/staff/{world["uncertified"].id}' in expiring) == (True, True, True, True)


def test_the_expiry_list_says_who_lacks_what(session_client, world):
    html = session_client(world["director"]).get("/centres/alpha/staff-files/expiry").get_data(as_text=True)
    lacking = html.split('id="lacking-list"', 1)[1].split("</ul>", 1)[0]
    assert ("李老师" in lacking, "缺少托幼机构工作人员健康合格证" in lacking, "张老师" in lacking) == (True, True, False)


def test_a_caregiver_may_not_open_the_expiry_list(session_client, world):
    assert session_client(world["caregiver"]).get("/centres/alpha/staff-files/expiry").status_code == 403


# --- the ban list ---------------------------------------------------------------------------------------------


def test_the_director_adds_a_ban_and_sees_it_masked(session_client, world):
    client = session_client(world["director"])
    response = _post(client, BANS, BANS, BAN)
    html = client.get(BANS).get_data(as_text=True)
    assert (response.status_code, "禁入者" in html, "1101**********002X" in html, BAN["id_number"] in html) == (
        302, True, True, False)


def test_a_ban_without_a_term_comes_back_with_what_was_typed(session_client, world):
    response = _post(session_client(world["director"]), BANS, BANS, {**BAN, "is_lifetime": ""})
    html = response.get_data(as_text=True)
    assert (response.status_code, 'id="ban-until-problem"' in html, 'value="禁入者"' in html, _count(BannedPerson)) \
        == (422, True, True, 0)


def test_a_ban_is_lifted_by_a_new_entry(session_client, world):
    client = session_client(world["director"])
    _post(client, BANS, BANS, BAN)
    ban_id = db.session.execute(select(BannedPerson.id)).scalar_one()
    response = _post(client, BANS, f"{BANS}/{ban_id}/lift", {"reason": "二审改判", "source": "court",
                                                              "decided_on": "2026-09-07"})
    html = client.get(BANS).get_data(as_text=True)
    assert (response.status_code, _count(BannedPerson), 'data-state="lifted"' in html) == (302, 2, True)


@pytest.mark.parametrize("who", ["caregiver", "inspector"])
def test_only_who_may_hire_opens_the_ban_list(session_client, world, who):
    assert session_client(world[who]).get(BANS).status_code == 403


# --- the dashboard --------------------------------------------------------------------------------------------


def test_the_directors_dashboard_counts_what_expires_is_expired_and_missing(session_client, world, clock):
    add_credential(world["uncertified"], clock.now(), "health_certificate", issued_on=TODAY - timedelta(days=300),
                   expires_on=TODAY + timedelta(days=25))
    db.session.commit()
    html = session_client(world["director"]).get("/?centre=alpha").get_data(as_text=True)
    counts = {name: re.search(rf'id="staff-{name}-count">(\d+)<', html).group(1)
              for name in ("expiring", "expired", "missing")}
    assert (counts, "/centres/alpha/staff-files/expiry" in html) == (
        {"expiring": "1", "expired": "0", "missing": "5"}, True)


def test_the_dashboard_shows_this_months_certified_share_against_the_regional_minimum(session_client, world, clock):
    _shift(world, clock)
    db.session.commit()
    html = session_client(world["director"]).get("/?centre=alpha").get_data(as_text=True)
    data = json.loads(html.split('<script type="application/json" id="share-data">', 1)[1].split("</script>", 1)[0])
    assert (re.search(r'id="certified-share">100.0 %<', html) is not None, data["target"], data["share"][-1],
            "uPlot-1.6.32.iife.min.js" in html) == (True, 90.0, 100.0, True)


def test_the_chart_library_loads_only_where_a_chart_is(session_client, world):
    html = session_client(world["caregiver"]).get("/?centre=alpha").get_data(as_text=True)
    assert ("uPlot" in html, 'id="staff-files-card"' in html) == (False, False)
