"""Expiry warnings at the rulebook's 60, 30 and 7 days and on expiry, once each; the director's list."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from server.alerts.models import Alert
from server.alerts.operations import resolve
from server.database import db
from server.staff.jobs import warn_centre
from tests.factories import SYSTEM
from tests.server.staff.factories import TODAY, add_credential, certify, make_staff

MORNING_UTC = timedelta(hours=-2, minutes=-30)  # T0 is 09:30 local: 07:00 local is two and a half hours earlier


def _stages() -> list[tuple[str, int]]:
    return [(a.kind, a.subject["stage"]) for a in db.session.execute(
        select(Alert).where(Alert.kind.like("staff.%")).order_by(Alert.id)).scalars()]


def test_seventy_mornings_raise_each_warning_once(staff_world, clock):
    person = make_staff(staff_world["alpha"], clock.now(), name="到期老师")
    certify(person, clock.now(), background_expires_on=TODAY + timedelta(days=65))
    raised_on = {}
    start = clock.now() + MORNING_UTC
    for day in range(70):
        now = start + timedelta(days=day)
        first, second = warn_centre(staff_world["alpha"], now), warn_centre(staff_world["alpha"], now)
        assert second == 0
        if first:
            raised_on[day] = first
    assert (raised_on, _stages()) == ({5: 1, 35: 1, 58: 1, 66: 1}, [
        ("staff.credential_expiring", 60), ("staff.credential_expiring", 30), ("staff.credential_expiring", 7),
        ("staff.credential_expired", 0)])


def test_a_warning_the_director_resolved_is_not_raised_again(staff_world, clock):
    person = make_staff(staff_world["alpha"], clock.now(), name="到期老师")
    certify(person, clock.now(), background_expires_on=TODAY + timedelta(days=50))
    now = clock.now()
    warn_centre(staff_world["alpha"], now)
    for alert in db.session.execute(select(Alert)).scalars().all():
        resolve(alert, actor=SYSTEM, now=now)
    assert warn_centre(staff_world["alpha"], now + timedelta(days=1)) == 0


def test_nothing_is_raised_before_the_morning(staff_world, clock):
    person = make_staff(staff_world["alpha"], clock.now(), name="到期老师")
    certify(person, clock.now(), background_expires_on=TODAY + timedelta(days=3))
    assert warn_centre(staff_world["alpha"], clock.now() - timedelta(hours=4)) == 0  # 05:30 local


def test_a_renewed_credential_raises_no_warning(staff_world, clock):
    person = make_staff(staff_world["alpha"], clock.now(), name="换证老师")
    certify(person, clock.now(), background_expires_on=TODAY + timedelta(days=20))
    add_credential(person, clock.now(), "criminal_record_check", issued_on=TODAY, expires_on=TODAY + timedelta(days=400))
    assert warn_centre(staff_world["alpha"], clock.now()) == 0


def test_the_directors_list_shows_expiring_expired_and_lacking(client, clock, staff_world):
    soon = make_staff(staff_world["alpha"], clock.now(), name="快到期")
    certify(soon, clock.now(), background_expires_on=TODAY + timedelta(days=60))
    gone = make_staff(staff_world["alpha"], clock.now(), name="已过期")
    certify(gone, clock.now(), background_expires_on=TODAY - timedelta(days=1))
    body = client.get("/api/v1/centres/alpha/staff-files/expiry", headers=staff_world["director"].headers).get_json()
    assert [(i["name"], i["days_left"]) for i in body["expiring"]] == [("快到期", 60)]
    assert [(i["name"], i["days_left"]) for i in body["expired"]] == [("已过期", -1)]
    assert [p["name"] for p in body["lacking"]] == ["李老师", "王师傅", "已过期"]
