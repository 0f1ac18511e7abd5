"""The plan library: publishing versions, staff read receipts (a new version resets them), and the API's answers."""

from __future__ import annotations

from server.database import db
from server.emergencies.plans import confirm_read, library, my_unread
from tests.server.emergencies import preparedness_world
from tests.server.emergencies.preparedness_world import FIRE_TEXT, actor_of, publish_fire_plan

world = preparedness_world.world  # the fixture

PLANS = "/api/v1/centres/alpha/emergency-plans"


def _fire_line(world, now):  # type: ignore[no-untyped-def]
    return next(line for line in library(world["alpha"], actor=actor_of(world["director"]), now=now)
                if line.scenario == "fire")


def test_a_published_plan_waits_for_every_active_member_of_staff(world, clock):
    version = publish_fire_plan(world, clock.now())
    line = _fire_line(world, clock.now())
    assert (line.version.id, line.version.version_no, [s.name for s in line.unread]) == (
        version.id, 1, ["刘园长", "张老师", "李老师", "王保安", "赵师傅"])


def test_confirming_records_the_reader_once(world, clock):
    version = publish_fire_plan(world, clock.now())
    first = confirm_read(version, actor=actor_of(world["carer"]), now=clock.now())
    again = confirm_read(version, actor=actor_of(world["carer"]), now=clock.now())
    db.session.commit()
    assert first.id == again.id and [s.name for s in _fire_line(world, clock.now()).readers] == ["张老师"]


def test_a_new_version_starts_unread_by_everyone(world, clock):
    old = publish_fire_plan(world, clock.now())
    confirm_read(old, actor=actor_of(world["carer"]), now=clock.now())
    clock.advance(days=3)
    new = publish_fire_plan(world, clock.now(), title="火灾应急预案（修订）")
    line = _fire_line(world, clock.now())
    assert (line.version.id, line.version.version_no, line.readers) == (new.id, 2, ())
    assert [v.id for v in my_unread(world["alpha"], actor=actor_of(world["carer"]), now=clock.now())] == [new.id]


def test_an_old_version_can_no_longer_be_confirmed(client, world, clock):
    old = publish_fire_plan(world, clock.now())
    publish_fire_plan(world, clock.now(), title="修订版")
    response = client.post(f"/api/v1/emergency-plan-versions/{old.id}/read", headers=world["carer"].headers)
    assert (response.status_code, response.get_json()["error"]["code"]) == (409, "superseded")


def test_an_inspector_reads_but_is_nobody_to_confirm(client, world, clock):
    version = publish_fire_plan(world, clock.now())
    assert client.get(f"/api/v1/emergency-plan-versions/{version.id}", headers=world["inspector"].headers)\
        .get_json()["body"] == FIRE_TEXT
    response = client.post(f"/api/v1/emergency-plan-versions/{version.id}/read", headers=world["inspector"].headers)
    assert (response.status_code, response.get_json()["error"]["code"]) == (409, "not_staff")


def test_the_api_publishes_and_a_caregiver_confirms(client, world):
    body = {"scenario": "earthquake", "title": "地震应急预案", "body": "躲避、撤离、清点。",
            "responsible_roles": ["director", "caregiver"]}
    created = client.post(PLANS, json=body, headers=world["director"].headers)
    assert created.status_code == 201
    version_id = created.get_json()["id"]
    assert client.post(f"/api/v1/emergency-plan-versions/{version_id}/read",
                       headers=world["carer"].headers).status_code == 201
    line = next(i for i in client.get(PLANS, headers=world["carer"].headers).get_json()["items"]
                if i["scenario"] == "earthquake")
    assert (line["read_by_me"], line["read_count"], len(line["unread_staff_ids"])) == (True, 1, 4)


def test_a_caregiver_may_not_publish(client, world):
    body = {"scenario": "fire", "title": "x", "body": "y", "responsible_roles": ["caregiver"]}
    assert client.post(PLANS, json=body, headers=world["carer"].headers).status_code == 403


def test_bad_input_names_the_field_and_stores_nothing(client, world, clock):
    body = {"scenario": "fire", "title": "火灾", "body": "内容", "responsible_roles": ["janitor"]}
    response = client.post(PLANS, json=body, headers=world["director"].headers)
    assert (response.status_code, response.get_json()["error"]["field"]) == (422, "responsible_roles.0")
    assert _fire_line(world, clock.now()).version is None


def test_another_centres_director_sees_no_plan_of_alpha(client, world, clock):
    version = publish_fire_plan(world, clock.now())
    assert client.get(f"/api/v1/emergency-plan-versions/{version.id}",
                      headers=world["beta_director"].headers).status_code == 404
