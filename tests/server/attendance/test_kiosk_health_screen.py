"""The server side of the kiosk's quick health screen and of exclusions at the door (issue #15).

A check-in carrying screens opens each child's pending 晨检 (H1's ``record_quick_screen``); a check-in without
them is as before. The roster carries the centre's screen settings and the children excluded today (H3's
``excluded_children``); an excluded child's check-in that arrives anyway is kept, flagged and alerted.
"""

from __future__ import annotations

import base64
import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from devices.wire.health_screen import RosterExclusion, RosterHealthScreen
from devices.wire.keys import load_public_key
from hardware.clock import FakeClock
from kiosk.roster import Roster, load_roster
from kiosk.verify import ReplayCache, Verifier, decide
from server.alerts.models import Alert
from server.attendance.kiosk_screen import set_skip_allowed, skip_allowed
from server.attendance.models import AttendanceEvent, AttendanceKind
from server.attendance.operations import kiosk_events
from server.database import db
from server.fleet.models import Device
from server.health.checks.models import CheckSource, CheckStatus, HealthCheck
from server.health.illness.operations import record_return_certificate, report_case
from tests.factories import SYSTEM
from tests.server.attendance.kiosk_helpers import kiosk_event, post_events, statuses

# The test day is Monday 2026-09-07 in Shanghai (T0 = 09:30 local).
DAY = date(2026, 9, 7)


def screen(child_id: int, **changes: Any) -> dict[str, Any]:
    return {"child_id": child_id, "temperature": 36.6, "skipped": False, "hands_mouth_eyes_ok": True, **changes}


def checks() -> list[HealthCheck]:
    return list(db.session.execute(select(HealthCheck).order_by(HealthCheck.id)).scalars())


def rows() -> list[AttendanceEvent]:
    return list(db.session.execute(select(AttendanceEvent).order_by(AttendanceEvent.id)).scalars())


def exclude(world: dict[str, Any], clock: FakeClock, **changes: Any) -> Any:
    values = {"disease": "手足口病", "onset_on": date(2026, 9, 4), "reported_on": date(2026, 9, 5),
              "excluded_from": date(2026, 9, 5), "excluded_until": date(2026, 9, 12), **changes}
    case = report_case(world["child"], actor=SYSTEM, now=clock.now(), **values)
    db.session.commit()
    return case


def roster(client: Any, world: dict[str, Any]) -> Roster:
    body = client.get("/api/v1/devices/roster", headers=world["headers"]).get_json()
    keys = [load_public_key(k["public_key"]) for k in world["kiosk"]["trusted_keys"]]
    return load_roster(base64.b64decode(body["document"]), base64.b64decode(body["signature"]), keys,
                       centre_id=world["kiosk"]["centre_id"])


# -- the screen in the check-in ---------------------------------------------------------------------------------


def test_a_screened_check_in_opens_the_childs_pending_morning_check(client, world, clock) -> None:
    child = world["child"].id
    response = post_events(client, world, kiosk_event(world, clock, screens=[screen(child)]))
    (check,) = checks()
    device = db.session.execute(select(Device)).scalar_one()
    assert (statuses(response), check.child_id, check.temperature, check.hands_mouth_eyes_ok, check.source,
            check.result, check.device_id, check.on) == (
        ["accepted"], child, Decimal("36.6"), True, CheckSource.KIOSK, CheckStatus.PENDING, device.id, DAY)


def test_a_skipped_temperature_is_recorded_without_one(client, world, clock) -> None:
    child = world["child"].id
    post_events(client, world, kiosk_event(world, clock, screens=[screen(child, temperature=None, skipped=True)]))
    (check,) = checks()
    assert (check.temperature, check.result) == (None, CheckStatus.PENDING)


def test_a_fever_is_recorded_and_the_check_in_counts(client, world, clock) -> None:
    child = world["child"].id
    post_events(client, world, kiosk_event(world, clock, screens=[screen(child, temperature=38.4,
                                                                         hands_mouth_eyes_ok=False)]))
    (check,), (row,) = checks(), rows()
    assert (check.temperature, check.hands_mouth_eyes_ok, row.kind, row.flags) == (
        Decimal("38.4"), False, AttendanceKind.CHECK_IN, [])


