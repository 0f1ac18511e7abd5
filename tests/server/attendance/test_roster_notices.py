"""The kiosk roster tells each member of staff of their own credential, as judged the day it is built (issue #14)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from kiosk.roster import load_roster
from kiosk.staff_notice import shown_notice
from server.attendance.operations.credentials import issue_credential
from server.attendance.operations.roster import build_roster
from server.centre import keys
from server.database import db
from tests.factories import SYSTEM, make_centre, make_room
from tests.server.staff.factories import TODAY, add_credential, certify, make_staff

HEALTH_ZH = "托幼机构工作人员健康合格证"


def _files(staff, now, *, health_expires_on: date) -> None:
    """A caregiver's three credentials, the health certificate expiring on the day under test."""
    add_credential(staff, now, "health_certificate", expires_on=health_expires_on)
    add_credential(staff, now, "criminal_record_check", number="京公证2026-0001")
    add_credential(staff, now, "childcare_worker", issued_on=date(2020, 6, 1), number="1931000000123456", level="四级")


@pytest.fixture
def centre(app, clock):
    """Three caregivers with kiosk cards: one expiring in 20 days, one expired yesterday, one far from expiry."""
    now = clock.now()
    centre = make_centre("alpha", now)
    room = make_room(centre, now)
    people = {}
    for name in ("expiring", "expired", "certified", "no_files"):
        people[name] = make_staff(centre, now, name=f"{name}老师", room=room)
        issue_credential(centre, staff=people[name], expires_on=date(2027, 9, 1), actor=SYSTEM, now=now)
    _files(people["expiring"], now, health_expires_on=TODAY + timedelta(days=20))
    _files(people["expired"], now, health_expires_on=TODAY - timedelta(days=1))
    certify(people["certified"], now)
    db.session.commit()
    centre.people = people
    return centre


def _notice(centre, clock, who: str, *, days: int = 0) -> dict | None:
    document = json.loads(build_roster(centre, now=clock.now() + timedelta(days=days))[0])
    person = next(p for p in document["persons"] if p["id"] == f"s{centre.people[who].id}")
    return person.get("notice")


def test_a_health_certificate_expiring_in_20_days_is_on_the_roster(centre, clock):
    assert _notice(centre, clock, "expiring") == {
        "kind": "expiring", "title_zh": HEALTH_ZH, "title_en": "Childcare staff health certificate",
        "credential_kind": "health", "expires_on": "2026-09-27", "days_left": 20}


def test_an_expired_health_certificate_is_a_not_certified_notice(centre, clock):
    assert _notice(centre, clock, "expired") == {
        "kind": "not_certified", "title_zh": HEALTH_ZH, "title_en": "Childcare staff health certificate",
        "credential_kind": "health", "expires_on": "2026-09-06", "days_left": -1}


def test_a_certified_person_far_from_expiry_has_no_notice(centre, clock):
    assert _notice(centre, clock, "certified") is None


def test_a_person_with_no_files_is_told_what_is_missing(centre, clock):
    assert _notice(centre, clock, "no_files") == {
        "kind": "not_certified", "title_zh": HEALTH_ZH, "title_en": "Childcare staff health certificate",
        "credential_kind": "health", "expires_on": None, "days_left": None}


def test_the_notice_is_counted_for_the_day_the_roster_is_built(centre, clock):
    assert _notice(centre, clock, "expiring", days=5)["days_left"] == 15



def test_the_kiosk_reads_the_signed_roster_and_words_the_notice(centre, clock):
    data, signature, _ = build_roster(centre, now=clock.now())
    _, centre_key = keys.signing_key(centre)
    roster = load_roster(data, signature, [centre_key.public_key()], centre_id=centre.id)
    person = roster.person(f"s{centre.people['expiring'].id}")
    assert shown_notice(person.notice, roster.today(clock.now())).message_zh == (
        "您的托幼机构工作人员健康合格证将于 2026-09-27 到期（还有 20 天），请及时复检")
