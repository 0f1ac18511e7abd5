"""Delivery from the durable outbox to the server: at-least-once sends, exactly-once effect.

* An :class:`Uplink` sends one :class:`~devices.wire.protocol.Batch` and returns the
  server's :class:`~devices.wire.protocol.Ack`, or raises one of three errors that say
  what the deliverer should do: :class:`TransientError` (keep the events, back
  off, retry), :class:`Unauthorised` (stop sending: the device token is revoked),
  :class:`BatchRefused` (the server refuses this request as a whole).
  Two implementations: :class:`HttpUplink` here and :class:`devices.mqtt_uplink.MqttUplink`.
* The :class:`devices.delivery.Deliverer` owns the loop: claim a batch from the outbox, send it,
  settle every event by the server's answer, back off with full jitter on failure.
  ``step()`` never sleeps; time and randomness are injected.

An event leaves the outbox only when the *server* says it has it (``accepted`` or
``duplicate``); a broker's PUBACK or a TCP write is not delivery.
"""

from __future__ import annotations

import logging
import re
from typing import Protocol

import httpx
from pydantic import ValidationError

from devices.wire.protocol import REASON_PATTERN, Ack, Batch

log = logging.getLogger(__name__)

EVENTS_PATH = "/api/v1/devices/events"

TRANSIENT_4XX = frozenset({404, 405, 408, 409, 425, 429})
"""4xx answers that say "not now / not here", not "this batch is wrong": keep the events and retry.

404/405 mean a wrong base URL or a server without the endpoint yet; dead-lettering a
whole queue for a configuration slip would be worse than waiting.
"""

AUTH_STATUSES = frozenset({401, 403})


# -- what an uplink may say --------------------------------------------------------------------


class UplinkError(Exception):
    """Base of everything an uplink raises instead of returning an ack."""


class TransientError(UplinkError):
    """The batch may not have arrived (network, timeout, 5xx, unreadable ack): retry later."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unauthorised(UplinkError):
    """The server (or broker) refuses this device's credentials: stop sending until re-provisioned."""


class BatchRefused(UplinkError):
    """The server refuses the request as a whole (HTTP 400/413/422...): resending it unchanged is useless."""

    def __init__(self, reason: str, message: str | None = None, *, status: int | None = None) -> None:
        super().__init__(f"{reason}: {message}" if message else reason)
        self.reason = reason
        self.message = message
        self.status = status


class Uplink(Protocol):
    """Sends one batch and returns the server's per-event answer."""

    def send(self, batch: Batch) -> Ack:
        """Deliver ``batch``; raise :class:`TransientError`, :class:`Unauthorised` or :class:`BatchRefused`."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


# -- HTTP --------------------------------------------------------------------------------------


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "").strip()
    return float(value) if value.isdigit() else None


def _error_body(response: httpx.Response) -> tuple[str | None, str | None]:
    """``(code, message)`` from the API's ``{"error": {"code", "message", "field"}}`` shape, if present."""
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return None, None
    if not isinstance(error, dict):
        return None, None
    code, message = error.get("code"), error.get("message")
    return (code if isinstance(code, str) else None), (str(message)[:400] if message is not None else None)


class HttpUplink:
    """``POST {base_url}/api/v1/devices/events`` with the device's bearer token; the answer is an :class:`Ack`."""

    def __init__(self, base_url: str, token: str, client: httpx.Client | None = None, *,
                 timeout: float = 15.0) -> None:
        self.url = base_url.rstrip("/") + EVENTS_PATH
        self._token = token
        self._owns_client = client is None
        self._client = client if client is not None else httpx.Client(timeout=timeout)

    def set_token(self, token: str) -> None:
        """Use a new device token (after re-provisioning); call ``Deliverer.resume()`` afterwards."""
        self._token = token

    def send(self, batch: Batch) -> Ack:
        """POST the batch and interpret the answer (see the module docstring for the mapping)."""
        try:
            response = self._client.post(
                self.url,
                content=batch.model_dump_json().encode("utf-8"),
                headers={
                    "Authorization": f"Bearer {self._token}",
                    "Content-Type": "application/json",
                    "Accept": "application/json",
                },
            )
        except httpx.TransportError as exc:
            # Connection refused, timeouts, a connection dropped before the answer: the server
            # may or may not have stored the batch. Resending is safe because it deduplicates.
            raise TransientError(f"network: {type(exc).__name__}: {exc}") from exc
        return self._interpret(response)

    def _interpret(self, response: httpx.Response) -> Ack:
        status = response.status_code
        if 200 <= status < 300:
            try:
                return Ack.model_validate_json(response.content)
            except ValidationError as exc:
                raise TransientError(f"HTTP {status} with an unreadable ack: {exc.error_count()} problems") from exc
        code, message = _error_body(response)
        if status in AUTH_STATUSES:
            raise Unauthorised(f"HTTP {status} {code or ''}".strip())
        if 400 <= status < 500 and status not in TRANSIENT_4XX and code != "unsupported_protocol_version":
            reason = code if code and re.fullmatch(REASON_PATTERN, code) else f"http_{status}"
            detail = f"HTTP {status}" + (f": {message}" if message else "")
            raise BatchRefused(reason, detail, status=status)
        raise TransientError(f"HTTP {status} {code or ''}".strip(), retry_after=_retry_after(response))

    def close(self) -> None:
        """Close the HTTP client if this uplink made it."""
        if self._owns_client:
            self._client.close()
