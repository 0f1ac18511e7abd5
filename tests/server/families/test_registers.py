"""The pack registers 家长评价汇总 and 投诉处理记录, the complaints as evidence, and their findings in a run."""

from __future__ import annotations

from datetime import date, timedelta

from compliance import Period, evaluate
from server.auth.roles import Role
from server.centre.records import centre_record
from server.centre.rules import effective_rules
from server.families.operations.complaints import answer_complaint, close_complaint, file_complaint
from server.families.operations.ratings import submit_rating
from server.families.registers import COMPLAINTS_REGISTER, RATINGS_REGISTER, feedback_evidence
from server.inspections.sources import app_sources, compliance_inputs
from tests.factories import link, make_child, make_contact, make_login
from tests.server.families.conftest import ANSWERS, actor_of

SEPTEMBER = Period(date(2026, 9, 1), date(2026, 9, 30))


def _rate(app, world, who: str, now, **changes: int) -> None:  # type: ignore[no-untyped-def]
    submit_rating(world["alpha"], answers={**ANSWERS, **changes}, comment=None, secret=app.config["SECRET_KEY"],
                  actor=actor_of(world[who]), now=now)


def _third_family(world, now) -> str:  # type: ignore[no-untyped-def]
    world["third"] = make_login("third", now, [(world["alpha"], Role.GUARDIAN)])
    link(make_child(world["alpha"], now, room=world["moon"], name="赵小军"),
         make_contact(world["alpha"], now, name="赵妈妈", user=world["third"].user), now)
    return "third"


def test_the_ratings_register_holds_aggregates_only(app, world, clock):
    now = clock.now()
    _rate(app, world, "mother", now, food=2)
    _rate(app, world, "other_parent", now, food=4)
    _rate(app, world, _third_family(world, now), now, food=4)
    rows = list(RATINGS_REGISTER.rows(centre_record(world["alpha"]), SEPTEMBER))
    food = next(r for r in rows if r[1] == "膳食")
    assert ([c.zh for c in RATINGS_REGISTER.columns][:4], len(rows)) == (["月份", "评价项目", "答卷数", "平均分"], 5)
    assert food == ("2026-09", "膳食", 3, "3.33", 0, 1, 0, 2, 0, "")


def test_a_month_below_the_minimum_says_it_is_withheld(app, world, clock):
    _rate(app, world, "mother", clock.now())
    rows = list(RATINGS_REGISTER.rows(centre_record(world["alpha"]), SEPTEMBER))
    assert rows[0] == ("2026-09", "安全", "", "", "", "", "", "", "", "答卷少于3份，为保护匿名不公布")


def test_the_complaints_register_says_whether_each_was_answered_in_time(world, clock):
    now = clock.now()
    mother, director = actor_of(world["mother"]), actor_of(world["director"])
    in_time = file_complaint(world["alpha"], category="food", text="饭凉", child_id=None, actor=mother, now=now)
    late = file_complaint(world["alpha"], category="other", text="收费不清楚", child_id=None, actor=mother, now=now)
    waiting = file_complaint(world["alpha"], category="safety", text="门口拥挤", child_id=None, actor=mother,
                             now=now + timedelta(days=20))
    answer_complaint(in_time, text="已改进", actor=director, now=now + timedelta(hours=5))
    close_complaint(in_time, outcome="已办结", actor=director, now=now + timedelta(days=3))
    answer_complaint(late, text="已公示收费", actor=director, now=now + timedelta(days=4))
    clock.advance(days=20, hours=1)
    rows = list(COMPLAINTS_REGISTER.rows(centre_record(world["alpha"]), SEPTEMBER))
    assert [(r[0], r[2], r[4], r[6], r[8]) for r in rows] == [
        (in_time.id, "膳食", "2026-09-07 14:30", "2026-09-10 09:30", "是"),
        (late.id, "其他", "2026-09-11 09:30", "", "否"),
        (waiting.id, "安全", "", "", "—"),
    ]


def test_the_evidence_and_a_run_find_the_complaints_handled_late(world, clock):
    now = clock.now()
    mother, director = actor_of(world["mother"]), actor_of(world["director"])
    late = file_complaint(world["alpha"], category="other", text="收费不清楚", child_id=None, actor=mother, now=now)
    answer_complaint(late, text="已公示收费", actor=director, now=now + timedelta(days=4))
    evidence = feedback_evidence(world["alpha"], SEPTEMBER)
    inputs = compliance_inputs(world["alpha"], SEPTEMBER, app_sources(), now + timedelta(days=30))
    findings = [f for f in evaluate(inputs, effective_rules(world["alpha"], SEPTEMBER.end), SEPTEMBER)
                if f.rule_id == "families.complaint_handling"]
    assert [(c.id, c.answered_at, c.closed_at) for c in evidence.complaints] == [
        (late.id, now + timedelta(days=4), None)]
    assert [(f.severity.value, f.evidence) for f in findings] == [
        ("violation", (f"complaint:{late.id}",)), ("warning", (f"complaint:{late.id}",))]  # most serious first
