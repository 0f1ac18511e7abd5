"""The API: the kitchen drafts and publishes, families read the published week and the accounts, one error shape."""

from __future__ import annotations

from tests.server.meals.conftest import World

WEEK = "2026-09-14"
DRAFT = {"dishes": [
    {"day": "2026-09-14", "meal": "lunch", "name": "番茄炒蛋",
     "ingredients": [{"name": "番茄", "grams": 60}, {"name": "鸡蛋", "grams": 25}]},
    {"day": "2026-09-15", "meal": "breakfast", "name": "小米粥", "ingredients": [{"name": "小米", "grams": 20}]}]}


def test_the_kitchen_drafts_sees_the_warning_and_publishes(client, world: World) -> None:  # type: ignore[no-untyped-def]
    saved = client.put(f"/api/v1/centres/alpha/menus/{WEEK}/draft", json=DRAFT, headers=world.kitchen.headers)
    assert saved.status_code == 200, saved.get_json()
    body = saved.get_json()
    assert body["is_draft"] and body["warnings"][0]["children"] == [
        {"name": "王小明", "room": "小太阳班", "severity": "moderate"}]
    published = client.post(f"/api/v1/centres/alpha/menus/{WEEK}/publish", headers=world.kitchen.headers)
    assert published.status_code == 201 and published.get_json()["version"] == 1
    # Each answer that named the allergic children was a logged read (PIPL Art. 28); a guardian's names none.
    assert _allergy_reads() == [("menu_allergy_children", WEEK, "eggs")] * 2
    client.get(f"/api/v1/centres/alpha/menus/current?week={WEEK}", headers=world.parent.headers)
    assert len(_allergy_reads()) == 2


def _allergy_reads() -> list[tuple[str, str, str]]:
    from sqlalchemy import select

    from server.audit.models import AccessEvent
    from server.database import db

    return [tuple(row) for row in db.session.execute(select(
        AccessEvent.object_type, AccessEvent.object_id, AccessEvent.detail)
        .where(AccessEvent.object_type == "menu_allergy_children").order_by(AccessEvent.id))]


def test_guardians_read_only_the_published_week_without_other_children_named(client, world: World) -> None:  # type: ignore[no-untyped-def]
    client.put(f"/api/v1/centres/alpha/menus/{WEEK}/draft", json=DRAFT, headers=world.kitchen.headers)
    nothing = client.get(f"/api/v1/centres/alpha/menus/current?week={WEEK}", headers=world.parent.headers)
    assert nothing.status_code == 200 and nothing.get_json()["dishes"] == []
    client.post(f"/api/v1/centres/alpha/menus/{WEEK}/publish", headers=world.kitchen.headers)
    week = client.get(f"/api/v1/centres/alpha/menus/current?week={WEEK}", headers=world.other_parent.headers)
    assert len(week.get_json()["dishes"]) == 2
    assert week.get_json()["warnings"][0]["children"] == [] and week.get_json()["warnings"][0]["count"] == 1
    assert client.get(f"/api/v1/centres/alpha/menus/draft?week={WEEK}",
                      headers=world.parent.headers).status_code == 403


def test_another_centre_sees_nothing(client, world: World) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/api/v1/centres/alpha/menus/current", headers=world.beta_director.headers).status_code == 404
    assert client.get("/api/v1/centres/alpha/meal-fees", headers=world.beta_director.headers).status_code == 404


def test_bad_input_gets_the_one_error_shape(client, world: World) -> None:  # type: ignore[no-untyped-def]
    bad = {"dishes": [{"day": "2026-09-21", "meal": "lunch", "name": "面条", "ingredients": []}]}
    answer = client.put(f"/api/v1/centres/alpha/menus/{WEEK}/draft", json=bad, headers=world.kitchen.headers)
    assert answer.status_code == 422
    assert answer.get_json()["error"]["code"] == "outside_week"
    assert answer.get_json()["error"]["field"] == "dishes.0.day"


def test_publishing_nothing_is_a_conflict(client, world: World) -> None:  # type: ignore[no-untyped-def]
    answer = client.post(f"/api/v1/centres/alpha/menus/{WEEK}/publish", headers=world.kitchen.headers)
    assert answer.status_code == 409 and answer.get_json()["error"]["code"] == "no_draft"


def test_the_director_publishes_a_month_and_a_family_reads_it(client, world: World) -> None:  # type: ignore[no-untyped-def]
    sent = client.post("/api/v1/centres/alpha/meal-fees", headers=world.director.headers,
                       json={"month": "2026-08", "income_fen": 600000, "spending_fen": 587400})
    assert sent.status_code == 201, sent.get_json()
    assert sent.get_json()["balance_share"] == 2.1
    listed = client.get("/api/v1/centres/alpha/meal-fees", headers=world.parent.headers).get_json()["items"]
    assert [i["month"] for i in listed] == ["2026-08"]
    refused = client.post("/api/v1/centres/alpha/meal-fees", headers=world.kitchen.headers,
                          json={"month": "2026-08", "income_fen": 1, "spending_fen": 1})
    assert refused.status_code == 403


def test_the_routes_are_in_the_openapi_document(client) -> None:  # type: ignore[no-untyped-def]
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert {"/api/v1/centres/{code}/menus/{week_of}/draft", "/api/v1/centres/{code}/meal-fees",
            "/api/v1/centres/{code}/menus/current"} <= set(paths)
