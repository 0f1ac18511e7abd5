"""Enrolment and roster sync against the fake server: install, 304, refusal keeps the old roster, age warning."""

from __future__ import annotations

import dataclasses
import json
import stat
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from kiosk_app_factories import (
    CENTRE_ID,
    CENTRE_KEY,
    FATHER,
    FORGER_KEY,
    PHOTOS,
    Rig,
    card,
    make_document,
)

from devices.wire.roster import PersonKind, RosterCredential, RosterPerson, sign_roster
from kiosk.fake_server import FakeKioskServer
from kiosk.sync import Enrolment, EnrolmentError, SyncOutcome, enroll


def enrol(server: FakeKioskServer, data_dir: Path, code: str = "ABCD-1234") -> Enrolment:
    server.add_code(code)
    return enroll(server.base_url, code, data_dir=data_dir, label="前门", version="0.1.0")


def test_enrolment_gets_a_device_id_and_the_centre(server: FakeKioskServer, tmp_path: Path) -> None:
    enrolment = enrol(server, tmp_path)
    assert (enrolment.device_id, enrolment.centre_id, enrolment.centre_code) == ("kiosk-01", CENTRE_ID, "SH-XH-007")


def test_enrolment_pins_the_centre_key(server: FakeKioskServer, tmp_path: Path) -> None:
    enrolment = enrol(server, tmp_path)
    assert [k.public_bytes_raw() for k in Enrolment.load(tmp_path).public_keys()] == [
        CENTRE_KEY.public_key().public_bytes_raw()]
    assert enrolment.trusted_keys == Enrolment.load(tmp_path).trusted_keys


def test_enrolment_token_file_is_owner_only(server: FakeKioskServer, tmp_path: Path) -> None:
    enrol(server, tmp_path)
    token_file = tmp_path / "token"
    assert (stat.S_IMODE(token_file.stat().st_mode), token_file.read_text() in server.tokens) == (0o600, True)


def test_enrolment_tells_the_server_what_it_is(server: FakeKioskServer, tmp_path: Path) -> None:
    enrol(server, tmp_path, code="CODE-9")
    assert server.enrolments == [{"code": "CODE-9", "kind": "kiosk", "name": "前门", "version": "0.1.0",
                                  "device_id": "kiosk-01"}]


def test_used_code_is_refused_with_the_servers_error_code(server: FakeKioskServer, tmp_path: Path) -> None:
    server.add_code("USED-1", "used")
    with pytest.raises(EnrolmentError) as caught:
        enroll(server.base_url, "USED-1", data_dir=tmp_path, label="前门", version="0.1.0")
    assert (caught.value.code, caught.value.status, caught.value.field) == ("enrolment_code_used", 409, "code")


def test_enrolling_twice_needs_replace(server: FakeKioskServer, tmp_path: Path) -> None:
    enrol(server, tmp_path, code="ONE")
    server.add_code("TWO")
    with pytest.raises(EnrolmentError, match="already_enrolled"):
        enroll(server.base_url, "TWO", data_dir=tmp_path, label="前门", version="0.1.0")


def test_enrolment_answer_with_a_wrong_key_id_is_refused(tmp_path: Path) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(201, json={"device_id": "kiosk-9", "token": "t", "centre_code": "X", "centre_id": 7,
                                         "trusted_keys": [{"key_id": "0123456789abcdef",
                                                           "public_key": "gZpbW6x4PluDwWgpJcGAMQU5j_03t5s6-43NkkPDxJc"}]})

    with httpx.Client(transport=httpx.MockTransport(answer)) as client, pytest.raises(EnrolmentError, match="key_id"):
        enroll("http://server.test", "C", data_dir=tmp_path, label="前门", version="0.1.0", client=client)


def test_first_sync_installs_the_roster(rig: Rig) -> None:
    assert (rig.kiosk.roster.version, rig.kiosk.screen.value) == (1, "idle")


def test_first_sync_fills_the_photo_cache(rig: Rig) -> None:
    assert rig.kiosk.photos.ids() == set(PHOTOS)


def test_photo_cache_files_are_owner_only(rig: Rig) -> None:
    assert stat.S_IMODE(rig.kiosk.photos.path(11).stat().st_mode) == 0o600


def test_next_sync_asks_if_none_match_and_gets_not_modified(rig: Rig) -> None:
    assert rig.sync.sync_now() is SyncOutcome.NOT_MODIFIED


def test_sync_waits_for_its_interval(rig: Rig, server: FakeKioskServer) -> None:
    before = server.requests_per_path["/api/v1/devices/roster"]
    rig.clock.advance(seconds=rig.config.roster.sync_interval_s - 1)
    rig.kiosk.io_step()
    rig.clock.advance(seconds=1)
    rig.kiosk.io_step()
    assert server.requests_per_path["/api/v1/devices/roster"] - before == 1


