"""The office's people pages: the forms call the operations, keep what was typed and show problems by field."""

from __future__ import annotations

from io import BytesIO

import pytest
from sqlalchemy import select

from server.audit.models import AuditEntry
from server.auth.roles import Role
from server.database import db
from server.people.models import Child, ChildContact, Contact, Staff
from tests.factories import link, make_centre, make_child, make_contact, make_login, make_room
from tests.sessions import csrf_token

ENROL = {"name": "陈一一", "sex": "female", "born_on": "2025-04-02", "enrolled_on": "2026-08-20",
         "service_type": "full_day"}


@pytest.fixture
def centre(app, clock):
    centre = make_centre("alpha", clock.now())
    db.session.commit()
    return centre


def _as(session_client, centre, clock, role: Role):
    return session_client(make_login(role.value, clock.now(), [(centre, role)]))


def _post(client, page: str, url: str, data: dict[str, object]):
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def test_children_are_listed_under_their_class(session_client, centre, clock):
    room = make_room(centre, clock.now(), name="小星星班")
    make_child(centre, clock.now(), room=room, name="王小明")
    db.session.commit()
    html = _as(session_client, centre, clock, Role.CAREGIVER).get("/centres/alpha/children").get_data(as_text=True)
    assert html.index("小星星班") < html.index("王小明")


def test_director_enrols_a_child_through_the_form(session_client, centre, clock):
    director = _as(session_client, centre, clock, Role.ADMIN)
    response = _post(director, "/centres/alpha/children", "/centres/alpha/children", ENROL)
    child = db.session.execute(select(Child).where(Child.name == "陈一一")).scalar_one()
    assert response.headers["Location"].endswith(f"/centres/alpha/children/{child.id}")


def test_enrolment_with_problems_keeps_what_was_typed(session_client, centre, clock):
    director = _as(session_client, centre, clock, Role.ADMIN)
    response = _post(director, "/centres/alpha/children", "/centres/alpha/children",
                     {**ENROL, "born_on": "2027-01-01"})
    html = response.get_data(as_text=True)
    assert (response.status_code, 'value="陈一一"' in html, 'id="born_on-problem"' in html) == (422, True, True)


def test_caregiver_sees_no_enrolment_form(session_client, centre, clock):
    html = _as(session_client, centre, clock, Role.CAREGIVER).get("/centres/alpha/children").get_data(as_text=True)
    assert 'id="enrol-form"' not in html


def test_caregiver_enrolment_post_is_refused_in_the_layout(session_client, centre, clock):
    caregiver = _as(session_client, centre, clock, Role.CAREGIVER)
    response = _post(caregiver, "/centres/alpha/children", "/centres/alpha/children", ENROL)
    assert (response.status_code, 'id="refused-back"' in response.get_data(as_text=True)) == (403, True)


def test_kitchen_does_not_see_a_childs_conditions(session_client, centre, clock):
    child = make_child(centre, clock.now())
    child.conditions = "哮喘"
    db.session.commit()
    html = _as(session_client, centre, clock, Role.KITCHEN).get(f"/centres/alpha/children/{child.id}").get_data(as_text=True)
    assert "哮喘" not in html


def test_director_sets_a_leaving_date(session_client, centre, clock):
    child = make_child(centre, clock.now())
    db.session.commit()
    page = f"/centres/alpha/children/{child.id}"
    _post(_as(session_client, centre, clock, Role.ADMIN), page, page, {"left_on": "2026-12-31"})
    assert db.session.get(Child, child.id).left_on.isoformat() == "2026-12-31"


def test_consent_is_recorded_with_the_guardian_and_audited(session_client, centre, clock):
    child, mother = make_child(centre, clock.now()), make_contact(centre, clock.now())
    link(child, mother, clock.now())
    db.session.commit()
    page = f"/centres/alpha/children/{child.id}"
    _post(_as(session_client, centre, clock, Role.ADMIN), page, f"{page}/consent",
          {"contact_id": mother.id, "consent_on": "2026-09-01"})
    entry = db.session.execute(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).scalar_one()
    assert (db.session.get(Child, child.id).consent_by_contact_id, entry.action) == (mother.id, "child.update")


def test_director_links_a_new_pick_up_adult(session_client, centre, clock):
    child = make_child(centre, clock.now())
    db.session.commit()
    page = f"/centres/alpha/children/{child.id}"
    _post(_as(session_client, centre, clock, Role.ADMIN), page, f"{page}/contacts",
          {"name": "张阿姨", "relationship": "nanny", "may_pick_up": "y"})
    link_ = db.session.execute(select(ChildContact).join(Contact, Contact.id == ChildContact.contact_id)
                               .where(Contact.name == "张阿姨")).scalar_one()
    assert (link_.may_pick_up, link_.is_guardian) == (True, False)


def test_a_photo_that_is_not_an_image_is_shown_as_a_problem(session_client, centre, clock):
    child, mother = make_child(centre, clock.now()), make_contact(centre, clock.now())
    link(child, mother, clock.now())
    db.session.commit()
    director = _as(session_client, centre, clock, Role.ADMIN)
    page = f"/centres/alpha/children/{child.id}"
    token = csrf_token(director.get(page).get_data(as_text=True))
    response = director.post(f"{page}/contacts/{mother.id}/photo", content_type="multipart/form-data",
                             data={"csrf_token": token, "photo": (BytesIO(b"not an image"), "a.txt", "text/plain")})
    assert (response.status_code, 'id="photo-problem"' in response.get_data(as_text=True)) == (422, True)


def test_director_adds_a_member_of_staff(session_client, centre, clock):
    _post(_as(session_client, centre, clock, Role.ADMIN), "/centres/alpha/staff", "/centres/alpha/staff",
          {"name": "赵老师", "role": "caregiver", "hired_on": "2026-09-01"})
    assert db.session.execute(select(Staff.role).where(Staff.name == "赵老师")).scalar_one() == "caregiver"


def test_an_unknown_child_answers_404_in_the_layout(session_client, centre, clock):
    response = _as(session_client, centre, clock, Role.ADMIN).get("/centres/alpha/children/999")
    assert (response.status_code, 'id="error-home"' in response.get_data(as_text=True)) == (404, True)


def test_the_shell_links_home_and_offers_only_permitted_pages(session_client, centre, clock):
    html = _as(session_client, centre, clock, Role.KITCHEN).get("/centres/alpha/children").get_data(as_text=True)
    assert ('id="home-link"' in html, 'data-nav="people.staff"' in html) == (True, False)
