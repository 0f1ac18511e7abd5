"""A small but real HTTP event server on 127.0.0.1, with faults on demand / 事件服务器替身.

The device-events endpoint of the server (``POST /api/v1/devices/events``) for the
delivery, agent and kiosk tests and the kiosk benchmark: batches are parsed with the
wire protocol's ``parse_batch`` and answered with its ``Ack``; events are deduplicated
on (device_id, key) with ``event_fingerprint``, as the real server must, and every
arrival is counted, so tests can tell "delivered once" from "stored once". Faults
(an HTTP status, a dropped connection, a lost or garbled ack, a slow answer) are
queued by the test. ``kiosk.fake_server`` adds the kiosk's other endpoints on top.

It is the server's stand-in, not the server: no database, no audit, everything in memory.
"""

from __future__ import annotations

import json
import socket
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from devices.uplink import EVENTS_PATH
from devices.wire.protocol import (
    Ack,
    AckStatus,
    BatchError,
    Event,
    EventResult,
    Reason,
    event_fingerprint,
    parse_batch,
)

DEVICE = "kiosk-01"
TOKEN = "token-kiosk-01"
DONE_PATH = "/test/done"
"""A child process under test calls this to say it has finished (sets ``done``)."""

Fault = int | tuple[int, str] | str
"""An HTTP status (optionally with an error code) to answer without storing, or one of the named faults below."""
NAMED_FAULTS = {
    "drop_before",  # close the connection without storing or answering
    "drop_after",   # store, then close the connection without answering (the ack is lost)
    "slow",         # store, then hold the answer until ``unblock`` is set (the client times out)
    "garbage",      # store, then answer 200 with a body that is not an Ack
}


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def error_response(status: int, code: str, message: str = "", field_name: str | None = None) -> Response:
    """The server's error body ``{"error": {code, message, field}}`` with ``status``."""
    body = {"error": {"code": code, "message": message or f"fake server says {status}", "field": field_name}}
    return Response(json.dumps(body), status, mimetype="application/json")


def _reject_bad_payloads(event: Event) -> str | None:
    return "payload.invalid" if event.payload.get("bad") else None


