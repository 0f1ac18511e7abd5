"""The family's home: where a guardian lands, a card per child with today's status and highlights, what waits."""

from __future__ import annotations

import re
from datetime import date

from server.attendance.models import AbsenceReason
from server.attendance.operations.absences import record_absence
from server.care.operations.log import log_entry
from server.care.operations.naps import start_nap
from server.database import db
from server.health.illness.operations import report_case
from server.people.models import Relationship
from server.people.operations import link_contact
from tests.factories import SYSTEM, make_child
from tests.server.family.conftest import DAY
from tests.server.family.records import morning_check, move_to


def _home(session_client, family) -> str:
    return session_client(family.mum).get("/centres/alpha/family").get_data(as_text=True)


def _card(html: str, child_id: int) -> str:
    match = re.search(rf'<article class="child-card" data-child="{child_id}">(.*?)</article>', html, re.S)
    assert match is not None, html
    return match.group(1)


def test_a_guardian_lands_on_the_family_home(session_client, family):
    answer = session_client(family.mum).get("/")
    assert (answer.status_code, answer.headers["Location"]) == (302, "/centres/alpha/family")


def test_the_home_has_a_card_per_child_with_the_class(session_client, family):
    html = _home(session_client, family)
    cards = re.findall(r'data-child="(\d+)"', html)
    assert (cards, "小月亮班" in _card(html, family.child.id), "赵小乙" in html) == (
        [str(family.child.id), str(family.sister.id)], True, False)


def test_a_child_in_says_since_when_and_who_brought_him(session_client, client, family, clock):
    move_to(clock, 8, 12)
    family.door(client, family.mother, [family.child], clock.now())
    move_to(clock, 9, 0)
    card = _card(_home(session_client, family), family.child.id)
    assert 'data-state="in"' in card and "在园" in card and "08:12 由 母亲 李丽 送来" in card


def test_a_child_gone_home_says_when_and_who_collected(session_client, client, family, clock):
    move_to(clock, 8, 12)
    family.door(client, family.mother, [family.child], clock.now())
    move_to(clock, 17, 40)
    family.door(client, family.grandfather, [family.child], clock.now(), kind="attendance.check_out")
    card = _card(_home(session_client, family), family.child.id)
    assert 'data-state="left"' in card and "已离园" in card and "17:40 由 祖父/外祖父 王建国 接走" in card


def test_a_child_not_arrived_and_one_away_today(session_client, family, clock):
    record_absence(family.sister, on=DAY, reason=AbsenceReason.PERSONAL, actor=SYSTEM, now=clock.now(), today=DAY)
    db.session.commit()
    html = _home(session_client, family)
    assert ('data-state="not_arrived"' in _card(html, family.child.id), "未入园" in _card(html, family.child.id),
            'data-state="absent"' in _card(html, family.sister.id), "今日请假" in _card(html, family.sister.id),
            "事假" in _card(html, family.sister.id)) == (True, True, True, True, True)


def test_a_child_kept_home_by_an_exclusion_says_until_what(session_client, family, clock):
    report_case(family.child, disease="手足口病", onset_on=date(2026, 9, 5), reported_on=date(2026, 9, 5),
                excluded_from=date(2026, 9, 5), excluded_until=date(2026, 9, 14), actor=SYSTEM, now=clock.now())
    db.session.commit()
    card = _card(_home(session_client, family), family.child.id)
    assert ('data-state="excluded"' in card, "隔离中" in card, "凭医生返园证明返园" in card, "2026-09-14" in card) == (
        True, True, True, True)


def test_the_cards_show_todays_highlights(session_client, client, family, clock):
    child = family.child
    move_to(clock, 8, 12)
    family.door(client, family.mother, [child], clock.now())
    move_to(clock, 8, 30)
    morning_check(child, clock, temperature="36.5")
    move_to(clock, 10, 0)
    log_entry(child, kind="meal", share_eaten="all", actor=SYSTEM, now=clock.now())
    move_to(clock, 11, 0)
    log_entry(child, kind="diaper", diaper_kind="soiled", actor=SYSTEM, now=clock.now())
    move_to(clock, 12, 30)
    start_nap(child, actor=SYSTEM, now=clock.now())
    db.session.commit()
    move_to(clock, 13, 0)
    card = _card(_home(session_client, family), child.id)
    highlights = dict(re.findall(r'data-highlight="(\w+)"><span class="what">[^<]*</span>\s*<span>(.*?)</span></li>',
                                 card, re.S))
    assert {k: re.sub(r"<[^>]+>|\s+", " ", v).strip() for k, v in highlights.items()} == {
        "morning_check": "正常 · 36.5 °C", "meal": "10:00 · 全部", "nap": "12:30 起在睡", "diaper": "11:00 · 大便"}


def test_a_child_starting_later_says_when(session_client, family, clock):
    later = make_child(family.centre, clock.now(), room=family.room, name="王小宝", born_on=date(2026, 1, 1),
                       enrolled_on=date(2026, 10, 8))
    link_contact(later, family.mother, relationship=Relationship.MOTHER, is_guardian=True, may_pick_up=True, actor=SYSTEM,
                 now=clock.now())
    db.session.commit()
    assert "将于 2026-10-08 入托" in _card(_home(session_client, family), later.id)


def test_the_home_reads_english_after_the_switch(session_client, family):
    mum = session_client(family.mum)
    mum.get("/lang/en")
    html = mum.get("/centres/alpha/family").get_data(as_text=True)
    assert ("Not arrived yet" in html, "Open 王小明's day" in html, "未入园" in html) == (True, True, False)

