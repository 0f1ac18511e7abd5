"""Consents through the API: a guardian signs and withdraws for their own children only; staff read; the office
records paper forms and publishes versions; a photo is refused at once after a withdrawal; one error shape."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from server.audit.models import AuditEntry
from server.database import db
from server.notices.models import GuardianNotice, NoticeAcknowledgement
from tests.factories import make_child
from tests.server.consents.conftest import guardian_family, png

SIGN = {"purpose": "photos", "version": 1, "decision": "given", "signed_name": "李丽"}
WITHDRAW = {"purpose": "photos", "version": 1, "decision": "withdrawn"}


@pytest.fixture
def clock_start() -> datetime:
    return datetime(2026, 9, 7, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


def _consents(client, child_id, login):  # type: ignore[no-untyped-def]
    return client.get(f"/api/v1/children/{child_id}/consents", headers=login.headers)


def _decide(client, child_id, login, body):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/children/{child_id}/consents", json=body, headers=login.headers)


def _photo(client, child_id, login):  # type: ignore[no-untyped-def]
    return client.put(f"/api/v1/children/{child_id}/photo", headers=login.headers,
                      data={"photo": (__import__("io").BytesIO(png()), "face.png", "image/png")})


def _state(response, purpose="photos"):  # type: ignore[no-untyped-def]
    return next(s["state"] for s in response.get_json()["statuses"] if s["purpose"] == purpose)


def _error(response):  # type: ignore[no-untyped-def]
    return response.status_code, response.get_json()["error"]["code"]


def test_a_photo_at_1000_01_is_refused_after_a_withdrawal_at_1000_and_one_at_0959_was_accepted(
        client, family, director, clock):
    _decide(client, family.child.id, family.mother_login, SIGN)
    clock.advance(minutes=59)
    before = _photo(client, family.child.id, director)
    clock.advance(minutes=1)
    withdrawn = _decide(client, family.child.id, family.mother_login, WITHDRAW)
    clock.advance(seconds=1)
    after = _photo(client, family.child.id, director)
    assert (before.status_code, _state(withdrawn), _error(after)) == (201, "withdrawn", (422, "photo_consent_missing"))


def test_a_guardian_signs_with_their_name_and_the_decision_is_audited(client, family, clock):
    response = _decide(client, family.child.id, family.mother_login, SIGN)
    body = response.get_json()
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "consent_decision.record")).scalar_one()
    assert (response.status_code, _state(response), body["history"][0]["method"], body["history"][0]["signed_name"],
            body["history"][0]["contact_name"], entry.actor_id) == (
        201, "given", "portal", "李丽", "李丽", family.mother_login.user.id)


def test_two_guardians_the_latest_decision_wins(client, family, clock):
    _decide(client, family.child.id, family.mother_login, SIGN)
    clock.advance(minutes=5)
    _decide(client, family.child.id, family.father_login, WITHDRAW)
    clock.advance(minutes=5)
    again = _decide(client, family.child.id, family.father_login, {**SIGN, "signed_name": "王强"})
    assert (_state(again), [h["decision"] for h in again.get_json()["history"]]) == (
        "given", ["given", "withdrawn", "given"])


def test_another_familys_guardian_gets_404_on_every_consent_route(client, family, centre, clock):
    other = guardian_family(centre, clock.now(), tag="乙", name="李小红")
    answers = [_consents(client, other.child.id, family.mother_login).status_code,
               _decide(client, other.child.id, family.mother_login, SIGN).status_code,
               _photo(client, other.child.id, family.mother_login).status_code,
               client.post(f"/api/v1/children/{other.child.id}/consents/paper", headers=family.mother_login.headers,
                           json={"contact_id": other.mother.id, "purpose": "photos", "decision": "given",
                                 "consent_on": "2026-09-07"}).status_code]
    assert answers == [404, 404, 404, 404]


def test_a_pick_up_adult_who_is_not_a_guardian_gets_404(client, family):
    assert (_consents(client, family.child.id, family.grandma_login).status_code,
            _decide(client, family.child.id, family.grandma_login, SIGN).status_code) == (404, 404)


def test_staff_read_a_childs_consents_but_cannot_sign(client, family, caregiver, director):
    assert (_consents(client, family.child.id, caregiver).status_code,
            _decide(client, family.child.id, caregiver, SIGN).status_code,
            _error(_decide(client, family.child.id, director, SIGN))) == (200, 403, (422, "not_guardian"))


@pytest.mark.parametrize(("change", "expected"), [
    ({"purpose": "video"}, (422, "invalid_enum")),
    ({"version": 2}, (409, "stale_version")),
    ({"version": 0}, (422, "invalid_greater_than_equal")),
    ({"signed_name": "别人"}, (422, "name_mismatch")),
    ({"signed_name": None}, (422, "required")),
    ({"decision": "maybe"}, (422, "invalid_enum")),
])
def test_bad_input_is_refused_in_the_error_shape(client, family, change, expected):
    assert _error(_decide(client, family.child.id, family.mother_login, {**SIGN, **change})) == expected


def test_signing_twice_the_same_version_is_a_conflict(client, family):
    _decide(client, family.child.id, family.mother_login, SIGN)
    assert _error(_decide(client, family.child.id, family.father_login, {**SIGN, "signed_name": "王强"})) == (
        409, "already_given")


def test_the_office_records_a_paper_withdrawal_of_photos(client, family, director, clock):
    _decide(client, family.child.id, family.mother_login, SIGN)
    clock.advance(hours=1)
    response = client.post(f"/api/v1/children/{family.child.id}/consents/paper", headers=director.headers,
                           json={"contact_id": family.father.id, "purpose": "photos", "decision": "withdrawn",
                                 "consent_on": "2026-09-07"})
    latest = response.get_json()["history"][0]
    assert (response.status_code, _state(response), latest["method"], latest["version"]) == (
        201, "withdrawn", "paper", 1)


def test_a_paper_form_from_a_pick_up_adult_is_refused(client, family, director):
    response = client.post(f"/api/v1/children/{family.child.id}/consents/paper", headers=director.headers,
                           json={"contact_id": family.grandma.id, "purpose": "photos", "decision": "given",
                                 "consent_on": "2026-09-07"})
    assert _error(response) == (422, "not_guardian")


def test_publishing_a_version_queues_one_notice_per_child_through_the_hand_down(client, family, centre, director,
                                                                             clock):
    make_child(centre, clock.now(), name="李小红")
    db.session.commit()
    response = client.post("/api/v1/centres/alpha/consent-documents", headers=director.headers,
                           json={"purpose": "photos", "text_zh": "新版照片同意书", "text_en": "New photo consent"})
    notices = db.session.execute(select(GuardianNotice).order_by(GuardianNotice.child_id)).scalars().all()
    status = _consents(client, family.child.id, family.mother_login).get_json()["statuses"]
    assert (response.status_code, response.get_json()["version"], len(notices), {n.kind for n in notices},
            notices[0].detail["link"], [s["current_version"] for s in status if s["purpose"] == "photos"]) == (
        201, 2, 2, {"consent.to_sign"},
        {"endpoint": "consents.family_consents", "args": {"code": "alpha", "purpose": "photos"}}, [2])


def test_signing_on_the_phone_acknowledges_the_to_sign_notice_of_that_purpose(client, family, director):
    for purpose in ("photos", "data_processing"):
        client.post("/api/v1/centres/alpha/consent-documents", headers=director.headers,
                    json={"purpose": purpose, "text_zh": f"新版{purpose}", "text_en": f"New {purpose}"})
    _decide(client, family.child.id, family.mother_login, {**SIGN, "version": 2})
    acknowledged = db.session.execute(
        select(GuardianNotice.detail, NoticeAcknowledgement.contact_id)
        .join(NoticeAcknowledgement, NoticeAcknowledgement.notice_id == GuardianNotice.id)).all()
    assert [(detail["purpose"], contact) for detail, contact in acknowledged] == [("photos", family.mother.id)]


def test_only_the_director_publishes(client, family, caregiver):
    response = client.post("/api/v1/centres/alpha/consent-documents", headers=caregiver.headers,
                           json={"purpose": "photos", "text_zh": "新版", "text_en": "New"})
    assert response.status_code == 403


def test_the_texts_are_listed_with_the_default_as_version_1(client, family):
    body = client.get("/api/v1/centres/alpha/consent-documents", headers=family.mother_login.headers).get_json()
    assert ([(d["purpose"], d["version"], d["id"], d["is_default"]) for d in body["current"]], body["history"]) == (
        [("data_processing", 1, None, True), ("photos", 1, None, True)], [])


def test_a_guardian_cannot_upload_a_photo(client, family):
    _decide(client, family.child.id, family.mother_login, SIGN)
    assert _photo(client, family.child.id, family.mother_login).status_code == 403


def test_a_photo_is_judged_by_its_content(client, family, director):
    _decide(client, family.child.id, family.mother_login, SIGN)
    response = client.put(f"/api/v1/children/{family.child.id}/photo", headers=director.headers,
                          data={"photo": (__import__("io").BytesIO(b"%PDF-1.4 not an image"), "face.png",
                                          "image/png")})
    assert _error(response) == (422, "bad_photo_type")
