"""kiosk.verify.decide: which children an accepted person may check in or out now, and what is preselected."""

from __future__ import annotations

import dataclasses

from kiosk_factories import NANNY, UNCLE, XIAOHONG, XIAOMING, Kiosk, card, make_document, make_kiosk

from kiosk.verify import Decision, Refusal, decide


def ids(children: tuple) -> list[int]:  # type: ignore[type-arg]
    return [child.id for child in children]


def mother_decides(kiosk: Kiosk, present: set[int]) -> Decision:
    return decide(kiosk.verifier.verify_scan(card()), present)


def test_parent_with_one_child_present_and_one_absent_gets_both_ways(kiosk: Kiosk) -> None:
    decision = mother_decides(kiosk, {XIAOMING})
    assert (ids(decision.check_out), ids(decision.check_in), decision.refused) == ([XIAOMING], [XIAOHONG], ())


def test_both_ways_at_once_preselects_nothing(kiosk: Kiosk) -> None:
    assert mother_decides(kiosk, {XIAOMING}).preselected == frozenset()


def test_morning_drop_off_preselects_both_children(kiosk: Kiosk) -> None:
    decision = mother_decides(kiosk, set())
    assert (ids(decision.check_in), decision.preselected) == ([XIAOMING, XIAOHONG], {XIAOMING, XIAOHONG})


def test_evening_pick_up_preselects_both_children(kiosk: Kiosk) -> None:
    decision = mother_decides(kiosk, {XIAOMING, XIAOHONG})
    assert (ids(decision.check_out), decision.preselected) == ([XIAOMING, XIAOHONG], {XIAOMING, XIAOHONG})


def test_adult_not_authorised_to_pick_up_a_present_child_is_refused_for_that_child(kiosk: Kiosk) -> None:
    decision = decide(kiosk.verifier.verify_scan(card(NANNY, person_id="c2", serial=1)), {XIAOMING})
    assert (decision.check_out, decision.check_in) == ((), ())
    assert [(r.child.id, r.reason) for r in decision.refused] == [(XIAOMING, Refusal.NOT_AUTHORISED_PICK_UP)]


def test_refused_pick_up_is_an_outbox_event(kiosk: Kiosk) -> None:
    decision = decide(kiosk.verifier.verify_scan(card(NANNY, person_id="c2", serial=1)), {XIAOMING})
    assert [(e.kind, e.payload) for e in decision.events()] == [("attendance.refused", {
        "reason": "not_authorised_pick_up", "child_id": XIAOMING, "person_id": "c2", "method": "card"})]


def test_refused_pick_up_has_messages_for_the_screen(kiosk: Kiosk) -> None:
    refusal = decide(kiosk.verifier.verify_scan(card(NANNY, person_id="c2", serial=1)), {XIAOMING}).refused[0]
    assert (refusal.message_zh, refusal.message_en) == ("您未被授权接走此幼儿", "You are not authorised to pick up this child")


def test_drop_off_adult_brings_the_absent_child(kiosk: Kiosk) -> None:
    decision = decide(kiosk.verifier.verify_scan(card(NANNY, person_id="c2", serial=1)), set())
    assert (ids(decision.check_in), decision.preselected) == ([XIAOMING], {XIAOMING})


def test_refused_scan_offers_nothing(kiosk: Kiosk) -> None:
    decision = decide(kiosk.verifier.verify_scan(card(serial=1)), {XIAOMING})
    assert (decision.check_in, decision.check_out, decision.refused, decision.events()) == ((), (), (), [])


def test_pick_up_only_adult_scanning_for_an_absent_child_is_told_it_is_not_here() -> None:
    document = make_document()
    uncle = dataclasses.replace(document.persons[2], pick_up=(XIAOHONG,))
    kiosk = make_kiosk(persons=(*document.persons[:2], uncle, *document.persons[3:]))
    decision = decide(kiosk.verifier.verify_scan(card(UNCLE, person_id="c3", serial=1)), {XIAOMING})
    assert [(r.child.id, r.reason) for r in decision.refused] == [(XIAOHONG, Refusal.NOT_PRESENT)]
