"""Trading a one-time enrolment code for a device id and token: the one request kiosks and agents share.

``POST /api/v1/devices/enroll`` with ``{"code", "kind", "name", "version"}`` answers ``201`` with the
device id, its token, the centre and the keys it trusts. Each device kind checks and stores the answer
its own way (``kiosk.sync``, ``devices.agent.enrol``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

ENROL_PATH = "/api/v1/devices/enroll"


class EnrolmentError(RuntimeError):
    """The server refused the code, or its answer is unusable; ``code``/``field`` as the API gives them."""

    def __init__(self, code: str, message: str, field: str | None = None, status: int | None = None) -> None:
        super().__init__(f"{code}: {message}" + (f" ({field})" if field else ""))
        self.code = code
        self.message = message
        self.field = field
        self.status = status


def refuse_if_enrolled(enrolled: bool, data_dir: Path) -> None:
    """An outbox belongs to one device id: enrolling again must be asked for (``replace``)."""
    if enrolled:
        raise EnrolmentError("already_enrolled", f"{data_dir} already holds an enrolment; deliver or archive the "
                             "outbox first, then enrol again with replace")


def _api_error(response: httpx.Response) -> tuple[str, str, str | None]:
    try:
        error = response.json().get("error")
        return str(error["code"]), str(error.get("message") or ""), error.get("field")
    except (ValueError, AttributeError, KeyError, TypeError):
        return f"http_{response.status_code}", response.reason_phrase, None


def request_enrolment(server_url: str, code: str, *, kind: str, name: str, version: str,
                      client: httpx.Client | None = None) -> Any:
    """The server's JSON answer to the enrolment request (not yet checked), or :class:`EnrolmentError`."""
    owns = client is None
    client = client or httpx.Client(timeout=15.0)
    try:
        response = client.post(server_url.rstrip("/") + ENROL_PATH,
                               json={"code": code, "kind": kind, "name": name, "version": version})
    except httpx.TransportError as exc:
        raise EnrolmentError("unreachable", f"server not reachable: {exc}") from exc
    finally:
        if owns:
            client.close()
    if response.status_code != 201:
        code_, message, field_ = _api_error(response)
        raise EnrolmentError(code_, message, field_, response.status_code)
    try:
        return response.json()
    except ValueError:
        raise EnrolmentError("bad_answer", "the enrolment answer is not JSON") from None
