"""Only a guardian, only their own children: another family's child is not found on any route, staff are refused,
another centre's guardian finds nothing."""

from __future__ import annotations

import pytest

from server.auth.roles import Role
from server.database import db
from tests.factories import link, make_centre, make_child, make_contact, make_login


def _pages(family, child_id: int) -> list[str]:
    return [f"/centres/alpha/family/children/{child_id}/day", f"/centres/alpha/family/children/{child_id}/day?on=2026-09-01"]


def _api(child_id: int) -> list[str]:
    return [f"/api/v1/family/children/{child_id}/day", f"/api/v1/family/children/{child_id}/day?on=2026-09-01"]


def test_another_familys_child_is_not_found_on_any_route(session_client, client, family):
    mum = session_client(family.mum)
    answers = [mum.get(url).status_code for url in _pages(family, family.other_child.id)]
    answers += [client.get(url, headers=family.mum.headers).status_code for url in _api(family.other_child.id)]
    assert answers == [404] * 4


def test_a_child_the_user_only_collects_is_not_theirs_to_read(session_client, client, family, clock):
    """The grandfather collects but is no guardian: a log-in of his sees no child's day."""
    grandpa = make_login("grandpa", clock.now(), [(family.centre, Role.GUARDIAN)])
    family.grandfather.user_id = grandpa.user.id
    db.session.commit()
    answers = [client.get(url, headers=grandpa.headers).status_code for url in _api(family.child.id)]
    home = session_client(grandpa).get("/centres/alpha/family").get_data(as_text=True)
    assert (answers, 'id="no-children"' in home) == ([404, 404], True)


@pytest.mark.parametrize("who", ["carer", "director", "health", "kitchen", "inspector"])
def test_staff_are_refused_the_familys_pages(session_client, client, family, who):
    login = getattr(family, who)
    pages = session_client(login)
    answers = [pages.get("/centres/alpha/family").status_code, pages.get("/centres/alpha/family/messages").status_code]
    answers += [pages.get(url).status_code for url in _pages(family, family.child.id)]
    answers += [client.get(url, headers=login.headers).status_code for url in _api(family.child.id)]
    assert answers == [403] * 6


def test_the_refusal_of_staff_is_in_the_error_shape_and_logged(client, family):
    from sqlalchemy import select

    from server.audit.models import AccessEvent

    answer = client.get(f"/api/v1/family/children/{family.child.id}/day", headers=family.director.headers)
    refused = db.session.execute(select(AccessEvent.action, AccessEvent.detail).where(
        AccessEvent.user_id == family.director.user.id)).all()
    assert (answer.get_json()["error"]["code"], ("denied", "families_only") in refused) == ("families_only", True)


def test_a_guardian_of_another_centre_finds_nothing_here(session_client, client, family, clock):
    now = clock.now()
    beta = make_centre("beta", now)
    stranger = make_login("stranger", now, [(beta, Role.GUARDIAN)])
    link(make_child(beta, now, name="孙小贝"), make_contact(beta, now, name="孙娜", user=stranger.user), now)
    db.session.commit()
    pages = session_client(stranger)
    answers = [pages.get("/centres/alpha/family").status_code]
    answers += [pages.get(url).status_code for url in _pages(family, family.child.id)]
    answers += [client.get(url, headers=stranger.headers).status_code for url in _api(family.child.id)]
    assert answers == [404] * 5


def test_a_child_of_another_centre_is_not_found_under_this_centres_address(session_client, family, clock):
    """The child's id under the wrong centre's code: not found, even for its own guardian."""
    now = clock.now()
    beta = make_centre("beta", now)
    from server.auth.operations import grant_role
    from tests.factories import SYSTEM

    grant_role(family.mum.user, beta.id, Role.GUARDIAN, expires_at=None, actor=SYSTEM, now=now)
    db.session.commit()
    assert session_client(family.mum).get(f"/centres/beta/family/children/{family.child.id}/day").status_code == 404


def test_nobody_logged_in_is_sent_to_log_in(client, family):
    page = client.get("/centres/alpha/family")
    api = client.get(f"/api/v1/family/children/{family.child.id}/day")
    assert (page.status_code, "/login" in page.headers["Location"], api.status_code) == (302, True, 401)
