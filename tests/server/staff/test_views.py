"""The staff list and a person's file in the office: badges per requirement, forms that call the operations, keep
what was typed on a problem, and show the director (only) full numbers and scans."""

from __future__ import annotations

import re
from datetime import timedelta
from io import BytesIO

import pytest
from sqlalchemy import func, select

from server.audit.models import AccessEvent, AuditEntry
from server.database import db
from server.people.ban_list import add_ban
from server.people.staff_models import BanSource
from server.staff.models import StaffCredential, StaffDocument
from server.staff.training_models import TrainingEntry
from tests.factories import SYSTEM
from tests.server.staff.factories import PNG, TODAY, add_credential, make_staff
from tests.sessions import csrf_token

BANNED_ID = "11010519491231002X"


@pytest.fixture
def world(staff_world, clock):
    """The staff world, committed, with a scan on 张老师's file (the session clients see only committed rows)."""
    db.session.commit()
    return staff_world


def _post(client, page: str, url: str, data: dict[str, object], **kwargs):
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token}, **kwargs)


def _file_url(world, who: str = "certified") -> str:
    return f"/centres/alpha/staff/{world[who].id}"


def _count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def _names_in_order(html: str) -> list[str]:
    return re.findall(r'<td class="name"[^>]*><a href="/centres/alpha/staff/\d+">([^<]+)</a>', html)


# --- the staff list ---------------------------------------------------------------------------------------


def test_the_director_sees_each_persons_credential_state_with_words(session_client, world):
    html = session_client(world["director"]).get("/centres/alpha/staff").get_data(as_text=True)
    assert ('data-state="missing"' in html, "缺少" in html, 'data-state="valid"' in html, "有效" in html) == (
        True, True, True, True)


def test_the_staff_list_puts_people_lacking_credentials_first(session_client, world):
    names = _names_in_order(session_client(world["director"]).get("/centres/alpha/staff").get_data(as_text=True))
    assert names.index("李老师") < names.index("张老师")


def test_the_staff_list_filters_by_state(session_client, world):
    names = _names_in_order(session_client(world["director"]).get("/centres/alpha/staff?state=valid")
                            .get_data(as_text=True))
    assert names == ["张老师"]


def test_an_expiring_credential_says_in_how_many_days(session_client, world, clock):
    add_credential(world["uncertified"], clock.now(), "health_certificate", issued_on=TODAY - timedelta(days=300),
                   expires_on=TODAY + timedelta(days=12))
    db.session.commit()
    html = session_client(world["director"]).get("/centres/alpha/staff?state=expiring").get_data(as_text=True)
    assert (_names_in_order(html), "12 天后到期" in html) == (["李老师"], True)


def test_a_caregiver_sees_the_staff_list_without_credentials(session_client, world):
    response = session_client(world["caregiver"]).get("/centres/alpha/staff")
    html = response.get_data(as_text=True)
    assert (response.status_code, 'class="badge"' in html, "/centres/alpha/staff/" in html) == (200, False, False)


def test_a_hire_on_the_ban_list_is_refused_on_the_form_with_what_was_typed(session_client, world, clock):
    add_ban(world["alpha"], name="禁入者", id_number=BANNED_ID, reason="法院判决", source=BanSource.COURT,
            decided_on=TODAY, is_lifetime=True, actor=SYSTEM, now=clock.now(), today=TODAY)
    db.session.commit()
    client = session_client(world["director"])
    response = _post(client, "/centres/alpha/staff", "/centres/alpha/staff",
                     {"name": "改名者", "role": "caregiver", "hired_on": "2026-09-01", "id_number": BANNED_ID})
    html = response.get_data(as_text=True)
    assert (response.status_code, "禁入名单" in html, 'value="改名者"' in html, f'value="{BANNED_ID}"' in html) == (
        422, True, True, True)


def test_a_malformed_identity_number_is_shown_on_the_form(session_client, world):
    client = session_client(world["director"])
    response = _post(client, "/centres/alpha/staff", "/centres/alpha/staff",
                     {"name": "新老师", "role": "caregiver", "hired_on": "2026-09-01", "id_number": "110105194912310021"})
    assert (response.status_code, 'id="id_number-problem"' in response.get_data(as_text=True)) == (422, True)