def roster_with_new_family(version: int = 2):  # type: ignore[no-untyped-def]
    document = make_document(version=version)
    newcomer = RosterPerson("c9", "周敏", PersonKind.GUARDIAN, drop_off=(103,), pick_up=(103,))
    credential = RosterCredential(1009, "c9", document.credentials[0].expires_on, card_serial=1)
    return dataclasses.replace(document, persons=(*document.persons, newcomer),
                               credentials=(*document.credentials, credential))


def test_newer_roster_is_used_for_the_next_scan(rig: Rig, server: FakeKioskServer) -> None:
    server.publish(roster_with_new_family())
    rig.sync.sync_now()
    verdicts = rig.scan(card(1009, person_id="c9"))
    assert [(v.accepted, v.person.name) for v in verdicts] == [(True, "周敏")]


def publish_forged(server: FakeKioskServer) -> None:
    doc_bytes, signature = sign_roster(roster_with_new_family(), FORGER_KEY)
    server.publish_raw(2, doc_bytes, signature)


def test_roster_with_a_bad_signature_is_refused(rig: Rig, server: FakeKioskServer) -> None:
    publish_forged(server)
    assert (rig.sync.sync_now(), rig.sync.status().error_code) == (SyncOutcome.REFUSED, "bad_signature")


def test_refused_roster_leaves_the_old_one_in_use(rig: Rig, server: FakeKioskServer) -> None:
    publish_forged(server)
    rig.sync.sync_now()
    assert (rig.kiosk.roster.version, rig.scan(card(1009, person_id="c9"))[0].reason.value) == (
        1, "unknown_credential")


def test_refused_roster_shows_a_warning(rig: Rig, server: FakeKioskServer) -> None:
    publish_forged(server)
    rig.sync.sync_now()
    assert [(w["code"], w["message_zh"]) for w in rig.kiosk.state()["warnings"]] == [
        ("roster_bad_signature", "名单被拒绝（名单签名无效），继续使用旧名单")]


def test_older_roster_version_is_refused_as_a_rollback(rig: Rig, server: FakeKioskServer) -> None:
    server.publish(roster_with_new_family(version=2))
    rig.sync.sync_now()
    server.publish(make_document(version=1))
    assert (rig.sync.sync_now(), rig.sync.status().error_code, rig.kiosk.roster.version) == (
        SyncOutcome.REFUSED, "rollback", 2)


def test_roster_older_than_the_configured_age_shows_a_warning(rig: Rig) -> None:
    rig.clock.advance(hours=23, minutes=1)  # the roster was generated an hour before the test's "now"
    rig.kiosk.step()
    assert [w["code"] for w in rig.kiosk.state()["warnings"]] == ["roster_too_old"]


def test_fresh_roster_shows_no_warning(rig: Rig) -> None:
    rig.clock.advance(hours=22)
    rig.kiosk.step()
    assert rig.kiosk.state()["warnings"] == []


def test_revoked_kiosk_shows_a_warning(rig: Rig, server: FakeKioskServer) -> None:
    server.revoked.add("kiosk-01")
    rig.sync.sync_now()
    assert [w["code"] for w in rig.kiosk.state()["warnings"]] == ["roster_http_401"]


def test_photos_of_children_who_left_are_deleted(rig: Rig, server: FakeKioskServer) -> None:
    document = make_document(version=2)
    father, child = document.persons[3], document.children[2]
    server.publish(dataclasses.replace(
        document, persons=tuple(p for p in document.persons if p is not father),
        credentials=tuple(c for c in document.credentials if c.id != FATHER),
        children=tuple(c for c in document.children if c is not child)))
    rig.sync.sync_now()
    assert rig.kiosk.photos.ids() == set(PHOTOS) - {14, 23}


def test_enrolment_file_keeps_no_token(server: FakeKioskServer, tmp_path: Path) -> None:
    enrol(server, tmp_path)
    assert "token" not in json.loads((tmp_path / "enrolment.json").read_text())


def test_roster_age_warning_is_based_on_generated_at(rig: Rig) -> None:
    assert rig.kiosk.roster.age(rig.clock.now()) == timedelta(hours=1)


def test_confirm_screen_of_a_revoked_card_is_cancelled_by_the_new_roster(rig: Rig, server: FakeKioskServer) -> None:
    rig.scan(card())
    document = make_document(version=2)
    revoked = dataclasses.replace(document.credentials[0], card_serial=3, revoked_serials=(1, 2))
    server.publish(dataclasses.replace(document, credentials=(revoked, *document.credentials[1:])))
    rig.sync.sync_now()
    assert (rig.kiosk.screen.value, rig.outbox_events()) == ("idle", [])


def test_confirm_screen_survives_an_unrelated_roster_change(rig: Rig, server: FakeKioskServer) -> None:
    rig.scan(card())
    server.publish(roster_with_new_family())
    rig.sync.sync_now()
    assert rig.kiosk.screen.value == "confirm"
