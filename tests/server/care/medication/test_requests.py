"""The parent loop of medication: staff request → one notice → the guardian signs on the phone → consent in force →
dose allowed; unsigned → no dose; another family → 404; declined; withdrawn by the guardian at once."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from flask import url_for
from sqlalchemy import func, select

from server.audit.models import AuditEntry
from server.auth.operations import actor_for
from server.auth.roles import Role
from server.care.medication.doses import DoseRefused, give_dose
from server.care.medication.due import doses_due
from server.care.medication.models import (
    ConsentWithdrawal,
    MedicationConsent,
    MedicationRequest,
    MedicationRequestDecline,
    SigningChannel,
)
from server.care.medication.requests import RequestState, decline_request, sign_request, views_of, waiting_requests
from server.database import db
from server.errors import Conflict, NotFound, ValidationFailed
from server.notices.models import GuardianNotice, NoticeAcknowledgement
from server.people.operations import contacts_of_user
from tests.factories import SYSTEM, link, make_contact, make_login
from tests.server.care.medication.conftest import DAY, WITNESS_PIN, b64, signature_png
from tests.sessions import csrf_token

DRAWN = "data:image/png;base64," + b64(signature_png())


def _count(model, *where) -> int:  # type: ignore[no-untyped-def]
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def _sign_url(request_id: int) -> str:
    return f"/centres/alpha/family/medication/requests/{request_id}"


def _give(world, consent, at=None):  # type: ignore[no-untyped-def]
    return give_dose(world.child, consent, drug=consent.drug if consent else "布洛芬混悬液", dose=Decimal("2.5"),
                     dose_unit="ml", route="口服", given_by=world.giver, witness=world.witness, witness_pin=WITNESS_PIN,
                     at=at, actor=SYSTEM, now=at or world.now)


def test_a_request_queues_one_notice_linking_to_the_phone_s_sign_page(app, world):
    request = world.request()
    notices = db.session.execute(select(GuardianNotice)).scalars().all()
    assert [(n.kind, n.child_id) for n in notices] == [("medication_consent.to_sign", world.child.id)]
    link = notices[0].detail["link"]
    with app.test_request_context():
        assert url_for(link["endpoint"], **link["args"]) == _sign_url(request.id)


def test_the_guardian_signs_on_the_phone_and_the_dose_is_then_allowed(session_client, world, clock):
    request = world.request()
    client = session_client(world.parent)
    page = client.get(_sign_url(request.id))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "布洛芬混悬液" in html and 'id="signature-pad"' in html
    clock.advance(minutes=3)
    signed = client.post(_sign_url(request.id), data={"signature_png": DRAWN, "csrf_token": csrf_token(html)})
    assert (signed.status_code, signed.headers["Location"]) == (302, "/centres/alpha/family/medication")
    consent = db.session.execute(select(MedicationConsent)).scalar_one()
    assert (consent.request_id, consent.signed_by_contact_id, consent.recorded_by_id, consent.signed_via,
            consent.signed_at) == (request.id, world.guardian.id, world.parent.user.id, SigningChannel.PHONE,
                                   clock.now())
    acknowledged = db.session.execute(select(NoticeAcknowledgement)).scalar_one()
    assert (acknowledged.contact_id, acknowledged.at) == (world.guardian.id, clock.now())
    assert _give(world, consent, clock.now()).consent_id == consent.id
    assert "medication_consent.sign" in set(db.session.execute(select(AuditEntry.action)).scalars())


def test_an_unsigned_request_is_no_consent_no_dose_can_be_given(world):
    request = world.request()
    assert doses_due([world.child.id], world.now)[world.child.id] == []  # nothing due on the tablet
    assert [r.id for r in waiting_requests([world.child.id], DAY)[world.child.id]] == [request.id]
    with pytest.raises(DoseRefused) as refused:
        _give(world, None)
    db.session.rollback()
    assert "no_consent" in [r.value for r in refused.value.refusals]
    assert _count(MedicationConsent) == 0


def test_another_family_s_request_is_not_found(session_client, world, clock):
    stranger_login = make_login("stranger", clock.now(), [(world.centre, Role.GUARDIAN)])
    stranger = make_contact(world.centre, clock.now(), name="陌生家长", user=stranger_login.user)
    link(world.other_child, stranger, clock.now())
    request = world.request()
    db.session.commit()
    client = session_client(stranger_login)
    home = client.get("/centres/alpha/family/medication")
    token = csrf_token(home.get_data(as_text=True))
    assert home.status_code == 200 and "布洛芬混悬液" not in home.get_data(as_text=True)
    assert client.get(_sign_url(request.id)).status_code == 404
    posted = client.post(_sign_url(request.id), data={"signature_png": DRAWN, "csrf_token": token})
    declined = client.post(_sign_url(request.id) + "/decline", data={"reason": "不是我的", "csrf_token": token})
    assert (posted.status_code, declined.status_code, _count(MedicationConsent), _count(MedicationRequestDecline)) == (
        404, 404, 0, 0)


def test_staff_are_refused_the_family_s_pages(session_client, world):
    request = world.request()
    client = session_client(world.caregiver)
    assert client.get("/centres/alpha/family/medication").status_code == 403
    assert client.get(_sign_url(request.id)).status_code == 403


def test_a_declined_request_can_no_longer_be_signed(session_client, world):
    request = world.request()
    client = session_client(world.parent)
    token = csrf_token(client.get(_sign_url(request.id)).get_data(as_text=True))
    empty = client.post(_sign_url(request.id) + "/decline", data={"reason": " ", "csrf_token": token})
    assert empty.status_code == 422 and _count(MedicationRequestDecline) == 0
    declined = client.post(_sign_url(request.id) + "/decline", data={"reason": "剂量写错了", "csrf_token": token})
    assert declined.status_code == 302
    row = db.session.execute(select(MedicationRequestDecline)).scalar_one()
    assert (row.contact_id, row.reason, views_of([request], DAY)[0].state) == (world.guardian.id, "剂量写错了",
                                                                                RequestState.DECLINED)
    assert _count(NoticeAcknowledgement) == 1  # the guardian answered the notice
    late = client.post(_sign_url(request.id), data={"signature_png": DRAWN, "csrf_token": token})
    assert late.status_code == 409 and _count(MedicationConsent) == 0
    page = client.get(_sign_url(request.id)).get_data(as_text=True)
    assert 'id="request-declined"' in page and 'id="sign-form"' not in page


def test_a_signed_request_cannot_be_signed_or_declined_again(world):
    request = world.request()
    sign_request(request, contact=world.guardian, signature_png=signature_png(), actor=world.parent_actor(),
                 now=world.now)
    for again in (lambda: sign_request(request, contact=world.guardian, signature_png=signature_png(),
                                       actor=world.parent_actor(), now=world.now),
                  lambda: decline_request(request, contact=world.guardian, reason="算了",
                                          actor=world.parent_actor(), now=world.now)):
        with pytest.raises(Conflict) as refused:
            again()
        assert refused.value.code == "already_signed"


def test_a_pick_up_adult_who_is_no_guardian_cannot_sign(world, clock):
    grandma_login = make_login("grandma", clock.now(), [(world.centre, Role.GUARDIAN)])
    grandma = make_contact(world.centre, clock.now(), name="奶奶", user=grandma_login.user)
    link(world.child, grandma, clock.now(), guardian=False)
    request = world.request()
    with pytest.raises(ValidationFailed) as refused:
        sign_request(request, contact=grandma, signature_png=signature_png(),
                     actor=actor_for(grandma_login.user, contacts_of_user), now=clock.now())
    assert [p.code for p in refused.value.problems] == ["not_guardian"]
    with pytest.raises(NotFound):  # nor as the child's guardian, whose contact is not hers
        sign_request(request, contact=world.guardian, signature_png=signature_png(),
                     actor=actor_for(grandma_login.user, contacts_of_user), now=clock.now())


def test_the_guardian_withdraws_on_the_phone_and_the_next_dose_is_refused_at_once(session_client, world, clock):
    consent = world.consent()
    _give(world, consent, world.now + timedelta(minutes=5))
    db.session.commit()
    client = session_client(world.parent)
    page = client.get("/centres/alpha/family/medication").get_data(as_text=True)
    assert f'data-consent="{consent.id}"' in page
    clock.advance(hours=5)  # 14:30; the 15:00 dose is within the window
    withdrawn = client.post(f"/centres/alpha/family/medication/consents/{consent.id}/withdraw",
                            data={"reason": "已经好了", "csrf_token": csrf_token(page)})
    assert withdrawn.status_code == 302
    row = db.session.execute(select(ConsentWithdrawal)).scalar_one()
    assert (row.at, row.by_id) == (clock.now(), world.parent.user.id)
    with pytest.raises(DoseRefused) as refused:
        _give(world, consent, clock.now() + timedelta(seconds=1))
    assert "withdrawn" in [r.value for r in refused.value.refusals]


def test_the_guardian_asks_for_a_medicine_and_signs_in_one_go(session_client, world):
    client = session_client(world.parent)
    page = client.get("/centres/alpha/family/medication").get_data(as_text=True)
    form = {"child_id": str(world.child.id), "drug": "蒙脱石散", "dose": "1", "dose_unit": "袋", "route": "口服",
            "times": ["10:00", ""], "first_day": DAY.isoformat(), "last_day": DAY.isoformat(), "window_minutes": "60",
            "csrf_token": csrf_token(page)}
    unsigned = client.post("/centres/alpha/family/medication", data={**form, "signature_png": ""})
    assert unsigned.status_code == 422 and 'id="signature_png-problem"' in unsigned.get_data(as_text=True)
    assert _count(MedicationRequest) == 0
    signed = client.post("/centres/alpha/family/medication", data={**form, "signature_png": DRAWN})
    assert signed.status_code == 302
    consent = db.session.execute(select(MedicationConsent)).scalar_one()
    request = db.session.get(MedicationRequest, consent.request_id)
    assert (request.started_by, request.requested_by_contact_id, consent.drug, _count(GuardianNotice)) == (
        "guardian", world.guardian.id, "蒙脱石散", 0)


def test_the_guardian_cannot_ask_for_another_family_s_child(session_client, world):
    client = session_client(world.parent)
    page = client.get("/centres/alpha/family/medication").get_data(as_text=True)
    response = client.post("/centres/alpha/family/medication", data={
        "child_id": str(world.other_child.id), "drug": "蒙脱石散", "dose": "1", "dose_unit": "袋", "route": "口服",
        "times": ["10:00"], "first_day": DAY.isoformat(), "last_day": DAY.isoformat(), "signature_png": DRAWN,
        "csrf_token": csrf_token(page)})
    assert response.status_code == 422 and _count(MedicationRequest) == 0


def test_the_office_page_shows_a_request_waiting_for_the_signature_and_since_when(session_client, world):
    world.request()
    html = session_client(world.caregiver).get(f"/medication/children/{world.child.id}").get_data(as_text=True)
    assert 'data-state="waiting"' in html and "等待家长签字" in html and "2026-09-07 09:30" in html
