"""What waits for the family, counted from each part of the parent loop through its own operations, each a link to
the page that does it; nothing waiting once everything is done."""

from __future__ import annotations

import re

import pytest

from compliance.feedback import item_keys
from server.database import db
from server.families.operations.messages import post_message
from server.families.operations.ratings import submit_rating
from server.families.settings import app_secret, message_store
from server.people.consent_models import ConsentChoice, ConsentPurpose
from server.people.consents import consent_statuses, decide
from tests.factories import SYSTEM
from tests.server.family.medication import mothers_actor, request
from tests.server.family.records import morning_check, move_to


def _todos(session_client, family) -> dict[str, tuple[int, str]]:
    html = session_client(family.mum).get("/centres/alpha/family").get_data(as_text=True)
    return {key: (int(count), href) for href, key, count in re.findall(
        r'<a class="todo-item" href="([^"]+)" data-todo="(\w+)" data-count="(\d+)"', html)}


def _sign_every_consent(family, clock) -> None:
    actor = mothers_actor(family)
    for child in (family.child, family.sister):
        for purpose, status in consent_statuses([child.id], clock.now())[child.id].items():
            decide(child, purpose=purpose, version=status.current_version, decision=ConsentChoice.GIVEN,
                   signed_name="李丽", actor=actor, now=clock.now())
    db.session.commit()


def _answer_the_survey(family, clock) -> None:
    submit_rating(family.centre, answers={key: 5 for key in item_keys()}, comment=None, secret=app_secret(),
                  actor=mothers_actor(family), now=clock.now())
    db.session.commit()


@pytest.fixture
def settled(family, clock):
    """The family has signed every consent and answered this month's questionnaire."""
    _sign_every_consent(family, clock)
    _answer_the_survey(family, clock)
    return family


def test_a_new_family_has_its_consents_to_sign_and_the_months_questionnaire(session_client, family):
    assert _todos(session_client, family) == {
        "consents": (4, "/centres/alpha/family/consents"), "survey": (1, "/centres/alpha/family/survey")}


def test_nothing_waits_once_everything_is_done(session_client, settled):
    html = session_client(settled.mum).get("/centres/alpha/family").get_data(as_text=True)
    assert ('id="todo-none"' in html, _todos(session_client, settled)) == (True, {})


def test_a_new_version_of_a_consent_is_to_sign_again(session_client, settled, clock):
    from server.notices.operations import queue_notice
    from server.people.consents import publish_version

    move_to(clock, 10)
    publish_version(settled.centre, ConsentPurpose.PHOTOS, text_zh="新版照片同意书", text_en="New photos consent",
                    notify=queue_notice, actor=SYSTEM, now=clock.now())
    db.session.commit()
    todos = _todos(session_client, settled)
    assert (todos["consents"], "notices" in todos) == ((2, "/centres/alpha/family/consents"), False)


def test_a_medication_request_is_to_sign_and_its_notice_is_not_counted_twice(session_client, settled, clock):
    request(settled.child, clock)
    db.session.commit()
    assert _todos(session_client, settled) == {"medication": (1, "/centres/alpha/family/medication")}


def test_an_abnormal_morning_check_is_a_notice_to_acknowledge(session_client, settled, clock):
    move_to(clock, 8, 30)
    morning_check(settled.child, clock, temperature="37.9", skin_ok=False, findings="手心红点")
    db.session.commit()
    assert _todos(session_client, settled) == {"notices": (1, "/centres/alpha/family/notices")}


def test_messages_from_the_class_wait_unread_in_the_childs_thread(session_client, settled, clock):
    from server.auth.operations import actor_for
    from server.people.operations import contacts_of_user

    carer = actor_for(settled.carer.user, contacts_of_user)
    post_message(settled.child, body="今天午睡很好", store=message_store(), actor=carer, now=clock.now())
    post_message(settled.child, body="明天带一套换洗衣服", store=message_store(), actor=carer, now=clock.now())
    post_message(settled.sister, body="小红今天有点咳嗽", store=message_store(), actor=carer, now=clock.now())
    db.session.commit()
    assert _todos(session_client, settled)["messages"] == (3, "/centres/alpha/family/messages")  # the chooser


def test_unread_messages_of_one_child_lead_to_that_childs_thread(session_client, settled, clock):
    from server.auth.operations import actor_for
    from server.people.operations import contacts_of_user

    carer = actor_for(settled.carer.user, contacts_of_user)
    post_message(settled.sister, body="小红今天有点咳嗽", store=message_store(), actor=carer, now=clock.now())
    db.session.commit()
    assert _todos(session_client, settled)["messages"] == (
        1, f"/centres/alpha/family/children/{settled.sister.id}/messages")
