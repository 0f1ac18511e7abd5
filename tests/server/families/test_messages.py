"""Messages between a family and its child's room: both ways, scoped, kept, attachments checked and logged."""

from __future__ import annotations

from sqlalchemy import func, select

from server.audit.models import AccessEvent
from server.database import db
from server.families.models import Message, MessageAttachment, MessageRead
from server.notices.models import GuardianNotice
from tests.server.families.conftest import EXE, JPEG, PDF, PNG, allow_photos, upload


def _post(client, world, who: str, child: str, body: str = "老师好"):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/children/{world['kids'][child].id}/messages", json={"body": body},
                       headers=world[who].headers)


def _thread(client, world, who: str, child: str):  # type: ignore[no-untyped-def]
    return client.get(f"/api/v1/children/{world['kids'][child].id}/messages", headers=world[who].headers)


def _notices(kind: str = "message.new") -> list[GuardianNotice]:
    return list(db.session.execute(select(GuardianNotice).where(GuardianNotice.kind == kind)).scalars())


def test_a_family_writes_and_the_class_answers_in_one_thread(client, world, clock):
    _post(client, world, "mother", "王小明", "孩子今天有点咳嗽")
    clock.advance(minutes=5)
    _post(client, world, "caregiver", "王小明", "收到，我们会多观察")
    items = _thread(client, world, "father", "王小明").get_json()["items"]
    assert [(m["side"], m["body"]) for m in items] == [("family", "孩子今天有点咳嗽"), ("staff", "收到，我们会多观察")]


def test_the_director_and_the_health_officer_read_every_thread(client, world):
    _post(client, world, "mother", "王小明")
    answers = [_thread(client, world, who, "王小明").status_code for who in ("director", "health", "caregiver")]
    assert answers == [200, 200, 200]


def test_another_family_gets_404_on_every_message_route(client, world):
    _post(client, world, "mother", "王小明")
    attachment = upload(client, world, "mother", "王小明", PDF, "体检.pdf").get_json()["attachments"][0]["id"]
    child = world["kids"]["王小明"].id
    headers = world["other_parent"].headers
    answers = [
        client.get(f"/api/v1/children/{child}/messages", headers=headers).status_code,
        client.post(f"/api/v1/children/{child}/messages", json={"body": "x"}, headers=headers).status_code,
        upload(client, world, "other_parent", "王小明", PDF, "a.pdf").status_code,
        client.post(f"/api/v1/children/{child}/messages/read", json={}, headers=headers).status_code,
        client.get(f"/api/v1/message-attachments/{attachment}", headers=headers).status_code,
    ]
    assert answers == [404] * 5


def test_a_pick_up_only_adult_is_not_the_family(client, world):
    assert _thread(client, world, "pickup_only", "王小明").status_code == 404


def test_staff_of_another_centre_and_staff_without_messages_are_refused(client, world):
    assert [_thread(client, world, who, "王小明").status_code for who in ("beta_director", "kitchen", "inspector")] == [
        404, 403, 403]


def test_a_guardian_lists_only_their_own_threads(client, world):
    _post(client, world, "caregiver", "李小红", "李小红今天吃得很好")
    items = client.get("/api/v1/centres/alpha/message-threads", headers=world["mother"].headers).get_json()["items"]
    assert [t["child_name"] for t in items] == ["王小明"]


def test_messages_are_never_edited_nor_deleted(app, client, world):
    message_id = _post(client, world, "mother", "王小明").get_json()["id"]
    methods = {m for rule in app.url_map.iter_rules() if rule.endpoint.startswith("families")
               for m in rule.methods or ()}
    child = world["kids"]["王小明"].id
    answer = client.delete(f"/api/v1/children/{child}/messages", headers=world["director"].headers)
    assert (methods & {"DELETE", "PUT", "PATCH"}, answer.status_code) == (set(), 405)
    assert db.session.get(Message, message_id) is not None


def test_a_message_needs_text_or_a_file(client, world):
    response = _post(client, world, "mother", "王小明", "   ")
    assert (response.status_code, response.get_json()["error"]["code"]) == (422, "message_empty")


def test_a_message_longer_than_2000_characters_is_refused(client, world):
    response = _post(client, world, "mother", "王小明", "字" * 2001)
    assert response.status_code == 422


def test_a_png_name_with_pdf_content_is_kept_as_a_pdf(client, world):
    response = upload(client, world, "mother", "王小明", PDF, "photo.png")
    attachment = response.get_json()["attachments"][0]
    assert (response.status_code, attachment["content_type"], attachment["original_name"]) == (
        201, "application/pdf", "photo.png")


def test_a_program_is_refused_and_nothing_is_kept(client, world):
    response = upload(client, world, "mother", "王小明", EXE, "setup.jpg")
    count = db.session.execute(select(func.count()).select_from(Message)).scalar_one()
    assert (response.status_code, response.get_json()["error"]["code"], count) == (422, "unsupported_file_type", 0)


def test_a_file_over_the_limit_is_refused(app, client, world):
    app.config["MESSAGE_FILE_MAX_BYTES"] = 1024
    response = upload(client, world, "mother", "王小明", PDF + b"\0" * 2048, "big.pdf")
    assert (response.status_code, response.get_json()["error"]["code"]) == (422, "file_too_large")