def test_the_screen_keeps_the_scan_time(client, world, clock) -> None:
    event = kiosk_event(world, clock, screens=[screen(world["child"].id)])
    clock.advance(hours=2)  # delivered after an outage
    post_events(client, world, event)
    assert checks()[0].at == event.created_at


def test_the_health_checks_are_called_with_the_agreed_arguments(client, world, clock, monkeypatch) -> None:
    calls: list[tuple[int, dict[str, Any]]] = []
    monkeypatch.setattr(kiosk_events, "record_quick_screen", lambda child, **kw: calls.append((child.id, kw)))
    event = kiosk_event(world, clock, screens=[screen(world["child"].id, temperature=37.0)])
    post_events(client, world, event)
    device = db.session.execute(select(Device)).scalar_one()
    assert calls == [(world["child"].id, {"temperature": Decimal("37.0"), "hands_mouth_eyes_ok": True,
                                       "device_id": device.id, "at": event.created_at, "now": clock.now()})]


def test_a_check_in_without_a_screen_is_accepted_as_before(client, world, clock) -> None:
    response = post_events(client, world, kiosk_event(world, clock))
    assert (statuses(response), len(rows()), checks()) == (["accepted"], 1, [])


@pytest.mark.parametrize("bad", [{"temperature": 50.0}, {"temperature": "36.6"}, {"hands_mouth_eyes_ok": "yes"},
                                 {"child_id": 999999}, {"temperature": None}])
def test_a_bad_screen_is_rejected_and_nothing_is_stored(client, world, clock, bad) -> None:
    response = post_events(client, world, kiosk_event(world, clock, screens=[{**screen(world["child"].id), **bad}]))
    (result,) = response.get_json()["results"]
    assert ((result["status"], result["reason"]), rows(), checks()) == (("rejected", "invalid_screen"), [], [])


def test_a_check_out_carrying_screens_is_rejected(client, world, clock) -> None:
    event = kiosk_event(world, clock, kind="attendance.check_out", screens=[screen(world["child"].id)])
    (result,) = post_events(client, world, event).get_json()["results"]
    assert (result["status"], result["reason"]) == ("rejected", "invalid_screen")


def test_a_replayed_screen_opens_one_check_only(client, world, clock) -> None:
    event = kiosk_event(world, clock, screens=[screen(world["child"].id)])
    post_events(client, world, event)
    again = post_events(client, world, event)
    assert (statuses(again), len(checks())) == (["duplicate"], 1)


# -- exclusions ----------------------------------------------------------------------------------------------


def test_an_excluded_childs_check_in_from_a_stale_roster_is_flagged_excluded(client, world, clock) -> None:
    exclude(world, clock)
    response = post_events(client, world, kiosk_event(world, clock))
    (row,) = rows()
    assert (statuses(response), row.kind, row.flags) == (["accepted"], AttendanceKind.CHECK_IN, ["excluded"])


def test_the_flag_raises_an_urgent_alert_naming_the_return_certificate_not_the_disease(client, world, clock) -> None:
    exclude(world, clock)
    post_events(client, world, kiosk_event(world, clock))
    alert = db.session.execute(select(Alert).where(Alert.kind == "attendance.check_in")).scalar_one()
    assert (alert.severity, alert.message_zh) == ("urgent", "签到异常：幼儿因病暂停入园，须凭医疗机构返园证明入园（王小明）")
    assert "手足口病" not in alert.message_zh + alert.message_en  # every member of staff reads alerts


def test_a_child_back_with_a_certificate_is_not_flagged(client, world, clock) -> None:
    case = exclude(world, clock)
    record_return_certificate(case, on=DAY, issuer="徐汇区妇幼保健所", actor=SYSTEM, now=clock.now())
    db.session.commit()
    post_events(client, world, kiosk_event(world, clock))
    assert rows()[0].flags == []


def test_the_check_out_of_an_excluded_child_is_not_flagged(client, world, clock) -> None:
    exclude(world, clock)
    post_events(client, world, kiosk_event(world, clock, kind="attendance.check_out"))
    assert rows()[0].flags == []


