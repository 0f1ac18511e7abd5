"""Talking to the server besides events: enrolment, the signed roster, and the photos it references.

* :func:`enroll` trades a one-time code for a device id, a bearer token and the centre's roster keys,
  and stores them in the data directory (owner-only files).
* :class:`RosterSync` fetches the roster (``If-None-Match``), installs it through
  :class:`~kiosk.roster.RosterCache` (a refused roster leaves the old one in use and a warning on
  screen), and fills the :class:`PhotoCache` with the photos the roster references.

Everything here blocks only inside httpx calls bounded by the client's timeout; time is injected.
"""

from __future__ import annotations

import base64
import binascii
import enum
import json
import logging
import math
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from devices.enrolment import EnrolmentError, refuse_if_enrolled, request_enrolment
from devices.files import write_private
from devices.wire.keys import key_id, load_public_key, public_key_text
from devices.wire.protocol import DEVICE_ID_PATTERN
from hardware.clock import Clock
from kiosk.config import ENROLMENT_FILE, TOKEN_FILE
from kiosk.emergency import Emergency, parse_emergencies
from kiosk.photos import PhotoCache, referenced_photos
from kiosk.roster import Roster, RosterCache, RosterError

log = logging.getLogger(__name__)

ROSTER_PATH = "/api/v1/devices/roster"
PRESENCE_PATH = "/api/v1/devices/presence"
EMERGENCIES_PATH = "/api/v1/devices/emergencies"
PHOTO_PATH = "/api/v1/devices/photos/{photo_id}"
ON_DEMAND_TIMEOUT_S = 3.0
"""An on-demand roster fetch holds a parent at the door: it gives up sooner than a background sync."""
PHOTOS_PER_SYNC = 200
"""Photos fetched per sync at most, so one sync of a new centre cannot hold the thread for long."""
_KEY_ID = re.compile(r"[0-9a-f]{16}")


# -- small file helpers ----------------------------------------------------------------------------


