"""systemd's readiness and service watchdog (``sd_notify``), spoken directly: one datagram to ``$NOTIFY_SOCKET``.

Under ``Type=notify`` and ``WatchdogSec=`` (deploy/pi/systemd/), systemd hands the service a unix datagram
socket in ``NOTIFY_SOCKET``. ``READY=1`` says the service is up, ``WATCHDOG=1`` says it is alive, and
``STOPPING=1`` that it is shutting down. If no ``WATCHDOG=1`` arrives within ``WatchdogSec``, systemd kills
the service (SIGABRT) and ``Restart=`` starts it again.

The agent pings only from the loop that runs the UV lamps' interlock (docs/uv-lamp.md): a hung interlock
is the hazard (a GPIO output keeps its level, so a lamp could stay on with children coming in), so a hung
interlock must stop the pings, and the restart drives the relay off at start. The kiosk pings from its
scan loop (a hung loop could hold the door relay).

Without ``NOTIFY_SOCKET`` (a terminal, the tests, the demo) every call is a no-op. No library is needed:
the protocol is one text datagram (``man sd_notify``).
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Mapping

log = logging.getLogger(__name__)

NOTIFY_SOCKET_ENV = "NOTIFY_SOCKET"
PING_MIN_INTERVAL_S = 1.0
"""At most one ``WATCHDOG=1`` a second: the kiosk's scan loop turns 30 times a second; WatchdogSec is 30 s."""


def notify_address(environ: Mapping[str, str] | None = None) -> str | None:
    """The socket address systemd gave us (an abstract one with its leading NUL), or None."""
    address = (os.environ if environ is None else environ).get(NOTIFY_SOCKET_ENV, "")
    if address.startswith("@"):
        return "\0" + address[1:]  # the abstract namespace
    if address.startswith("/"):
        return address
    return None  # unset, or a kind we do not speak (vsock): nothing to notify


def sd_notify(state: str, environ: Mapping[str, str] | None = None) -> bool:
    """Send ``state`` (e.g. ``"READY=1"``) to systemd; False when not run under systemd or the send failed."""
    address = notify_address(environ)
    if address is None:
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall(state.encode("utf-8"))
    except OSError as exc:  # a missing ping ends in a restart, which is what a broken link to systemd deserves
        log.warning("sd_notify %s to %r failed: %s", state, address, exc)
        return False
    return True


class Watchdog:
    """Readiness and liveness for systemd; every method is a no-op outside systemd."""

    def __init__(self, environ: Mapping[str, str] | None = None, *,
                 monotonic: Callable[[], float] = time.monotonic,
                 min_interval_s: float = PING_MIN_INTERVAL_S) -> None:
        self._environ = dict(os.environ if environ is None else environ)
        self._monotonic = monotonic
        self._min_interval_s = min_interval_s
        self._last_ping: float | None = None

    @property
    def enabled(self) -> bool:
        """Whether systemd listens (``NOTIFY_SOCKET`` is set)."""
        return notify_address(self._environ) is not None

    @property
    def interval_s(self) -> float | None:
        """``WatchdogSec`` as systemd told us (``WATCHDOG_USEC``), None when the unit has no watchdog."""
        usec = self._environ.get("WATCHDOG_USEC", "")
        pid = self._environ.get("WATCHDOG_PID", "")
        if not usec.isdigit() or (pid and pid != str(os.getpid())):
            return None
        return int(usec) / 1_000_000

    def ready(self, status: str | None = None) -> bool:
        """The service is up (``READY=1``, with an optional status line for ``systemctl status``)."""
        return sd_notify("READY=1" + (f"\nSTATUS={status}" if status else ""), self._environ)

    def ping(self) -> bool:
        """``WATCHDOG=1``, at most once per ``min_interval_s``; True when a datagram went out."""
        now = self._monotonic()
        if self._last_ping is not None and now - self._last_ping < self._min_interval_s:
            return False
        if not sd_notify("WATCHDOG=1", self._environ):
            return False
        self._last_ping = now
        return True

    def stopping(self) -> bool:
        """The service is shutting down (``STOPPING=1``): systemd stops expecting pings."""
        return sd_notify("STOPPING=1", self._environ)
