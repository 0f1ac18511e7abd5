"""The child's day as the family reads it: every record of the day, made through the real operations, in order."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from server.audit.models import AccessEvent
from server.database import db
from tests.server.family.conftest import DAY, local
from tests.server.family.records import full_day, move_to


def _day(client, family, on: str = ""):
    query = f"?on={on}" if on else ""
    return client.get(f"/api/v1/family/children/{family.child.id}/day{query}", headers=family.mum.headers)


def test_the_day_tells_every_moment_in_order(client, family, clock):
    full_day(family, client, clock)
    body = _day(client, family).get_json()
    assert [i["kind"] for i in body["items"]] == [
        "arrival", "check", "outdoor", "meal", "bottle", "water", "diaper", "nap", "dose", "note", "observation",
        "departure"]


def test_the_arrival_says_who_brought_the_child_and_the_departure_who_collected(client, family, clock):
    full_day(family, client, clock)
    items = {i["kind"]: i for i in _day(client, family).get_json()["items"]}
    assert ((items["arrival"]["at"], items["arrival"]["by"]), (items["departure"]["at"], items["departure"]["by"])) == (
        ("2026-09-07T00:12:00Z", {"relationship": "mother", "name": "李丽"}),
        ("2026-09-07T09:40:00Z", {"relationship": "grandfather", "name": "王建国"}))


def test_the_care_moments_carry_what_a_family_reads(client, family, clock):
    full_day(family, client, clock)
    items = {i["kind"]: i for i in _day(client, family).get_json()["items"]}
    assert ((items["meal"]["share_eaten"], items["meal"]["allergens"], items["meal"]["allergy_acknowledged"]),
            items["bottle"]["ml"], items["water"]["ml"], items["diaper"]["diaper_kind"],
            (items["check"]["check_kind"], items["check"]["result"], items["check"]["temperature"]),
            (items["outdoor"]["at"], items["outdoor"]["minutes"])) == (
        ("most", ["peanuts"], True), 120, 100, "wet", ("morning", "normal", "36.6"),
        ("2026-09-07T01:30:00Z", 40))


def test_a_nap_shows_from_to_its_length_and_how_often_it_was_checked_not_the_checks(client, family, clock):
    full_day(family, client, clock)
    nap = next(i for i in _day(client, family).get_json()["items"] if i["kind"] == "nap")
    assert (nap["at"], nap["until"], nap["minutes"], nap["checks"], "position" in str(nap)) == (
        "2026-09-07T04:30:00Z", "2026-09-07T06:45:00Z", 135, 3, False)


def test_a_dose_given_shows_the_drug_the_dose_and_the_time(client, family, clock):
    full_day(family, client, clock)
    dose = next(i for i in _day(client, family).get_json()["items"] if i["kind"] == "dose")
    assert (dose["at"], dose["drug"], dose["dose"], dose["dose_unit"]) == (
        "2026-09-07T07:00:00Z", "布洛芬混悬液", "2.500", "ml")


def test_only_the_notes_shared_with_the_family_are_shown(client, family, clock):
    full_day(family, client, clock)
    notes = [(i["kind"], i["body"], i["domain"]) for i in _day(client, family).get_json()["items"]
             if i["kind"] in ("note", "observation")]
    assert notes == [("note", "今天很开心，和小朋友一起搭积木。", None), ("observation", "能说出三个字的短句。", "language")]


def test_the_day_summarises_the_class_outdoor_time_and_the_status(client, family, clock):
    full_day(family, client, clock)
    body = _day(client, family).get_json()
    assert (body["outdoor"]["minutes"], body["status"]["state"], body["status"]["at"],
            body["status"]["by"]["relationship"]) == (40, "left", "2026-09-07T09:40:00Z", "grandfather")


def test_a_child_away_has_no_share_of_the_classs_outdoor_time(client, family, clock):
    from server.care.operations.outdoor import record_outdoor
    from tests.factories import SYSTEM

    move_to(clock, 10, 10)
    record_outdoor(family.room, minutes=40, started_at=local(9, 30), actor=SYSTEM, now=clock.now())
    db.session.commit()
    body = _day(client, family).get_json()
    assert (body["outdoor"], body["items"], body["status"]["state"]) == (None, [], "not_arrived")


def test_the_page_reads_the_day_in_chinese_in_local_time(session_client, family, clock, client):
    full_day(family, client, clock)
    html = session_client(family.mum).get(f"/centres/alpha/family/children/{family.child.id}/day").get_data(
        as_text=True)
    assert all(text in html for text in (
        "08:12", "母亲 李丽", "17:40", "祖父/外祖父 王建国", "晨检", "36.6", "大部分", "花生", "120 ml", "12:30", "14:45",
        "135", "布洛芬混悬液", "今天很开心", "能说出三个字的短句", "40")), html
    assert "内部" not in html


def test_a_past_day_is_read_the_next_morning_with_a_way_back_and_forth(session_client, family, clock, client):
    full_day(family, client, clock)
    move_to(clock, 9, 0, DAY + timedelta(days=1))
    mum = session_client(family.mum)
    html = mum.get(f"/centres/alpha/family/children/{family.child.id}/day?on=2026-09-07").get_data(as_text=True)
    today = _day(client, family).get_json()
    assert ("布洛芬混悬液" in html, 'id="previous-day"' in html, 'id="next-day"' in html,
            today["status"]["state"], today["items"], today["previous_day"]) == (
        True, True, True, "not_arrived", [], "2026-09-07")


def test_today_has_no_next_day_and_a_day_to_come_is_refused(client, family, clock, session_client):
    answer = _day(client, family, "2026-09-08")
    page = session_client(family.mum).get(f"/centres/alpha/family/children/{family.child.id}/day?on=2026-09-08")
    assert (answer.status_code, answer.get_json()["error"]["code"], _day(client, family).get_json()["next_day"],
            page.status_code, page.headers["Location"]) == (
        422, "in_future", None, 302, f"/centres/alpha/family/children/{family.child.id}/day")


def test_a_day_before_enrolment_is_empty_and_says_why(client, family, session_client):
    body = _day(client, family, "2026-02-28").get_json()
    html = session_client(family.mum).get(
        f"/centres/alpha/family/children/{family.child.id}/day?on=2026-02-28").get_data(as_text=True)
    assert (body["enrolled"], body["items"], body["status"]["state"], body["previous_day"]) == (
        False, [], "not_enrolled", None)
    assert 'id="not-enrolled"' in html and "2026-03-01" in html


def test_the_first_day_has_no_previous_day(client, family):
    assert _day(client, family, "2026-03-01").get_json()["previous_day"] is None


def test_a_bad_date_is_refused(client, family, session_client):
    page = session_client(family.mum).get(f"/centres/alpha/family/children/{family.child.id}/day?on=yesterday")
    assert (_day(client, family, "yesterday").status_code, page.status_code) == (422, 400)


def test_reading_the_day_logs_the_health_reads_through_their_own_domains(client, family, clock):
    full_day(family, client, clock)
    db.session.commit()
    before = db.session.execute(select(AccessEvent.id).order_by(AccessEvent.id.desc())).scalars().first() or 0
    _day(client, family)
    logged = db.session.execute(select(AccessEvent.object_type, AccessEvent.object_id, AccessEvent.user_id).where(
        AccessEvent.id > before)).all()
    assert {(t, u) for t, _, u in logged} >= {("health_checks", family.mum.user.id),
                                              ("medication_dose", family.mum.user.id),
                                              ("family_day", family.mum.user.id)}


def test_a_morning_check_not_right_names_the_sign_and_the_findings(client, family, clock):
    from tests.server.family.records import morning_check

    move_to(clock, 8, 30)
    morning_check(family.child, clock, temperature="37.2", skin_ok=False, findings="手心有两个小红点")
    db.session.commit()
    check = _day(client, family).get_json()["items"][0]
    assert (check["result"], check["signs_off"], check["findings"], check["at"]) == (
        "abnormal", ["skin"], "手心有两个小红点", local(8, 30).strftime("%Y-%m-%dT%H:%M:%SZ"))


def test_the_day_is_in_the_openapi_document(client):
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/family/children/{child_id}/day"]["get"]
    assert ("200" in operation["responses"], [p["name"] for p in operation["parameters"] if p["in"] == "query"]) == (
        True, ["on"])
