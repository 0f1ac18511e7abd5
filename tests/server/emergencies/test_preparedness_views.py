"""The preparedness pages in the office shell: each role's pages answer, the forms call the operations, and a
refused form keeps what was typed."""

from __future__ import annotations

import io

from server.emergencies.drills import drill_lines
from server.emergencies.fire_checks import fire_status
from server.emergencies.fire_checks_models import FireItem
from server.emergencies.plans import library
from server.emergencies.supplies import isolation_room
from server.staff.training import current_entries
from server.staff.training_models import TrainingSource
from tests.server.emergencies import preparedness_world
from tests.server.emergencies.preparedness_world import actor_of, publish_fire_plan
from tests.sessions import page_csrf

world = preparedness_world.world  # the fixture
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PAGES = ("/centres/alpha/emergency-plans", "/centres/alpha/drills", "/centres/alpha/fire-safety",
         "/centres/alpha/supplies")


def test_every_member_of_staff_and_the_inspector_open_the_four_pages(session_client, world):
    for who in ("director", "carer", "guard", "inspector"):
        client = session_client(world[who])
        assert [client.get(page).status_code for page in PAGES] == [200, 200, 200, 200], who


def test_the_navigation_leads_staff_to_preparedness_and_the_guard_to_his_fire_checks(session_client, world):
    page = session_client(world["guard"]).get("/centres/alpha/emergency-plans").get_data(as_text=True)
    assert 'data-nav="preparedness.plans"' in page and 'data-nav="preparedness.fire_safety"' in page


def test_the_director_publishes_a_plan_with_its_pdf(session_client, world, clock):
    client = session_client(world["director"])
    token = page_csrf(client, "/centres/alpha/emergency-plans/publish?scenario=earthquake")
    response = client.post("/centres/alpha/emergency-plans/publish", data={
        "csrf_token": token, "scenario": "earthquake", "title": "地震应急预案", "body": "",
        "responsible_roles": ["director", "caregiver"], "file": (io.BytesIO(PDF), "plan.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    line = next(x for x in library(world["alpha"], actor=actor_of(world["director"]), now=clock.now())
                if x.scenario == "earthquake")
    assert (line.version.title, line.version.file_size) == ("地震应急预案", len(PDF))
    assert client.get(f"/api/v1/emergency-plan-versions/{line.version.id}/file").data == PDF


def test_a_plan_without_text_or_pdf_comes_back_with_what_was_typed(session_client, world):
    client = session_client(world["director"])
    token = page_csrf(client, "/centres/alpha/emergency-plans/publish")
    response = client.post("/centres/alpha/emergency-plans/publish", data={
        "csrf_token": token, "scenario": "fire", "title": "火灾预案草稿", "body": "", "responsible_roles": "director"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'value="火灾预案草稿"' in page and 'class="error"' in page


def test_a_caregiver_confirms_reading_on_her_screen_and_the_todo_goes(session_client, world, clock):
    version = publish_fire_plan(world, clock.now())
    client = session_client(world["carer"])
    page = f"/centres/alpha/emergency-plan-versions/{version.id}"
    response = client.post(f"{page}/read", data={"csrf_token": page_csrf(client, page)})
    assert response.status_code == 302
    assert 'id="read-done"' in client.get(page).get_data(as_text=True)


def test_the_director_records_a_drill_through_the_form(session_client, world, clock):
    client = session_client(world["director"])
    staff = world["staff"]
    token = page_csrf(client, "/centres/alpha/drills/record")
    response = client.post("/centres/alpha/drills/record", data={
        "csrf_token": token, "scenario": "fire", "held_at": "2026-09-07T09:00", "children_count": "22",
        "duration_min": "30", "evacuation_min": "2", "evacuation_sec": "40", "problems": "出口处停放推车",
        "participant_ids": [str(staff["carer"].id), str(staff["carer2"].id)],
        "actions.0.action": "清理出口通道", "actions.0.owner_staff_id": str(staff["guard"].id),
        "actions.0.due_on": "2026-09-14"})
    assert response.status_code == 302
    drill = drill_lines(world["alpha"].id)[0]
    assert (drill.drill.evacuation_s, [a.action for a, _ in drill.actions]) == (160, ["清理出口通道"])
    assert len(current_entries(world["alpha"].id, source=TrainingSource.DRILL)) == 2


def test_a_drill_form_without_participants_keeps_the_rest(session_client, world):
    client = session_client(world["director"])
    token = page_csrf(client, "/centres/alpha/drills/record")
    response = client.post("/centres/alpha/drills/record", data={
        "csrf_token": token, "scenario": "fire", "held_at": "2026-09-07T09:00", "children_count": "22",
        "duration_min": "30", "problems": "出口处停放推车"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "出口处停放推车" in page


def test_a_drill_form_with_a_number_past_any_id_is_refused_and_keeps_the_rest(session_client, world):
    client = session_client(world["director"])
    token = page_csrf(client, "/centres/alpha/drills/record")
    response = client.post("/centres/alpha/drills/record", data={
        "csrf_token": token, "scenario": "fire", "held_at": "2026-09-07T09:00", "children_count": "22",
        "duration_min": "30", "problems": "出口处停放推车", "schedule_id": "1" + "0" * 30})
    assert response.status_code == 422 and "出口处停放推车" in response.get_data(as_text=True)


def test_the_guard_walks_the_checklist_on_the_form(session_client, world, clock):
    client = session_client(world["guard"])
    token = page_csrf(client, "/centres/alpha/fire-safety/check")
    data = {"csrf_token": token, "checked_at": "2026-09-07T09:00",
            **{f"items.{item.value}": "ok" for item in FireItem}}
    data["items.alarms"], data["notes.alarms"] = "fault", "三楼报警器无响应"
    assert client.post("/centres/alpha/fire-safety/check", data=data).status_code == 302
    assert fire_status(world["alpha"], clock.now()).checked_this_month


def test_a_fault_without_a_note_comes_back_to_the_form(session_client, world):
    client = session_client(world["guard"])
    token = page_csrf(client, "/centres/alpha/fire-safety/check")
    data = {"csrf_token": token, **{f"items.{item.value}": "ok" for item in FireItem}, "items.hydrants": "fault"}
    response = client.post("/centres/alpha/fire-safety/check", data=data)
    assert response.status_code == 422 and 'id="fault-hydrants" checked' in response.get_data(as_text=True)


def test_the_director_records_the_isolation_room_and_stock(session_client, world):
    client = session_client(world["director"])
    token = page_csrf(client, "/centres/alpha/supplies")
    assert client.post("/centres/alpha/isolation-room", data={
        "csrf_token": token, "has_room": "yes", "location": "一楼观察室", "checked_on": "2026-09-07"}).status_code == 302
    assert client.post("/centres/alpha/supplies/movements", data={
        "csrf_token": token, "kind": "masks", "movement": "counted", "quantity": "50"}).status_code == 302
    page = client.get("/centres/alpha/supplies").get_data(as_text=True)
    assert isolation_room(world["alpha"].id).location == "一楼观察室" and 'data-supply="masks" data-state="below"' in page


def test_the_directors_dashboard_has_the_preparedness_card(session_client, world, clock):
    publish_fire_plan(world, clock.now())
    page = session_client(world["director"]).get("/?centre=alpha").get_data(as_text=True)
    assert 'id="preparedness-card"' in page and 'id="plans-unread">5<' in page