def test_the_kiosks_refusal_of_an_excluded_child_is_recorded_with_the_child(client, world, clock) -> None:
    exclude(world, clock)
    event = kiosk_event(world, clock, kind="attendance.refused")
    event = event.model_copy(update={"payload": {"reason": "excluded", "child_id": world["child"].id,
                                                 "person_id": f"c{world['mother'].id}", "method": "card"}})
    response = post_events(client, world, event)
    (row,) = rows()
    assert (statuses(response), row.kind, row.reason, row.child_id) == (
        ["accepted"], AttendanceKind.REFUSED, "excluded", world["child"].id)


# -- the roster ----------------------------------------------------------------------------------------------


def test_the_roster_carries_todays_exclusions_without_the_disease(client, world, clock) -> None:
    exclude(world, clock)
    assert roster(client, world).document.exclusions == (
        RosterExclusion(world["child"].id, date(2026, 9, 5), date(2026, 9, 12)),)


def test_the_roster_bytes_hold_no_disease_name_for_an_excluded_child(client, world, clock) -> None:
    exclude(world, clock)
    body = client.get("/api/v1/devices/roster", headers=world["headers"]).get_json()
    document = base64.b64decode(body["document"])
    (entry,) = json.loads(document)["exclusions"]
    assert ("手足口病".encode() in document, "disease" in entry, sorted(entry)) == (
        False, False, ["child", "expected_until", "since"])


def test_a_return_certificate_takes_the_child_off_the_rosters_exclusions(client, world, clock) -> None:
    case = exclude(world, clock)
    before = roster(client, world)
    record_return_certificate(case, on=DAY, issuer="徐汇区妇幼保健所", actor=SYSTEM, now=clock.now())
    db.session.commit()
    after = roster(client, world)
    assert (len(before.document.exclusions), after.document.exclusions, after.version > before.version) == (
        1, (), True)


def test_a_kiosk_on_the_servers_roster_refuses_the_excluded_child(client, world, clock) -> None:
    exclude(world, clock)
    card = client.get(f"/api/v1/credentials/{world['credential'].id}/card",
                      headers=world["director"].headers).get_json()
    cached = roster(client, world)
    verdict = Verifier(cached, FakeClock(current=clock.now()), ReplayCache()).verify_scan(card["qr_text"])
    decision = decide(verdict, set(), cached.excluded_on(DAY))
    assert ([c.id for c in decision.check_in], [(r.child.id, r.reason.value) for r in decision.refused]) == (
        [], [(world["child"].id, "excluded")])


def test_the_roster_carries_the_screen_settings_by_default(client, world) -> None:
    assert roster(client, world).document.health_screen == RosterHealthScreen(True, Decimal("37.3"))


def test_without_a_fever_figure_in_the_rulebook_the_roster_carries_none(world, monkeypatch) -> None:
    """No figure of the rulebook: the server judges no fever, so the roster gives the kiosk none (no default)."""
    from server.attendance import kiosk_screen

    monkeypatch.setattr(kiosk_screen, "fever_threshold", lambda centre, day: None)
    settings = kiosk_screen.roster_health_screen(world["centre"], DAY)
    assert (settings, settings.as_json()) == (RosterHealthScreen(True, None),
                                              {"skip_allowed": True, "fever_from": None})


def test_the_centre_may_require_the_temperature(client, world, clock) -> None:
    before = roster(client, world)
    set_skip_allowed(world["centre"], allowed=False, actor=SYSTEM, now=clock.now())
    db.session.commit()
    after = roster(client, world)
    assert (skip_allowed(world["centre"].id), after.document.health_screen.skip_allowed,
            after.version > before.version) == (False, False, True)


def test_the_latest_setting_counts(world, clock) -> None:
    set_skip_allowed(world["centre"], allowed=False, actor=SYSTEM, now=clock.now())
    set_skip_allowed(world["centre"], allowed=True, actor=SYSTEM, now=clock.now())
    assert skip_allowed(world["centre"].id) is True
