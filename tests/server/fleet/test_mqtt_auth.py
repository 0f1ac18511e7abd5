"""Broker credentials: Mosquitto `$7$` hashes of device tokens, the password file and the ACL file."""

from __future__ import annotations

import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from devices.mqtt_uplink import mqtt_topics
from server.cli import main
from server.database import db
from server.fleet.mqtt_auth import (
    DeviceAccount,
    ServerAccount,
    acl_file_text,
    device_topics,
    hash_password,
    password_file_text,
    verify_password,
    write_broker_file,
)
from server.fleet.operations import revoke_device
from tests.factories import SYSTEM
from tests.mqtt_broker import IN_CI


@pytest.mark.mqtt
def test_hash_is_byte_for_byte_what_mosquitto_passwd_writes(tmp_path: Path) -> None:
    if shutil.which("mosquitto_passwd") is None:
        if IN_CI:
            pytest.fail("mosquitto_passwd is required under CI=true")
        pytest.skip("mosquitto_passwd is not installed")
    passwd = tmp_path / "passwd"
    subprocess.run(["mosquitto_passwd", "-c", "-b", str(passwd), "kiosk-1", "tyd_secret"], check=True)
    user, encoded = passwd.read_text().strip().split(":", 1)
    salt = __import__("base64").b64decode(encoded.split("$")[3])

    assert (user, hash_password("tyd_secret", salt=salt)) == ("kiosk-1", encoded)


def test_a_hash_verifies_its_own_token_only() -> None:
    encoded = hash_password("tyd_right")

    assert (verify_password("tyd_right", encoded), verify_password("tyd_wrong", encoded)) == (True, False)


def test_the_same_token_hashes_differently_each_time() -> None:
    assert hash_password("tyd_same") != hash_password("tyd_same")


def test_enrolment_keeps_the_broker_hash_of_the_token_never_the_token(app, fleet) -> None:
    stored = fleet["a"].row().broker_password_hash

    assert stored is not None and stored.startswith("$7$101$")
    assert verify_password(fleet["a"].token, stored) and fleet["a"].token not in stored


def test_server_topics_are_the_device_uplinks_topics() -> None:
    assert device_topics("alpha", "kiosk-1") == mqtt_topics("alpha", "kiosk-1")


def test_topics_refuse_wildcards_in_a_centre_code() -> None:
    with pytest.raises(ValueError, match="topic"):
        device_topics("alpha/+", "kiosk-1")


def test_acl_lets_each_device_write_only_its_events_and_read_only_its_ack() -> None:
    text = acl_file_text([DeviceAccount("kiosk-1", "alpha", "$7$x"), DeviceAccount("agent-2", "beta", "$7$y")],
                         "tuoyu-ingest")

    sections = [block.strip().splitlines()[-3:] for block in text.split("\n\n")]
    assert sections == [
        ["user tuoyu-ingest", "topic read tuoyu/v1/+/+/events", "topic write tuoyu/v1/+/+/ack"],
        ["user kiosk-1", "topic write tuoyu/v1/alpha/kiosk-1/events", "topic read tuoyu/v1/alpha/kiosk-1/ack"],
        ["user agent-2", "topic write tuoyu/v1/beta/agent-2/events", "topic read tuoyu/v1/beta/agent-2/ack"],
    ]


def test_password_file_refuses_a_device_named_like_the_server_account() -> None:
    with pytest.raises(ValueError, match="server"):
        password_file_text([DeviceAccount("tuoyu-ingest", "alpha", "$7$x")], ServerAccount("tuoyu-ingest", "$7$y"))


def test_passwd_file_holds_live_devices_and_the_ingest_account(app, fleet, clock, tmp_path: Path) -> None:
    revoke_device(fleet["b"].row(), actor=SYSTEM, now=clock.now())
    fleet["c"].row().broker_password_hash = None  # enrolled before MQTT existed
    db.session.commit()
    app.config.update(MQTT_USERNAME="tuoyu-ingest", MQTT_PASSWORD="ingest-secret")
    out = tmp_path / "passwd"

    result = app.test_cli_runner().invoke(main, ["mqtt", "passwd-file", str(out)])

    lines = dict(line.split(":", 1) for line in out.read_text().splitlines())
    assert result.exit_code == 0, result.output
    assert sorted(lines) == sorted(["tuoyu-ingest", fleet["a"].device_id])
    assert verify_password("ingest-secret", lines["tuoyu-ingest"])
    assert verify_password(fleet["a"].token, lines[fleet["a"].device_id])
    assert fleet["c"].device_id in result.output  # named as left out: it must re-enrol


def test_acl_file_command_writes_a_section_per_live_device(app, fleet, clock, tmp_path: Path) -> None:
    revoke_device(fleet["b"].row(), actor=SYSTEM, now=clock.now())
    db.session.commit()
    out = tmp_path / "acl"

    result = app.test_cli_runner().invoke(main, ["mqtt", "acl-file", str(out)])

    users = [line.split()[1] for line in out.read_text().splitlines() if line.startswith("user ")]
    assert result.exit_code == 0, result.output
    assert users == ["tuoyu-ingest", fleet["a"].device_id, fleet["c"].device_id]


def test_passwd_file_command_needs_the_ingest_password(app, fleet, tmp_path: Path) -> None:
    app.config["MQTT_PASSWORD"] = ""

    result = app.test_cli_runner().invoke(main, ["mqtt", "passwd-file", str(tmp_path / "passwd")])

    assert (result.exit_code, "TUOYU_MQTT_PASSWORD" in result.output) == (1, True)
    assert not (tmp_path / "passwd").exists()


def test_broker_files_replace_the_old_file_whole_and_stay_private(tmp_path: Path) -> None:
    target = tmp_path / "acl"
    target.write_text("old\n")

    write_broker_file(target, "new\n")

    assert target.read_text() == "new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["acl"]
