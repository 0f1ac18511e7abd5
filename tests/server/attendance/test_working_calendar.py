"""应出勤 follows the official working calendar: 法定节假日 are off, 调休 weekends are on."""

from __future__ import annotations

from datetime import date, timedelta

from compliance import Period
from server.attendance.registers import attendance_records, is_expected, is_working_day
from server.centre.models import ServiceType
from server.people.models import Child
from tests.factories import make_centre, make_child, make_room


def _child(service_type: ServiceType = ServiceType.FULL_DAY) -> Child:
    return Child(enrolled_on=date(2025, 9, 1), left_on=None, service_type=service_type)


def _expected_days(monday: date) -> list[date]:
    return [day for day in (monday + timedelta(days=i) for i in range(7)) if is_expected(_child(), day)]


def test_a_weekday_of_the_national_day_holiday_is_not_expected():
    assert is_expected(_child(), date(2026, 10, 1)) is False


def test_a_saturday_made_a_working_day_by_tiaoxiu_is_expected():
    assert is_expected(_child(), date(2026, 10, 10)) is True


def test_an_ordinary_sunday_is_not_expected():
    assert is_expected(_child(), date(2026, 9, 13)) is False


def test_the_week_before_spring_festival_expects_six_days_with_its_saturday():
    assert _expected_days(date(2026, 2, 9)) == [date(2026, 2, 9) + timedelta(days=i) for i in range(6)]


def test_the_spring_festival_week_expects_no_day():
    assert _expected_days(date(2026, 2, 16)) == []


def test_the_week_after_spring_festival_expects_tuesday_to_saturday():
    assert _expected_days(date(2026, 2, 23)) == [date(2026, 2, 24) + timedelta(days=i) for i in range(5)]


def test_the_week_before_national_day_expects_the_sunday_and_not_the_mid_autumn_friday():
    assert _expected_days(date(2026, 9, 14))[-1:] + _expected_days(date(2026, 9, 21)) == [
        date(2026, 9, 20), date(2026, 9, 21), date(2026, 9, 22), date(2026, 9, 23), date(2026, 9, 24)]


def test_the_week_after_national_day_expects_thursday_to_saturday():
    assert _expected_days(date(2026, 10, 5)) == [date(2026, 10, 8), date(2026, 10, 9), date(2026, 10, 10)]


def test_hourly_care_is_not_expected_on_a_working_day():
    assert is_expected(_child(ServiceType.HOURLY), date(2026, 10, 10)) is False


def test_a_year_the_calendar_does_not_know_falls_back_to_monday_to_friday():
    assert [is_working_day(date(2099, 1, d)) for d in (2, 3, 5)] == [True, False, True]


def test_the_register_counts_no_expected_attendance_on_national_day(app, clock):
    centre = make_centre("cal", clock.now())
    make_child(centre, clock.now(), room=make_room(centre, clock.now()), enrolled_on=date(2026, 9, 1))
    records = list(attendance_records(centre, Period(date(2026, 10, 1), date(2026, 10, 10))))
    assert [r.on for r in records if r.expected] == [date(2026, 10, 8), date(2026, 10, 9), date(2026, 10, 10)]
