"""The kitchen's tablet (today's menu dishes, weigh and seal, the fridge, disposal refused before 48 h with the time),
a refused form keeping what was typed, a sample's page with its correction, the office's month, the navigation."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from compliance.food.samples import ServedDishRecord
from server.database import db
from server.food.models import FoodSample, FoodSampleAmendment
from tests.sessions import csrf_token


def _form(token: str, **overrides):  # type: ignore[no-untyped-def]
    return {"csrf_token": token, "meal": "lunch", "dish": "清蒸鲈鱼", "weight_g": "130", "fridge": "fridge-sample",
            "sealed_at": "", **overrides}


def test_the_kitchen_lands_on_its_tablet_with_the_menu(session_client, world) -> None:  # type: ignore[no-untyped-def]
    world.menu(ServedDishRecord(date(2026, 9, 7), "lunch", "番茄炒蛋"),
               ServedDishRecord(date(2026, 9, 7), "lunch", "清蒸鲈鱼"))
    world.sample()
    page = session_client(world.kitchen)
    html = page.get("/centres/alpha/kitchen/samples").get_data(as_text=True)
    assert 'data-nav="food.kitchen"' in html and 'id="meal-lunch"' in html
    assert 'data-dish="清蒸鲈鱼"' in html and 'data-dish="番茄炒蛋"' not in html  # sampled already
    assert 'id="no-menu"' not in html


def test_the_cook_weighs_and_seals_a_dish(session_client, world) -> None:  # type: ignore[no-untyped-def]
    page = session_client(world.kitchen)
    token = csrf_token(page.get("/centres/alpha/kitchen/samples").get_data(as_text=True))
    sent = page.post("/centres/alpha/kitchen/samples", data=_form(token, sealed_at="09:20"))
    assert sent.status_code == 302
    row = db.session.execute(select(FoodSample)).scalar_one()
    assert (row.dish, row.weight_g, row.sealed_at.isoformat()) == ("清蒸鲈鱼", 130, "2026-09-07T01:20:00+00:00")


def test_a_refused_form_keeps_what_was_typed(session_client, world) -> None:  # type: ignore[no-untyped-def]
    page = session_client(world.kitchen)
    token = csrf_token(page.get("/centres/alpha/kitchen/samples").get_data(as_text=True))
    sent = page.post("/centres/alpha/kitchen/samples", data=_form(token, weight_g="abc", dish="红烧狮子头"))
    html = sent.get_data(as_text=True)
    assert sent.status_code == 422 and 'value="红烧狮子头"' in html and 'id="weight_g-problem"' in html


def test_disposal_before_48_hours_says_until_when(session_client, world, clock) -> None:  # type: ignore[no-untyped-def]
    row = world.sample()
    clock.advance(days=1)
    page = session_client(world.kitchen)
    html = page.get("/centres/alpha/kitchen/samples").get_data(as_text=True)
    assert f'id="kept-{row.id}"' in html and "09-09 09:30" in html
    refused = page.post(f"/food-samples/{row.id}/dispose", data={"csrf_token": csrf_token(html)})
    assert refused.status_code == 409 and "2026-09-09 09:30" in refused.get_data(as_text=True)
    clock.advance(days=1)
    assert page.post(f"/food-samples/{row.id}/dispose", data={"csrf_token": csrf_token(html)}).status_code == 302


def test_a_correction_on_the_sample_page(session_client, world) -> None:  # type: ignore[no-untyped-def]
    row = world.sample(weight_g=13)
    page = session_client(world.kitchen)
    html = page.get(f"/food-samples/{row.id}").get_data(as_text=True)
    assert 'id="fridge-evidence"' in html
    sent = page.post(f"/food-samples/{row.id}/amend", data={"csrf_token": csrf_token(html), "field": "weight_g",
                                                            "value": "130", "reason": "少输了一个 0"})
    assert sent.status_code == 302
    assert db.session.execute(select(FoodSampleAmendment.new_value)).scalar_one() == 130
    refused = page.post(f"/food-samples/{row.id}/amend", data={"csrf_token": csrf_token(html), "field": "weight_g",
                                                               "value": "-1", "reason": "再改"})
    assert refused.status_code == 422 and 'value="再改"' in refused.get_data(as_text=True)


def test_the_office_month_shows_missing_and_underweight(session_client, world) -> None:  # type: ignore[no-untyped-def]
    world.menu(ServedDishRecord(date(2026, 9, 7), "lunch", "番茄炒蛋"),
               ServedDishRecord(date(2026, 9, 7), "lunch", "清蒸鲈鱼"))
    world.sample(weight_g=110)
    html = session_client(world.inspector).get("/centres/alpha/food-samples?month=2026-09").get_data(as_text=True)
    assert 'data-nav="food.month"' in html and 'id="missing"' in html and "清蒸鲈鱼" in html
    assert "110" in html


def test_a_caregiver_sees_no_weigh_form(session_client, world) -> None:  # type: ignore[no-untyped-def]
    html = session_client(world.caregiver).get("/centres/alpha/kitchen/samples").get_data(as_text=True)
    assert 'id="sample-form"' not in html


def test_an_expired_certificate_warns_the_kitchen(session_client, world, clock) -> None:  # type: ignore[no-untyped-def]
    clock.advance(days=200)  # the factory's certificates were issued half a year before T0: capped at 12 months
    html = session_client(world.kitchen).get("/centres/alpha/kitchen/samples").get_data(as_text=True)
    assert f'id="certificate-warning-{world.cook.id}"' in html
