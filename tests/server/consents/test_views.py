"""The consent pages: the guardian's phone page (read, tick, type one's name, sign; one confirmed tap to withdraw),
the office's badges and history on the children's pages, the paper form, the texts page and the photo upload."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from server.database import db
from server.notices.models import GuardianNotice
from server.people.consent_models import ConsentDecision
from server.people.consents import consent_statuses, decide, photos_allowed
from server.people.models import Child
from tests.factories import make_login
from tests.server.consents.conftest import guardian_family, png
from tests.sessions import csrf_token

PAGE = "/centres/alpha/family/consents"


@pytest.fixture
def clock_start() -> datetime:
    return datetime(2026, 9, 7, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


def _post(client, page: str, url: str, data: dict[str, object]):  # type: ignore[no-untyped-def]
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def _sign_form(child_id: int, **extra: str) -> tuple[str, dict[str, str]]:
    return (f"{PAGE}/children/{child_id}",
            {"purpose": "photos", "version": "1", "decision": "given", "has_read": "y", "signed_name": "李丽", **extra})


def _photos(family, clock):  # type: ignore[no-untyped-def]
    db.session.rollback()  # see what the request committed
    return consent_statuses([family.child.id], clock.now())[family.child.id]["photos"]


def test_the_guardian_reads_the_text_of_their_own_child_only(session_client, family, centre, clock):
    other = guardian_family(centre, clock.now(), tag="乙", name="李小红")
    html = session_client(family.mother_login).get(PAGE).get_data(as_text=True)
    assert ("王小明" in html, "李小红" in html, "幼儿照片拍摄与使用同意书" in html, "输入您的姓名以签署（李丽）" in html,
            other.child.name) == (True, False, True, True, "李小红")


def test_the_guardian_signs_by_ticking_and_typing_their_name(session_client, family, clock):
    url, data = _sign_form(family.child.id)
    response = _post(session_client(family.mother_login), PAGE, url, data)
    status = _photos(family, clock)
    assert (response.status_code, response.headers["Location"].endswith(f"#consent-{family.child.id}-photos"),
            status.state.value, status.latest.signed_name) == (302, True, "given", "李丽")


def test_signing_without_ticking_comes_back_with_the_name_kept(session_client, family, clock):
    url, data = _sign_form(family.child.id, has_read="")
    response = _post(session_client(family.mother_login), PAGE, url, data)
    html = response.get_data(as_text=True)
    assert (response.status_code, 'id="has_read-problem"' in html, 'value="李丽"' in html,
            _photos(family, clock).state.value) == (422, True, True, "none")


def test_withdrawing_is_one_confirmed_tap_and_takes_effect_at_once(session_client, family, clock):
    mother = session_client(family.mother_login)
    url, data = _sign_form(family.child.id)
    _post(mother, PAGE, url, data)
    clock.advance(minutes=30)
    page = mother.get(PAGE).get_data(as_text=True)
    response = _post(mother, PAGE, url, {"purpose": "photos", "version": "1", "decision": "withdrawn"})
    after = mother.get(PAGE).get_data(as_text=True)
    db.session.rollback()
    assert ("确认撤回" in page, response.status_code, photos_allowed(family.child.id, clock.now()),
            "已撤回，立即生效" in after, "同意已撤回" in after) == (True, 302, False, True, True)


def test_another_familys_child_is_404_on_the_phone_form(session_client, family, centre, clock):
    other = guardian_family(centre, clock.now(), tag="乙", name="李小红")
    url, data = _sign_form(other.child.id)
    response = _post(session_client(family.mother_login), PAGE, url, data)
    assert (response.status_code, db.session.execute(select(ConsentDecision)).first()) == (404, None)


def test_a_stale_version_is_said_and_nothing_is_recorded(session_client, family, director, clock):
    client = session_client(director)
    _post(client, "/centres/alpha/consents", "/centres/alpha/consents/documents",
          {"purpose": "photos", "text_zh": "新版照片同意书", "text_en": "New photo consent"})
    mother = session_client(family.mother_login)
    url, data = _sign_form(family.child.id)
    response = _post(mother, PAGE, url, data)
    page = mother.get(PAGE).get_data(as_text=True)
    assert (response.status_code, "该同意书已发布新版本" in page, _photos(family, clock).state.value,
            "阅读同意书（第2版）" in page) == (302, True, "none", True)


def test_staff_do_not_open_the_guardians_page(session_client, family, caregiver):
    assert session_client(caregiver).get(PAGE).status_code == 403


def test_the_office_sees_the_photo_withdrawal_on_the_child_page_with_its_history(session_client, family, director,
                                                                                clock):
    guardian = family.actor(family.mother_login)
    decide(family.child, purpose="photos", version=1, decision="given", signed_name="李丽", actor=guardian,  # type: ignore[arg-type]
           now=clock.now())
    clock.advance(hours=1)
    decide(family.child, purpose="photos", version=1, decision="withdrawn", signed_name=None, actor=guardian,  # type: ignore[arg-type]
           now=clock.now())
    db.session.commit()
    html = session_client(director).get(f"/centres/alpha/children/{family.child.id}").get_data(as_text=True)
    assert ('id="no-photos"' in html, "照片同意已撤回" in html, 'id="photos-kept"' in html,
            html.count("李丽") >= 2, "家长手机签署" in html) == (True, True, True, True, True)


def test_every_member_of_staff_sees_no_photos_on_the_children_list(session_client, family, centre, clock):
    kitchen = make_login("kitchen", clock.now(), [(centre, __import__("server.auth.roles", fromlist=["Role"]).Role.KITCHEN)])
    html = session_client(kitchen).get("/centres/alpha/children").get_data(as_text=True)
    assert ("不同意拍照" in html, "未同意处理个人信息" in html) == (True, True)


def test_the_office_paper_form_records_a_photos_withdrawal(session_client, family, director, clock):
    page = f"/centres/alpha/children/{family.child.id}"
    client = session_client(director)
    _post(client, page, f"{page}/consent", {"contact_id": family.father.id, "consent_on": "2026-09-07",
                                            "purpose": "photos", "decision": "given"})
    clock.advance(hours=1)
    response = _post(client, page, f"{page}/consent", {"contact_id": family.father.id, "consent_on": "2026-09-07",
                                                       "purpose": "photos", "decision": "withdrawn"})
    db.session.rollback()
    rows = db.session.execute(select(ConsentDecision.decision, ConsentDecision.method)
                              .order_by(ConsentDecision.id)).all()
    assert (response.status_code, [(d.value, m.value) for d, m in rows]) == (
        302, [("given", "paper"), ("withdrawn", "paper")])


def test_the_old_paper_form_still_records_a_data_processing_consent(session_client, family, director):
    page = f"/centres/alpha/children/{family.child.id}"
    response = _post(session_client(director), page, f"{page}/consent",
                     {"contact_id": family.mother.id, "consent_on": "2026-09-01"})
    db.session.rollback()
    row = db.session.execute(select(ConsentDecision)).scalar_one()
    assert (response.status_code, row.purpose.value, row.method.value,
            db.session.get(Child, family.child.id).consent_on.isoformat()) == (302, "data_processing", "paper",
                                                                               "2026-09-01")


def test_a_photo_upload_without_consent_comes_back_with_the_reason(session_client, family, director):
    page = f"/centres/alpha/children/{family.child.id}"
    client = session_client(director)
    token = csrf_token(client.get(page).get_data(as_text=True))
    response = client.post(f"{page}/photo", data={"csrf_token": token, "photo": (io.BytesIO(png()), "face.png",
                                                                                   "image/png")})
    assert (response.status_code, "不得为该幼儿拍摄照片" in response.get_data(as_text=True)) == (422, True)


def test_the_office_page_lists_every_child_and_the_director_publishes(session_client, family, director, caregiver,
                                                                     clock):
    overview = session_client(caregiver).get("/centres/alpha/consents")
    client = session_client(director)
    response = _post(client, "/centres/alpha/consents", "/centres/alpha/consents/documents",
                     {"purpose": "data_processing", "text_zh": "新版个人信息同意书", "text_en": "New text"})
    db.session.rollback()
    notices = db.session.execute(select(GuardianNotice.child_id, GuardianNotice.kind)).all()
    page = client.get("/centres/alpha/consents").get_data(as_text=True)
    assert (overview.status_code, "王小明" in overview.get_data(as_text=True), response.status_code,
            [tuple(n) for n in notices], "发布第3版" in page) == (
        200, True, 302, [(family.child.id, "consent.to_sign")], True)


def test_a_caregiver_may_not_publish(session_client, family, caregiver):
    response = _post(session_client(caregiver), "/centres/alpha/consents", "/centres/alpha/consents/documents",
                     {"purpose": "photos", "text_zh": "新版", "text_en": "New"})
    assert response.status_code == 403


def test_a_guardian_does_not_open_the_office_page(session_client, family):
    assert session_client(family.mother_login).get("/centres/alpha/consents").status_code == 403


def test_publishing_an_empty_text_keeps_the_form(session_client, family, director):
    response = _post(session_client(director), "/centres/alpha/consents", "/centres/alpha/consents/documents",
                     {"purpose": "photos", "text_zh": "", "text_en": "Only English"})
    html = response.get_data(as_text=True)
    assert (response.status_code, 'id="text_zh-problem"' in html, "Only English" in html) == (422, True, True)
