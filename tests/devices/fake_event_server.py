"""A small but real HTTP event server on 127.0.0.1, with faults on demand, for the delivery tests.

It stores events deduplicated by (device_id, key), as the real server must, and
counts every arrival so tests can tell "delivered once" from "stored once".
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

from devices.protocol import (
    Ack,
    AckStatus,
    BatchError,
    Event,
    EventResult,
    Reason,
    event_fingerprint,
    parse_batch,
)
from devices.uplink import EVENTS_PATH

DEVICE = "kiosk-01"
TOKEN = "token-kiosk-01"

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


@dataclass
class FakeEventServer:
    """The device-events endpoint of the server, reduced to what delivery needs."""

    tokens: dict[str, str] = field(default_factory=lambda: {TOKEN: DEVICE})
    stored: dict[tuple[str, str], Event] = field(default_factory=dict)
    deliveries: Counter[str] = field(default_factory=Counter)
    batches: list[list[str]] = field(default_factory=list)
    """Keys of every batch that reached the application, in arrival order."""
    faults: list[Fault] = field(default_factory=list)
    """Faults for the next requests, consumed one per request."""
    always: Fault | None = None
    """A fault for every request while set."""
    revoked: set[str] = field(default_factory=set)
    reject: Callable[[Event], str | None] = lambda event: "payload.invalid" if event.payload.get("bad") else None
    refuse_batch: Callable[[list[Event]], str | None] = lambda events: None
    """Return an error code to refuse a whole batch with 422."""
    hook: Callable[[int, str], bool] | None = None
    """Called as hook(request_number, phase), phase "received" or "stored"; True drops the request there."""
    retry_after: int | None = None
    done: threading.Event = field(default_factory=threading.Event)
    unblock: threading.Event = field(default_factory=threading.Event)
    requests: int = 0

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
        return f"http://127.0.0.1:{self.port}"

    def up(self) -> None:
        self._server = make_server("127.0.0.1", self.port, self._app, request_handler=_QuietHandler)
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
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

    def payload_values(self, name: str) -> list[Any]:
        with self._lock:
            return sorted(event.payload[name] for event in self.stored.values())

    def stored_keys(self) -> set[str]:
        with self._lock:
            return {key for _, key in self.stored}

    # -- the endpoint -------------------------------------------------------------------------

    def _app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        if request.path == "/test/done":
            self.done.set()
            return Response("ok")(environ, start_response)
        if request.path != EVENTS_PATH or request.method != "POST":
            return _error(404, "not_found")(environ, start_response)
        with self._lock:
            self.requests += 1
            number = self.requests
            fault = self.faults.pop(0) if self.faults else self.always
        if fault == "drop_before" or (self.hook is not None and self.hook(number, "received")):
            _drop(environ)
            return Response("")(environ, start_response)
        if isinstance(fault, int | tuple):
            status, code = fault if isinstance(fault, tuple) else (fault, f"fault_{fault}")
            response = _error(status, code)
            if self.retry_after is not None:
                response.headers["Retry-After"] = str(self.retry_after)
            return response(environ, start_response)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        device = self.tokens.get(token)
        if device is None or device in self.revoked:
            return _error(401, "device_revoked")(environ, start_response)
        try:
            parsed = parse_batch(request.get_data())
        except BatchError as exc:
            return Response(json.dumps(exc.as_error_body()), 422, mimetype="application/json")(
                environ, start_response)
        if parsed.device_id != device:
            return _error(403, "wrong_device")(environ, start_response)
        code = self.refuse_batch(parsed.events)
        if code is not None:
            return _error(422, code)(environ, start_response)
        ack = self.store_batch(device, parsed.events, parsed.rejected)
        if fault == "drop_after" or (self.hook is not None and self.hook(number, "stored")):
            _drop(environ)
            return Response("")(environ, start_response)
        if fault == "slow":
            self.unblock.wait(10)
        if fault == "garbage":
            return Response('{"results": "nope"}', 200, mimetype="application/json")(environ, start_response)
        return Response(ack.model_dump_json(), 200, mimetype="application/json")(environ, start_response)

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


def _error(status: int, code: str) -> Response:
    body = {"error": {"code": code, "message": f"fake server says {status}", "field": None}}
    return Response(json.dumps(body), status, mimetype="application/json")


def _drop(environ: dict[str, Any]) -> None:
    """Close the client's connection without an answer (werkzeug then ignores the broken pipe)."""
    sock: socket.socket = environ["werkzeug.socket"]
    sock.shutdown(socket.SHUT_RDWR)
