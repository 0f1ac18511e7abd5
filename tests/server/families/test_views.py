"""The message screens: the guardian's chat on a phone, a room's threads and one thread on the tablet, every thread."""

from __future__ import annotations

import io

from sqlalchemy import select

from server.database import db
from server.families.models import Message, MessageRead
from server.notices.models import GuardianNotice
from tests.server.families.conftest import JPEG, PDF
from tests.sessions import csrf_token


def _chat(world, child: str = "王小明") -> str:  # type: ignore[no-untyped-def]
    return f"/centres/alpha/family/children/{world['kids'][child].id}/messages"


def _thread(world, child: str = "王小明") -> str:  # type: ignore[no-untyped-def]
    return f"/centres/alpha/children/{world['kids'][child].id}/messages"


def test_a_parent_writes_on_the_phone_and_sees_it_at_the_bottom(session_client, world):
    page = session_client(world["mother"])
    token = csrf_token(page.get(_chat(world)).get_data(as_text=True))
    sent = page.post(_chat(world), data={"body": "明天请假一天", "csrf_token": token})
    html = page.get(_chat(world)).get_data(as_text=True)
    assert (sent.status_code, sent.headers["Location"].endswith("#latest")) == (302, True)
    assert 'id="latest"' in html and "明天请假一天" in html and 'id="reply-form"' in html


def test_a_parent_attaches_a_photo_with_the_attach_button(session_client, world):
    page = session_client(world["mother"])
    token = csrf_token(page.get(_chat(world)).get_data(as_text=True))
    sent = page.post(_chat(world), data={"body": "", "file": (io.BytesIO(JPEG), "皮疹.jpg"), "csrf_token": token},
                     content_type="multipart/form-data")
    html = page.get(_chat(world)).get_data(as_text=True)
    assert (sent.status_code, 'class="attachment image"' in html) == (302, True)


def test_a_refused_message_comes_back_with_what_was_typed(session_client, world):
    page = session_client(world["mother"])
    token = csrf_token(page.get(_chat(world)).get_data(as_text=True))
    answer = page.post(_chat(world), data={"body": "看附件", "file": (io.BytesIO(b"MZ\x90\x00" + b"\0" * 80), "a.jpg"),
                                           "csrf_token": token}, content_type="multipart/form-data")
    html = answer.get_data(as_text=True)
    assert (answer.status_code, "看附件" in html, 'id="file-problem"' in html) == (422, True, True)


def test_another_family_gets_404_on_the_chat(session_client, world):
    page = session_client(world["other_parent"])
    token = csrf_token(page.get("/centres/alpha/family/survey").get_data(as_text=True))
    answers = (page.get(_chat(world)).status_code,
               page.post(_chat(world), data={"body": "x", "csrf_token": token}).status_code)
    assert answers == (404, 404)


def test_staff_opening_the_parents_page_are_sent_to_their_own(session_client, world):
    answer = session_client(world["caregiver"]).get(_chat(world))
    assert (answer.status_code, answer.headers["Location"]) == (302, _thread(world))


def test_a_guardian_never_opens_the_staff_pages(session_client, world):
    page = session_client(world["mother"])
    answers = [page.get(url).status_code for url in (
        _thread(world), f"/centres/alpha/rooms/{world['sun'].id}/messages", "/centres/alpha/messages")]
    assert answers == [403, 403, 403]


def test_the_room_page_shows_unread_threads_first(client, session_client, world):
    client.post(f"/api/v1/children/{world['kids']['李小红'].id}/messages", json={"body": "老师好"},
                headers=world["other_parent"].headers)
    html = session_client(world["caregiver"]).get(f"/centres/alpha/rooms/{world['sun'].id}/messages").get_data(
        as_text=True)
    first, second = html.index(f'data-child="{world["kids"]["李小红"].id}"'), html.index(
        f'data-child="{world["kids"]["王小明"].id}"')
    assert (first < second, 'data-unread="1"' in html) == (True, True)


def test_opening_a_thread_reads_it_for_the_room(client, session_client, world):
    client.post(f"/api/v1/children/{world['kids']['王小明'].id}/messages", json={"body": "老师好"},
                headers=world["mother"].headers)
    session_client(world["health"]).get(_thread(world))
    html = session_client(world["caregiver"]).get(f"/centres/alpha/rooms/{world['sun'].id}/messages").get_data(
        as_text=True)
    assert (len(db.session.execute(select(MessageRead)).all()), 'data-unread="1"' in html) == (1, False)


def test_a_caregiver_replies_and_the_family_is_notified_once(session_client, world):
    page = session_client(world["caregiver"])
    token = csrf_token(page.get(_thread(world)).get_data(as_text=True))
    sent = page.post(_thread(world), data={"body": "今天午睡两小时", "csrf_token": token})
    notices = db.session.execute(select(GuardianNotice.kind)).scalars().all()
    assert (sent.status_code, notices) == (302, ["message.new"])


def test_a_staff_photo_without_consent_is_refused_on_the_form(session_client, world):
    page = session_client(world["caregiver"])
    token = csrf_token(page.get(_thread(world)).get_data(as_text=True))
    answer = page.post(_thread(world), data={"body": "午餐", "file": (io.BytesIO(JPEG), "午餐.jpg"),
                                             "csrf_token": token}, content_type="multipart/form-data")
    assert (answer.status_code, db.session.execute(select(Message)).all()) == (422, [])


def test_the_director_sees_every_thread_with_a_message(client, session_client, world):
    for who, child in (("mother", "王小明"), ("other_parent", "李小红")):
        client.post(f"/api/v1/children/{world['kids'][child].id}/messages", json={"body": "你好"},
                    headers=world[who].headers)
    html = session_client(world["director"]).get("/centres/alpha/messages").get_data(as_text=True)
    assert html.count('class="thread-tile unread"') == 2 and "张小华" not in html


def test_a_pdf_is_offered_as_a_file_link(client, session_client, world):
    client.post(f"/api/v1/children/{world['kids']['王小明'].id}/messages/attachments",
                data={"file": (io.BytesIO(PDF), "体检单.pdf")}, content_type="multipart/form-data",
                headers=world["mother"].headers)
    html = session_client(world["caregiver"]).get(_thread(world)).get_data(as_text=True)
    assert 'class="attachment file"' in html and "体检单.pdf" in html
