"""The server side of the kiosk: enrolment, device tokens, the signed roster, exactly-once event ingest."""

from __future__ import annotations

import base64
from datetime import date, timedelta

from sqlalchemy import func, select

from devices.wire.keys import load_public_key
from hardware.clock import FakeClock
from kiosk.roster import load_roster
from kiosk.verify import ReplayCache, Verifier
from server.attendance.models import AttendanceEvent
from server.attendance.operations.credentials import issue_credential
from server.audit.models import AccessEvent
from server.database import db
from tests.factories import SYSTEM, link, make_centre, make_contact, make_staff
from tests.server.attendance.kiosk_helpers import batch, kiosk_event, post_events, statuses


def test_a_used_enrolment_code_cannot_enrol_a_second_device(client, world):
    director = world["director"]
    code = client.post("/api/v1/centres/alpha/devices/enrolment-codes", json={"kind": "kiosk", "name": "侧门"},
                       headers=director.headers).get_json()["code"]
    first = client.post("/api/v1/devices/enroll", json={"code": code, "kind": "kiosk"})
    second = client.post("/api/v1/devices/enroll", json={"code": code, "kind": "kiosk"})
    assert (first.status_code, second.status_code, second.get_json()["error"]["code"]) == (201, 404, "enrolment_refused")


def test_an_expired_enrolment_code_is_refused(client, world, clock):
    code = client.post("/api/v1/centres/alpha/devices/enrolment-codes", json={"kind": "kiosk", "name": "侧门",
                       "valid_hours": 1}, headers=world["director"].headers).get_json()["code"]
    clock.advance(hours=1)
    assert client.post("/api/v1/devices/enroll", json={"code": code, "kind": "kiosk"}).status_code == 404


def test_the_roster_verifies_with_the_keys_given_at_enrolment(client, world, clock):
    body = client.get("/api/v1/devices/roster", headers=world["headers"]).get_json()
    keys = [load_public_key(k["public_key"]) for k in world["kiosk"]["trusted_keys"]]
    roster = load_roster(base64.b64decode(body["document"]), base64.b64decode(body["signature"]), keys,
                         centre_id=world["kiosk"]["centre_id"])
    person = roster.person(f"c{world['mother'].id}")
    assert ([c.id for c in roster.children_of(person)[1]], body["version"]) == ([world["child"].id], roster.version)


def test_an_unchanged_roster_answers_304(client, world):
    version = client.get("/api/v1/devices/roster", headers=world["headers"]).get_json()["version"]
    again = client.get("/api/v1/devices/roster", headers={**world["headers"], "If-None-Match": f'"{version}"'})
    assert again.status_code == 304


def test_a_new_day_gives_a_new_roster_though_nothing_was_recorded(client, world, clock):
    # Cards expire and staff credential notices count down with the day: a kiosk must not keep yesterday's.
    version = client.get("/api/v1/devices/roster", headers=world["headers"]).get_json()["version"]
    clock.advance(hours=12)  # 09:30 → 21:30 the same day in Shanghai: still 304
    same_day = client.get("/api/v1/devices/roster", headers={**world["headers"], "If-None-Match": f'"{version}"'})
    clock.advance(hours=3)  # past midnight in Shanghai
    next_day = client.get("/api/v1/devices/roster", headers={**world["headers"], "If-None-Match": f'"{version}"'})
    assert (same_day.status_code, next_day.status_code) == (304, 200)
    assert next_day.get_json()["version"] > version


def test_a_server_issued_card_is_accepted_by_the_kiosk_verifier(client, world, clock):
    card = client.get(f"/api/v1/credentials/{world['credential'].id}/card", headers=world["director"].headers).get_json()
    body = client.get("/api/v1/devices/roster", headers=world["headers"]).get_json()
    keys = [load_public_key(k["public_key"]) for k in world["kiosk"]["trusted_keys"]]
    roster = load_roster(base64.b64decode(body["document"]), base64.b64decode(body["signature"]), keys,
                         centre_id=world["kiosk"]["centre_id"])
    verdict = Verifier(roster, FakeClock(current=clock.now()), ReplayCache()).verify_scan(card["qr_text"])
    assert (verdict.accepted, verdict.person.name) == (True, "李丽")


