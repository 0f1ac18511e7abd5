"""On a check-out, staff compare the photos, or check ID when no photo of the adult is on file (#13)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

from kiosk_app_factories import FATHER, Rig, card, make_document, make_rig, make_server


def check_in_then_collect(rig: Rig) -> None:
    rig.scan(card(FATHER))
    rig.lower()
    rig.clock.advance(hours=8)
    rig.kiosk.step()
    rig.scan(card(FATHER))


def test_check_out_with_a_photo_asks_staff_to_compare(rig: Rig) -> None:
    check_in_then_collect(rig)
    assert rig.kiosk.state()["photo_check"]["message_zh"] == "请工作人员核对照片"


def test_check_out_without_a_photo_on_file_asks_for_id(tmp_path: Path) -> None:
    document = make_document()
    persons = tuple(dataclasses.replace(p, photo=None) if p.id == "c4" else p for p in document.persons)
    server = make_server(dataclasses.replace(document, persons=persons))
    server.up()
    rig = make_rig(tmp_path, server)
    try:
        check_in_then_collect(rig)
        state = rig.kiosk.state()
        assert (state["person"]["photo"], state["photo_check"]["message_zh"]) == (None, "无照片，请核对证件")
    finally:
        rig.close()
        server.down()


def test_check_out_with_a_photo_not_yet_fetched_asks_for_id(tmp_path: Path) -> None:
    server = make_server()
    server.photos.pop(14)  # the father's photo is on file, but the kiosk could not fetch it
    server.up()
    rig = make_rig(tmp_path, server)
    try:
        check_in_then_collect(rig)
        assert rig.kiosk.state()["photo_check"]["code"] == "no_photo"
    finally:
        rig.close()
        server.down()


def test_check_in_asks_for_no_photo_check(rig: Rig) -> None:
    rig.scan(card(FATHER))
    assert rig.kiosk.state()["photo_check"] is None


def test_photo_check_is_on_the_confirm_screen_of_a_quick_return(rig: Rig) -> None:
    rig.scan(card(FATHER))
    rig.lower()
    rig.clock.advance(timedelta(seconds=20))
    rig.kiosk.step()
    rig.scan(card(FATHER))
    assert (rig.kiosk.screen.value, rig.kiosk.state()["photo_check"]["code"]) == ("confirm", "compare_photos")
