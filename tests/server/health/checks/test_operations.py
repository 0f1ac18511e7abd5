"""The checks' operations: the result from the signs and the rulebook's fever figure, the guardians' notice and
the follow-up of an abnormal check, the kiosk screen a 晨检 completes, corrections, morning_status."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from compliance.health import CheckKind
from server.audit.models import AuditEntry
from server.database import db
from server.errors import Conflict, NotFound, ValidationFailed
from server.health.checks.models import CheckSource, CheckStatus, FollowUpClosure, HealthCheck
from server.health.checks.operations import (
    amend_check,
    close_follow_up,
    closure_of,
    fever_threshold,
    morning_status,
    record_quick_screen,
)
from server.notices.models import GuardianNotice
from server.notices.operations import delivery_of
from tests.factories import SYSTEM
from tests.server.health.checks.conftest import full_check


def _count(model) -> int:  # type: ignore[no-untyped-def]
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def _codes(exc: ValidationFailed) -> dict[str | None, str]:
    return {p.field: p.code for p in exc.problems}


def test_the_fever_figure_comes_from_the_rulebook(world, clock):
    assert fever_threshold(world["alpha"], clock.now().date()) == Decimal("37.3")


def test_a_normal_morning_check_is_normal_and_queues_no_notice(world, clock, actors):
    row = full_check(world["kids"]["王小明"], clock.now(), actor=actors["health"])
    assert (row.result, row.source, row.room_id, row.on.isoformat(), row.checked_by_id) == (
        CheckStatus.NORMAL, CheckSource.TABLET, world["sun"].id, "2026-09-07", world["health"].user.id)
    assert _count(GuardianNotice) == 0


@pytest.mark.parametrize(("temperature", "result"), [("37.2", CheckStatus.NORMAL), ("37.3", CheckStatus.ABNORMAL)])
def test_a_temperature_at_the_fever_figure_is_abnormal(world, clock, temperature, result):
    assert full_check(world["kids"]["王小明"], clock.now(), temperature=Decimal(temperature)).result is result


def test_an_abnormal_check_notifies_the_guardians_and_opens_a_follow_up(world, clock, actors):
    child = world["kids"]["李小红"]
    row = full_check(child, clock.now(), hands_mouth_eyes_ok=False, findings="手心疱疹", to_observation_room=True,
                     actor=actors["health"])
    notice = db.session.execute(select(GuardianNotice)).scalar_one()
    assert (row.result, row.to_observation_room, closure_of(row)) == (CheckStatus.ABNORMAL, True, None)
    assert (notice.child_id, notice.kind, delivery_of(notice), notice.detail["check_id"],
            notice.detail["signs_off"]) == (child.id, "health_check.abnormal", None, row.id, ["hands_mouth_eyes_ok"])


def test_closing_a_follow_up_is_its_own_row_and_happens_once(world, clock, actors):
    row = full_check(world["kids"]["李小红"], clock.now(), temperature=Decimal("38.1"))
    clock.advance(minutes=30)
    closure = close_follow_up(row, outcome="家长接回就医", actor=actors["health"], now=clock.now())
    assert (closure_of(row).id, closure.by_id, row.result) == (closure.id, world["health"].user.id,
                                                               CheckStatus.ABNORMAL)
    with pytest.raises(Conflict) as again:
        close_follow_up(row, outcome="again", actor=actors["health"], now=clock.now())
    assert again.value.code == "already_closed"


def test_a_follow_up_needs_an_outcome_an_abnormal_check_and_health_write(world, clock, actors):
    normal = full_check(world["kids"]["王小明"], clock.now())
    abnormal = full_check(world["kids"]["李小红"], clock.now(), temperature=Decimal("38.0"))
    with pytest.raises(ValidationFailed) as empty:
        close_follow_up(abnormal, outcome="  ", actor=actors["health"], now=clock.now())
    with pytest.raises(Conflict) as not_abnormal:
        close_follow_up(normal, outcome="ok", actor=actors["health"], now=clock.now())
    with pytest.raises(Exception) as caregiver:
        close_follow_up(abnormal, outcome="ok", actor=actors["caregiver"], now=clock.now())
    assert (_codes(empty.value), not_abnormal.value.code, caregiver.value.status) == (
        {"outcome": "required"}, "no_follow_up", 403)
    assert _count(FollowUpClosure) == 0


@pytest.mark.parametrize(("changes", "problems"), [
    ({"temperature": None}, {"temperature": "required"}),
    ({"temperature": Decimal("33.9")}, {"temperature": "temperature_out_of_range"}),
    ({"temperature": Decimal("43.1")}, {"temperature": "temperature_out_of_range"}),
    ({"temperature": "abc"}, {"temperature": "bad_temperature"}),
    ({"temperature": "NaN"}, {"temperature": "bad_temperature"}),
    ({"temperature": "Infinity"}, {"temperature": "bad_temperature"}),
    ({"kind": "breakfast"}, {"kind": "bad_choice"}),
    ({"skin_ok": False}, {"findings": "findings_required"}),
    ({"dangerous_objects_found": True}, {"findings": "findings_required"}),
    ({"findings": "x" * 1001}, {"findings": "too_long"}),
    ({"to_observation_room": True}, {"to_observation_room": "observation_room_needs_abnormal"}),
    ({"completes_id": 999999}, {"completes_id": "unknown_screen"}),
])
def test_bad_input_is_refused_per_field_and_nothing_is_stored(world, clock, changes, problems):
    with pytest.raises(ValidationFailed) as refused:
        full_check(world["kids"]["王小明"], clock.now(), **changes)
    assert _codes(refused.value) == problems
    assert (_count(HealthCheck), _count(GuardianNotice)) == (0, 0)


def test_a_noon_check_or_observation_may_go_without_a_temperature(world, clock):
    row = full_check(world["kids"]["王小明"], clock.now(), kind=CheckKind.OBSERVATION, temperature=None,
                     spirits_ok=False, findings="精神差，嗜睡")
    assert (row.kind, row.temperature, row.result) == (CheckKind.OBSERVATION, None, CheckStatus.ABNORMAL)


def test_someone_without_the_permission_cannot_record(world, clock, actors):
    with pytest.raises(Exception) as kitchen:
        full_check(world["kids"]["王小明"], clock.now(), actor=actors["kitchen"])
    assert kitchen.value.status == 403


def test_the_kiosk_screen_is_pending_until_the_morning_check_completes_it(world, clock, actors):
    child = world["kids"]["张小华"]
    screen = record_quick_screen(child, temperature=Decimal("36.7"), hands_mouth_eyes_ok=True, device_id=None,
                                 at=clock.now() - timedelta(minutes=40), now=clock.now())
    assert (screen.result, screen.source, screen.skin_ok, screen.kind) == (
        CheckStatus.PENDING, CheckSource.KIOSK, None, CheckKind.MORNING)
    assert morning_status([child.id], clock.now().date()) == {child.id: "screened"}
    row = full_check(child, clock.now(), actor=actors["health"])  # finds the open screen by itself
    assert row.completes_id == screen.id
    assert morning_status([child.id], clock.now().date()) == {child.id: "done"}


def test_a_screen_is_completed_once(world, clock):
    child = world["kids"]["张小华"]
    screen = record_quick_screen(child, temperature=None, hands_mouth_eyes_ok=False, device_id=None,
                                 at=clock.now(), now=clock.now())
    full_check(child, clock.now(), completes_id=screen.id, hands_mouth_eyes_ok=False, findings="口腔溃疡")
    with pytest.raises(ValidationFailed) as twice:
        full_check(child, clock.now(), completes_id=screen.id)
    with pytest.raises(ValidationFailed) as by_noon:
        other = record_quick_screen(child, temperature=None, hands_mouth_eyes_ok=True, device_id=None,
                                    at=clock.now(), now=clock.now())
        full_check(child, clock.now(), kind=CheckKind.NOON, completes_id=other.id)
    assert (_codes(twice.value), _codes(by_noon.value)) == ({"completes_id": "screen_completed"},
                                                            {"kind": "screen_needs_morning"})


def test_a_kiosk_reading_no_thermometer_gives_is_kept_out_and_noted(world, clock):
    screen = record_quick_screen(world["kids"]["张小华"], temperature=Decimal("55.0"), hands_mouth_eyes_ok=True,
                                 device_id=None, at=clock.now(), now=clock.now())
    assert (screen.temperature, "55.0" in screen.findings) == (None, True)


def test_morning_status_of_each_kind(world, clock):
    kids, now = world["kids"], clock.now()
    full_check(kids["王小明"], now)
    full_check(kids["李小红"], now, temperature=Decimal("37.8"))
    record_quick_screen(kids["张小华"], temperature=Decimal("36.5"), hands_mouth_eyes_ok=True, device_id=None,
                        at=now, now=now)
    full_check(kids["赵小军"], now - timedelta(days=3))  # another day's check counts for nothing today
    assert morning_status([k.id for k in kids.values()], now.date()) == {
        kids["王小明"].id: "done", kids["李小红"].id: "abnormal", kids["张小华"].id: "screened",
        kids["赵小军"].id: "missing"}


def test_a_correction_replaces_the_check_and_keeps_the_original(world, clock, actors):
    child = world["kids"]["王小明"]
    row = full_check(child, clock.now(), temperature=Decimal("38.3"))
    clock.advance(minutes=5)
    fixed = amend_check(row, reason="体温计读错", temperature=Decimal("36.8"), hands_mouth_eyes_ok=True, skin_ok=True,
                        spirits_ok=True, asked_ok=True, dangerous_objects_found=False, findings="",
                        to_observation_room=False, actor=actors["health"], now=clock.now())
    assert (fixed.amends_id, fixed.at, fixed.result, fixed.reason) == (row.id, row.at, CheckStatus.NORMAL, "体温计读错")
    assert morning_status([child.id], clock.now().date()) == {child.id: "done"}
    with pytest.raises(Conflict):
        amend_check(row, reason="again", temperature=Decimal("36.8"), hands_mouth_eyes_ok=True, skin_ok=True,
                    spirits_ok=True, asked_ok=True, dangerous_objects_found=False, findings="",
                    to_observation_room=False, actor=actors["health"], now=clock.now())


def test_a_closing_holds_for_the_correction_of_the_closed_check(world, clock, actors):
    row = full_check(world["kids"]["王小明"], clock.now(), temperature=Decimal("38.3"))
    close_follow_up(row, outcome="已就医", actor=actors["health"], now=clock.now())
    fixed = amend_check(row, reason="补记发现", temperature=Decimal("38.3"), hands_mouth_eyes_ok=True, skin_ok=False,
                        spirits_ok=True, asked_ok=True, dangerous_objects_found=False, findings="皮疹",
                        to_observation_room=False, actor=actors["health"], now=clock.now())
    assert closure_of(fixed).check_id == row.id
    assert _count(GuardianNotice) == 1  # abnormal already: the guardians were told once


def test_every_write_is_audited(world, clock, actors):
    before = _count(AuditEntry)
    child = world["kids"]["李小红"]
    record_quick_screen(child, temperature=Decimal("38.0"), hands_mouth_eyes_ok=True, device_id=None,
                        at=clock.now(), now=clock.now())
    row = full_check(child, clock.now(), temperature=Decimal("38.0"))  # the check and its notice
    close_follow_up(row, outcome="接回", actor=actors["health"], now=clock.now())
    actions = db.session.execute(select(AuditEntry.action).order_by(AuditEntry.id).offset(before)).scalars().all()
    assert actions == ["health_check.screen", "health_check.record", "guardian_notice.queue",
                       "health_check.close_follow_up"]


def test_another_centres_check_is_not_found(world, clock, actors):
    from server.auth.roles import Perm
    from server.health.checks.operations import get_check

    row = full_check(world["beta_child"], clock.now())
    with pytest.raises(NotFound):
        get_check(row.id, Perm.HEALTH_READ, actor=actors["health"], now=clock.now())
    assert SYSTEM.is_system


def test_the_kind_may_come_as_its_plain_value(world, clock):
    assert full_check(world["kids"]["王小明"], clock.now(), kind="noon").kind is CheckKind.NOON


def test_one_parser_and_the_wire_s_bounds(app):
    from devices.wire.health_screen import TEMPERATURE_MAX, TEMPERATURE_MIN
    from server.errors import ProblemCollector
    from server.health.checks.operations import HIGHEST, LOWEST, parse_temperature

    assert (LOWEST, HIGHEST) == (Decimal(str(TEMPERATURE_MIN)), Decimal(str(TEMPERATURE_MAX)))
    problems = ProblemCollector()
    read = [parse_temperature(v, problems) for v in (" 36,5℃", "37.0°C", 36.64, Decimal("34.0"), "", None, "43.0")]
    assert (read, problems.problems) == ([Decimal("36.5"), Decimal("37.0"), Decimal("36.6"), Decimal("34.0"), None,
                                          None, Decimal("43.0")], [])
    assert parse_temperature("43.1", problems) is None
    (problem,) = problems.problems
    assert (problem.code, problem.field) == ("temperature_out_of_range", "temperature")
    assert "34.0" in str(problem.message) and "43.0" in str(problem.message)