def test_a_check_in_makes_the_child_present(client, world, clock):
    assert statuses(post_events(client, world, kiosk_event(world, clock))) == ["accepted"]
    presence = client.get("/api/v1/centres/alpha/presence", headers=world["director"].headers).get_json()
    assert (presence["children_present"], presence["rooms"][0]["children"]) == (1, [world["child"].id])


def test_a_check_out_makes_the_child_absent(client, world, clock):
    post_events(client, world, kiosk_event(world, clock))
    clock.advance(hours=8)
    post_events(client, world, kiosk_event(world, clock, kind="attendance.check_out"))
    presence = client.get("/api/v1/centres/alpha/presence", headers=world["director"].headers).get_json()
    assert presence["children_present"] == 0


def test_a_repeated_batch_changes_nothing_and_answers_duplicate(client, world, clock):
    event = kiosk_event(world, clock)
    post_events(client, world, event)
    again = post_events(client, world, event)
    rows = db.session.execute(select(func.count()).select_from(AttendanceEvent)).scalar_one()
    assert (statuses(again), rows) == (["duplicate"], 1)


def test_a_reused_key_with_other_content_is_rejected(client, world, clock):
    event = kiosk_event(world, clock)
    post_events(client, world, event)
    forged = event.model_copy(update={"payload": {**event.payload, "children": []}})
    result = post_events(client, world, forged).get_json()["results"][0]
    assert (result["status"], result["reason"]) == ("rejected", "key_reused")


def test_an_unknown_child_is_rejected_and_its_neighbour_still_accepted(client, world, clock):
    bad = kiosk_event(world, clock, children=[999999])
    good = kiosk_event(world, clock)
    results = {r["key"]: r for r in post_events(client, world, bad, good).get_json()["results"]}
    assert (results[bad.key]["reason"], results[good.key]["status"]) == ("unknown_child", "accepted")


def test_a_revoked_credential_is_stored_but_flagged(client, world, clock):
    world["credential"].revoked_at = clock.now()
    db.session.commit()
    post_events(client, world, kiosk_event(world, clock))
    row = db.session.execute(select(AttendanceEvent)).scalar_one()
    assert row.flags == ["credential_revoked"]


def test_an_unauthorised_pick_up_is_stored_but_flagged(client, world, clock):
    grandpa = make_contact(world["centre"], clock.now(), name="张爷爷")
    link(world["child"], grandpa, clock.now(), guardian=False, pick_up=False)
    post_events(client, world, kiosk_event(world, clock, kind="attendance.check_out", person_id=f"c{grandpa.id}",
                                credential_id=None, method="pin"))
    row = db.session.execute(select(AttendanceEvent)).scalar_one()
    assert row.flags == ["not_authorised"]


def test_a_refused_attempt_at_the_kiosk_is_recorded(client, world, clock):
    event = kiosk_event(world, clock, kind="attendance.refused")
    event = event.model_copy(update={"payload": {"reason": "revoked_card", "method": "card"}})
    post_events(client, world, event)
    row = db.session.execute(select(AttendanceEvent)).scalar_one()
    assert (row.kind.value, row.reason) == ("refused", "revoked_card")


def test_a_revoked_kiosk_gets_401_and_the_attempt_is_logged(client, world, clock):
    device = client.get("/api/v1/centres/alpha/devices", headers=world["director"].headers).get_json()["items"][0]
    client.post(f"/api/v1/devices/{device['id']}/revoke", headers=world["director"].headers)
    response = post_events(client, world, kiosk_event(world, clock))
    logged = db.session.execute(select(AccessEvent).where(AccessEvent.object_type == "device")).scalar_one()
    assert (response.status_code, response.get_json()["error"]["code"], logged.action) == (401, "device_revoked", "denied")