def test_a_body_far_over_the_limit_is_refused_before_it_is_read(app, client, world):
    app.config["MESSAGE_FILE_MAX_BYTES"] = 1024
    response = upload(client, world, "mother", "王小明", PDF + b"\0" * 400_000, "huge.pdf")
    assert (response.status_code, response.get_json()["error"]["code"]) == (413, "file_too_large")


def test_the_multipart_route_needs_a_file(client, world):
    response = client.post(f"/api/v1/children/{world['kids']['王小明'].id}/messages/attachments",
                           data={"body": "只有文字"}, content_type="multipart/form-data",
                           headers=world["mother"].headers)
    assert (response.status_code, response.get_json()["error"]["code"]) == (422, "file_required")


def test_every_read_of_an_attachment_is_logged(client, world):
    attachment = upload(client, world, "mother", "王小明", PDF, "体检.pdf").get_json()["attachments"][0]["id"]
    first = client.get(f"/api/v1/message-attachments/{attachment}", headers=world["caregiver"].headers)
    second = client.get(f"/api/v1/message-attachments/{attachment}", headers=world["father"].headers)
    logged = db.session.execute(select(AccessEvent.user_id, AccessEvent.object_type, AccessEvent.object_id).where(
        AccessEvent.action == "read").order_by(AccessEvent.id)).all()
    assert (first.data, second.data, first.headers["Cache-Control"]) == (PDF, PDF, "private, no-store")
    assert logged == [(world["caregiver"].user.id, "family_message_attachment", str(attachment)),
                      (world["father"].user.id, "family_message_attachment", str(attachment))]


def test_a_staff_message_queues_exactly_one_notice_without_its_text(client, world):
    message_id = _post(client, world, "caregiver", "王小明", "孩子午睡时有点发热，请来接").get_json()["id"]
    notices = _notices()
    assert [(n.child_id, n.subject, n.detail) for n in notices] == [(
        world["kids"]["王小明"].id, "A new message from your child's class",
        {"message_id": message_id, "link": {"endpoint": "families.family_messages",
                                            "args": {"code": "alpha", "child_id": world["kids"]["王小明"].id}}})]


def test_a_family_message_raises_no_notice_and_shows_unread_for_the_room(client, world):
    _post(client, world, "mother", "王小明")
    threads = client.get(f"/api/v1/centres/alpha/message-threads?room_id={world['sun'].id}",
                         headers=world["caregiver"].headers).get_json()["items"]
    assert (_notices(), [(t["child_name"], t["unread"]) for t in threads]) == ([], [("王小明", 1), ("李小红", 0)])


def test_one_member_of_staff_reading_clears_the_room_unread(client, world):
    _post(client, world, "mother", "王小明")
    child = world["kids"]["王小明"].id
    marked = client.post(f"/api/v1/children/{child}/messages/read", json={}, headers=world["caregiver"].headers)
    threads = client.get(f"/api/v1/centres/alpha/message-threads?room_id={world['sun'].id}",
                         headers=world["health"].headers).get_json()["items"]
    assert (marked.get_json(), threads[0]["unread"]) == ({"marked": 1}, 0)


def test_each_parent_reads_the_class_messages_for_themselves(client, world):
    _post(client, world, "caregiver", "王小明", "今天很开心")
    child = world["kids"]["王小明"].id
    client.post(f"/api/v1/children/{child}/messages/read", json={}, headers=world["mother"].headers)
    unread = [_thread(client, world, who, "王小明").get_json()["items"][0]["unread"] for who in ("mother", "father")]
    assert unread == [False, True]


def test_read_marks_are_kept_once_per_user_and_message(client, world):
    _post(client, world, "caregiver", "王小明", "今天很开心")
    child = world["kids"]["王小明"].id
    for _ in range(2):
        client.post(f"/api/v1/children/{child}/messages/read", json={}, headers=world["mother"].headers)
    assert db.session.execute(select(func.count()).select_from(MessageRead)).scalar_one() == 1


def test_a_staff_photo_is_refused_without_the_guardians_photo_consent(client, world):
    response = upload(client, world, "caregiver", "王小明", JPEG, "午餐.jpg")
    count = db.session.execute(select(func.count()).select_from(MessageAttachment)).scalar_one()
    assert (response.status_code, response.get_json()["error"]["code"], count, _notices()) == (
        422, "photo_consent_missing", 0, [])


def test_a_staff_photo_is_sent_once_the_guardians_agreed(client, world, clock):
    allow_photos(world, "王小明", clock.now())
    clock.advance(minutes=1)
    response = upload(client, world, "caregiver", "王小明", PNG, "午餐.png")
    assert (response.status_code, response.get_json()["attachments"][0]["content_type"], len(_notices())) == (
        201, "image/png", 1)


def test_a_staff_pdf_needs_no_photo_consent(client, world):
    assert upload(client, world, "caregiver", "王小明", PDF, "食谱.pdf").status_code == 201


def test_a_family_may_send_its_own_photo(client, world):
    assert upload(client, world, "mother", "王小明", JPEG, "皮疹.jpg").status_code == 201
