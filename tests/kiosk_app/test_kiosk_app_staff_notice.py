"""A member of staff sees their own credential notice when they sign on (issue #14); the sign-on is never stopped."""

from __future__ import annotations

from datetime import date, timedelta

from kiosk_app_factories import HEALTH, TEACHER, TEACHER_PIN, Rig, card, roster_with_notice

from devices.wire.roster import CredentialNotice, NoticeKind
from kiosk.fake_server import FakeKioskServer
from kiosk.screens import Screen

# The rig's day is Monday 2026-09-07 in Shanghai.
NOT_COUNTED_ZH = "：签到已记录，但不计入师幼比，已通知负责人"


def expiring(expires_on: date, days_left: int) -> CredentialNotice:
    return CredentialNotice(NoticeKind.EXPIRING, *HEALTH, "health", expires_on, days_left)


def sign_on_with(rig: Rig, server: FakeKioskServer, notice: CredentialNotice) -> dict:
    server.publish(roster_with_notice(notice))
    rig.sync.sync_now()
    rig.scan(card(TEACHER))
    return rig.kiosk.state()


def test_sign_on_shows_the_expiring_health_certificate_in_chinese_first(rig: Rig, server: FakeKioskServer) -> None:
    notice = sign_on_with(rig, server, expiring(date(2026, 9, 27), 20))["notice"]
    assert (notice["kind"], notice["message_zh"], notice["days_left"]) == (
        "expiring", "您的托幼机构工作人员健康合格证将于 2026-09-27 到期（还有 20 天），请及时复检", 20)


def test_the_english_line_says_the_same(rig: Rig, server: FakeKioskServer) -> None:
    notice = sign_on_with(rig, server, expiring(date(2026, 9, 27), 20))["notice"]
    assert notice["message_en"] == ("Your childcare staff health certificate expires on 2026-09-27 (20 days left): "
                                    "please book the re-examination")


def test_days_are_counted_on_the_kiosks_date_not_the_rosters(rig: Rig, server: FakeKioskServer) -> None:
    """A roster built yesterday said 21 days; today is one day less."""
    assert sign_on_with(rig, server, expiring(date(2026, 9, 27), 21))["notice"]["days_left"] == 20


def test_a_certificate_that_lapsed_overnight_shows_as_expired(rig: Rig, server: FakeKioskServer) -> None:
    notice = sign_on_with(rig, server, expiring(date(2026, 9, 6), 0))["notice"]
    assert (notice["kind"], notice["message_zh"]) == (
        "expired", f"您的托幼机构工作人员健康合格证已过期（2026-09-06）{NOT_COUNTED_ZH}")


def test_a_not_certified_sign_on_says_it_is_recorded_but_not_counted(rig: Rig, server: FakeKioskServer) -> None:
    lapsed = CredentialNotice(NoticeKind.NOT_CERTIFIED, *HEALTH, "health", date(2026, 9, 1), -6)
    assert sign_on_with(rig, server, lapsed)["notice"]["message_zh"] == (
        f"您的托幼机构工作人员健康合格证已过期（2026-09-01）{NOT_COUNTED_ZH}")


def test_a_missing_credential_is_named(rig: Rig, server: FakeKioskServer) -> None:
    missing = CredentialNotice(NoticeKind.NOT_CERTIFIED, "无犯罪记录证明", "Certificate of no criminal record",
                               "background")
    assert sign_on_with(rig, server, missing)["notice"]["message_zh"] == f"您缺少有效的无犯罪记录证明{NOT_COUNTED_ZH}"


def test_a_not_certified_sign_on_is_still_recorded_and_opens_the_door(rig: Rig, server: FakeKioskServer) -> None:
    lapsed = CredentialNotice(NoticeKind.NOT_CERTIFIED, *HEALTH, "health", date(2026, 9, 1), -6)
    rig.kiosk.inline_io = False  # keep the event in the outbox to look at it (the server flags it on arrival)
    state = sign_on_with(rig, server, lapsed)
    assert (rig.outbox_events(), state["staff_action"], rig.signals.value("relay"), rig.kiosk.presence.staff) == (
        [("attendance.check_in", {"person_id": "s1", "children": [], "method": "card", "credential_id": TEACHER})],
        "on_duty", 1, {"s1"})


def test_the_notice_stays_up_past_a_plain_check_ins_display_time(rig: Rig, server: FakeKioskServer) -> None:
    sign_on_with(rig, server, expiring(date(2026, 9, 27), 20))
    rig.lower()
    rig.clock.advance(seconds=rig.config.scan.accepted_display_s)
    rig.frames(1)
    assert rig.kiosk.screen is Screen.ACCEPTED


def test_the_notice_goes_after_its_own_display_time(rig: Rig, server: FakeKioskServer) -> None:
    sign_on_with(rig, server, expiring(date(2026, 9, 27), 20))
    rig.lower()
    rig.clock.advance(seconds=rig.config.scan.notice_display_s)
    rig.frames(1)
    assert (rig.kiosk.screen, rig.kiosk.state()["notice"]) == (Screen.IDLE, None)


def test_signing_off_shows_no_notice(rig: Rig, server: FakeKioskServer) -> None:
    sign_on_with(rig, server, expiring(date(2026, 9, 27), 20))
    rig.lower()
    rig.clock.advance(seconds=rig.config.scan.notice_display_s + 1)
    rig.frames(1)
    rig.scan(card(TEACHER))
    state = rig.kiosk.state()
    assert (state["staff_action"], state["notice"]) == ("off_duty", None)


def test_a_certified_teacher_far_from_expiry_sees_no_notice(rig: Rig) -> None:
    rig.scan(card(TEACHER))
    state = rig.kiosk.state()
    assert (state["staff_action"], state["notice"]) == ("on_duty", None)


def test_the_pin_sign_on_shows_the_notice_too(rig: Rig, server: FakeKioskServer) -> None:
    server.publish(roster_with_notice(expiring(date(2026, 9, 8), 1)))
    rig.sync.sync_now()
    state = rig.kiosk.pin(TEACHER_PIN, person_id="s1")
    assert state["notice"]["message_zh"] == "您的托幼机构工作人员健康合格证将于 2026-09-08 到期（还有 1 天），请及时复检"


def test_on_the_expiry_day_the_notice_says_today(rig: Rig, server: FakeKioskServer) -> None:
    notice = sign_on_with(rig, server, expiring(date(2026, 9, 7), 0))["notice"]
    assert notice["message_zh"] == "您的托幼机构工作人员健康合格证今天（2026-09-07）到期，请及时复检"


def test_the_next_day_counts_down_on_the_same_roster(rig: Rig, server: FakeKioskServer) -> None:
    sign_on_with(rig, server, expiring(date(2026, 9, 27), 20))
    rig.lower()
    rig.clock.advance(timedelta(days=1))
    rig.frames(1)
    rig.scan(card(TEACHER))  # a new day: presence cleared, so this signs on again
    assert rig.kiosk.state()["notice"]["days_left"] == 19