def test_a_batch_naming_another_device_is_refused(client, world, clock):
    body = batch(world, kiosk_event(world, clock))
    body["device_id"] = "kiosk-someoneelse"
    body["events"][0]["device_id"] = "kiosk-someoneelse"
    response = client.post("/api/v1/devices/events", json=body, headers=world["headers"])
    assert response.status_code == 403


def test_a_garbage_batch_gets_422_in_the_error_shape(client, world):
    response = client.post("/api/v1/devices/events", data=b"{not json", headers={**world["headers"],
                           "Content-Type": "application/json"})
    assert (response.status_code, response.get_json()["error"]["code"]) == (422, "invalid_json")


def test_staff_sign_on_duty_without_children(client, world, clock):
    teacher = make_staff(world["centre"], clock.now(), name="赵老师", hired_on=date(2026, 1, 1))
    cred = issue_credential(world["centre"], staff=teacher, expires_on=date(2027, 1, 1), actor=SYSTEM, now=clock.now())
    db.session.commit()
    post_events(client, world, kiosk_event(world, clock, person_id=f"s{teacher.id}", children=[], credential_id=cred.id))
    presence = client.get("/api/v1/centres/alpha/presence", headers=world["director"].headers).get_json()
    row = db.session.execute(select(AttendanceEvent).where(AttendanceEvent.staff_id == teacher.id)).scalar_one()
    assert (presence["staff_present"], row.flags) == (1, [])  # certified (tests/factories.make_staff): not flagged


def test_check_ins_from_yesterday_do_not_count_today(client, world, clock):
    post_events(client, world, kiosk_event(world, clock))
    clock.advance(timedelta(days=1))
    presence = client.get("/api/v1/centres/alpha/presence", headers=world["director"].headers).get_json()
    assert presence["children_present"] == 0


def test_a_kiosk_cannot_fetch_a_photo_of_another_centre(client, world, clock):
    from server.people.operations import set_contact_photo

    other = make_centre("beta", clock.now())
    stranger = make_contact(other, clock.now())
    photo = set_contact_photo(stranger, b"\x89PNG", "image/png", retain_until=None, actor=SYSTEM, now=clock.now())
    own = set_contact_photo(world["mother"], b"\x89PNG own", "image/png", retain_until=None, actor=SYSTEM,
                            now=clock.now())
    db.session.commit()
    theirs = client.get(f"/api/v1/devices/photos/{photo.id}", headers=world["headers"]).status_code
    ours = client.get(f"/api/v1/devices/photos/{own.id}", headers=world["headers"])
    assert (theirs, ours.status_code, ours.data) == (404, 200, b"\x89PNG own")


def test_a_revoked_phone_leaves_the_next_roster(client, world, clock):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from devices.wire.keys import public_key_text

    key = public_key_text(Ed25519PrivateKey.generate().public_key())
    url = f"/api/v1/credentials/{world['credential'].id}/phones"
    phone = client.post(url, json={"public_key": key}, headers=world["director"].headers).get_json()
    before = client.get("/api/v1/devices/roster", headers=world["headers"]).get_json()
    client.delete(f"{url}/{phone['id']}", headers=world["director"].headers)
    after = client.get("/api/v1/devices/roster", headers=world["headers"]).get_json()
    assert (key in base64.b64decode(before["document"]).decode(), key in base64.b64decode(after["document"]).decode()) == (True, False)


def test_kiosks_learn_the_last_move_of_each_child_from_the_server(client, world, clock):
    post_events(client, world, kiosk_event(world, clock))
    clock.advance(minutes=1)
    body = client.get("/api/v1/devices/presence", headers=world["headers"]).get_json()
    assert (body["day"], body["children"]) == (
        "2026-09-07", [{"id": world["child"].id, "inside": True, "at": "2026-09-07T01:30:00Z"}])
