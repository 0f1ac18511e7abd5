"""How much data a window mean needs (GB 3095—2012 表4 from the rulebook), at the boundary: 44 vs 45 minutes, 19 vs 20
hourly means. Pure: window means over minute roll-ups built in memory."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from compliance import effective_rulebook
from server.environment.models import Verdict
from server.environment.operations.evaluate import WindowMeans, verdict_of
from server.environment.thresholds import Limit, Validity, limits_for, validity_of

NATIONAL = effective_rulebook(None, None, date(2026, 9, 7))
END = datetime(2026, 9, 7, 2, 0, tzinfo=UTC)
[CO2] = limits_for(NATIONAL, "co2_ppm", date(2026, 9, 7))
[PM25] = limits_for(NATIONAL, "pm25_ugm3", date(2026, 9, 7))


def _minutes(minutes: list[int], value: float = 1100.0) -> WindowMeans:
    """One reading of `value` in each listed minute before END (1 = the minute just before it)."""
    return WindowMeans((END - timedelta(minutes=m), 1, value) for m in sorted(minutes, reverse=True))


def _hours(valid: int, short: int = 0, value: float = 60.0) -> WindowMeans:
    """`valid` hours with 45 minutes of data before END, then `short` hours with 44."""
    minutes = []
    for hour, count in enumerate([45] * valid + [44] * short):
        minutes += [hour * 60 + m for m in range(1, count + 1)]
    return _minutes(minutes, value)


def test_the_rulebook_gives_45_minutes_an_hour_and_20_hours_a_day_with_its_citation():
    rule = NATIONAL["environment.data_validity"]
    assert validity_of(NATIONAL) == Validity(45, 20)
    assert [(c.document, c.confidence.value) for c in rule.citations] == [("GB 3095—2012 环境空气质量标准", "N")]
    assert "表4" in rule.citations[0].article


def test_each_limit_carries_what_its_window_needs():
    [fridge, _] = sorted(limits_for(NATIONAL, "fridge_c", date(2026, 9, 7)), key=lambda lim: lim.bound)
    assert (CO2.min_minutes, CO2.min_hours) == (45, 0)
    assert (PM25.min_minutes, PM25.min_hours) == (45, 20)
    assert (fridge.window, fridge.min_minutes, fridge.min_hours) == (timedelta(minutes=30), 23, 0)


def test_44_minutes_of_data_make_no_hourly_mean():
    assert _minutes(list(range(1, 45))).mean(CO2, END) is None


def test_45_minutes_of_data_make_an_hourly_mean():
    assert _minutes(list(range(1, 46))).mean(CO2, END) == 1100.0


def test_minutes_outside_the_window_do_not_count():
    assert _minutes(list(range(17, 63))).mean(CO2, END) is None  # 46 minutes, the two oldest before the window


def test_19_valid_hourly_means_make_no_24_hour_mean():
    assert _hours(19).mean(PM25, END) is None


def test_20_valid_hourly_means_make_a_24_hour_mean():
    assert _hours(20).mean(PM25, END) == 60.0


def test_an_hour_with_44_minutes_is_not_one_of_the_20():
    assert _hours(19, short=5).mean(PM25, END) is None


def test_the_24_hour_mean_is_the_mean_of_the_valid_hourly_means():
    minutes = [m for m in range(1, 46)] + [60 + m for m in range(1, 61)]  # hour 1: 45 readings, hour 2: 60
    means = WindowMeans([(END - timedelta(minutes=m), 1, 30.0 if m > 60 else 90.0)
                         for m in sorted(minutes, reverse=True)])
    day = Limit("t", "upper", 50.0, timedelta(hours=2), 45, 2)
    assert means.mean(day, END) == 60.0  # (90 + 30) / 2, not weighted by readings


def test_without_a_validity_rule_nothing_is_judged():
    assert _minutes(list(range(1, 61))).mean(Limit("t", "upper", 1.0, timedelta(hours=1)), END) is None


def test_a_window_without_enough_data_is_neither_exceeded_nor_ok():
    assert verdict_of([(CO2, None)]) is Verdict.INSUFFICIENT_DATA
    assert verdict_of([(CO2, 1200.0)]) is Verdict.EXCEEDED
    assert verdict_of([(CO2, 900.0)]) is Verdict.OK
