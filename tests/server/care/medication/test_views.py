"""The staff pages: a caregiver sends a request for the guardians to sign; gives a dose with a witness; refusals in
words."""

from __future__ import annotations

import re

from sqlalchemy import delete, func, select

from server.audit.models import AccessEvent
from server.auth.roles import PERMISSIONS, Perm, Role
from server.care.medication.models import MedicationConsent, MedicationDose, MedicationRequest
from server.database import db
from tests.server.care.medication.conftest import DAY, WITNESS_PIN
from tests.sessions import csrf_token


def _count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def _request_form(**overrides):
    return {"drug": "布洛芬混悬液", "dose": "2.5", "dose_unit": "ml", "route": "口服", "times": ["09:30", "15:00", ""],
            "first_day": DAY.isoformat(), "last_day": DAY.isoformat(), "window_minutes": "60", **overrides}


def test_a_caregiver_sends_a_request_from_the_tablet_and_no_dose_is_due_before_the_signature(session_client, world):
    client = session_client(world.caregiver)
    page = client.get(f"/medication/children/{world.child.id}/request")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="request-form"' in html and 'id="signature-pad"' not in html
    response = client.post(f"/medication/children/{world.child.id}/request",
                           data={**_request_form(), "csrf_token": csrf_token(html)})
    assert (response.status_code, response.headers["Location"]) == (302, f"/medication/children/{world.child.id}")
    assert (_count(MedicationRequest), _count(MedicationConsent)) == (1, 0)
    listing = client.get(f"/medication/children/{world.child.id}").get_data(as_text=True)
    assert 'id="request-list"' in listing and "等待家长签字" in listing and 'data-given="no"' not in listing


