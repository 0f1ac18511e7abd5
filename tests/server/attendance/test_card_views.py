"""The office's cards and PINs page: issue, reissue, set a PIN; problems by field, refusals in the layout."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from server.attendance.models import Credential
from server.attendance.operations.credentials import issue_credential
from server.auth.roles import Role
from server.database import db
from server.people.models import StaffRole
from server.people.operations import create_staff
from tests.factories import SYSTEM, make_centre, make_contact, make_login
from tests.sessions import csrf_token

PAGE = "/centres/alpha/credentials"


@pytest.fixture
def centre(app, clock):
    centre = make_centre("alpha", clock.now())
    db.session.commit()
    return centre


@pytest.fixture
def credential(centre, clock):
    cred = issue_credential(centre, contact=make_contact(centre, clock.now()), expires_on=date(2027, 8, 31),
                            actor=SYSTEM, now=clock.now())
    db.session.commit()
    return cred


def _as(session_client, centre, clock, role: Role):
    return session_client(make_login(role.value, clock.now(), [(centre, role)]))


def _post(client, url: str, data: dict[str, object], page: str = PAGE):
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def test_credentials_are_listed_with_serial_expiry_and_print_link(session_client, centre, clock, credential):
    html = _as(session_client, centre, clock, Role.ADMIN).get(PAGE).get_data(as_text=True)
    assert ("李丽" in html, "2027-08-31" in html, f"cards.pdf?credential={credential.id}" in html) == (True, True, True)


def test_staff_credentials_are_listed_for_the_director(session_client, centre, clock):
    create_staff(centre, name="赵老师", role=StaffRole.CAREGIVER, hired_on=date(2026, 9, 1), actor=SYSTEM,
                 now=clock.now())
    db.session.commit()
    html = _as(session_client, centre, clock, Role.ADMIN).get(PAGE).get_data(as_text=True)
    assert ('id="staff-credentials"' in html, "赵老师" in html) == (True, True)


def test_director_issues_a_card_to_an_adult(session_client, centre, clock):
    contact = make_contact(centre, clock.now())
    db.session.commit()
    _post(_as(session_client, centre, clock, Role.ADMIN), PAGE, {"contact_id": contact.id, "expires_on": "2027-06-30"})
    cred = db.session.execute(select(Credential).where(Credential.contact_id == contact.id)).scalar_one()
    assert (cred.card_serial, cred.expires_on) == (1, date(2027, 6, 30))


def test_an_expiry_in_the_past_is_shown_on_its_field(session_client, centre, clock):
    contact = make_contact(centre, clock.now())
    db.session.commit()
    response = _post(_as(session_client, centre, clock, Role.ADMIN), PAGE,
                     {"contact_id": contact.id, "expires_on": "2026-01-01"})
    html = response.get_data(as_text=True)
    assert (response.status_code, 'id="expires_on-problem"' in html, 'value="2026-01-01"' in html) == (422, True, True)


def test_a_lost_card_is_reissued_with_the_next_serial(session_client, centre, clock, credential):
    _post(_as(session_client, centre, clock, Role.ADMIN), f"{PAGE}/{credential.id}/reissue", {})
    cred = db.session.get(Credential, credential.id)
    assert (cred.card_serial, cred.revoked_serials) == (2, [1])


def test_director_sets_a_pin(session_client, centre, clock, credential):
    _post(_as(session_client, centre, clock, Role.ADMIN), f"{PAGE}/{credential.id}/pin", {"pin": "739146"})
    assert db.session.get(Credential, credential.id).pin_hash is not None


def test_a_too_simple_pin_is_shown_on_its_field_and_not_sent_back(session_client, centre, clock, credential):
    response = _post(_as(session_client, centre, clock, Role.ADMIN), f"{PAGE}/{credential.id}/pin", {"pin": "123456"})
    html = response.get_data(as_text=True)
    assert (response.status_code, 'id="pin-problem"' in html, "123456" in html) == (422, True, False)


def test_caregiver_issuing_a_card_is_refused_in_the_layout(session_client, centre, clock):
    contact = make_contact(centre, clock.now())
    db.session.commit()
    caregiver = _as(session_client, centre, clock, Role.CAREGIVER)
    response = _post(caregiver, PAGE, {"contact_id": contact.id, "expires_on": "2027-06-30"}, page="/centres/alpha/children")
    assert (response.status_code, 'id="refused-back"' in response.get_data(as_text=True)) == (403, True)


def test_caregiver_cannot_open_the_cards_page(session_client, centre, clock):
    assert _as(session_client, centre, clock, Role.CAREGIVER).get(PAGE).status_code == 403