# --- a person's file ------------------------------------------------------------------------------------


def test_the_director_sees_masked_numbers_with_a_button_to_show_one(session_client, world):
    html = session_client(world["director"]).get(_file_url(world)).get_data(as_text=True)
    assert ("4401**********1234" in html, "440102199001011234" in html, 'id="reveal-' in html) == (True, False, True)


def test_the_inspector_sees_masked_numbers_only_and_no_scan_link(session_client, world, clock):
    add_credential(world["certified"], clock.now(), "health_certificate", number="YX2026-7777")
    db.session.commit()
    html = session_client(world["inspector"]).get(_file_url(world)).get_data(as_text=True)
    assert ("YX20***7777" in html, "YX2026-7777" in html, 'id="reveal-' in html, "staff-documents" in html,
            'id="record-form"' in html) == (True, False, False, False, False)


def test_a_caregiver_may_not_open_a_staff_file(session_client, world):
    assert session_client(world["caregiver"]).get(_file_url(world, "uncertified")).status_code == 403


def test_a_file_of_another_centre_is_not_found(session_client, world):
    assert session_client(world["director"]).get(_file_url(world, "beta_staff")).status_code in (403, 404)


def test_the_full_number_is_shown_in_place_and_the_reveal_is_logged(session_client, world):
    client = session_client(world["director"])
    credential_id = db.session.execute(select(StaffCredential.id).where(
        StaffCredential.staff_id == world["certified"].id).limit(1)).scalar_one()
    html = client.get(f"{_file_url(world)}/certificates/{credential_id}/number").get_data(as_text=True)
    reveals = db.session.execute(select(func.count()).select_from(AccessEvent).where(
        AccessEvent.action == "reveal")).scalar_one()
    assert ("440102199001011234" in html, reveals) == (True, 1)


def test_the_inspector_may_not_reveal_a_number(session_client, world):
    credential_id = db.session.execute(select(StaffCredential.id).limit(1)).scalar_one()
    response = session_client(world["inspector"]).get(f"{_file_url(world)}/certificates/{credential_id}/number")
    assert response.status_code == 403


def test_a_renewal_is_recorded_as_a_new_credential_and_audited(session_client, world):
    client = session_client(world["director"])
    before = _count(StaffCredential)
    response = _post(client, _file_url(world), f"{_file_url(world)}/certificates", {
        "type_code": "health_certificate", "number": "YX2026-0907", "issuer": "区妇幼保健院",
        "issued_on": "2026-09-07", "expires_on": "2027-09-06"})
    audited = db.session.execute(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "staff_credential.record")).scalar_one()
    assert (response.status_code, _count(StaffCredential) - before, audited) == (302, 1, 4)


def test_the_renew_link_fills_the_form_with_the_credentials_type_and_issuer(session_client, world):
    credential = db.session.execute(select(StaffCredential).where(
        StaffCredential.type_code == "childcare_worker")).scalar_one()
    html = session_client(world["director"]).get(f"{_file_url(world)}?renew={credential.id}").get_data(as_text=True)
    assert ('<option value="childcare_worker" selected>' in html, 'value="四级"' in html) == (True, True)


def test_a_credential_without_a_number_comes_back_with_what_was_typed(session_client, world):
    client = session_client(world["director"])
    response = _post(client, _file_url(world), f"{_file_url(world)}/certificates", {
        "type_code": "health_certificate", "number": "", "issuer": "区妇幼保健院", "issued_on": "2026-09-07"})
    html = response.get_data(as_text=True)
    assert (response.status_code, 'id="record-number-problem"' in html, 'value="区妇幼保健院"' in html,
            "<details id=\"record\" open>" in html) == (422, True, True, True)


def test_a_renewal_with_its_scan_links_the_scan(session_client, world):
    client = session_client(world["director"])
    _post(client, _file_url(world), f"{_file_url(world)}/certificates", {
        "type_code": "health_certificate", "number": "YX2026-0908", "issuer": "区妇幼保健院",
        "issued_on": "2026-09-07", "file": (BytesIO(PNG), "健康证.png")}, content_type="multipart/form-data")
    row = db.session.execute(select(StaffCredential).where(StaffCredential.number == "YX2026-0908")).scalar_one()
    assert db.session.get(StaffDocument, row.document_id).content_type == "image/png"


