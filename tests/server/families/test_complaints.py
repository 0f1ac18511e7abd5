"""Complaints: received, answered, closed, each its own timed row; the director's alert; the family's notice."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from server.alerts.models import Alert
from server.audit.models import AuditEntry
from server.database import db
from server.families.models import ComplaintAnswer, ComplaintClosure
from server.notices.models import GuardianNotice
from tests.sessions import csrf_token


def _complain(client, world, who: str = "mother", **body: object):  # type: ignore[no-untyped-def]
    values = {"category": "food", "text": "午餐送到时已经凉了", **body}
    return client.post("/api/v1/centres/alpha/complaints", json=values, headers=world[who].headers)


def _answer(client, world, complaint_id: int, who: str = "director", text: str = "已改用保温箱"):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/complaints/{complaint_id}/answer", json={"text": text}, headers=world[who].headers)


def _close(client, world, complaint_id: int, who: str = "director", outcome: str = "家长确认已改善"):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/complaints/{complaint_id}/close", json={"outcome": outcome},
                       headers=world[who].headers)


def _wire(at) -> str:  # type: ignore[no-untyped-def]
    """An instant as the API writes it (UTC, "Z")."""
    return at.isoformat().replace("+00:00", "Z")


def _alerts() -> list[Alert]:
    return list(db.session.execute(select(Alert).where(Alert.kind == "families.complaint")).scalars())


def test_each_step_is_timed_on_its_own_row(client, world, clock):
    received = clock.now()
    complaint = _complain(client, world).get_json()
    clock.advance(hours=20)
    answered = _answer(client, world, complaint["id"]).get_json()
    clock.advance(days=3)
    closed = _close(client, world, complaint["id"]).get_json()
    assert [complaint["status"], answered["status"], closed["status"]] == ["received", "answered", "closed"]
    assert (closed["received_at"], closed["answered_at"], closed["closed_at"]) == (
        _wire(received), _wire(received + timedelta(hours=20)), _wire(clock.now()))
    actions = list(db.session.execute(select(AuditEntry.action).where(AuditEntry.action.like("complaint.%"))
                                      .order_by(AuditEntry.id)).scalars())
    assert actions == ["complaint.receive", "complaint.answer", "complaint.close"]


def test_the_deadlines_come_from_the_rulebook(client, world, clock):
    complaint = _complain(client, world).get_json()
    assert (complaint["answer_due"], complaint["close_due"]) == (
        _wire(clock.now() + timedelta(days=2)), _wire(clock.now() + timedelta(days=14)))


def test_a_complaint_past_its_answer_deadline_is_overdue(client, world, clock):
    complaint_id = _complain(client, world).get_json()["id"]
    clock.advance(days=2, seconds=1)
    assert client.get(f"/api/v1/complaints/{complaint_id}", headers=world["director"].headers).get_json()["overdue"]


def test_a_new_complaint_alerts_the_director_until_it_is_answered(client, world, clock):
    complaint_id = _complain(client, world).get_json()["id"]
    alert = _alerts()[0]
    by_hand = client.post(f"/api/v1/alerts/{alert.id}/resolve", headers=world["director"].headers)
    clock.advance(hours=3)
    _answer(client, world, complaint_id)
    db.session.expire_all()
    assert (by_hand.status_code, by_hand.get_json()["error"]["code"]) == (409, "still_in_breach")
    assert (alert.subject, alert.resolved_at) == ({"complaint": complaint_id}, clock.now())


def test_the_alert_names_no_complaint_text(client, world):
    _complain(client, world, text="张老师打了孩子")
    alert = _alerts()[0]
    assert ("张老师" in alert.message_zh, "膳食" in alert.message_zh) == (False, True)


def test_answering_queues_one_notice_to_the_family(client, world):
    complaint_id = _complain(client, world).get_json()["id"]
    _answer(client, world, complaint_id)
    notices = list(db.session.execute(select(GuardianNotice).where(GuardianNotice.kind == "complaint.answered"))
                   .scalars())
    assert [(n.child_id, n.subject, n.detail) for n in notices] == [(
        world["kids"]["王小明"].id, "Your complaint has been answered",
        {"complaint_id": complaint_id, "link": {"endpoint": "families.family_complaints", "args": {"code": "alpha"}}})]


def test_a_complaint_is_answered_once_and_closed_once(client, world):
    complaint_id = _complain(client, world).get_json()["id"]
    _answer(client, world, complaint_id)
    again = _answer(client, world, complaint_id, text="再说一次")
    _close(client, world, complaint_id)
    closed_again = _close(client, world, complaint_id)
    counts = (len(db.session.execute(select(ComplaintAnswer)).all()), len(db.session.execute(select(ComplaintClosure)).all()))
    assert (again.get_json()["error"]["code"], closed_again.get_json()["error"]["code"], counts) == (
        "already_answered", "already_closed", (1, 1))


def test_a_complaint_is_not_closed_before_its_answer(client, world):
    complaint_id = _complain(client, world).get_json()["id"]
    response = _close(client, world, complaint_id)
    assert (response.status_code, response.get_json()["error"]["code"]) == (409, "not_answered")


def test_the_family_sees_the_answer_and_the_status(client, world):
    complaint_id = _complain(client, world).get_json()["id"]
    _answer(client, world, complaint_id)
    mine = client.get("/api/v1/centres/alpha/family/complaints", headers=world["father"].headers).get_json()["items"]
    assert [(c["id"], c["status"], c["answer"]) for c in mine] == [(complaint_id, "answered", "已改用保温箱")]


def test_another_family_never_sees_a_complaint(client, world):
    complaint_id = _complain(client, world).get_json()["id"]
    theirs = client.get("/api/v1/centres/alpha/family/complaints", headers=world["other_parent"].headers)
    one = client.get(f"/api/v1/complaints/{complaint_id}", headers=world["other_parent"].headers)
    assert (theirs.get_json()["items"], one.status_code) == ([], 404)


def test_a_guardian_may_not_answer_and_a_caregiver_may_not_read(client, world):
    complaint_id = _complain(client, world).get_json()["id"]
    answers = (_answer(client, world, complaint_id, who="mother").status_code,
               client.get(f"/api/v1/complaints/{complaint_id}", headers=world["caregiver"].headers).status_code,
               _answer(client, world, complaint_id, who="inspector").status_code,
               client.get("/api/v1/centres/alpha/complaints", headers=world["inspector"].headers).status_code)
    assert answers == (403, 403, 403, 200)


def test_a_complaint_about_a_child_not_theirs_is_refused(client, world):
    response = _complain(client, world, child_id=world["kids"]["李小红"].id)
    assert (response.status_code, response.get_json()["error"]["code"]) == (422, "unknown_child")


def test_a_complaint_needs_a_known_category_and_text(client, world):
    response = _complain(client, world, category="weather", text="   ")
    assert sorted(p["code"] for p in response.get_json()["error"]["details"]) == ["bad_choice", "required"]


def test_staff_are_nobodys_family_to_complain_for(client, world):
    assert _complain(client, world, "director").get_json()["error"]["code"] == "not_a_guardian"


def test_the_director_handles_a_complaint_on_its_page(client, session_client, world, clock):
    complaint_id = _complain(client, world).get_json()["id"]
    page = session_client(world["director"])
    url = f"/centres/alpha/feedback/complaints/{complaint_id}"
    answered = page.post(f"{url}/answer", data={"text": "已处理", "csrf_token": csrf_token(page.get(url).get_data(
        as_text=True))})
    clock.advance(days=1)
    html = page.get(url).get_data(as_text=True)
    closed = page.post(f"{url}/close", data={"outcome": "", "csrf_token": csrf_token(html)})
    assert (answered.status_code, 'id="close-form"' in html, closed.status_code) == (302, True, 422)
    assert 'id="outcome-problem"' in closed.get_data(as_text=True)


def test_the_family_makes_a_complaint_on_its_phone_page(session_client, world):
    page = session_client(world["mother"])
    token = csrf_token(page.get("/centres/alpha/family/complaints").get_data(as_text=True))
    posted = page.post("/centres/alpha/family/complaints", data={"category": "safety", "text": "门口太拥挤",
                                                                 "csrf_token": token})
    html = page.get("/centres/alpha/family/complaints").get_data(as_text=True)
    assert (posted.status_code, "门口太拥挤" in html, 'data-status="received"' in html) == (302, True, True)


def test_the_feedback_page_lists_the_overdue_complaint_first(client, session_client, world, clock):
    older = _complain(client, world, text="第一件").get_json()["id"]
    clock.advance(days=3)
    newer = _complain(client, world, "other_parent", text="第二件").get_json()["id"]
    html = session_client(world["director"]).get("/centres/alpha/feedback").get_data(as_text=True)
    assert html.index(f'data-complaint="{older}"') < html.index(f'data-complaint="{newer}"')
