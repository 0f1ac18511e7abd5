"""Who may learn that a concern exists: the director, a designated lead and an inspector whose grant includes
safeguarding; everyone else — the caregiver who raised it, a lead whose designation was withdrawn, an inspector
without the scope, the kitchen, the guard, a guardian, another centre's director — gets 404. Every view is logged.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from server.audit.models import AccessEvent
from server.auth.operations import grant_role, revoke_grant
from server.auth.roles import Role
from server.database import db
from tests.server.safeguarding.conftest import ACCOUNT, actor_of, grant_of, raise_one

READERS = ("director", "lead", "scoped_inspector")
OTHERS = ("raiser", "caregiver", "revoked_lead", "inspector", "kitchen", "security", "guardian", "beta_director")
HANDLERS = ("director", "lead")


@pytest.mark.parametrize("who", READERS)
def test_readers_see_the_list_and_the_concern(client, world, clock, who):
    concern = raise_one(world, clock.now())
    listed = client.get("/api/v1/centres/alpha/safeguarding/concerns", headers=world[who].headers)
    one = client.get(f"/api/v1/safeguarding/concerns/{concern.id}", headers=world[who].headers)
    assert (listed.status_code, [c["id"] for c in listed.json["items"]], one.status_code, one.json["account"]) == (
        200, [concern.id], 200, ACCOUNT)


@pytest.mark.parametrize("who", OTHERS)
def test_everyone_else_gets_not_found_for_the_list_and_the_concern(client, world, clock, who):
    concern = raise_one(world, clock.now())
    listed = client.get("/api/v1/centres/alpha/safeguarding/concerns", headers=world[who].headers)
    one = client.get(f"/api/v1/safeguarding/concerns/{concern.id}", headers=world[who].headers)
    assert (listed.status_code, one.status_code, ACCOUNT.encode() in listed.data + one.data) == (404, 404, False)


@pytest.mark.parametrize("who", OTHERS + ("scoped_inspector",))
def test_only_the_director_and_leads_record_steps(client, world, clock, who):
    concern = raise_one(world, clock.now())
    response = client.post(f"/api/v1/safeguarding/concerns/{concern.id}/steps", headers=world[who].headers,
                           json={"kind": "note", "done_at": clock.now().isoformat(), "done_by": "某人", "detail": "x"})
    assert response.status_code == 404


@pytest.mark.parametrize("who", HANDLERS)
def test_the_director_and_a_lead_record_steps(client, world, clock, who):
    concern = raise_one(world, clock.now())
    response = client.post(f"/api/v1/safeguarding/concerns/{concern.id}/steps", headers=world[who].headers,
                           json={"kind": "police_report", "done_at": clock.now().isoformat(), "done_by": "赵园长",
                                 "reference": "110-2026-0907"})
    assert (response.status_code, response.json["agency"]) == (201, "police")


def test_a_missing_concern_and_a_hidden_one_answer_alike(client, world, clock):
    concern = raise_one(world, clock.now())
    hidden = client.get(f"/api/v1/safeguarding/concerns/{concern.id}", headers=world["caregiver"].headers)
    missing = client.get(f"/api/v1/safeguarding/concerns/{concern.id + 1000}", headers=world["caregiver"].headers)
    assert (hidden.status_code, hidden.json) == (missing.status_code, missing.json)


@pytest.mark.parametrize("who", ("raiser", "kitchen", "security", "lead"))
def test_any_member_of_staff_raises_a_concern_and_gets_its_number_only(client, world, clock, who):
    response = client.post("/api/v1/centres/alpha/safeguarding/concerns", headers=world[who].headers, json={
        "child_id": world["child"].id, "category": "neglect", "noticed_at": clock.now().isoformat(),
        "account": "孩子尿湿后长时间无人更换", "staff_ids": [world["teacher"].id]})
    assert (response.status_code, set(response.json)) == (201, {"number", "raised_at"})


@pytest.mark.parametrize("who", ("guardian", "inspector", "scoped_inspector"))
def test_guardians_and_inspectors_raise_nothing(client, world, clock, who):
    response = client.post("/api/v1/centres/alpha/safeguarding/concerns", headers=world[who].headers, json={
        "child_id": world["child"].id, "category": "neglect", "noticed_at": clock.now().isoformat(),
        "account": "测试"})
    assert response.status_code in (403, 404)


def test_every_view_is_logged(client, world, clock):
    concern = raise_one(world, clock.now())
    headers = world["lead"].headers
    client.get("/api/v1/centres/alpha/safeguarding/concerns", headers=headers)
    client.get(f"/api/v1/safeguarding/concerns/{concern.id}", headers=headers)
    client.get(f"/api/v1/safeguarding/concerns/{concern.id}", headers=world["scoped_inspector"].headers)
    events = db.session.execute(select(AccessEvent.user_id, AccessEvent.object_id).where(
        AccessEvent.object_type == "safeguarding_concern").order_by(AccessEvent.id)).all()
    assert events == [(world["lead"].user.id, "list"), (world["lead"].user.id, str(concern.id)),
                      (world["scoped_inspector"].user.id, str(concern.id))]


def test_an_inspector_scope_ends_with_the_grant(client, world, clock):
    concern = raise_one(world, clock.now())
    clock.advance(days=8)  # the test grants last seven days
    response = client.get(f"/api/v1/safeguarding/concerns/{concern.id}", headers=world["scoped_inspector"].headers)
    assert response.status_code == 404


def test_a_grant_revoked_and_given_again_does_not_inherit_the_scope(client, world, clock):
    concern = raise_one(world, clock.now())
    director, grant = actor_of(world["director"]), grant_of(world["scoped_inspector"], world["alpha"])
    revoke_grant(grant, actor=director, now=clock.now())
    clock.advance(days=30)
    grant_role(world["scoped_inspector"].user, world["alpha"].id, Role.INSPECTOR,
               expires_at=clock.now() + timedelta(days=7), actor=director, now=clock.now())
    db.session.commit()
    response = client.get(f"/api/v1/safeguarding/concerns/{concern.id}", headers=world["scoped_inspector"].headers)
    assert response.status_code == 404


@pytest.mark.parametrize("who", OTHERS)
def test_the_pages_answer_not_found_to_everyone_else(session_as, world, clock, who):
    concern = raise_one(world, clock.now())
    client = session_as(who)
    pages = [client.get("/centres/alpha/safeguarding"), client.get(f"/centres/alpha/safeguarding/concerns/{concern.id}")]
    assert [p.status_code for p in pages] == [404, 404]


@pytest.mark.parametrize("who", READERS)
def test_the_pages_open_for_readers(session_as, world, clock, who):
    concern = raise_one(world, clock.now())
    client = session_as(who)
    pages = [client.get("/centres/alpha/safeguarding"), client.get(f"/centres/alpha/safeguarding/concerns/{concern.id}")]
    assert [p.status_code for p in pages] == [200, 200] and "SG-" in pages[0].get_data(as_text=True)


@pytest.mark.parametrize("who", ("raiser", "kitchen", "lead", "director"))
def test_navigation_lists_the_concerns_only_for_the_director(session_as, world, clock, who):
    raise_one(world, clock.now())
    html = session_as(who).get("/centres/alpha/safeguarding/raise").get_data(as_text=True)
    assert ('data-nav="safeguarding.concerns"' in html) == (who == "director")
