"""The 表4 register of the pack and the cases as the health evaluator's evidence."""

from __future__ import annotations

from compliance import Period
from server.centre.records import centre_record
from server.health.illness.operations import record_return_certificate
from server.health.illness.registers import ILLNESS_REGISTER, case_records
from server.inspections.sources import app_sources
from tests.factories import SYSTEM
from tests.server.health.illness.conftest import TODAY, days, report

SEPTEMBER = Period(TODAY.replace(day=1), TODAY)


def test_the_register_is_listed_with_the_documented_columns(world):
    assert app_sources().register("表4_儿童传染病登记表") is ILLNESS_REGISTER
    assert [c.zh for c in ILLNESS_REGISTER.columns] == [
        "幼儿编号", "姓名", "班级", "病名", "发病日期", "报告日期", "报告单位", "隔离起", "预计返园", "返园证明日期", "证明机构"]


def test_register_rows_show_cases_of_the_period_and_exclusions_running_into_it(world, clock):
    now, (a, b, c) = clock.now(), world["kids"]
    certified = report(a, now, disease="水痘", onset=TODAY - days(3), excluded_until=TODAY + days(4))
    record_return_certificate(certified, on=TODAY, issuer="儿童医院", actor=SYSTEM, now=now)
    report(b, now, onset=TODAY - days(20))  # August, still excluded in September: listed
    old = report(c, now, disease="流感", onset=TODAY - days(30))  # August, certified in August: not listed
    record_return_certificate(old, on=TODAY - days(25), issuer="医院", actor=SYSTEM, now=now)
    rows = list(ILLNESS_REGISTER.rows(centre_record(world["alpha"]), SEPTEMBER))
    assert rows == [
        (b.id, "李小红", "小月亮班", "手足口病", TODAY - days(20), TODAY - days(20), "渝北区疾控中心",
         TODAY - days(20), "", "", ""),
        (a.id, "王小明", "小月亮班", "水痘", TODAY - days(3), TODAY - days(3), "渝北区疾控中心", TODAY - days(3),
         TODAY + days(4), TODAY, "儿童医院"),
    ]


def test_case_records_look_back_for_the_outbreak_window(world, clock):
    now, (a, b, _) = clock.now(), world["kids"]
    early = report(a, now, onset=TODAY - days(7))  # before the period, within the outbreak window's reach
    record_return_certificate(early, on=TODAY - days(6), issuer="医院", actor=SYSTEM, now=now)
    report(b, now, onset=TODAY - days(1))
    records = case_records(world["alpha"], Period(TODAY - days(2), TODAY))
    assert [(r.child_id, r.disease, r.return_certificate_on, r.class_id) for r in records] == [
        (a.id, "手足口病", TODAY - days(6), world["moon"].id), (b.id, "手足口病", None, world["moon"].id)]
    assert records[0].id == early.id
