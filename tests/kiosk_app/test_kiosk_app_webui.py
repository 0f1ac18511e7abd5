"""The local touch UI's HTTP side: pages and JSON endpoints, local-only guards, the demo hook."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from kiosk_app_factories import FATHER, Rig, card, make_config

from kiosk.machine import Kiosk
from kiosk.webui import create_ui


@pytest.fixture
def ui(rig: Rig) -> FlaskClient:
    return create_ui(rig.kiosk).test_client()


def test_state_starts_on_the_idle_screen(ui: FlaskClient) -> None:
    assert ui.get("/state").json["screen"] == "idle"


def test_idle_page_says_it_in_chinese_first(ui: FlaskClient) -> None:
    page = ui.get("/").get_data(as_text=True)
    assert page.index("请出示二维码") < page.index("Show your QR code")


def test_page_loads_nothing_from_outside(ui: FlaskClient) -> None:
    page = ui.get("/").get_data(as_text=True)
    assert re.findall(r'(?:src|href)="([^"]+)"', page) == ["/static/kiosk.css", "/static/kiosk.js"]


def test_script_is_served_by_the_kiosk(ui: FlaskClient) -> None:
    with ui.get("/static/kiosk.js") as response:
        assert (response.status_code, "fetch(\"/state\"" in response.get_data(as_text=True)) == (200, True)


def test_pages_forbid_foreign_scripts(ui: FlaskClient) -> None:
    assert "script-src 'self'" in ui.get("/").headers["Content-Security-Policy"]


def test_post_that_is_not_json_is_refused(ui: FlaskClient) -> None:
    assert ui.post("/cancel", data="x", content_type="text/plain").status_code == 415


def test_request_for_another_host_name_is_refused(ui: FlaskClient) -> None:
    assert ui.get("/state", headers={"Host": "evil.example:8080"}).status_code == 403


def test_confirm_with_nothing_waiting_is_a_conflict(ui: FlaskClient) -> None:
    response = ui.post("/confirm", json={})
    assert (response.status_code, response.json["error"]["code"]) == (409, "nothing_to_confirm")


def test_confirm_with_an_empty_selection_is_refused(rig: Rig, ui: FlaskClient) -> None:
    rig.scan(card())
    response = ui.post("/confirm", json={"children": []})
    assert (response.status_code, response.json["error"]["message_zh"]) == (422, "请至少选择一名幼儿")


def test_confirm_with_a_child_not_offered_is_refused(rig: Rig, ui: FlaskClient) -> None:
    rig.scan(card())
    assert ui.post("/confirm", json={"children": [103]}).status_code == 422


def test_cancel_returns_to_idle(rig: Rig, ui: FlaskClient) -> None:
    rig.scan(card())
    assert ui.post("/cancel", json={}).json["screen"] == "idle"


def test_pin_endpoint_runs_the_pin_flow(ui: FlaskClient) -> None:
    response = ui.post("/pin", json={"number": "4", "pin": "000001"})
    assert (response.status_code, response.json["reason"]) == (200, "wrong_pin")


def test_unknown_photo_is_not_found(ui: FlaskClient) -> None:
    assert ui.get("/photos/999").status_code == 404


def test_demo_hook_makes_the_camera_see_the_code(rig: Rig, ui: FlaskClient) -> None:
    ui.post("/demo/show", json={"text": card(FATHER)})
    verdicts = rig.frames(1)
    assert [v.person.name for v in verdicts] == ["刘强"]


def test_demo_hook_lowers_the_card_after_the_hold_time(rig: Rig, ui: FlaskClient) -> None:
    ui.post("/demo/show", json={"text": card(FATHER), "hold_s": 1.5})
    rig.frames(1)
    rig.clock.advance(seconds=1.5)
    rig.kiosk.step()
    assert rig.camera.scenes[-1][1] == "empty"


def test_demo_hook_refuses_a_silly_hold_time(ui: FlaskClient) -> None:
    assert ui.post("/demo/show", json={"text": "x", "hold_s": 600}).status_code == 422


def test_demo_hook_is_absent_without_the_replay_camera(rig: Rig, tmp_path) -> None:  # type: ignore[no-untyped-def]
    config = make_config(tmp_path, rig.server.base_url, camera={"kind": "opencv", "device": 0})
    kiosk = Kiosk(config, clock=rig.clock, camera=rig.camera, signals=rig.signals, events=rig.events,
                  roster_cache=rig.sync.cache, photos=rig.kiosk.photos)
    assert create_ui(kiosk).test_client().post("/demo/show", json={"text": card()}).status_code == 404


def test_offline_banner_counts_the_waiting_events(rig: Rig, ui: FlaskClient) -> None:
    rig.server.down()
    rig.scan(card(FATHER))
    banner = ui.get("/state").json["banner"]
    assert (banner["kind"], banner["message_zh"], banner["message_en"]) == (
        "offline", "离线，1 条待上传", "Offline, 1 waiting")
