"""The director opens a parent's log-in and hands over a one-time password; a forgotten one is issued anew."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from server.audit.models import AuditEntry
from server.auth.actor import Actor
from server.auth.models import Membership, User
from server.auth.operations import actor_for, grant_role
from server.auth.roles import Role
from server.database import db
from server.errors import Forbidden
from server.people import family_accounts as accounts
from server.people.models import Contact
from tests.factories import link, make_centre, make_child, make_contact, make_login
from tests.sessions import csrf_token, log_in

SYSTEM = Actor.system()


@pytest.fixture
def family(app, clock):
    centre = make_centre("alpha", clock.now())
    child = make_child(centre, clock.now())
    mother = make_contact(centre, clock.now(), name="李丽")
    link(child, mother, clock.now())
    db.session.commit()
    return centre, child, mother


def _director(session_client, centre, clock):
    return session_client(make_login("director", clock.now(), [(centre, Role.ADMIN)]))


def _post(client, contact_id: int, **data: str):
    page = f"/centres/alpha/contacts/{contact_id}/log-in"
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(page, data={**data, "csrf_token": token})


def _handed_over(html: str) -> str:
    match = re.search(r'id="hand-over-password">([^<]+)<', html)
    assert match is not None, "no password handed over"
    return match.group(1)


def test_a_parent_logs_in_with_the_handed_over_password_and_must_choose_their_own(app, session_client, family, clock):
    centre, _, mother = family
    answer = _post(_director(session_client, centre, clock), mother.id, action="open", username="13800138000")
    password = _handed_over(answer.get_data(as_text=True))
    user = db.session.execute(select(User).where(User.username == "13800138000")).scalar_one()
    roles = set(db.session.execute(select(Membership.centre_id, Membership.role).where(
        Membership.user_id == user.id)).all())
    parent = app.test_client()
    first = log_in(parent, "13800138000", password)
    assert (answer.status_code, answer.headers["Cache-Control"], db.session.get(Contact, mother.id).user_id,
            user.must_change_password, roles, first.headers["Location"].endswith("/password")) == (
        200, "no-store", user.id, True, {(centre.id, Role.GUARDIAN)}, True)


def test_opening_is_audited_and_the_password_is_never_kept_in_the_clear(session_client, family, clock):
    centre, _, mother = family
    password = _handed_over(_post(_director(session_client, centre, clock), mother.id, action="open",
                                  username="li-li").get_data(as_text=True))
    actions = set(db.session.execute(select(AuditEntry.action)).scalars())
    stored = db.session.execute(select(User.password_hash).where(User.username == "li-li")).scalar_one()
    assert {"user.create", "membership.grant", "contact.open_account"} <= actions and password not in stored


def test_the_username_defaults_to_the_phone_number(family, clock):
    centre, _, mother = family
    user, password = accounts.open_family_account(mother, username=None, actor=SYSTEM, now=clock.now(),
                                                  make_password=lambda: "abcdEFGH23")
    assert (user.username, password) == ("13800138000", "abcdEFGH23")


def test_only_a_guardian_gets_a_family_log_in(session_client, family, clock):
    centre, child, _ = family
    nanny = make_contact(centre, clock.now(), name="保姆")
    link(child, nanny, clock.now(), guardian=False)
    db.session.commit()
    answer = _post(_director(session_client, centre, clock), nanny.id, action="open", username="nanny")
    assert (answer.status_code, "Only a guardian" in answer.get_data(as_text=True) or
            "只有" in answer.get_data(as_text=True), db.session.get(Contact, nanny.id).user_id) == (422, True, None)


def test_a_taken_username_is_refused_and_nothing_is_made(session_client, family, clock):
    centre, _, mother = family
    make_login("taken", clock.now())
    db.session.commit()
    answer = _post(_director(session_client, centre, clock), mother.id, action="open", username="taken")
    assert (answer.status_code, 'value="taken"' in answer.get_data(as_text=True),
            db.session.get(Contact, mother.id).user_id) == (409, True, None)


def test_a_second_log_in_for_the_same_parent_is_refused(family, clock):
    _, _, mother = family
    accounts.open_family_account(mother, username="a", actor=SYSTEM, now=clock.now())
    with pytest.raises(Exception) as refused:
        accounts.open_family_account(mother, username="b", actor=SYSTEM, now=clock.now())
    assert getattr(refused.value, "code", None) == "has_account"


def test_a_new_one_time_password_replaces_the_old_and_ends_sessions(app, session_client, family, clock):
    centre, _, mother = family
    user, old = accounts.open_family_account(mother, username="parent", actor=SYSTEM, now=clock.now())
    db.session.commit()
    version = user.session_version
    new = _handed_over(_post(_director(session_client, centre, clock), mother.id,
                             action="reissue").get_data(as_text=True))
    refreshed = db.session.get(User, user.id)
    assert (new != old, log_in(app.test_client(), "parent", old).status_code,
            log_in(app.test_client(), "parent", new).status_code, refreshed.session_version > version) == (
        True, 401, 302, True)


def test_a_director_never_resets_a_member_of_staffs_password_through_a_family_link(family, clock):
    centre, _, mother = family
    user, _ = accounts.open_family_account(mother, username="teacher-mum", actor=SYSTEM, now=clock.now())
    grant_role(user, centre.id, Role.CAREGIVER, actor=SYSTEM, now=clock.now())
    director = make_login("director", clock.now(), [(centre, Role.ADMIN)])
    actor = actor_for(director.user, lambda _: frozenset())
    with pytest.raises(Forbidden) as refused:
        accounts.reissue_password(mother, actor=actor, now=clock.now())
    assert refused.value.code == "not_a_family_account"


def test_a_caregiver_cannot_open_the_page(session_client, family, clock):
    centre, _, mother = family
    caregiver = session_client(make_login("carer", clock.now(), [(centre, Role.CAREGIVER)]))
    assert caregiver.get(f"/centres/alpha/contacts/{mother.id}/log-in").status_code == 403


def test_the_child_page_links_the_guardians_log_in(session_client, family, clock):
    centre, child, mother = family
    html = _director(session_client, centre, clock).get(f"/centres/alpha/children/{child.id}").get_data(as_text=True)
    assert f"/centres/alpha/contacts/{mother.id}/log-in" in html
