"""The fleet page and API say which devices run an older version: behind the newest of their kind, or the server."""

from __future__ import annotations

from datetime import datetime

import pytest

from server.auth.roles import Role
from server.database import db
from server.fleet.models import Device, DeviceKind
from server.fleet.versions import VersionStanding, server_version, version_standings
from tests.factories import make_centre, make_login
from tests.server.fleet.enrolment import enrol

SERVER = server_version()
assert SERVER is not None  # the package is installed (pip install -e .): its version is the server's


def _device(pk: int, kind: DeviceKind, version: str | None, revoked: bool = False) -> Device:
    return Device(id=pk, kind=kind, version=version, revoked_at=datetime(2026, 9, 1) if revoked else None)


def _standings(*devices: Device, server: str | None = "1.0") -> dict[int, VersionStanding]:
    return version_standings(devices, server)


def test_a_kiosk_older_than_another_kiosk_of_the_centre_is_behind():
    got = _standings(_device(1, DeviceKind.KIOSK, "1.2.0"), _device(2, DeviceKind.KIOSK, "1.10.0"))
    assert (got[1], got[2]) == (VersionStanding(True, True, "1.10.0"), VersionStanding(True, False, "1.10.0"))


def test_a_newer_agent_does_not_put_a_kiosk_behind():
    got = _standings(_device(1, DeviceKind.KIOSK, "1.0"), _device(2, DeviceKind.AGENT, "2.0"))
    assert (got[1].behind, got[2].behind) == (False, False)


def test_a_device_older_than_the_server_is_behind_even_alone():
    assert _standings(_device(1, DeviceKind.AGENT, "0.9"), server="1.0")[1] == VersionStanding(True, True, "1.0")


def test_an_unparsable_version_is_unknown_and_never_the_newest():
    got = _standings(_device(1, DeviceKind.KIOSK, "nightly-build"), _device(2, DeviceKind.KIOSK, "1.0"))
    assert (got[1], got[2]) == (VersionStanding(False, False, "1.0"), VersionStanding(True, False, "1.0"))


def test_a_device_that_never_reported_a_version_is_unknown():
    assert _standings(_device(1, DeviceKind.KIOSK, None))[1] == VersionStanding(False, False, "1.0")


def test_a_revoked_device_neither_sets_the_newest_nor_is_behind():
    got = _standings(_device(1, DeviceKind.KIOSK, "3.0", revoked=True), _device(2, DeviceKind.KIOSK, "1.0"),
                     _device(3, DeviceKind.KIOSK, "0.5", revoked=True))
    assert (got[1].behind, got[2].behind, got[3].behind) == (False, False, False)


def test_versions_compare_as_versions_not_as_text():
    got = _standings(_device(1, DeviceKind.KIOSK, "1.9"), _device(2, DeviceKind.KIOSK, "1.10rc1"), server=None)
    assert (got[1].behind, got[2].behind) == (True, False)


@pytest.fixture
def fleet(app, clock):  # type: ignore[no-untyped-def]
    """Centre alpha: two kiosks (one on the newest version, one behind it), an agent of unknown version; centre
    beta: a kiosk on a newer version than any of alpha's (another centre's devices do not count)."""
    alpha, beta = make_centre("alpha", clock.now()), make_centre("beta", clock.now())
    newest = f"{SERVER}.post7"
    devices = {"gate": enrol(alpha, "大门", clock.now()), "side": enrol(alpha, "侧门", clock.now()),
               "agent": enrol(alpha, "教室传感器", clock.now(), DeviceKind.AGENT),
               "beta": enrol(beta, "乙大门", clock.now())}
    for name, version in (("gate", newest), ("side", SERVER), ("agent", "dev-build"), ("beta", "999.0")):
        devices[name].row().version = version
    db.session.commit()
    return alpha, devices


def test_the_api_marks_who_is_behind_in_the_centre(app, client, clock, fleet):
    alpha, devices = fleet
    director = make_login("director", clock.now(), [(alpha, Role.ADMIN)])
    items = client.get("/api/v1/centres/alpha/devices", headers=director.headers).get_json()["items"]
    assert {item["device_id"]: item["behind"] for item in items} == {
        devices["gate"].device_id: False, devices["side"].device_id: True, devices["agent"].device_id: False}


def test_the_page_shows_each_devices_standing_and_how_many_are_behind(app, session_client, clock, fleet):
    alpha, devices = fleet
    html = session_client(make_login("director", clock.now(), [(alpha, Role.ADMIN)])).get(
        "/centres/alpha/devices").get_data(as_text=True)
    rows = {name: html.split(f'data-device="{devices[name].device_id}"')[1].split("</tr>")[0]
            for name in ("gate", "side", "agent")}
    assert (('data-version="current"' in rows["gate"]), ('data-version="behind"' in rows["side"]),
            (f"{SERVER}.post7" in rows["side"]), ('data-version="unknown"' in rows["agent"]),
            ('id="devices-behind"' in html), ("运行旧版本的设备：1 台" in html)) == (True, True, True, True, True, True)


def test_the_page_says_nothing_is_behind_when_all_are_current(app, session_client, clock):
    alpha = make_centre("alpha", clock.now())
    enrol(alpha, "大门", clock.now()).row().version = SERVER
    db.session.commit()
    html = session_client(make_login("director", clock.now(), [(alpha, Role.ADMIN)])).get(
        "/centres/alpha/devices").get_data(as_text=True)
    assert ('id="devices-behind"' in html, 'data-version="current"' in html) == (False, True)
