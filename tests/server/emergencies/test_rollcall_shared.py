"""The roll call is stored on the server and shared: one tablet's ticks are the other's; missing and found."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from server.alerts.models import Alert
from server.database import db
from server.emergencies.live_models import Emergency
from tests.server.emergencies.test_live_world import LiveWorld


@pytest.fixture
def world(client, clock) -> LiveWorld:  # type: ignore[no-untyped-def]
    return LiveWorld(client, clock)


def _open(world, client):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/centres/alpha/live-emergencies", headers=world.carer_a.headers,
                       json={"kind": "fire"}).get_json()["id"]


def test_two_tablets_see_each_others_ticks(world, client):
    _open(world, client)
    kid, other = world.kids[0], world.kids[2]
    assert world.tick(world.carer_a, f"c{kid.id}", "present").status_code == 201
    assert world.tick(world.carer_b, f"c{other.id}", "present").status_code == 201
    seen_by_a = {t["person"]: t["status"] for t in world.current(world.carer_a)["ticks"]}
    seen_by_b = {t["person"]: t["status"] for t in world.current(world.carer_b)["ticks"]}
    assert seen_by_a == seen_by_b == {f"c{kid.id}": "present", f"c{other.id}": "present"}


def test_the_counts_are_per_room_from_who_is_checked_in(world, client):
    _open(world, client)
    world.tick(world.carer_a, f"c{world.kids[0].id}", "present")
    state = world.current(world.carer_b)
    rooms = {r["room_id"]: (r["expected"], r["present"], r["missing"]) for r in state["rooms"]}
    assert rooms == {world.toddlers.id: (3, 1, 0), world.older.id: (2, 0, 0)}  # two children + a carer; one + one
    assert (state["expected"], state["unticked"]) == (5, 4)


def test_a_child_marked_missing_raises_an_alert_and_a_timeline_line_and_found_resolves_it(world, client, clock):
    _open(world, client)
    kid = world.kids[1]
    world.tick(world.carer_a, f"c{kid.id}", "missing")
    missing = db.session.execute(select(Alert).where(Alert.message_zh.contains("小二"))).scalar_one()
    banner = client.get("/api/v1/me/emergencies", headers=world.carer_b.headers).get_json()["items"]
    assert (missing.severity, world.current(world.carer_b)["missing"]) == ("emergency", 1)
    assert any("小二" in item["message_zh"] for item in banner)
    clock.advance(minutes=4)
    world.tick(world.carer_b, f"c{kid.id}", "present")
    db.session.refresh(missing)
    kinds = [line["kind"] for line in world.current(world.carer_a)["timeline"]]
    assert (kinds, missing.resolved_at) == (["opened", "child_missing", "person_found"], clock.now())


def test_a_child_missing_with_no_emergency_open_opens_one(world, client):
    response = world.tick(world.carer_a, f"c{world.kids[2].id}", "missing")
    [emergency] = db.session.execute(select(Emergency)).scalars().all()
    assert (response.status_code, emergency.kind.value, emergency.source.value, emergency.summary) == (
        201, "missing_child", "rollcall", "大一")


def test_a_present_tick_with_no_emergency_open_is_refused(world, client):
    response = world.tick(world.carer_a, f"c{world.kids[0].id}", "present")
    assert (response.status_code, response.get_json()["error"]["code"]) == (409, "no_open_emergency")


def test_a_tick_can_be_taken_back_by_a_later_one(world, client):
    _open(world, client)
    world.tick(world.carer_a, f"c{world.kids[0].id}", "present")
    world.tick(world.carer_b, f"c{world.kids[0].id}", "cleared")
    state = world.current(world.carer_a)
    assert ({t["person"]: t["status"] for t in state["ticks"]}, state["unticked"]) == (
        {f"c{world.kids[0].id}": "cleared"}, 5)


def test_everyone_ticked_present_completes_the_roll_call_once(world, client, clock):
    _open(world, client)
    people = [f"c{k.id}" for k in world.kids] + [f"s{world.staff_a.id}", f"s{world.staff_b.id}"]
    for person in people:
        clock.advance(seconds=30)
        world.tick(world.carer_a, person, "present")
    world.tick(world.carer_a, people[0], "cleared")
    world.tick(world.carer_a, people[0], "present")
    lines = [line for line in world.current(world.carer_a)["timeline"] if line["kind"] == "rollcall_complete"]
    assert len(lines) == 1 and "用时 2 分 30 秒" in lines[0]["words"]


def test_another_centres_child_cannot_be_ticked(world, client, clock):
    from tests.factories import make_centre, make_child

    elsewhere = make_child(make_centre("beta", clock.now()), clock.now(), name="别处")
    db.session.commit()
    _open(world, client)
    assert world.tick(world.carer_a, f"c{elsewhere.id}", "present").status_code == 404


def test_the_roll_call_page_is_the_server_stored_one(world, client, session_client):
    _open(world, client)
    page = session_client(world.carer_a).get("/centres/alpha/rollcall").get_data(as_text=True)
    assert 'data-tick-url="/api/v1/centres/alpha/rollcall/ticks"' in page and "localStorage" not in page
    assert f'data-person="c{world.kids[0].id}"' in page


def test_an_inspector_reads_the_roll_call_without_buttons_to_tick(world, session_client):
    carer = session_client(world.carer_a).get("/centres/alpha/rollcall").get_data(as_text=True)
    inspector = session_client(world.inspector).get("/centres/alpha/rollcall")
    html = inspector.get_data(as_text=True)
    assert (inspector.status_code, "tick-present" in carer, "tick-present" in html, 'id="open-live"' in html) == (
        200, True, False, False)
