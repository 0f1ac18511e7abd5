"""The register 晨午检及全日健康观察记录 and the checks as health evidence: corrections applied, a completed kiosk
screen given way to its check, an uncompleted one listed as 待完成 and no 晨检 for the evaluator."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from compliance import Period
from compliance.health import CheckResult, morning_check_of, open_follow_ups
from server.centre.records import centre_record
from server.health.checks.operations import amend_check, close_follow_up, record_quick_screen
from server.health.checks.registers import CHECKS_REGISTER, check_records
from server.inspections.sources import app_sources
from tests.server.health.checks.conftest import full_check

DAY = Period(date(2026, 9, 7), date(2026, 9, 7))


def _morning(world, clock, actors):  # type: ignore[no-untyped-def]
    kids, now = world["kids"], clock.now()
    full_check(kids["王小明"], now, actor=actors["health"])
    screen = record_quick_screen(kids["李小红"], temperature=Decimal("38.2"), hands_mouth_eyes_ok=True, device_id=None,
                                 at=now - timedelta(minutes=30), now=now)
    fever = full_check(kids["李小红"], now, temperature=Decimal("38.2"), to_observation_room=True,
                       actor=actors["health"])
    record_quick_screen(kids["张小华"], temperature=Decimal("36.5"), hands_mouth_eyes_ok=True, device_id=None,
                        at=now - timedelta(minutes=20), now=now)
    wrong = full_check(kids["赵小军"], now, temperature=Decimal("39.0"), actor=actors["health"])
    amend_check(wrong, reason="录错", temperature=Decimal("36.9"), hands_mouth_eyes_ok=True, skin_ok=True,
                spirits_ok=True, asked_ok=True, dangerous_objects_found=False, findings="", to_observation_room=False,
                actor=actors["health"], now=now)
    close_follow_up(fever, outcome="家长接回就医", actor=actors["health"], now=now + timedelta(hours=1))
    return screen, fever


def test_the_register_lists_what_counts_with_the_handling(world, clock, actors):
    _morning(world, clock, actors)
    rows = list(CHECKS_REGISTER.rows(centre_record(world["alpha"]), DAY))
    by_name = {row[4]: row for row in rows}
    assert sorted(by_name) == ["张小华", "李小红", "王小明", "赵小军"]
    fever = by_name["李小红"]
    assert (fever[1], fever[2], fever[5], fever[6], fever[7], fever[11], fever[13]) == (
        "09:30", "小太阳班", "晨检", "38.2", "发热", "异常", "health")
    assert (fever[14] != "", fever[15], fever[16]) == (True, "送保健观察室；家长接回就医", "2026-09-07 10:30")
    assert (by_name["张小华"][5], by_name["张小华"][11], by_name["张小华"][8]) == (
        "晨检（门口初筛）", "待完成", "手口眼正常/皮肤—/精神—")
    assert (by_name["赵小军"][6], by_name["赵小军"][11]) == ("36.9", "正常")
    assert len(rows[0]) == len(CHECKS_REGISTER.columns)


def test_the_evidence_holds_full_checks_only_with_their_follow_up(world, clock, actors):
    _morning(world, clock, actors)
    records = check_records(world["alpha"], DAY)
    kids = world["kids"]
    assert morning_check_of(records, kids["张小华"].id, DAY.start) is None  # a kiosk screen alone is no 晨检
    fever = morning_check_of(records, kids["李小红"].id, DAY.start)
    assert (fever.result, fever.follow_up_outcome, fever.checked_by, fever.guardian_notified_at is not None) == (
        CheckResult.ABNORMAL, "家长接回就医", "health", True)
    assert morning_check_of(records, kids["赵小军"].id, DAY.start).temperature == Decimal("36.9")
    assert open_follow_ups(records, clock.now() + timedelta(hours=2)) == []


def test_the_register_is_in_the_pack(app):
    assert "晨午检及全日健康观察记录" in [r.name for r in app_sources().registers]
