"""The 表6 evaluator's boundaries: ventilation 9 vs 10 minutes, once vs twice, ticked but unproven by the window
contacts, tableware boil 14 vs 15 and steam 9 vs 10 (or a cabinet cycle), the daily cleaning items, and entries
back-dated after their day (they don't count)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from compliance import CentreRecord, ComplianceInputs, FilingStatus, LegalForm, Period
from compliance.evaluators.hygiene import evaluate_hygiene
from compliance.hygiene.records import (
    CabinetCycleRecord,
    ChecklistDayRecord,
    ChecklistItemRecord,
    HygieneEvidence,
    VentilationPeriodRecord,
)
from compliance.records import AttendanceRecord, ClassRecord, ClassType
from compliance.rulebook import effective_rulebook

CENTRE = CentreRecord("A-1", "阳光托育", LegalForm.FOR_PROFIT, "市场监管局", FilingStatus.FILED, date(2024, 1, 1),
                      40, 20)
RULES = effective_rulebook(None, None, date(2026, 9, 1))
DAY = date(2026, 9, 7)
PERIOD = Period(DAY, DAY)
ZONE = ZoneInfo("Asia/Shanghai")
AS_OF = datetime(2026, 9, 10, tzinfo=UTC)
CLEANING = tuple(ChecklistItemRecord(k, True, at=datetime(2026, 9, 7, 8, tzinfo=UTC))
                 for k in ("surfaces", "toys", "towels_cups", "toilets"))
TABLEWARE = ChecklistItemRecord("tableware", True, (15,), "boil", at=datetime(2026, 9, 7, 5, tzinfo=UTC))


def local(hh_mm: str, day: date = DAY) -> datetime:
    h, m = (int(x) for x in hh_mm.split(":"))
    return datetime(day.year, day.month, day.day, h, m, tzinfo=ZONE).astimezone(UTC)


def airings(*minutes: int, starts: tuple[str | None, ...] = (), recorded: datetime | None = None
            ) -> ChecklistItemRecord:
    rec = recorded or local("17:00")
    return ChecklistItemRecord("ventilation", True, tuple(minutes), at=rec,
                               starts=tuple(local(s) if s else None for s in starts) or (None,) * len(minutes),
                               recorded=(rec,) * len(minutes))


def run(*items: ChecklistItemRecord, present: bool = True, windows: tuple[tuple[str, str], ...] = (),
        contacts: bool = False, cycles: tuple[CabinetCycleRecord, ...] = (), as_of: datetime = AS_OF,
        checklist: bool = True) -> list[tuple[str, str]]:
    evidence = HygieneEvidence(
        checklists=(ChecklistDayRecord(1, DAY, items),) if checklist else (),
        ventilation=tuple(VentilationPeriodRecord(1, local(a), local(b)) for a, b in windows),
        cabinet_cycles=cycles, rooms_with_window_contacts=frozenset({1}) if contacts else frozenset())
    inputs = ComplianceInputs(centre=CENTRE, as_of=as_of, classes=(ClassRecord(1, "小太阳班", ClassType.TUOXIAOBAN, 20),),
                              attendance=(AttendanceRecord(7, 1, DAY, present),), hygiene=evidence)
    return [(f.rule_id, f.message_zh) for f in evaluate_hygiene(inputs, RULES, PERIOD)]


def rules_of(findings: list[tuple[str, str]]) -> list[str]:
    return sorted(r for r, _ in findings)


def test_a_complete_day_is_no_finding() -> None:
    assert run(airings(15, 10), *CLEANING, TABLEWARE) == []


@pytest.mark.parametrize(("minutes", "expected"), [((10, 10), []), ((9, 10), ["hygiene.ventilation"]),
                                                    ((15,), ["hygiene.ventilation"]), ((), ["hygiene.ventilation"])])
def test_ventilation_twice_for_ten_minutes(minutes: tuple[int, ...], expected: list[str]) -> None:
    items = (airings(*minutes),) if minutes else ()
    assert rules_of(run(*items, *CLEANING, TABLEWARE)) == expected


def test_nine_minutes_is_named_and_once_is_a_warning_none_a_violation() -> None:
    (finding,) = run(airings(9, 10), *CLEANING, TABLEWARE)
    assert "开窗通风 1 次" in finding[1] and "9 分钟" in finding[1]
    inputs_none = run(*CLEANING, TABLEWARE)
    assert "开窗通风 0 次" in inputs_none[0][1]


def test_no_children_no_finding_and_the_day_is_judged_only_once_it_ended() -> None:
    assert run(present=False) == []
    assert run(as_of=local("16:00")) == []  # the day is not over yet
    assert len(run(as_of=local("23:59") + timedelta(minutes=2))) == 3


def test_window_contacts_alone_fill_the_ventilation() -> None:
    assert run(*CLEANING, TABLEWARE, windows=(("09:02", "09:17"), ("15:00", "15:10")), contacts=True) == []
    assert rules_of(run(*CLEANING, TABLEWARE, windows=(("09:02", "09:11"), ("15:00", "15:10")), contacts=True)) == [
        "hygiene.ventilation"]  # 9 minutes open doesn't count


def test_ticked_but_unproven_in_a_room_with_contacts() -> None:
    found = run(airings(15, 15, starts=("09:00", "15:00")), *CLEANING, TABLEWARE, windows=(("09:02", "09:17"),),
                contacts=True)
    assert len(found) == 1 and "登记但无法证实" in found[0][1] and "15:00" in found[0][1]
    assert found[0][0] == "hygiene.ventilation"
    # a room without contacts: a tick is all there is
    assert run(airings(15, 15, starts=("09:00", "15:00")), *CLEANING, TABLEWARE) == []
    # no contact opening at all that day
    found = run(airings(15, 15), *CLEANING, TABLEWARE, contacts=True)
    assert len([f for f in found if "登记但无法证实" in f[1]]) == 2


def test_an_airing_back_dated_after_its_day_does_not_count() -> None:
    late = airings(15, 15, recorded=local("08:00", DAY + timedelta(days=1)))
    (finding,) = run(late, *CLEANING, TABLEWARE)
    assert finding[0] == "hygiene.ventilation" and "当日结束后才补登" in finding[1]


@pytest.mark.parametrize(("method", "minutes", "ok"), [("boil", 15, True), ("boil", 14, False), ("steam", 10, True),
                                                       ("steam", 9, False), ("cabinet", 0, True)])
def test_tableware_boil_and_steam_boundaries(method: str, minutes: int, ok: bool) -> None:
    item = ChecklistItemRecord("tableware", True, (minutes,) if minutes else (), method, at=local("12:00"))
    assert rules_of(run(airings(15, 15), *CLEANING, item)) == ([] if ok else ["hygiene.tableware"])


def test_a_kitchen_cabinet_cycle_disinfects_the_tableware_and_a_cabinet_tick_needs_one_where_cycles_are_logged(
) -> None:
    kitchen = CabinetCycleRecord("kitchen", local("13:00"), local("13:40"))
    assert run(airings(15, 15), *CLEANING, cycles=(kitchen,)) == []
    short = ChecklistItemRecord("tableware", True, (9,), "steam", at=local("12:00"))
    assert run(airings(15, 15), *CLEANING, short, cycles=(kitchen,)) == []
    yesterday = CabinetCycleRecord("kitchen", local("13:00", DAY - timedelta(1)), local("13:40", DAY - timedelta(1)))
    cabinet_tick = ChecklistItemRecord("tableware", True, (), "cabinet", at=local("12:00"))
    assert rules_of(run(airings(15, 15), *CLEANING, cabinet_tick, cycles=(yesterday,))) == ["hygiene.tableware"]


def test_a_cabinet_tick_is_judged_by_the_cabinets_of_its_own_class() -> None:
    """Another class's wired cabinet says nothing about this class's own, unwired one: its tick stands."""
    elsewhere = CabinetCycleRecord("room:2", local("13:00", DAY - timedelta(1)), local("13:40", DAY - timedelta(1)),
                                   class_id=2)
    cabinet_tick = ChecklistItemRecord("tableware", True, (), "cabinet", at=local("12:00"))
    assert run(airings(15, 15), *CLEANING, cabinet_tick, cycles=(elsewhere,)) == []


def test_no_tableware_line_is_a_violation() -> None:
    (finding,) = run(airings(15, 15), *CLEANING)
    assert finding[0] == "hygiene.tableware" and "无餐具消毒记录" in finding[1]


def test_a_missing_cleaning_item_is_named() -> None:
    (finding,) = run(airings(15, 15), *CLEANING[:3], TABLEWARE)
    assert finding[0] == "hygiene.class_cleaning" and "卫生间" in finding[1]


def test_a_class_with_children_and_no_record_at_all_has_every_finding() -> None:
    assert rules_of(run(checklist=False)) == ["hygiene.class_cleaning", "hygiene.tableware", "hygiene.ventilation"]