def test_an_upload_that_is_not_a_pdf_or_image_is_refused_on_the_form(session_client, world):
    client = session_client(world["director"])
    response = _post(client, _file_url(world), f"{_file_url(world)}/documents",
                     {"file": (BytesIO(b"MZ\x90\x00 not a scan"), "virus.pdf")}, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert (response.status_code, "只接受 PDF、JPEG 或 PNG 文件" in html, _count(StaffDocument)) == (422, True, 0)


def test_a_scan_is_uploaded_to_the_persons_file(session_client, world):
    client = session_client(world["director"])
    response = _post(client, _file_url(world), f"{_file_url(world)}/documents",
                     {"file": (BytesIO(PNG), "证件.png")}, content_type="multipart/form-data")
    assert (response.status_code, _count(StaffDocument)) == (302, 1)


def test_the_inspector_may_not_upload(session_client, world):
    client = session_client(world["inspector"])
    response = _post(client, _file_url(world), f"{_file_url(world)}/documents",
                     {"file": (BytesIO(PNG), "证件.png")}, content_type="multipart/form-data")
    assert (response.status_code, _count(StaffDocument)) == (403, 0)


def test_a_correction_needs_a_reason(session_client, world):
    credential_id = db.session.execute(select(StaffCredential.id).limit(1)).scalar_one()
    client = session_client(world["director"])
    response = _post(client, _file_url(world), f"{_file_url(world)}/certificates/{credential_id}/amend",
                     {"note": "", "issuer": "市卫健委"})
    html = response.get_data(as_text=True)
    assert (response.status_code, f'id="amend-{credential_id}-note-problem"' in html, 'value="市卫健委"' in html) == (
        422, True, True)


def test_a_correction_is_a_new_row_amending_the_original(session_client, world):
    credential_id = db.session.execute(select(StaffCredential.id).limit(1)).scalar_one()
    client = session_client(world["director"])
    response = _post(client, _file_url(world), f"{_file_url(world)}/certificates/{credential_id}/amend",
                     {"note": "发证机关录错", "issuer": "市卫健委"})
    row = db.session.execute(select(StaffCredential).where(StaffCredential.amends_id == credential_id)).scalar_one()
    assert (response.status_code, row.issuer, row.number) == (302, "市卫健委", "440102199001011234")


def test_a_training_is_added_and_counted_by_category(session_client, world):
    client = session_client(world["director"])
    _post(client, _file_url(world), f"{_file_url(world)}/training", {
        "category": "safety", "title": "消防演练", "hours": "2", "provider": "区消防队", "held_on": "2026-09-01"})
    html = client.get(_file_url(world)).get_data(as_text=True)
    assert (_count(TrainingEntry), "安全教育 2" in html) == (1, True)


def test_a_training_without_hours_comes_back_with_what_was_typed(session_client, world):
    client = session_client(world["director"])
    response = _post(client, _file_url(world), f"{_file_url(world)}/training", {
        "category": "safety", "title": "消防演练", "hours": "", "provider": "区消防队", "held_on": "2026-09-01"})
    assert (response.status_code, 'value="消防演练"' in response.get_data(as_text=True)) == (422, True)


def test_the_line_manager_is_set_and_shown(session_client, world, clock):
    manager = make_staff(world["alpha"], clock.now(), name="周园长", role="director")
    db.session.commit()
    client = session_client(world["director"])
    response = _post(client, _file_url(world), f"{_file_url(world)}/manager",
                     {"manager_id": str(manager.id), "effective_on": "2026-09-07"})
    html = client.get(_file_url(world)).get_data(as_text=True)
    assert (response.status_code, re.search(r'id="manager-chain">周园长<', html) is not None) == (302, True)


def test_the_file_offers_the_history_exports(session_client, world):
    html = session_client(world["director"]).get(_file_url(world)).get_data(as_text=True)
    assert (f"/api/v1/staff/{world['certified'].id}/history.csv" in html,
            f"/api/v1/staff/{world['certified'].id}/history\"" in html) == (True, True)
