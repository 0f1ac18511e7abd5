"""The tablet's view of each child (board), the pack's registers 午睡巡查记录 and 户外活动时间, and the evidence."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from compliance import Period
from compliance.care import CareEvidence, SleepPosition
from compliance.evaluators.care import evaluate_care
from compliance.records import ComplianceInputs
from server.auth.actor import Actor
from server.care.board import child_states
from server.care.models import NapCheck
from server.care.operations.log import log_entry
from server.care.operations.naps import end_nap, record_nap_check, start_nap
from server.care.operations.outdoor import record_exemption, record_outdoor
from server.care.registers import NAP_PATROL_REGISTER, OUTDOOR_REGISTER, care_evidence_part
from server.centre.records import centre_record
from server.centre.rules import effective_rules
from server.database import db
from tests.server.care.conftest import TODAY

SYSTEM = Actor.system()


def test_child_states_at_a_glance(app, care_world, clock):
    child, sister = care_world["child"], care_world["sister"]
    t0 = clock.now()
    log_entry(child, kind="meal", share_eaten="most", actor=SYSTEM, now=t0 - timedelta(minutes=90))
    log_entry(child, kind="bottle", ml=120, actor=SYSTEM, now=t0 - timedelta(minutes=60))
    wrong = log_entry(child, kind="bottle", ml=150, actor=SYSTEM, now=t0 - timedelta(minutes=30))
    log_entry(child, kind="water", ml=50, actor=SYSTEM, now=t0 - timedelta(minutes=20))
    log_entry(child, kind="diaper", diaper_kind="wet", actor=SYSTEM, now=t0 - timedelta(minutes=10))
    log_entry(child, kind="water", actor=SYSTEM, now=t0 - timedelta(hours=12))  # last night: not today
    from server.care.operations.log import amend_entry

    amend_entry(wrong, {"ml": 140}, reason="记错", actor=SYSTEM, now=t0)
    nap = start_nap(child, actor=SYSTEM, now=t0)
    clock.advance(minutes=12)
    states = child_states([child.id, sister.id], clock.now())
    state = states[child.id]
    assert state.asleep_since == t0 and state.nap_id == nap.id
    assert state.next_check_due == t0 + timedelta(minutes=10) and state.check_overdue
    assert (state.last_meal_at, state.last_meal_share) == (t0 - timedelta(minutes=90), "most")
    assert (state.last_bottle_at, state.last_bottle_ml) == (t0 - timedelta(minutes=30), 140)
    assert state.last_water_at == t0 - timedelta(minutes=20)
    assert (state.last_diaper_at, state.last_diaper_kind) == (t0 - timedelta(minutes=10), "wet")
    empty = states[sister.id]
    assert empty.asleep_since is None and empty.last_meal_at is None and not empty.check_overdue
    record_nap_check(nap, position=SleepPosition.SIDE, actor=SYSTEM, now=clock.now())
    assert not child_states([child.id], clock.now())[child.id].check_overdue
    end_nap(nap, actor=SYSTEM, now=clock.now())
    assert child_states([child.id], clock.now())[child.id].asleep_since is None
    assert child_states([], clock.now()) == {}


def test_a_nap_left_open_yesterday_is_not_asleep_today(app, care_world, clock):
    """Nobody ended yesterday's nap: today the tablet and the dashboard do not count the child asleep or overdue,
    the minute job raises nothing, and today's nap may start."""
    from server.alerts.models import Alert
    from server.care.jobs import patrol_all
    from server.care.operations.naps import PATROLLED_FOR

    child = care_world["child"]
    yesterday = clock.now() - timedelta(days=1)
    forgotten = start_nap(child, at=yesterday, actor=SYSTEM, now=yesterday)
    assert child_states([child.id], yesterday + PATROLLED_FOR - timedelta(minutes=1))[child.id].nap_id == forgotten.id
    state = child_states([child.id], yesterday + PATROLLED_FOR)[child.id]  # the job's cutoff, the board's too
    assert state.asleep_since is None and state.nap_id is None and not state.check_overdue
    today = child_states([child.id], clock.now())[child.id]
    assert (today.asleep_since, today.nap_id, today.next_check_due, today.check_overdue) == (None, None, None, False)
    patrol_all(clock.now())
    assert db.session.scalars(select(Alert).where(Alert.resolved_at.is_(None))).all() == []
    nap = start_nap(child, actor=SYSTEM, now=clock.now())  # not refused as `nap_open`
    assert child_states([child.id], clock.now())[child.id].nap_id == nap.id


