"""Mosquitto 2 broker accounts: password hashes of device tokens, the password file and the ACL file.

Mosquitto's file-based security reads two files that the server generates from the
device registry (``tuoyu mqtt passwd-file`` / ``tuoyu mqtt acl-file``; operator
procedure in docs/mqtt.md):

* a **password file**, one ``username:$7$iterations$salt$hash`` line per account, the
  PBKDF2-HMAC-SHA512 format ``mosquitto_passwd`` 2.x writes (12-byte salt, 64-byte
  key, standard base64 with padding);
* an **ACL file** with one ``user`` section per account: a device may only publish
  its own events topic and read its own ack topic; the server's ingest account reads
  every events topic and writes every ack topic.

The device's broker password is its bearer token. The server keeps only the token's
SHA-256 (for HTTP) and, from enrolment on, the token's Mosquitto hash: never the token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from devices.wire.protocol import DEVICE_ID_PATTERN
from server.centre.models import Centre
from server.database import db
from server.fleet.models import Device

HASH_SCHEME = 7
"""Mosquitto's id for PBKDF2-SHA512 (``pw_sha512_pbkdf2``); ``6`` is the old salted SHA-512."""

HASH_ITERATIONS = 101
"""mosquitto_passwd 2.0's default (``PW_DEFAULT_ITERATIONS``).

Device tokens carry 256 random bits, so key stretching adds nothing against guessing;
a low count keeps the broker's CPU free when a whole fleet reconnects at once.
"""

SALT_BYTES = 12
KEY_BYTES = 64
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
"""Usernames are device ids (or the server's account): nothing that breaks a ``user:hash`` line or an ACL."""

TOPIC_ROOT = "tuoyu/v1"
EVENTS_FILTER = f"{TOPIC_ROOT}/+/+/events"
ACKS_FILTER = f"{TOPIC_ROOT}/+/+/ack"


def device_topics(centre_code: str, device_id: str) -> tuple[str, str]:
    """``(events, ack)`` topics of one device: the server's copy of ``devices.uplink.mqtt_topics``.

    The server does not import the device runtime; a test keeps the two in step.
    """
    for value in (centre_code, device_id):
        if not re.fullmatch(DEVICE_ID_PATTERN, value):
            raise ValueError(f"{value!r} cannot be used in an MQTT topic")
    return f"{TOPIC_ROOT}/{centre_code}/{device_id}/events", f"{TOPIC_ROOT}/{centre_code}/{device_id}/ack"


def hash_password(password: str, *, salt: bytes | None = None, iterations: int = HASH_ITERATIONS) -> str:
    """The ``$7$`` (PBKDF2-HMAC-SHA512) encoding of ``password`` that Mosquitto 2 verifies."""
    if not password:
        raise ValueError("an empty password cannot be hashed")
    salt = salt if salt is not None else secrets.token_bytes(SALT_BYTES)
    key = hashlib.pbkdf2_hmac("sha512", password.encode("utf-8"), salt, iterations, KEY_BYTES)
    return f"${HASH_SCHEME}${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(key).decode()}"


def verify_password(password: str, encoded: str) -> bool:
    """Whether ``password`` matches a ``$7$`` hash (as the broker would decide)."""
    parts = encoded.split("$")
    if len(parts) != 5 or parts[0] or parts[1] != str(HASH_SCHEME) or not parts[2].isdigit():
        return False
    try:
        salt, key = base64.b64decode(parts[3], validate=True), base64.b64decode(parts[4], validate=True)
    except ValueError:
        return False
    candidate = hashlib.pbkdf2_hmac("sha512", password.encode("utf-8"), salt, int(parts[2]), len(key))
    return hmac.compare_digest(candidate, key)


@dataclass(frozen=True)
class DeviceAccount:
    """What the broker needs to know about one enrolled, non-revoked device."""

    device_id: str
    centre_code: str
    password_hash: str


@dataclass(frozen=True)
class ServerAccount:
    """The ingest subscriber's own broker account."""

    username: str
    password_hash: str


def _check_username(name: str) -> str:
    if not USERNAME_PATTERN.fullmatch(name):
        raise ValueError(f"{name!r} cannot be a broker username")
    return name


def password_file_text(devices: Iterable[DeviceAccount], server: ServerAccount) -> str:
    """The Mosquitto ``password_file``: the server account first, then every device."""
    lines = [f"{_check_username(server.username)}:{server.password_hash}"]
    for device in devices:
        if device.device_id == server.username:
            raise ValueError(f"device {device.device_id!r} has the server's username")
        lines.append(f"{_check_username(device.device_id)}:{device.password_hash}")
    return "\n".join(lines) + "\n"


def acl_file_text(devices: Iterable[DeviceAccount], server_username: str) -> str:
    """The Mosquitto ``acl_file``: each account may touch only its own topics.

    ``topic write`` lets a client publish, ``topic read`` lets it subscribe and
    receive; anything not granted is denied (a denied QoS 1 publish is still
    PUBACKed by the broker and then dropped, so the device simply gets no ack).
    """
    sections = [
        "# 由 `tuoyu mqtt acl-file` 生成，请勿手改\n# generated by `tuoyu mqtt acl-file`: do not edit by hand\n"
        f"user {_check_username(server_username)}\ntopic read {EVENTS_FILTER}\ntopic write {ACKS_FILTER}\n"
    ]
    for device in devices:
        events, ack = device_topics(device.centre_code, _check_username(device.device_id))
        sections.append(f"user {device.device_id}\ntopic write {events}\ntopic read {ack}\n")
    return "\n".join(sections)


def write_broker_file(path: str | os.PathLike[str], text: str, *, mode: int = 0o640) -> None:
    """Replace ``path`` atomically (temp file + fsync + rename): the broker never reads half a file."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def broker_accounts() -> tuple[list[DeviceAccount], list[str]]:
    """Every non-revoked device with a broker password, and the ids of those enrolled before MQTT (no hash)."""
    rows = db.session.execute(
        select(Device.device_id, Centre.code, Device.broker_password_hash)
        .join(Centre, Centre.id == Device.centre_id)
        .where(Device.revoked_at.is_(None))
        .order_by(Centre.code, Device.device_id)
    ).all()
    accounts = [DeviceAccount(device_id, code, hashed) for device_id, code, hashed in rows if hashed]
    return accounts, [device_id for device_id, _, hashed in rows if not hashed]