def test_request_form_problems_are_shown_with_what_was_typed_kept(session_client, world):
    client = session_client(world.caregiver)
    token = csrf_token(client.get(f"/medication/children/{world.child.id}/request").get_data(as_text=True))
    response = client.post(f"/medication/children/{world.child.id}/request",
                           data={**_request_form(dose="abc", drug="头孢克洛干混悬剂"), "csrf_token": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="dose-problem"' in html and "头孢克洛干混悬剂" in html and _count(MedicationRequest) == 0


def test_a_correction_starts_from_the_consent_and_needs_a_reason(session_client, world):
    consent = world.consent()
    client = session_client(world.caregiver)
    page = client.get(f"/medication/children/{world.child.id}/request?amends={consent.id}").get_data(as_text=True)
    assert 'id="amends-note"' in page and 'value="布洛芬混悬液"' in page
    no_reason = client.post(f"/medication/children/{world.child.id}/request?amends={consent.id}",
                            data={**_request_form(dose="3"), "csrf_token": csrf_token(page)})
    assert no_reason.status_code == 422 and _count(MedicationRequest) == 1  # the signed consent's own request
    sent = client.post(f"/medication/children/{world.child.id}/request?amends={consent.id}",
                       data={**_request_form(dose="3"), "reason": "医嘱更正", "csrf_token": csrf_token(page)})
    assert sent.status_code == 302
    row = db.session.execute(select(MedicationRequest).order_by(MedicationRequest.id.desc())).scalars().first()
    assert (row.amends_consent_id, row.reason) == (consent.id, "医嘱更正")


def test_a_dose_is_given_with_the_witness_tapping_their_name_and_pin(session_client, world):
    consent = world.consent()
    client = session_client(world.caregiver)
    page = client.get(f"/medication/consents/{consent.id}/dose")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and f'id="witness-{world.witness.id}"' in html
    assert f'id="witness-{world.giver.id}"' not in html  # the giver is who is logged in, never their own witness
    response = client.post(f"/medication/consents/{consent.id}/dose", data={
        "drug": "布洛芬混悬液", "dose": "2.5", "dose_unit": "ml", "route": "口服", "witness_id": str(world.witness.id),
        "witness_pin": WITNESS_PIN, "csrf_token": csrf_token(html)})
    assert (response.status_code, _count(MedicationDose)) == (302, 1)


def test_refusals_are_listed_in_words_and_a_wrong_pin_at_its_field(session_client, world):
    consent = world.consent()
    client = session_client(world.caregiver)
    token = csrf_token(client.get(f"/medication/consents/{consent.id}/dose").get_data(as_text=True))
    refused = client.post(f"/medication/consents/{consent.id}/dose", data={
        "drug": "对乙酰氨基酚", "dose": "2.5", "dose_unit": "ml", "route": "口服", "csrf_token": token})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'id="refusals"' in html
    assert "药名与委托不符" in html and "无第二名工作人员见证" in html
    wrong = client.post(f"/medication/consents/{consent.id}/dose", data={
        "drug": "布洛芬混悬液", "dose": "2.5", "dose_unit": "ml", "route": "口服", "witness_id": str(world.witness.id),
        "witness_pin": "000000", "csrf_token": token})
    assert wrong.status_code == 422 and 'id="witness_pin-problem"' in wrong.get_data(as_text=True)
    assert "000000" not in wrong.get_data(as_text=True)
    assert _count(MedicationDose) == 0


def test_the_page_is_english_when_switched(session_client, world):
    consent = world.consent()
    client = session_client(world.caregiver)
    client.get("/lang/en")
    token = csrf_token(client.get(f"/medication/consents/{consent.id}/dose").get_data(as_text=True))
    refused = client.post(f"/medication/consents/{consent.id}/dose", data={
        "drug": "布洛芬混悬液", "dose": "2.5", "dose_unit": "ml", "route": "外用", "witness_id": str(world.witness.id),
        "witness_pin": WITNESS_PIN, "csrf_token": token})
    assert "not the consented route" in refused.get_data(as_text=True)


def test_withdrawing_from_the_child_page(session_client, world):
    consent = world.consent()
    client = session_client(world.caregiver)
    token = csrf_token(client.get(f"/medication/children/{world.child.id}").get_data(as_text=True))
    response = client.post(f"/medication/consents/{consent.id}/withdraw", data={"reason": "已痊愈", "csrf_token": token})
    assert response.status_code == 302
    due = client.get(f"/medication/children/{world.child.id}").get_data(as_text=True)
    assert f'data-consent="{consent.id}"' in due and 'data-given=' not in due.split('id="consents"')[0]


def test_a_guardian_sees_their_child_s_medication_but_cannot_send_a_staff_request(session_client, world):
    world.consent()
    client = session_client(world.parent)
    assert client.get(f"/medication/children/{world.child.id}").status_code == 200
    assert client.get(f"/medication/children/{world.other_child.id}").status_code == 404
    assert client.get(f"/medication/children/{world.child.id}/request").status_code == 403


def test_after_the_dose_the_tablet_gets_its_page_back_and_never_another_site(session_client, world):
    consent = world.consent()
    client = session_client(world.caregiver)
    page = client.get(f"/medication/consents/{consent.id}/dose?next=/tablet/rooms/1").get_data(as_text=True)
    assert "next=/tablet/rooms/1" in page or "next=%2Ftablet%2Frooms%2F1" in page
    form = {"drug": "布洛芬混悬液", "dose": "2.5", "dose_unit": "ml", "route": "口服", "witness_id": str(world.witness.id),
            "witness_pin": WITNESS_PIN, "csrf_token": csrf_token(page)}
    back = client.post(f"/medication/consents/{consent.id}/dose?next=/tablet/rooms/1", data=form)
    assert back.headers["Location"] == "/tablet/rooms/1"
    other = world.consent(drug="蒙脱石散", dose="1", dose_unit="袋")
    away = client.post(f"/medication/consents/{other.id}/dose?next=//evil.example/", data={
        **form, "drug": "蒙脱石散", "dose": "1", "dose_unit": "袋"})
    assert away.headers["Location"] == f"/medication/children/{world.child.id}"


def test_the_dose_form_is_a_logged_health_read(session_client, world):
    consent = world.consent()
    client = session_client(world.caregiver)
    page = client.get(f"/medication/consents/{consent.id}/dose")
    assert page.status_code == 200 and 'maxlength="120"' in page.get_data(as_text=True)  # attributes unescaped
    reads = db.session.execute(select(AccessEvent.object_type, AccessEvent.object_id, AccessEvent.user_id)).all()
    assert ("medication_consent", str(consent.id), world.caregiver.user.id) in reads


def test_the_dose_form_needs_health_read_as_well_as_care_write(session_client, world, monkeypatch):
    consent = world.consent()
    client = session_client(world.caregiver)
    token = csrf_token(client.get(f"/medication/consents/{consent.id}/dose").get_data(as_text=True))
    db.session.execute(delete(AccessEvent))
    monkeypatch.setitem(PERMISSIONS, Role.CAREGIVER, PERMISSIONS[Role.CAREGIVER] - {Perm.HEALTH_READ})
    page = client.get(f"/medication/consents/{consent.id}/dose")
    assert page.status_code == 403 and "布洛芬混悬液" not in page.get_data(as_text=True)
    posted = client.post(f"/medication/consents/{consent.id}/dose", data={
        "drug": "对乙酰氨基酚", "dose": "2.5", "dose_unit": "ml", "route": "口服", "csrf_token": token})
    assert posted.status_code == 403 and "布洛芬混悬液" not in posted.get_data(as_text=True)
    assert db.session.execute(select(AccessEvent.object_id).where(
        AccessEvent.object_type == "medication_consent", AccessEvent.action == "read")).all() == []
    assert _count(MedicationDose) == 0


def test_the_request_form_offers_the_rulebook_s_window(session_client, world):
    world.centre.rule_policy = {"care.medication_consent": {"window_minutes": 90, "max_times_per_day": 4}}
    db.session.commit()
    html = session_client(world.caregiver).get(f"/medication/children/{world.child.id}/request").get_data(as_text=True)
    window = re.search(r'<input[^>]*id="window_minutes"[^>]*>', html, re.S)
    daily = re.search(r'<input[^>]*id="max_doses_per_day"[^>]*>', html, re.S)
    assert window is not None and daily is not None
    assert (" ".join(window.group(0).split()), " ".join(daily.group(0).split())) == (
        '<input type="number" name="window_minutes" id="window_minutes" value="90" min="5" max="90" >',
        '<input type="number" name="max_doses_per_day" id="max_doses_per_day" value="" min="1" max="4" >')