@dataclass(kw_only=True)
class FakeEventServer:
    """The device-events endpoint of the server, reduced to what delivery needs."""

    tokens: dict[str, str] = field(default_factory=lambda: {TOKEN: DEVICE})
    """Bearer token -> device id."""
    revoked: set[str] = field(default_factory=set)
    stored: dict[tuple[str, str], Event] = field(default_factory=dict)
    deliveries: Counter[str] = field(default_factory=Counter)
    batches: list[list[str]] = field(default_factory=list)
    """Keys of every batch that reached the application, in arrival order."""
    faults: list[Fault] = field(default_factory=list)
    """Faults for the next event requests, consumed one per request."""
    always: Fault | None = None
    """A fault for every event request while set."""
    reject: Callable[[Event], str | None] = _reject_bad_payloads
    """The reason code to reject one event with, or None to store it (default: payloads with "bad")."""
    refuse_batch: Callable[[list[Event]], str | None] = lambda events: None
    """Return an error code to refuse a whole batch with 422."""
    hook: Callable[[int, str], bool] | None = None
    """Called as hook(request_number, phase), phase "received" or "stored"; True drops the request there."""
    retry_after: int | None = None
    done: threading.Event = field(default_factory=threading.Event)
    unblock: threading.Event = field(default_factory=threading.Event)
    requests: int = 0
    """Event requests that reached the application, faulted or not."""
    requests_per_path: Counter[str] = field(default_factory=Counter)
    """Every request, by path."""

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._fingerprints: dict[tuple[str, str], str] = {}
        self._rejections: dict[tuple[str, str], EventResult] = {}
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # -- life ---------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def is_up(self) -> bool:
        """Whether it is listening."""
        return self._server is not None

    def up(self) -> None:
        """Listen (again, on the same port after ``down()``)."""
        self._server = make_server("127.0.0.1", self.port, self._app, threaded=True, request_handler=_QuietHandler)
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.01},
                                        daemon=True, name=f"fake-{type(self).__name__}")
        self._thread.start()

    def down(self) -> None:
        """Stop listening: clients now get "connection refused"."""
        self.unblock.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            assert self._thread is not None
            self._thread.join(5)
            self._server = None

    # -- what tests look at -------------------------------------------------------------------

    def events(self, kind: str | None = None) -> list[Event]:
        """Stored events (optionally of one kind), oldest first by created_at then sequence."""
        with self._lock:
            found = [e for e in self.stored.values() if kind is None or e.kind == kind]
        return sorted(found, key=lambda e: (e.created_at, e.device_id, e.sequence))

    def payload_values(self, name: str) -> list[Any]:
        """One payload field of every stored event, sorted."""
        with self._lock:
            return sorted(event.payload[name] for event in self.stored.values())

    def stored_keys(self) -> set[str]:
        """Idempotency keys of the stored events."""
        with self._lock:
            return {key for _, key in self.stored}

    # -- the endpoints ------------------------------------------------------------------------

    def _app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        with self._lock:
            self.requests_per_path[request.path] += 1
        if request.path == DONE_PATH:
            self.done.set()
            response = Response("ok")
        elif request.path == EVENTS_PATH and request.method == "POST":
            response = self._events(request, environ)
        else:
            response = self._route(request) or error_response(404, "not_found")
        return response(environ, start_response)

    def _route(self, request: Request) -> Response | None:
        """The answer of another endpoint (``kiosk.fake_server`` adds its own), or None for 404."""
        return None

    def _device(self, request: Request) -> str | None:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        device = self.tokens.get(token)
        return None if device is None or device in self.revoked else device

    def _authorised(self, request: Request) -> Response | None:
        """None when the Bearer token belongs to a device that is not revoked, else the 401."""
        return None if self._device(request) else error_response(
            401, "device_revoked", "unknown or revoked device token")

    def _events(self, request: Request, environ: dict[str, Any]) -> Response:
        with self._lock:
            self.requests += 1
            number = self.requests
            fault = self.faults.pop(0) if self.faults else self.always
        if fault == "drop_before" or (self.hook is not None and self.hook(number, "received")):
            _drop(environ)
            return Response("")
        if isinstance(fault, int | tuple):
            status, code = fault if isinstance(fault, tuple) else (fault, f"fault_{fault}")
            response = error_response(status, code)
            if self.retry_after is not None:
                response.headers["Retry-After"] = str(self.retry_after)
            return response
        device = self._device(request)
        if device is None:
            return error_response(401, "device_revoked", "unknown or revoked device token")
        try:
            parsed = parse_batch(request.get_data())
        except BatchError as exc:
            return Response(json.dumps(exc.as_error_body()), 422, mimetype="application/json")
        if parsed.device_id != device:
            return error_response(403, "wrong_device")
        code = self.refuse_batch(parsed.events)
        if code is not None:
            return error_response(422, code)
        ack = self.store_batch(device, parsed.events, parsed.rejected)
        if fault == "drop_after" or (self.hook is not None and self.hook(number, "stored")):
            _drop(environ)
            return Response("")
        if fault == "slow":
            self.unblock.wait(10)
        if fault == "garbage":
            return Response('{"results": "nope"}', 200, mimetype="application/json")
        return Response(ack.model_dump_json(), 200, mimetype="application/json")

    def store_batch(self, device: str, events: list[Event], rejected: list[EventResult]) -> Ack:
        """Deduplicate on (device, key) and remember rejections, so a repeat gets the same answer."""
        results = list(rejected)
        with self._lock:
            self.batches.append([event.key for event in events] + [result.key for result in rejected])
            for event in events:
                ident = (device, event.key)
                self.deliveries[event.key] += 1
                fingerprint = event_fingerprint(event)
                if ident in self._rejections:
                    results.append(self._rejections[ident])
                elif ident in self.stored:
                    if self._fingerprints[ident] == fingerprint:
                        results.append(EventResult(key=event.key, status=AckStatus.DUPLICATE))
                    else:
                        results.append(EventResult(key=event.key, status=AckStatus.REJECTED,
                                                   reason=Reason.KEY_REUSED))
                elif (reason := self.reject(event)) is not None:
                    result = EventResult(key=event.key, status=AckStatus.REJECTED, reason=reason,
                                         message="refused by the fake server")
                    self._rejections[ident] = result
                    results.append(result)
                else:
                    self.stored[ident] = event
                    self._fingerprints[ident] = fingerprint
                    results.append(EventResult(key=event.key, status=AckStatus.ACCEPTED))
        return Ack(results=results)


def _drop(environ: dict[str, Any]) -> None:
    """Close the client's connection without an answer (werkzeug then ignores the broken pipe)."""
    sock: socket.socket = environ["werkzeug.socket"]
    sock.shutdown(socket.SHUT_RDWR)
