"""The shell's navigation of the parent loop: a guardian's bar, the staff's new pages, each link only when its page
exists in the app and the permission is held.

The pages other parts of the parent loop add are stood in for here by stub views where the app lacks them, so the
bar's order and its filtering are tested on their own.
"""

from __future__ import annotations

import re

import pytest

from server.auth.roles import Role
from server.database import db
from tests.factories import make_login

GUARDIAN_PAGES = {
    "notices_pages.family_inbox": "/centres/<code>/family/notices",
    "families.family_messages": "/centres/<code>/family/children/<int:child_id>/messages",
    "medication.family_medication": "/centres/<code>/family/medication",
    "consents.family_consents": "/centres/<code>/family/consents",
    "families.survey": "/centres/<code>/family/survey",
    "families.family_complaints": "/centres/<code>/family/complaints",
    "notices_pages.family_settings": "/centres/<code>/family/settings",
}
STAFF_PAGES = {
    "notices_pages.centre_notices": "/centres/<code>/notices",
    "families.room_messages": "/centres/<code>/rooms/<int:room_id>/messages",
    "families.all_messages": "/centres/<code>/messages",
    "families.feedback": "/centres/<code>/feedback",
    "notices_pages.channels": "/centres/<code>/settings/notifications",
}


def _stub(app, pages: dict[str, str]) -> None:
    """A stand-in view for each page the app does not have (before its first request)."""
    for endpoint, rule in pages.items():
        if endpoint not in app.view_functions:
            app.add_url_rule(rule, endpoint=endpoint, view_func=lambda **_: "stub")


def _bar(html: str) -> list[tuple[str, str]]:
    nav = re.search(r'<nav class="role-nav".*?</nav>', html, re.S)
    return re.findall(r'<a href="([^"]+)" data-nav="([^"]+)"', nav.group(0)) if nav else []


@pytest.fixture
def pages(app):
    _stub(app, {**GUARDIAN_PAGES, **STAFF_PAGES})
    return app


def test_the_guardians_bar_is_the_parent_loop_in_order(pages, session_client, family):
    bar = _bar(session_client(family.mum).get("/centres/alpha/family").get_data(as_text=True))
    assert [endpoint for _, endpoint in bar] == [
        "dashboard.dashboard", "notices_pages.family_inbox", "family.messages", "medication.family_medication",
        "consents.family_consents", "families.survey", "families.family_complaints", "attendance.phone_pass",
        "meals.family_menu", "notices_pages.family_settings"]


def test_the_guardians_home_link_is_their_childrens_day_and_the_staff_list_is_gone(pages, session_client, family):
    html = session_client(family.mum).get("/centres/alpha/family").get_data(as_text=True)
    assert (dict((e, u) for u, e in _bar(html))["dashboard.dashboard"], 'id="home-link"' in html,
            'href="/centres/alpha/family" id="home-link"' in html, "people.children" in html) == (
        "/centres/alpha/family", True, True, False)


def test_messages_lead_to_the_only_childs_thread_or_a_choice(pages, session_client, family):
    mum = session_client(family.mum)
    choice = mum.get("/centres/alpha/family/messages")
    other = session_client(family.other).get("/centres/alpha/family/messages")
    html = choice.get_data(as_text=True)
    assert (choice.status_code, f'/family/children/{family.child.id}/messages' in html,
            f'/family/children/{family.sister.id}/messages' in html, other.status_code, other.headers["Location"]) == (
        200, True, True, 302, f"/centres/alpha/family/children/{family.other_child.id}/messages")


def test_a_link_whose_page_is_not_in_the_app_is_left_out(app, session_client, family):
    _stub(app, {k: v for k, v in GUARDIAN_PAGES.items() if k not in ("families.family_messages", "families.survey")})
    for endpoint in ("families.family_messages", "families.survey"):
        app.view_functions.pop(endpoint, None)
    endpoints = [e for _, e in _bar(session_client(family.mum).get("/centres/alpha/family").get_data(as_text=True))]
    assert ("family.messages" in endpoints, "families.survey" in endpoints, "consents.family_consents" in endpoints) == (
        False, False, True)


def test_the_caregivers_messages_are_her_classs(pages, session_client, family):
    bar = dict((e, u) for u, e in _bar(session_client(family.carer).get("/centres/alpha/people/children").get_data(
        as_text=True)))
    assert (bar.get("families.room_messages"), bar.get("notices_pages.centre_notices"), "families.all_messages" in bar) == (
        f"/centres/alpha/rooms/{family.room.id}/messages", "/centres/alpha/notices", False)


def test_a_caregiver_without_a_class_has_no_class_messages_link(pages, session_client, family, clock):
    floating = make_login("floating", clock.now(), [(family.centre, Role.CAREGIVER)])
    db.session.commit()
    bar = [e for _, e in _bar(session_client(floating).get("/centres/alpha/people/children").get_data(as_text=True))]
    assert ("families.room_messages" in bar, "notices_pages.centre_notices" in bar) == (False, True)


@pytest.mark.parametrize(("who", "wanted", "unwanted"), [
    ("director", {"notices_pages.centre_notices", "families.all_messages", "families.feedback", "notices_pages.channels"},
     {"families.room_messages", "family.messages"}),
    ("health", {"notices_pages.centre_notices"}, {"families.feedback", "notices_pages.channels"}),
    ("inspector", {"families.feedback"}, {"notices_pages.channels", "families.all_messages"}),
    ("kitchen", set(), {"notices_pages.centre_notices", "families.feedback"}),
])
def test_the_staffs_new_pages_by_role(pages, session_client, family, who, wanted, unwanted):
    html = session_client(getattr(family, who)).get("/centres/alpha/people/children").get_data(as_text=True)
    bar = {e for _, e in _bar(html)}
    assert (wanted - bar, unwanted & bar) == (set(), set())