def decode_base64(text: object) -> bytes:
    """Standard or URL-safe base64, padded or not; ``ValueError`` for anything else."""
    if not isinstance(text, str) or not re.fullmatch(r"[A-Za-z0-9+/_-]*={0,2}", text):
        raise ValueError("not base64 text")
    normal = text.rstrip("=").replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(normal + "=" * (-len(normal) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("not base64 text") from None


# -- enrolment -------------------------------------------------------------------------------------


class NotEnrolled(RuntimeError):
    """The data directory holds no enrolment: run ``tuoyu-kiosk enroll`` first."""


@dataclass(frozen=True)
class Enrolment:
    """What enrolment gave this kiosk: its identity, its token and the keys its roster must be signed with."""

    device_id: str
    centre_id: int
    centre_code: str
    server_url: str
    trusted_keys: tuple[str, ...]
    """Centre public keys (unpadded base64url raw Ed25519) pinned at enrolment."""
    token: str = field(repr=False)

    def public_keys(self) -> tuple[Ed25519PublicKey, ...]:
        """The pinned keys, ready for :class:`RosterCache`."""
        return tuple(load_public_key(text) for text in self.trusted_keys)

    def save(self, data_dir: Path) -> None:
        """Store the token and the rest, each owner-readable only."""
        write_private(data_dir / TOKEN_FILE, self.token.encode("ascii"))
        info = {"device_id": self.device_id, "centre_id": self.centre_id, "centre_code": self.centre_code,
                "server_url": self.server_url,
                "trusted_keys": [{"key_id": key_id(load_public_key(k)), "public_key": k} for k in self.trusted_keys]}
        write_private(data_dir / ENROLMENT_FILE, json.dumps(info, ensure_ascii=False, indent=2).encode("utf-8"))

    @classmethod
    def load(cls, data_dir: Path) -> Enrolment:
        """Read what :meth:`save` stored; :class:`NotEnrolled` if there is nothing (or something broken)."""
        try:
            info = json.loads((data_dir / ENROLMENT_FILE).read_text(encoding="utf-8"))
            token = (data_dir / TOKEN_FILE).read_text(encoding="ascii").strip()
        except FileNotFoundError:
            raise NotEnrolled(f"{data_dir}: 本终端尚未注册 / this kiosk is not enrolled "
                              "(tuoyu-kiosk enroll --server URL --code CODE --config FILE)") from None
        except (OSError, ValueError) as exc:
            raise NotEnrolled(f"{data_dir}: 注册信息无法读取 / unreadable enrolment: {exc}") from None
        try:
            return _enrolment_from(info | {"token": token}, server_url=str(info["server_url"]))
        except (KeyError, TypeError, EnrolmentError) as exc:
            raise NotEnrolled(f"{data_dir}: 注册信息无效 / invalid enrolment: {exc}") from None

    @staticmethod
    def exists(data_dir: Path) -> bool:
        """Whether an enrolment is stored in ``data_dir``."""
        return (data_dir / ENROLMENT_FILE).exists()


def _enrolment_from(body: Any, *, server_url: str) -> Enrolment:
    """Validate the server's 201 body (or the stored copy) into an :class:`Enrolment`."""
    problems: list[str] = []
    if not isinstance(body, dict):
        raise EnrolmentError("bad_answer", "the enrolment answer is not a JSON object")
    device_id, token = body.get("device_id"), body.get("token")
    centre_id, centre_code = body.get("centre_id"), body.get("centre_code")
    if not isinstance(device_id, str) or not re.fullmatch(DEVICE_ID_PATTERN, device_id):
        problems.append(f"device_id {device_id!r} is not a valid device id")
    if not isinstance(token, str) or not token or not token.isascii() or any(c.isspace() for c in token):
        problems.append("token missing or not a printable ASCII string")
    if isinstance(centre_id, bool) or not isinstance(centre_id, int) or centre_id < 0:
        problems.append(f"centre_id {centre_id!r} is not an integer")
    if not isinstance(centre_code, str) or not centre_code:
        problems.append("centre_code missing")
    keys: list[str] = []
    raw_keys = body.get("trusted_keys")
    if not isinstance(raw_keys, list) or not raw_keys:
        problems.append("trusted_keys must list at least one key")
        raw_keys = []
    for index, entry in enumerate(raw_keys):
        try:
            if not isinstance(entry, dict):
                raise ValueError("not an object")
            key = Ed25519PublicKey.from_public_bytes(_raw32(entry.get("public_key")))
            claimed = entry.get("key_id")
            if not isinstance(claimed, str) or not _KEY_ID.fullmatch(claimed) or claimed != key_id(key):
                raise ValueError(f"key_id {claimed!r} is not the key's fingerprint {key_id(key)}")
            keys.append(public_key_text(key))
        except ValueError as exc:
            problems.append(f"trusted_keys[{index}]: {exc}")
    if problems:
        raise EnrolmentError("bad_answer", "; ".join(problems))
    return Enrolment(str(device_id), int(centre_id), str(centre_code), server_url.rstrip("/"), tuple(keys),
                     str(token))


def _raw32(text: object) -> bytes:
    raw = decode_base64(text)
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return raw


def enroll(server_url: str, code: str, *, data_dir: Path, label: str, version: str,
           client: httpx.Client | None = None, replace: bool = False) -> Enrolment:
    """Enrol this kiosk with a one-time code and store the result in ``data_dir``.

    Refuses to overwrite an existing enrolment unless ``replace``: the outbox in the data directory
    belongs to the old device id and must be delivered or archived first.
    """
    refuse_if_enrolled(Enrolment.exists(data_dir) and not replace, data_dir)
    server_url = server_url.rstrip("/")
    body = request_enrolment(server_url, code, kind="kiosk", name=label, version=version, client=client)
    enrolment = _enrolment_from(body, server_url=server_url)
    enrolment.save(data_dir)
    return enrolment


# -- roster sync -----------------------------------------------------------------------------------


class SyncOutcome(enum.StrEnum):
    """What the last sync attempt did."""

    NEVER = "never"
    INSTALLED = "installed"
    NOT_MODIFIED = "not_modified"
    REFUSED = "refused"
    """The server sent a roster the kiosk refused (bad signature, rollback…): the old one stays."""
    OFFLINE = "offline"
    UNAUTHORISED = "unauthorised"
    BAD_ANSWER = "bad_answer"


@dataclass(frozen=True)
class SyncStatus:
    """A snapshot for the screen."""

    outcome: SyncOutcome = SyncOutcome.NEVER
    last_attempt_at: datetime | None = None
    last_success_at: datetime | None = None
    error_code: str | None = None
    message_zh: str = ""
    message_en: str = ""
    photos_missing: int = 0


_SYNC_MESSAGES = {
    SyncOutcome.OFFLINE: ("无法连接服务器", "cannot reach the server"),
    SyncOutcome.UNAUTHORISED: ("本终端的授权已被撤销，请联系管理员", "this kiosk's authorisation was revoked; ask the "
                               "administrator"),
    SyncOutcome.BAD_ANSWER: ("服务器返回的名单无法读取", "the server's roster answer is unreadable"),
}


class RosterSync:
    """Fetches and installs the roster when due; ``step()`` from a loop, ``sync_now()`` on demand."""

    def __init__(self, server_url: str, token: str, cache: RosterCache, photos: PhotoCache, clock: Clock,
                 client: httpx.Client, *, interval_s: float = 300.0, retry_s: float = 60.0,
                 on_install: Callable[[Roster], None] | None = None,
                 on_presence: Callable[[dict[str, Any]], object] | None = None,
                 presence_interval_s: float = 15.0,
                 on_emergencies: Callable[[tuple[Emergency, ...]], object] | None = None,
                 emergency_interval_s: float = 2.0, on_demand_interval_s: float = 30.0) -> None:
        self.url = server_url.rstrip("/")
        self._token = token
        self.cache = cache
        self.photos = photos
        self.clock = clock
        self.client = client
        self.interval_s = interval_s
        self.retry_s = retry_s
        self.on_install = on_install
        # What the other kiosks saw: fetched more often than the roster, so a child brought in at
        # one door is collected as a check-out at the other.
        self.on_presence = on_presence
        self.presence_interval_s = presence_interval_s
        # Open panic / smoke alarms (docs/kiosk.md, "Emergencies"): polled more often still.
        self.on_emergencies = on_emergencies
        self.emergency_interval_s = emergency_interval_s
        # A code newer than the roster (a phone enrolled this morning) fetches it at once, but a flood
        # of bad codes must not hammer the server: at most one such fetch per interval.
        self.on_demand_interval_s = on_demand_interval_s
        self._next = -math.inf
        self._next_presence = -math.inf
        self._next_emergency = -math.inf
        self._next_on_demand = -math.inf
        self._status = SyncStatus()
        # The scan loop (on demand) and the sync thread may both fetch: one roster fetch at a time.
        self._roster_lock = threading.Lock()

    def status(self) -> SyncStatus:
        """The last attempt's outcome (immutable snapshot; safe from another thread)."""
        return self._status

    def set_token(self, token: str) -> None:
        """Use a new token (after re-enrolment) and sync at the next step."""
        self._token = token
        self._next = -math.inf

    def due(self) -> bool:
        """Whether ``step()`` would sync the roster now."""
        return self.clock.monotonic() >= self._next

    def seconds_until_due(self) -> float:
        """For a background thread's wait (roster, presence or emergencies, whichever comes first)."""
        upcoming = min(self._next, math.inf if self.on_presence is None else self._next_presence,
                       math.inf if self.on_emergencies is None else self._next_emergency)
        return max(0.0, upcoming - self.clock.monotonic())

    def step(self) -> SyncOutcome | None:
        """Sync the roster if due (None when not), the presence of the day and the emergencies if due."""
        if self.on_emergencies is not None and self.clock.monotonic() >= self._next_emergency:
            self.sync_emergencies()  # first: a slow roster or photo fetch must not hold up the alarm
        outcome = self.sync_now() if self.due() else None
        if self.on_presence is not None and self.clock.monotonic() >= self._next_presence:
            self.sync_presence()
        return outcome

    def _get(self, path: str) -> httpx.Response:
        return self.client.get(self.url + path,
                               headers={"Authorization": f"Bearer {self._token}", "Accept": "application/json"})

    def sync_emergencies(self) -> bool:
        """Fetch the open emergencies and hand them over; False (last list kept) when that fails.

        404 is an older server without the endpoint: none open. Offline, 401 or an unreadable
        answer keep what was shown: an alarm must not leave the screen because the network did.
        """
        assert self.on_emergencies is not None
        self._next_emergency = self.clock.monotonic() + self.emergency_interval_s
        try:
            response = self._get(EMERGENCIES_PATH)
            found = () if response.status_code == 404 else (
                parse_emergencies(response.json()) if response.status_code == 200 else None)
        except (httpx.TransportError, ValueError) as exc:
            log.info("emergency poll: %s", exc)
            return False
        if found is None:
            log.info("emergency poll: HTTP %s", response.status_code)
            return False
        self.on_emergencies(found)
        return True

    def sync_presence(self) -> bool:
        """Fetch today's last moves from the server and hand them over; False when offline or refused."""
        assert self.on_presence is not None
        self._next_presence = self.clock.monotonic() + self.presence_interval_s
        try:
            response = self._get(PRESENCE_PATH)
            body = response.json() if response.status_code == 200 else None
        except (httpx.TransportError, ValueError) as exc:
            log.info("presence sync: %s", type(exc).__name__)
            return False
        if not isinstance(body, dict):
            return False
        self.on_presence(body)
        return True

    def sync_now(self) -> SyncOutcome:
        """Fetch the roster now, install it if new, then fetch missing photos."""
        with self._roster_lock:
            return self._sync(photos=True, timeout=None)

    def on_demand_allowed(self) -> bool:
        """Whether :meth:`sync_on_demand` would fetch now (not within its interval of the last one)."""
        return self.clock.monotonic() >= self._next_on_demand

    def sync_on_demand(self) -> SyncOutcome | None:
        """Fetch the roster now for a code newer than it; None when one was fetched within the interval.

        Bounded by a short timeout, without photos: a parent is waiting. The photos of a new
        roster are left to the next regular sync, which is made due at once.
        """
        with self._roster_lock:
            if not self.on_demand_allowed():
                return None
            self._next_on_demand = self.clock.monotonic() + self.on_demand_interval_s
            outcome = self._sync(photos=False, timeout=ON_DEMAND_TIMEOUT_S)
            if outcome is SyncOutcome.INSTALLED:
                self._next = -math.inf
            return outcome

    def _sync(self, *, photos: bool, timeout: float | None) -> SyncOutcome:
        outcome, error, messages = self._fetch(timeout)
        now = self.clock.now()
        ok = outcome in (SyncOutcome.INSTALLED, SyncOutcome.NOT_MODIFIED)
        missing = (self._photos() if photos and ok and self.cache.current is not None
                   else self._status.photos_missing)
        zh, en = messages or _SYNC_MESSAGES.get(outcome, ("", ""))
        self._status = SyncStatus(outcome, now, now if ok else self._status.last_success_at, error, zh, en, missing)
        wait = self.interval_s if ok or outcome is SyncOutcome.REFUSED else self.retry_s
        self._next = self.clock.monotonic() + wait
        return outcome

    def _fetch(self, timeout: float | None = None) -> tuple[SyncOutcome, str | None, tuple[str, str] | None]:
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}
        current = self.cache.current
        if current is not None:
            headers["If-None-Match"] = f'"{current.version}"'
        try:
            response = (self.client.get(self.url + ROSTER_PATH, headers=headers) if timeout is None else
                        self.client.get(self.url + ROSTER_PATH, headers=headers, timeout=timeout))
        except httpx.TransportError as exc:
            log.info("roster sync: server unreachable (%s)", exc)
            return SyncOutcome.OFFLINE, type(exc).__name__, None
        if response.status_code == 304 and current is not None:
            return SyncOutcome.NOT_MODIFIED, None, None
        if response.status_code in (401, 403):
            return SyncOutcome.UNAUTHORISED, f"http_{response.status_code}", None
        if response.status_code != 200:
            return SyncOutcome.OFFLINE, f"http_{response.status_code}", None
        try:
            body = response.json()
            doc_bytes = decode_base64(body["document"])
            signature = decode_base64(body["signature"])
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("roster sync: unreadable answer (%s)", exc)
            return SyncOutcome.BAD_ANSWER, "bad_answer", None
        try:
            roster = self.cache.install(doc_bytes, signature)
        except RosterError as exc:
            # The old roster stays in use: a forged or rolled-back roster must not replace it.
            log.warning("roster refused: %s", exc)
            return (SyncOutcome.REFUSED, exc.code.value,
                    (f"名单被拒绝（{exc.message_zh}），继续使用旧名单",
                     f"roster refused ({exc.message_en}); still using the previous one"))
        if roster is not current and self.on_install is not None:
            self.on_install(roster)
        return SyncOutcome.INSTALLED if roster is not current else SyncOutcome.NOT_MODIFIED, None, None

    def _photos(self) -> int:
        """Fetch photos the roster references but the cache lacks; drop unreferenced ones. Returns still missing."""
        roster = self.cache.current
        assert roster is not None
        wanted = referenced_photos(roster)
        self.photos.prune(wanted)
        missing = [photo_id for photo_id in wanted if not self.photos.has(photo_id)]
        for photo_id in missing[:PHOTOS_PER_SYNC]:
            try:
                response = self.client.get(self.url + PHOTO_PATH.format(photo_id=photo_id),
                                           headers={"Authorization": f"Bearer {self._token}"})
            except httpx.TransportError:
                break  # offline again: the next sync goes on
            if response.status_code == 200:
                try:
                    self.photos.put(photo_id, response.content)
                except ValueError:
                    log.warning("photo %s is not a JPEG/PNG; skipped", photo_id)
            else:
                log.info("photo %s: HTTP %s", photo_id, response.status_code)
        return sum(1 for photo_id in wanted if not self.photos.has(photo_id))
