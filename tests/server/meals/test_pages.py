"""The screens: the kitchen's week and editor (refused lines keep what was typed), the office's fee page, the
family's phone pages (their own child's allergy flagged, a draft never shown)."""

from __future__ import annotations

from tests.server.meals.conftest import World
from tests.sessions import csrf_token

WEEK = "2026-09-14"


def _write(page, publish: bool = False):  # type: ignore[no-untyped-def]
    token = csrf_token(page.get(f"/centres/alpha/menus/{WEEK}/edit").get_data(as_text=True))
    data = {"csrf_token": token, f"cell.{WEEK}.lunch": "番茄炒蛋：番茄 60，鸡蛋 25\n米饭：大米 50",
            "cell.2026-09-15.breakfast": "小米粥：小米 20克"}
    if publish:
        data["publish"] = "1"
    return page.post(f"/centres/alpha/menus/{WEEK}/edit", data=data)


def test_the_kitchen_writes_the_week_and_sees_the_warning(session_client, world: World) -> None:  # type: ignore[no-untyped-def]
    page = session_client(world.kitchen)
    assert _write(page).status_code == 302
    html = page.get(f"/centres/alpha/menus?week={WEEK}").get_data(as_text=True)
    assert 'id="allergy-warnings"' in html and "王小明" in html and "小太阳班" in html
    assert 'id="publish-menu"' in html


def test_an_unreadable_line_comes_back_with_what_was_typed(session_client, world: World) -> None:  # type: ignore[no-untyped-def]
    page = session_client(world.kitchen)
    token = csrf_token(page.get(f"/centres/alpha/menus/{WEEK}/edit").get_data(as_text=True))
    sent = page.post(f"/centres/alpha/menus/{WEEK}/edit",
                     data={"csrf_token": token, f"cell.{WEEK}.lunch": "红烧肉：五花肉 很多"})
    assert sent.status_code == 422 and "五花肉 很多" in sent.get_data(as_text=True)


def test_the_family_reads_the_published_menu_with_their_child_flagged(session_client, world: World) -> None:  # type: ignore[no-untyped-def]
    kitchen = session_client(world.kitchen)
    _write(kitchen)
    parent = session_client(world.parent)
    assert 'id="no-menu"' in parent.get(f"/centres/alpha/family/menu?week={WEEK}").get_data(as_text=True)
    _write(kitchen, publish=True)
    html = parent.get(f"/centres/alpha/family/menu?week={WEEK}").get_data(as_text=True)
    assert "番茄炒蛋" in html and "allergy-flag" in html and "王小明" in html
    other = session_client(world.other_parent).get(f"/centres/alpha/family/menu?week={WEEK}").get_data(as_text=True)
    assert "番茄炒蛋" in other and "allergy-flag" not in other and "王小明" not in other


def test_the_director_publishes_the_month_and_a_refused_form_keeps_it(session_client, world: World) -> None:  # type: ignore[no-untyped-def]
    page = session_client(world.director)
    token = csrf_token(page.get("/centres/alpha/meal-fees").get_data(as_text=True))
    refused = page.post("/centres/alpha/meal-fees", data={"csrf_token": token, "month": "2026-08", "income": "6000",
                                                         "spending": "abc", "note": "八月"})
    assert refused.status_code == 422 and "八月" in refused.get_data(as_text=True)
    sent = page.post("/centres/alpha/meal-fees", data={"csrf_token": token, "month": "2026-08", "income": "6000",
                                                      "spending": "5874"})
    assert sent.status_code == 302
    html = session_client(world.parent).get("/centres/alpha/family/meal-fees").get_data(as_text=True)
    assert 'data-month="2026-08"' in html and "2.10%" in html


def test_staff_cannot_open_the_family_pages(session_client, world: World) -> None:  # type: ignore[no-untyped-def]
    assert session_client(world.kitchen).get("/centres/alpha/family/menu").status_code == 403


def test_a_caregiver_cannot_open_the_editor(session_client, world: World) -> None:  # type: ignore[no-untyped-def]
    assert session_client(world.caregiver).get(f"/centres/alpha/menus/{WEEK}/edit").status_code == 403
