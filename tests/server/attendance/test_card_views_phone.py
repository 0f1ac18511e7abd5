"""Phone passes from the cards page: the code that opens the pass on the guardian's phone, and removing a phone."""

from __future__ import annotations

from datetime import date

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from devices.wire.keys import public_key_text
from server.attendance.models import Credential, PhoneKey
from server.attendance.operations.credentials import enroll_phone, issue_credential
from server.audit.models import AuditEntry
from server.auth.roles import Role
from server.database import db
from server.people.models import StaffRole
from server.people.operations import create_staff
from tests.factories import SYSTEM, make_centre, make_contact, make_login
from tests.sessions import csrf_token

CARDS = "/centres/alpha/credentials"


@pytest.fixture
def centre(app, clock):
    centre = make_centre("alpha", clock.now())
    db.session.commit()
    return centre


@pytest.fixture
def credential(centre, clock):
    cred = issue_credential(centre, contact=make_contact(centre, clock.now(), name="李丽"),
                            expires_on=date(2027, 8, 31), actor=SYSTEM, now=clock.now())
    db.session.commit()
    return cred


@pytest.fixture
def phone(credential, clock):
    key = public_key_text(Ed25519PrivateKey.from_private_bytes(bytes(range(32))).public_key())
    phone = enroll_phone(credential, key, actor=SYSTEM, now=clock.now())
    db.session.commit()
    return phone


def _director(session_client, centre, clock):
    return session_client(make_login("director", clock.now(), [(centre, Role.ADMIN)]))


def _page(credential) -> str:
    return f"{CARDS}/{credential.id}/phone"


def test_the_cards_page_links_a_guardians_credential_to_its_phone_pass(session_client, centre, credential, clock):
    html = _director(session_client, centre, clock).get(CARDS).get_data(as_text=True)
    assert f'href="{_page(credential)}"' in html


def test_the_phone_page_shows_the_code_that_opens_the_pass(session_client, centre, credential, clock):
    html = _director(session_client, centre, clock).get(_page(credential)).get_data(as_text=True)
    assert ('src="data:image/svg+xml' in html, f"/pass?credential={credential.id}" in html) == (True, True)


def test_the_phone_page_says_an_adult_without_an_account_cannot_open_it(session_client, centre, credential, clock):
    html = _director(session_client, centre, clock).get(_page(credential)).get_data(as_text=True)
    assert 'id="no-account"' in html


def test_the_phone_page_lists_an_enrolled_phone(session_client, centre, credential, phone, clock):
    html = _director(session_client, centre, clock).get(_page(credential)).get_data(as_text=True)
    assert f'id="revoke-phone-{phone.id}"' in html


def test_the_director_removes_a_lost_phone_from_the_page(session_client, centre, credential, phone, clock):
    director = _director(session_client, centre, clock)
    token = csrf_token(director.get(_page(credential)).get_data(as_text=True))
    response = director.post(f"{CARDS}/{credential.id}/phones/{phone.id}/revoke", data={"csrf_token": token})
    assert (response.status_code, db.session.get(PhoneKey, phone.id).revoked_at is not None) == (302, True)


def test_removing_a_phone_from_the_page_is_audited(session_client, centre, credential, phone, clock):
    director = _director(session_client, centre, clock)
    token = csrf_token(director.get(_page(credential)).get_data(as_text=True))
    director.post(f"{CARDS}/{credential.id}/phones/{phone.id}/revoke", data={"csrf_token": token})
    entry = db.session.execute(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).scalar_one()
    assert (entry.action, entry.object_id) == ("credential.phone_revoke", str(credential.id))


def test_a_removed_phone_leaves_the_kiosk_roster(session_client, client, centre, credential, phone, clock):
    import json

    from server.attendance.operations.roster import build_roster

    director = _director(session_client, centre, clock)
    token = csrf_token(director.get(_page(credential)).get_data(as_text=True))
    director.post(f"{CARDS}/{credential.id}/phones/{phone.id}/revoke", data={"csrf_token": token})
    document = json.loads(build_roster(centre, now=clock.now())[0])
    assert [c["phones"] for c in document["credentials"]] == [[]]


def test_a_staff_credential_has_no_phone_pass(session_client, centre, clock):
    staff = create_staff(centre, name="王老师", role=StaffRole.CAREGIVER, hired_on=date(2026, 9, 1), actor=SYSTEM,
                         now=clock.now())
    cred = issue_credential(centre, staff=staff, expires_on=date(2027, 8, 31), actor=SYSTEM, now=clock.now())
    db.session.commit()
    assert _director(session_client, centre, clock).get(_page(cred)).status_code == 404


def test_a_caregiver_cannot_open_the_phone_page(session_client, centre, credential, clock):
    caregiver = session_client(make_login("caregiver", clock.now(), [(centre, Role.CAREGIVER)]))
    assert caregiver.get(_page(credential)).status_code == 403


def test_issuing_a_phone_pass_opens_the_page_with_the_code_for_the_phone(session_client, centre, clock):
    contact = make_contact(centre, clock.now(), name="张伟")
    db.session.commit()
    director = _director(session_client, centre, clock)
    token = csrf_token(director.get(CARDS).get_data(as_text=True))
    response = director.post(CARDS, data={"contact_id": contact.id, "expires_on": "2027-08-31", "then": "phone",
                                          "csrf_token": token})
    credential = db.session.execute(select(Credential).where(Credential.contact_id == contact.id)).scalar_one()
    assert response.headers["Location"].endswith(f"{CARDS}/{credential.id}/phone")


def test_issuing_a_phone_pass_is_the_audited_credential_issue(session_client, centre, clock):
    contact = make_contact(centre, clock.now(), name="张伟")
    db.session.commit()
    director = _director(session_client, centre, clock)
    token = csrf_token(director.get(CARDS).get_data(as_text=True))
    director.post(CARDS, data={"contact_id": contact.id, "expires_on": "2027-08-31", "then": "phone",
                               "csrf_token": token})
    entry = db.session.execute(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).scalar_one()
    assert entry.action == "credential.issue"
