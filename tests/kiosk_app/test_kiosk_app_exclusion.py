"""A child excluded for illness (表4, until a return certificate) is refused at the kiosk offline, never naming it."""

from __future__ import annotations

from datetime import date

from kiosk_app_factories import FATHER, FATHER_PIN, MOTHER, XIAOHONG, XIAOMING, YIYI, Rig, card, make_document

from devices.wire.health_screen import RosterExclusion
from kiosk.fake_server import FakeKioskServer
from kiosk.roster import RosterCache
from kiosk.screens import Screen

# The rig's day is Monday 2026-09-07 in Shanghai.
HFMD = RosterExclusion(YIYI, date(2026, 9, 5), date(2026, 9, 12))


def exclude(rig: Rig, server: FakeKioskServer, *exclusions: RosterExclusion, offline: bool = True) -> None:
    """Publish a roster with ``exclusions``, sync it, then (by default) lose the server."""
    server.publish(make_document(version=2, exclusions=exclusions))
    rig.sync.sync_now()
    rig.kiosk.inline_io = False
    if offline:
        server.down()


def test_an_excluded_child_is_refused_offline_with_a_generic_reason(rig: Rig, server: FakeKioskServer) -> None:
    exclude(rig, server, HFMD)
    rig.scan(card(FATHER))
    state = rig.kiosk.state()
    assert (state["screen"], state["reason"], state["refusals"][0]["child"]["id"], state["refusals"][0]["message_zh"]
            ) == ("refused", "excluded", YIYI,
                  "因病暂停入园，须凭医疗机构返园证明入园（预计2026-09-12返园），请联系保健室")


def test_without_an_expected_day_the_reason_gives_no_date(rig: Rig, server: FakeKioskServer) -> None:
    exclude(rig, server, RosterExclusion(YIYI, date(2026, 9, 5)))
    rig.scan(card(FATHER))
    refusal = rig.kiosk.state()["refusals"][0]
    assert (refusal["message_zh"], refusal["message_en"]) == (
        "因病暂停入园，须凭医疗机构返园证明入园，请联系保健室",
        "Off for illness: a doctor's return certificate is needed to come back; please see the health room")


def test_the_general_message_says_a_return_certificate_is_needed(rig: Rig, server: FakeKioskServer) -> None:
    exclude(rig, server, HFMD)
    rig.scan(card(FATHER))
    assert rig.kiosk.state()["message_zh"] == "幼儿因病暂停入园，须凭医疗机构返园证明入园，请联系保健室"


def test_the_english_line_gives_the_expected_day_and_no_illness(rig: Rig, server: FakeKioskServer) -> None:
    exclude(rig, server, HFMD)
    rig.scan(card(FATHER))
    assert rig.kiosk.state()["refusals"][0]["message_en"] == (
        "Off for illness: a doctor's return certificate is needed to come back (expected back 2026-09-12); "
        "please see the health room")


def test_the_refusal_lights_red_and_keeps_the_door_shut(rig: Rig, server: FakeKioskServer) -> None:
    exclude(rig, server, HFMD)
    rig.scan(card(FATHER))
    assert (rig.signals.value("red_led"), rig.signals.value("relay"), rig.kiosk.presence.children) == (1, 0, set())


def test_the_refusal_is_recorded_as_an_event(rig: Rig, server: FakeKioskServer) -> None:
    exclude(rig, server, HFMD)
    rig.scan(card(FATHER))
    assert rig.outbox_events() == [("attendance.refused", {"reason": "excluded", "child_id": YIYI, "person_id": "c4",
                                                           "method": "card"})]


def test_the_refusal_reaches_the_server_when_it_is_back(rig: Rig, server: FakeKioskServer) -> None:
    exclude(rig, server, HFMD)
    rig.scan(card(FATHER))
    server.up()
    rig.deliver_all()
    assert [(str(e.kind), e.payload["reason"], e.payload["child_id"]) for e in server.events()] == [
        ("attendance.refused", "excluded", YIYI)]


def test_a_sibling_not_excluded_is_checked_in(rig: Rig, server: FakeKioskServer) -> None:
    exclude(rig, server, RosterExclusion(XIAOMING, date(2026, 9, 1)))
    rig.scan(card(MOTHER))
    state = rig.kiosk.state()
    assert (state["screen"], [c["id"] for c in state["children"]], [r["child"]["id"] for r in state["refusals"]],
            [(kind, p.get("children") or p.get("child_id")) for kind, p in rig.outbox_events()]) == (
        "accepted", [XIAOHONG], [XIAOMING], [("attendance.refused", XIAOMING), ("attendance.check_in", [XIAOHONG])])


def test_an_exclusion_from_tomorrow_does_not_refuse_today(rig: Rig, server: FakeKioskServer) -> None:
    exclude(rig, server, RosterExclusion(YIYI, date(2026, 9, 8)))
    rig.scan(card(FATHER))
    assert rig.kiosk.screen is Screen.ACCEPTED


def test_an_exclusion_dated_tomorrow_refuses_on_the_next_day_with_the_same_roster(
        rig: Rig, server: FakeKioskServer) -> None:
    exclude(rig, server, RosterExclusion(YIYI, date(2026, 9, 8)))
    rig.clock.advance(hours=24)
    rig.frames(1)
    rig.scan(card(FATHER))
    assert rig.kiosk.state()["reason"] == "excluded"


def test_a_child_already_present_may_still_be_collected(rig: Rig, server: FakeKioskServer) -> None:
    rig.scan(card(FATHER))  # checked in before the exclusion was recorded
    rig.lower()
    rig.clock.advance(minutes=30)
    rig.frames(1)
    exclude(rig, server, HFMD)
    rig.scan(card(FATHER))
    assert (rig.kiosk.screen, rig.kiosk.presence.children) == (Screen.ACCEPTED, set())


def test_the_pin_fallback_refuses_too(rig: Rig, server: FakeKioskServer) -> None:
    exclude(rig, server, HFMD)
    state = rig.kiosk.pin(FATHER_PIN, person_id="c4")
    assert (state["reason"], rig.outbox_events()[0][1]["method"]) == ("excluded", "pin")


def test_the_exclusion_survives_a_restart_from_the_cached_roster(rig: Rig, server: FakeKioskServer) -> None:
    exclude(rig, server, HFMD)
    cache = RosterCache(rig.config.roster_dir, rig.sync.cache.trusted_keys, rig.sync.cache.centre_id)
    assert cache.load().excluded_on(date(2026, 9, 7)) == {YIYI: HFMD}


def test_a_lifted_exclusion_lets_the_child_in(rig: Rig, server: FakeKioskServer) -> None:
    exclude(rig, server, HFMD, offline=False)
    server.publish(make_document(version=3))  # the return certificate was recorded
    rig.sync.sync_now()
    rig.scan(card(FATHER))
    assert rig.kiosk.screen is Screen.ACCEPTED


def test_collecting_the_sibling_records_no_second_refusal(rig: Rig, server: FakeKioskServer) -> None:
    exclude(rig, server, RosterExclusion(XIAOMING, date(2026, 9, 1)))
    rig.scan(card(MOTHER))  # drop-off: 王小红 in, 王小明 refused
    rig.lower()
    rig.clock.advance(hours=8)
    rig.frames(1)
    rig.scan(card(MOTHER))  # pick-up of 王小红
    state = rig.kiosk.state()
    assert (state["screen"], [r["child"]["id"] for r in state["refusals"]],
            [kind for kind, _ in rig.outbox_events()]) == (
        "accepted", [XIAOMING], ["attendance.refused", "attendance.check_in", "attendance.check_out"])
