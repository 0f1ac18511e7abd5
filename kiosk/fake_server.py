"""A small, real HTTP server speaking the kiosk's side of the server contracts, for tests and benchmarks.

It implements exactly what a kiosk calls (docs/kiosk.md, "Server contracts"):

* ``POST /api/v1/devices/enroll`` with one-time codes;
* ``GET /api/v1/devices/roster`` (Bearer, ``If-None-Match`` -> 304, 401 when revoked);
* ``GET /api/v1/devices/photos/<id>`` (Bearer);
* ``POST /api/v1/devices/events``: the one fake event server (``devices.fake_event_server``: Batch ->
  Ack, deduplicated on (device_id, key) with fingerprints, faults on demand), attendance payloads
  validated by kind;
* ``GET /api/v1/devices/presence`` (once ``day`` is set): last moves replayed from the stored
  events, and ``rooms`` with a headroom computed from :class:`FakeRoom` limits (once ``rooms`` is set);
* ``GET /api/v1/devices/emergencies`` (once ``emergencies`` is set; 404 before, like an older server).

It runs werkzeug in a thread on 127.0.0.1 and can go ``down()`` and come back ``up()`` on the same
port. It is the server's stand-in, not the server: no database, no audit, everything in memory.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from werkzeug.wrappers import Request, Response

from devices.enrolment import ENROL_PATH
from devices.fake_event_server import FakeEventServer, error_response
from devices.wire.health_screen import ScreenError, check_in_screens
from devices.wire.keys import key_id
from devices.wire.protocol import Event
from devices.wire.roster import RosterDocument, sign_roster
from kiosk.sync import EMERGENCIES_PATH, PRESENCE_PATH, ROSTER_PATH

PHOTO_PREFIX = "/api/v1/devices/photos/"
ATTENDANCE_METHODS = frozenset({"card", "phone", "pin"})


def attendance_problem(event: Event) -> str | None:
    """The reason code the real server would reject an attendance payload with, or None if valid."""
    payload = event.payload
    kind = str(event.kind)
    if kind in ("attendance.check_in", "attendance.check_out"):
        ok = (set(payload) - {"screens"} == {"person_id", "children", "method", "credential_id"}
              and isinstance(payload["person_id"], str)
              and isinstance(payload["children"], list)
              and all(isinstance(c, int) and not isinstance(c, bool) for c in payload["children"])
              and payload["method"] in ATTENDANCE_METHODS
              and (payload["credential_id"] is None or isinstance(payload["credential_id"], int)))
        if ok and payload["person_id"].startswith("c") and not payload["children"]:
            ok = False  # a contact checks children in or out; only staff sign themselves
        if ok and "screens" in payload:
            try:  # the quick health screen (issue #15): only on a check-in, validated as the server does
                ok = kind == "attendance.check_in" and bool(check_in_screens(payload))
            except ScreenError:
                ok = False
        return None if ok else "payload.invalid"
    if kind == "attendance.refused":
        return None if isinstance(payload.get("reason"), str) else "payload.invalid"
    return None


@dataclass(frozen=True)
class FakeRoom:
    """A room as the fake server sees it: its limit is min(cap, caregivers x children per caregiver).

    The real server takes the ratio and the cap from the rulebook; here the test states them.
    """

    room_id: int
    name: str
    caregivers: int
    cap: int
    children_per_caregiver: int

    def status(self, children: int) -> dict[str, Any]:
        """The room's entry in the presence answer with ``children`` present."""
        limit = min(self.cap, self.caregivers * self.children_per_caregiver)
        headroom = max(0, limit - children)
        staff_leaving = min(self.cap, (self.caregivers - 1) * self.children_per_caregiver)
        state = "breach" if children > limit else (
            "near_limit" if headroom == 0 or children > staff_leaving else "ok")
        return {"room_id": self.room_id, "name": self.name, "children": children, "caregivers": self.caregivers,
                "state": state, "headroom": headroom, "cap": self.cap}


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class FakeKioskServer(FakeEventServer):
    """The server's kiosk endpoints, in memory: the fake event server plus enrolment, roster and the rest."""

    centre_key: Ed25519PrivateKey
    centre_id: int = 7
    centre_code: str = "SH-XH-007"
    codes: dict[str, str] = field(default_factory=dict)
    """One-time enrolment codes -> "unused" | "used" | "expired"."""
    tokens: dict[str, str] = field(default_factory=dict, kw_only=True)
    """Bearer token -> device id (no device until one enrols or ``add_device``)."""
    photos: dict[int, bytes] = field(default_factory=dict)
    enrolments: list[dict[str, Any]] = field(default_factory=list)
    reject: Callable[[Event], str | None] = field(default=attendance_problem, kw_only=True)
    day: date | None = None
    """The centre's today for ``GET /devices/presence``; None: no such endpoint (404)."""
    rooms: list[FakeRoom] | None = None
    """Rooms listed in the presence answer; None: no ``rooms`` key (an older server)."""
    emergencies: list[dict[str, Any]] | None = None
    """Open emergencies ``{id, kind, message_zh, message_en, opened_at}``; None: 404 (an older server)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self._roster: tuple[int, bytes, bytes] | None = None
        self._child_rooms: dict[int, str | None] = {}
        self._devices = 0

    # -- set-up by the test ------------------------------------------------------------------------

    def add_code(self, code: str, state: str = "unused") -> None:
        """A one-time enrolment code."""
        self.codes[code] = state

    def add_device(self, device_id: str, token: str | None = None) -> str:
        """A device enrolled without a code (returns its token)."""
        token = token or secrets.token_urlsafe(24)
        self.tokens[token] = device_id
        return token

    def publish(self, document: RosterDocument) -> tuple[bytes, bytes]:
        """Sign ``document`` with the centre key and serve it."""
        doc_bytes, signature = sign_roster(document, self.centre_key)
        self.publish_raw(document.version, doc_bytes, signature)
        with self._lock:
            self._child_rooms = {child.id: child.room for child in document.children}
        return doc_bytes, signature

    def publish_raw(self, version: int, doc_bytes: bytes, signature: bytes) -> None:
        """Serve exactly these bytes (a forged or tampered roster in a test)."""
        with self._lock:
            self._roster = (version, doc_bytes, signature)

    # -- what tests look at ------------------------------------------------------------------------

    def presence(self) -> set[int]:
        """Children in, replaying the stored check-ins and check-outs in time order."""
        present: set[int] = set()
        for event in self.events():
            if event.kind == "attendance.check_in":
                present.update(event.payload["children"])
            elif event.kind == "attendance.check_out":
                present.difference_update(event.payload["children"])
        return present

    def last_moves(self) -> tuple[dict[int, tuple[bool, datetime]], dict[str, tuple[bool, datetime]]]:
        """Each child's and staff member's last move (inside, at) from the stored events."""
        children: dict[int, tuple[bool, datetime]] = {}
        staff: dict[str, tuple[bool, datetime]] = {}
        for event in self.events():
            inside = event.kind == "attendance.check_in"
            if not inside and event.kind != "attendance.check_out":
                continue
            for child in event.payload["children"]:
                children[child] = (inside, event.created_at)
            if not event.payload["children"]:
                staff[event.payload["person_id"]] = (inside, event.created_at)
        return children, staff

    # -- endpoints (the events endpoint is the fake event server's) ---------------------------------

    def _route(self, request: Request) -> Response | None:
        path = request.path
        if path == ENROL_PATH and request.method == "POST":
            return self._enrol(request)
        if path == ROSTER_PATH and request.method == "GET":
            return self._authorised(request) or self._roster_answer(request)
        if path.startswith(PHOTO_PREFIX) and request.method == "GET":
            return self._authorised(request) or self._photo(path.removeprefix(PHOTO_PREFIX))
        if path == PRESENCE_PATH and request.method == "GET" and self.day is not None:
            return self._authorised(request) or self._presence()
        if path == EMERGENCIES_PATH and request.method == "GET" and self.emergencies is not None:
            return self._authorised(request) or Response(
                json.dumps({"emergencies": self.emergencies}, ensure_ascii=False), 200, mimetype="application/json")
        return None

    def _enrol(self, request: Request) -> Response:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return error_response(400, "invalid_json", "body must be a JSON object")
        for name in ("code", "kind", "name", "version"):
            if not isinstance(body.get(name), str) or not body[name]:
                return error_response(422, "required", f"{name} is required", name)
        if body["kind"] != "kiosk":
            return error_response(422, "invalid_choice", "kind must be kiosk", "kind")
        with self._lock:
            state = self.codes.get(body["code"])
            if state is None:
                return error_response(404, "enrolment_code_unknown", "no such enrolment code", "code")
            if state == "used":
                return error_response(409, "enrolment_code_used", "this code was already used", "code")
            if state == "expired":
                return error_response(409, "enrolment_code_expired", "this code has expired", "code")
            self.codes[body["code"]] = "used"
            self._devices += 1
            device_id = f"kiosk-{self._devices:02d}"
            token = secrets.token_urlsafe(24)
            self.tokens[token] = device_id
            self.enrolments.append(dict(body, device_id=device_id))
        public = self.centre_key.public_key()
        raw = public.public_bytes(Encoding.Raw, PublicFormat.Raw)
        answer = {"device_id": device_id, "token": token, "centre_code": self.centre_code,
                  "centre_id": self.centre_id,
                  "trusted_keys": [{"key_id": key_id(public), "public_key": base64.b64encode(raw).decode()}]}
        return Response(json.dumps(answer), 201, mimetype="application/json")

    def _roster_answer(self, request: Request) -> Response:
        with self._lock:
            roster = self._roster
        if roster is None:
            return error_response(404, "no_roster", "no roster published yet")
        version, doc_bytes, signature = roster
        if request.headers.get("If-None-Match", "").strip() == f'"{version}"':
            return Response(status=304, headers={"ETag": f'"{version}"'})
        body = {"version": version, "document": base64.b64encode(doc_bytes).decode(),
                "signature": base64.b64encode(signature).decode()}
        return Response(json.dumps(body), 200, mimetype="application/json", headers={"ETag": f'"{version}"'})

    def _presence(self) -> Response:
        children, staff = self.last_moves()
        body: dict[str, Any] = {
            "day": str(self.day),
            "children": [{"id": i, "inside": inside, "at": _utc_text(at)} for i, (inside, at) in sorted(children.items())],
            "staff": [{"id": p, "inside": inside, "at": _utc_text(at)} for p, (inside, at) in sorted(staff.items())],
        }
        if self.rooms is not None:
            with self._lock:
                rooms_of = dict(self._child_rooms)
            present = [rooms_of.get(i) for i, (inside, _) in children.items() if inside]
            body["rooms"] = [room.status(present.count(room.name)) for room in self.rooms]
        return Response(json.dumps(body, ensure_ascii=False), 200, mimetype="application/json")

    def _photo(self, ident: str) -> Response:
        data = self.photos.get(int(ident)) if ident.isdigit() else None
        if data is None:
            return error_response(404, "not_found", "no such photo")
        mimetype = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
        return Response(data, 200, mimetype=mimetype)
