"""A phone (or card) newer than the kiosk's roster: fetch the roster at once, bounded; offline, never "forged" (#13)."""

from __future__ import annotations

import dataclasses

from kiosk_app_factories import FORGER_KEY, MOTHER, XIAOHONG, XIAOMING, Rig, key, make_document

from devices.wire.keys import public_key_text
from devices.wire.phone import phone_code
from devices.wire.roster import PhoneEnrolment
from kiosk.fake_server import FakeKioskServer
from kiosk.sync import ROSTER_PATH

NEW_PHONE = key("mother's new phone")


def enrol_new_phone(server: FakeKioskServer) -> None:
    """The mother opens her pass on a new phone: the server's roster lists it, the kiosk's does not yet."""
    document = make_document(version=2)
    credentials = tuple(
        dataclasses.replace(c, phones=(*c.phones, PhoneEnrolment(9003, public_key_text(NEW_PHONE.public_key()))))
        if c.id == MOTHER else c for c in document.credentials)
    server.publish(dataclasses.replace(document, credentials=credentials))


def new_phone_code(rig: Rig) -> str:
    return phone_code(NEW_PHONE, MOTHER, rig.clock.now())


def test_new_phone_is_accepted_at_once_by_fetching_the_roster(rig: Rig, server: FakeKioskServer) -> None:
    enrol_new_phone(server)
    verdicts = rig.scan(new_phone_code(rig))
    assert ([v.accepted for v in verdicts], rig.kiosk.roster.version if rig.kiosk.roster else None) == ([True], 2)


def test_new_phone_reaches_the_confirm_screen_with_the_children(rig: Rig, server: FakeKioskServer) -> None:
    enrol_new_phone(server)
    rig.scan(new_phone_code(rig))
    assert [c["id"] for c in rig.kiosk.state()["children"]] == [XIAOMING, XIAOHONG]


def test_forged_phone_code_is_still_refused_after_the_fetch(rig: Rig) -> None:
    rig.scan(phone_code(FORGER_KEY, MOTHER, rig.clock.now()))
    assert rig.kiosk.state()["reason"] == "bad_signature"


def test_flood_of_bad_codes_fetches_the_roster_once_per_interval(rig: Rig, server: FakeKioskServer) -> None:
    before = server.requests_per_path[ROSTER_PATH]
    for _ in range(20):  # one a second, each a fresh forged code
        rig.lower()
        rig.clock.advance(seconds=1)
        rig.scan(phone_code(FORGER_KEY, MOTHER, rig.clock.now()))
    assert server.requests_per_path[ROSTER_PATH] - before == 1


def test_fetch_on_demand_is_allowed_again_after_the_interval(rig: Rig, server: FakeKioskServer) -> None:
    rig.scan(phone_code(FORGER_KEY, MOTHER, rig.clock.now()))
    rig.lower()
    rig.clock.advance(seconds=rig.config.roster.on_demand_interval_s)
    before = server.requests_per_path[ROSTER_PATH]
    rig.scan(phone_code(FORGER_KEY, MOTHER, rig.clock.now()))
    assert server.requests_per_path[ROSTER_PATH] - before == 1


def test_offline_kiosk_says_it_cannot_confirm_a_new_phone(rig: Rig, server: FakeKioskServer) -> None:
    enrol_new_phone(server)
    server.down()
    rig.scan(new_phone_code(rig))
    state = rig.kiosk.state()
    assert (state["reason"], state["message_zh"]) == ("offline_new_phone", "离线，暂时无法确认新手机，请联系前台或使用签到卡")


def test_offline_refusal_of_a_new_phone_is_still_recorded_as_such(rig: Rig, server: FakeKioskServer) -> None:
    rig.kiosk.inline_io = False
    server.down()
    rig.scan(new_phone_code(rig))
    assert rig.outbox_events() == [("attendance.refused", {"reason": "bad_signature", "method": "phone",
                                                           "credential_id": MOTHER, "person_id": "c1"})]


def test_new_phone_is_accepted_once_the_server_is_back(rig: Rig, server: FakeKioskServer) -> None:
    enrol_new_phone(server)
    server.down()
    rig.scan(new_phone_code(rig))
    server.up()
    rig.lower()
    rig.clock.advance(seconds=rig.config.roster.on_demand_interval_s)
    verdicts = rig.scan(new_phone_code(rig))
    assert [v.accepted for v in verdicts] == [True]
