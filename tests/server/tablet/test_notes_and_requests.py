"""The room tablet and the parent loop: a request waiting for the guardian's signature on the child's card (since
when), the room's messages one tap away when the app has them."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from server.care.medication.consents import guardians_of
from server.care.medication.requests import request_consent, sign_request
from server.database import db
from server.tablet import views as tablet_views
from tests.factories import SYSTEM, link, make_contact
from tests.server.care.medication.conftest import signature_png


def _request(tablets, child):  # type: ignore[no-untyped-def]
    now = tablets.clock.now()
    link(child, make_contact(tablets.centre, now, name="王妈妈"), now)
    row = request_consent(child, drug="布洛芬混悬液", dose="2.5", dose_unit="ml", route="口服", times=["15:00"],
                          first_day=now.date(), last_day=now.date() + timedelta(days=2), actor=SYSTEM, now=now)
    db.session.commit()
    return row


def test_the_card_shows_a_request_waiting_for_the_guardian_s_signature(tablets):
    kid = tablets.toddler_kids[0]
    tablets.children_in([kid])
    row = _request(tablets, kid)
    board = tablets.board(tablets.toddlers, tablets.carers[0][1]).get_json()
    card = next(c for c in board["children"] if c["id"] == kid.id)
    assert card["awaiting_signature"] == [{"request_id": row.id, "drug": "布洛芬混悬液",
                                           "since": tablets.clock.now().isoformat()}]
    assert card["doses_due"] == []  # no consent yet: nothing may be given


def test_once_signed_the_request_leaves_the_card_and_its_doses_are_due(tablets):
    kid = tablets.toddler_kids[0]
    tablets.children_in([kid])
    row = _request(tablets, kid)
    guardian = guardians_of(kid)[0]
    sign_request(row, contact=guardian, signature_png=signature_png(), actor=SYSTEM, now=tablets.clock.now())
    db.session.commit()
    card = next(c for c in tablets.board(tablets.toddlers, tablets.carers[0][1]).get_json()["children"]
                if c["id"] == kid.id)
    assert (card["awaiting_signature"], [d["drug"] for d in card["doses_due"]]) == ([], ["布洛芬混悬液"])


def test_the_messages_link_shows_only_when_the_app_has_the_room_s_messages(tablets, session_client, app: Flask):
    client = session_client(tablets.carers[0][1])
    html = client.get(f"/centres/alpha/rooms/{tablets.toddlers.id}/tablet").get_data(as_text=True)
    has_messages = tablet_views.MESSAGES_ENDPOINT in app.view_functions
    assert ('id="messages-link"' in html) is has_messages
    if has_messages:
        assert f'href="/centres/alpha/rooms/{tablets.toddlers.id}/messages"' in html