def _month_of_records(world, clock):  # type: ignore[no-untyped-def]
    """Yesterday: a nap with a 14-minute gap and a stomach check without an action (a paper record typed in), the
    class 90 min outdoors; today: a proper nap, 2 h outdoors; the day before yesterday exempted (rain)."""
    child = world["child"]
    now = clock.now()
    yesterday = now - timedelta(days=1)
    nap = start_nap(child, at=yesterday, actor=SYSTEM, now=now)
    record_nap_check(nap, position=SleepPosition.BACK, at=yesterday + timedelta(minutes=8), actor=SYSTEM, now=now)
    db.session.add(NapCheck(centre_id=nap.centre_id, nap_id=nap.id, at=yesterday + timedelta(minutes=22),
                            position=SleepPosition.STOMACH, breathing_ok=True, colour_ok=True, action="",
                            recorded_at=now))
    end_nap(nap, at=yesterday + timedelta(minutes=30), actor=SYSTEM, now=now)
    record_outdoor(world["room"], minutes=90, day=TODAY - timedelta(days=1), actor=SYSTEM, now=now)
    today = start_nap(child, at=now - timedelta(minutes=20), actor=SYSTEM, now=now)
    record_nap_check(today, position=SleepPosition.SIDE, at=now - timedelta(minutes=10), actor=SYSTEM, now=now)
    end_nap(today, at=now - timedelta(minutes=2), actor=SYSTEM, now=now)
    record_outdoor(world["room"], minutes=120, actor=SYSTEM, now=now)
    record_exemption(world["alpha"], day=TODAY - timedelta(days=2), reason="暴雨", room_id=None, actor=SYSTEM, now=now)
    db.session.flush()


def test_the_nap_patrol_register(app, care_world, clock):
    _month_of_records(care_world, clock)
    rows = list(NAP_PATROL_REGISTER.rows(centre_record(care_world["alpha"]), Period(TODAY - timedelta(days=7), TODAY)))
    assert [c.zh for c in NAP_PATROL_REGISTER.columns][:6] == ["日期", "班级", "幼儿编号", "姓名", "入睡", "起床"]
    assert len(rows) == 3  # two checks yesterday, one today
    first = rows[0]
    assert first[0] == TODAY - timedelta(days=1) and first[1] == "小月亮班" and first[3] == "王小明"
    assert (first[4], first[5], first[6], first[7]) == ("09:30", "10:00", "09:38", "仰卧")
    stomach = rows[1]
    assert stomach[7] == "俯卧" and stomach[10] == ""
    assert NAP_PATROL_REGISTER.name == "午睡巡查记录"


def test_the_outdoor_register(app, care_world, clock):
    _month_of_records(care_world, clock)
    rows = list(OUTDOOR_REGISTER.rows(centre_record(care_world["alpha"]), Period(TODAY - timedelta(days=7), TODAY)))
    by_day = {row[0]: row for row in rows if row[1] == "小月亮班"}
    assert by_day[TODAY - timedelta(days=1)][2:] == ("全日托", 90, 120, "", "否")
    assert by_day[TODAY][2:] == ("全日托", 120, 120, "", "是")
    assert OUTDOOR_REGISTER.name == "户外活动时间"


def test_the_evidence_finds_what_the_rules_catch(app, care_world, clock):
    _month_of_records(care_world, clock)
    centre = care_world["alpha"]
    period = Period(TODAY - timedelta(days=7), TODAY)
    part = care_evidence_part(centre, period)
    assert set(part) == {"naps", "nap_checks", "outdoor", "outdoor_exemptions", "class_care", "zone"}
    evidence = CareEvidence(**part)
    inputs = ComplianceInputs(centre=centre_record(centre), as_of=clock.now(), care=evidence)
    rules = {f.rule_id for f in evaluate_care(inputs, effective_rules(centre, TODAY), period)}
    assert {"care.nap_patrol", "care.nap_position", "care.outdoor_time"} <= rules
    assert evidence.care_type(care_world["room"].id) == "full_day"
