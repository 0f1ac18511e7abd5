"""Compliance packs from the server: streamed, signed with the centre key, verifiable offline."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest

from compliance.pack.verify import verify_pack
from compliance.signing import KeyRecord, load_public_key
from server.auth.roles import Role
from server.cli import main
from server.database import db
from tests.factories import link, make_centre, make_child, make_contact, make_login, make_room
from tests.sessions import log_in, page_csrf

PACK_URL = "/api/v1/centres/alpha/packs?from=2026-09-01&to=2026-09-07"


@pytest.fixture
def centre(app, clock):
    centre = make_centre("alpha", clock.now())
    room = make_room(centre, clock.now())
    child = make_child(centre, clock.now(), room=room, name="王小明")
    link(child, make_contact(centre, clock.now()), clock.now())
    db.session.commit()
    return centre


def _download(client, login, tmp_path: Path, url: str = PACK_URL) -> Path:
    with client.get(url, headers=login.headers) as response:
        assert response.status_code == 200, response.get_data(as_text=True)
        path = tmp_path / "pack.zip"
        path.write_bytes(response.data)
    return path


def _trusted_keys(client) -> list[KeyRecord]:
    items = client.get("/api/v1/keys").get_json()["items"]
    return [KeyRecord.from_public_key(load_public_key(k["public_key"])) for k in items]


def test_an_inspector_downloads_a_pack_that_verifies_with_the_published_key(client, centre, clock, tmp_path):
    inspector = make_login("inspector", clock.now(), [(centre, Role.INSPECTOR)])
    report = verify_pack(_download(client, inspector, tmp_path), trusted_keys=_trusted_keys(client))
    assert (report.ok, report.codes) == (True, [])


def test_the_download_shows_in_the_packs_own_access_register(client, centre, clock, tmp_path):
    inspector = make_login("inspector", clock.now(), [(centre, Role.INSPECTOR)])
    with zipfile.ZipFile(_download(client, inspector, tmp_path)) as zf:
        rows = list(csv.reader(io.StringIO(zf.read("access/access_log.csv").decode("utf-8-sig"))))
    assert any("inspector" in row and "download" in row for row in rows[1:]), rows


def test_the_pack_holds_the_children_register(client, centre, clock, tmp_path):
    director = make_login("director", clock.now(), [(centre, Role.ADMIN)])
    with zipfile.ZipFile(_download(client, director, tmp_path)) as zf:
        rows = list(csv.DictReader(io.StringIO(zf.read("registers/幼儿花名册.csv").decode("utf-8-sig"))))
    assert [r["姓名"] for r in rows] == ["王小明"]


def test_a_reversed_period_is_refused_with_the_field(client, centre, clock):
    director = make_login("director", clock.now(), [(centre, Role.ADMIN)])
    response = client.get("/api/v1/centres/alpha/packs?from=2026-09-07&to=2026-09-01", headers=director.headers)
    assert (response.status_code, response.get_json()["error"]["field"]) == (422, "to")


def test_a_guardian_cannot_download_a_pack(client, centre, clock):
    parent = make_login("parent", clock.now(), [(centre, Role.GUARDIAN)])
    assert client.get(PACK_URL, headers=parent.headers).status_code == 403


def test_an_expired_inspector_cannot_download(client, centre, clock):
    inspector = make_login("inspector", clock.now(), [(centre, Role.INSPECTOR)],
                           expires_at=clock.now() + timedelta(minutes=5))
    clock.advance(minutes=5)
    assert client.get(PACK_URL, headers=inspector.headers).get_json()["error"]["code"] == "grant_expired"


def test_after_rotation_new_packs_use_the_new_key_and_old_keys_stay_published(app, client, centre, clock, tmp_path):
    director = make_login("director", clock.now(), [(centre, Role.ADMIN)])
    _download(client, director, tmp_path)
    runner = app.test_cli_runner()
    assert runner.invoke(main, ["keys", "rotate", "--centre", "alpha"]).exit_code == 0
    keys = client.get("/api/v1/keys").get_json()["items"]
    current = next(k["key_id"] for k in keys if k["current"])
    with zipfile.ZipFile(_download(client, director, tmp_path)) as zf:
        signed_by = [n for n in zf.namelist() if n.startswith("keys/")]
    assert (len(keys), signed_by) == (2, [f"keys/{current}.pub"])


def test_cli_builds_a_pack_that_the_cli_verifies(app, centre, tmp_path):
    runner = app.test_cli_runner()
    out = tmp_path / "cli.zip"
    built = runner.invoke(main, ["pack", "build", "--centre", "alpha", "--from", "2026-09-01", "--to", "2026-09-07",
                                 "-o", str(out)])
    verified = runner.invoke(main, ["pack", "verify", str(out)])
    assert (built.exit_code, verified.exit_code) == (0, 0), built.output + verified.output


def test_cli_verify_fails_on_a_tampered_pack(app, centre, tmp_path):
    runner = app.test_cli_runner()
    good, bad = tmp_path / "good.zip", tmp_path / "bad.zip"
    runner.invoke(main, ["pack", "build", "--centre", "alpha", "--from", "2026-09-01", "--to", "2026-09-07",
                         "-o", str(good)])
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "registers/幼儿花名册.csv":
                data = data.replace("王小明".encode(), "李小红".encode())
            dst.writestr(item, data)
    result = runner.invoke(main, ["pack", "verify", str(bad)])
    assert (result.exit_code, "幼儿花名册" in result.output) == (1, True)


def test_director_grants_an_inspector_who_can_then_read_findings(client, centre, clock):
    director = make_login("director", clock.now(), [(centre, Role.ADMIN)])
    body = {"username": "wjw-li", "display_name": "卫健委 李", "expires_at": "2026-09-08T00:00:00Z"}
    granted = client.post("/api/v1/centres/alpha/inspectors", json=body, headers=director.headers).get_json()
    log_in(client, "wjw-li", granted["initial_password"])
    client.post("/password", data={"current_password": granted["initial_password"], "new_password": "wjw-li-own-pw",
                                   "confirm_password": "wjw-li-own-pw", "csrf_token": page_csrf(client, "/password")})
    page = client.get("/centres/alpha/inspection")
    assert (page.status_code, "备案承诺" in page.get_data(as_text=True)) == (200, True)


def test_an_inspector_grant_needs_a_future_expiry(client, centre, clock):
    director = make_login("director", clock.now(), [(centre, Role.ADMIN)])
    body = {"username": "wjw-li", "display_name": "卫健委 李", "expires_at": "2026-01-01T00:00:00Z"}
    response = client.post("/api/v1/centres/alpha/inspectors", json=body, headers=director.headers)
    assert (response.status_code, response.get_json()["error"]["code"]) == (422, "expiry_in_past")


CARE_AND_HEALTH_REGISTERS = ("晨午检及全日健康观察记录", "午睡巡查记录", "服药记录", "表4_儿童传染病登记表",
                             "表5_营养性疾病及常见疾病登记表", "户外活动时间", "生长发育监测")  # issue #15's names


def test_the_pack_holds_the_care_and_health_registers_under_their_exact_names(client, centre, clock, tmp_path):
    inspector = make_login("inspector", clock.now(), [(centre, Role.INSPECTOR)])
    with zipfile.ZipFile(_download(client, inspector, tmp_path)) as zf:
        names = set(zf.namelist())
        for register in CARE_AND_HEALTH_REGISTERS:
            assert f"registers/{register}.csv" in names
            header = next(csv.reader(io.StringIO(zf.read(f"registers/{register}.csv").decode("utf-8-sig"))))
            assert header and all(header), register  # Chinese column headers, none empty
