"""Enrolling a sensor agent: trade a one-time code for a device id and token, kept in the data directory.

``POST /api/v1/devices/enroll`` with ``{"code", "kind": "agent", "name", "version"}`` answers
``201 {"device_id", "token", "centre_code", "centre_id", "trusted_keys"}`` (the same endpoint the
kiosk uses). The agent keeps ``enrolment.json`` (device id, centre, server URL) and ``token``, each
written atomically with mode 0600.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from devices.enrolment import EnrolmentError, refuse_if_enrolled, request_enrolment
from devices.files import write_private
from devices.wire.protocol import DEVICE_ID_PATTERN

ENROLMENT_FILE = "enrolment.json"
TOKEN_FILE = "token"


@dataclass(frozen=True)
class AgentEnrolment:
    """Who this agent is to the server."""

    device_id: str
    centre_code: str
    server_url: str
    token: str = field(repr=False)

    def save(self, data_dir: Path) -> None:
        """Store the token and the rest, owner-readable only."""
        info = {"device_id": self.device_id, "centre_code": self.centre_code, "server_url": self.server_url}
        write_private(data_dir / TOKEN_FILE, self.token.encode("ascii"))
        write_private(data_dir / ENROLMENT_FILE, json.dumps(info, ensure_ascii=False, indent=2).encode("utf-8"))

    @classmethod
    def load(cls, data_dir: Path) -> AgentEnrolment | None:
        """What :meth:`save` stored, or None when the agent was never enrolled; ``ValueError`` if it is broken."""
        if not (data_dir / ENROLMENT_FILE).exists():
            return None
        try:
            info = json.loads((data_dir / ENROLMENT_FILE).read_text(encoding="utf-8"))
            token = (data_dir / TOKEN_FILE).read_text(encoding="ascii").strip()
            return _enrolment_from(info | {"token": token}, str(info["server_url"]))
        except (OSError, ValueError, KeyError, TypeError, EnrolmentError) as exc:
            raise ValueError(f"{data_dir}: 注册信息无效 / unreadable enrolment: {exc}") from None


def _enrolment_from(body: Any, server_url: str) -> AgentEnrolment:
    if not isinstance(body, dict):
        raise EnrolmentError("bad_answer", "the enrolment answer is not a JSON object")
    device_id, token, centre = body.get("device_id"), body.get("token"), body.get("centre_code")
    problems = []
    if not isinstance(device_id, str) or not re.fullmatch(DEVICE_ID_PATTERN, device_id):
        problems.append(f"device_id {device_id!r} is not a valid device id")
    if not isinstance(token, str) or not token or not token.isascii() or any(c.isspace() for c in token):
        problems.append("token missing or not printable ASCII")
    if not isinstance(centre, str) or not re.fullmatch(DEVICE_ID_PATTERN, centre):
        problems.append(f"centre_code {centre!r} cannot name an MQTT topic")
    if problems:
        raise EnrolmentError("bad_answer", "; ".join(problems))
    return AgentEnrolment(str(device_id), str(centre), server_url.rstrip("/"), str(token))


def enroll(server_url: str, code: str, *, data_dir: Path, name: str, version: str,
           client: httpx.Client | None = None, replace: bool = False) -> AgentEnrolment:
    """Enrol with a one-time code and store the result; refuses to overwrite an enrolment unless ``replace``."""
    refuse_if_enrolled((data_dir / ENROLMENT_FILE).exists() and not replace, data_dir)
    server_url = server_url.rstrip("/")
    body = request_enrolment(server_url, code, kind="agent", name=name, version=version, client=client)
    enrolment = _enrolment_from(body, server_url)
    enrolment.save(data_dir)
    return enrolment
