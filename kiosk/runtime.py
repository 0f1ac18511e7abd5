"""Wiring a kiosk from its configuration, and running it: loop, deliverer, roster sync and touch UI.

``tuoyu-kiosk run`` and an in-process demo both do::

    runtime = KioskRuntime.from_config(load_config("kiosk.toml"))   # needs a prior enrolment
    runtime.run()            # blocks until Ctrl-C / SIGTERM / runtime.request_stop()

or, to keep control (a demo driving a simulated kiosk)::

    runtime.start(loop=True) # loop, deliverer, sync and UI each in a thread
    runtime.kiosk.show(card_text)          # or POST /demo/show on runtime.ui_url
    runtime.stop()

Threads: the scan loop (``Kiosk.step`` at the camera frame rate), the deliverer
(``Deliverer.run_forever``), the roster sync and the werkzeug server of the touch UI. All wait on one
stop event, never ``time.sleep``; ``stop()`` sets it and joins them.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from werkzeug.serving import BaseWSGIServer, make_server

from devices.agent.watchdog import Watchdog
from devices.delivery import Deliverer
from devices.uplink import HttpUplink
from hardware.camera import FrameSource, open_camera
from hardware.clock import Clock, SystemClock
from hardware.gpio import KioskSignals, open_pin_factory
from kiosk.config import KioskConfig
from kiosk.events import EventWriter
from kiosk.machine import Kiosk
from kiosk.presence import Presence
from kiosk.roster import RosterCache, RosterError
from kiosk.sync import Enrolment, PhotoCache, RosterSync
from kiosk.webui import create_ui

log = logging.getLogger(__name__)


@dataclass
class KioskRuntime:
    """Every resource of a running kiosk; ``stop()`` releases them all."""

    config: KioskConfig
    clock: Clock
    enrolment: Enrolment
    kiosk: Kiosk
    camera: FrameSource
    signals: KioskSignals
    pin_factory: Any
    events: EventWriter
    deliverer: Deliverer
    sync: RosterSync
    clients: list[httpx.Client]
    stop_event: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)
    ui_server: BaseWSGIServer | None = None
    stopped: bool = False
    stop_requested: bool = False
    """Set by ``request_stop()`` (a signal handler); the scan loop turns it into ``stop_event``."""
    watchdog: Watchdog = field(default_factory=Watchdog)
    """systemd's readiness and service watchdog (no-op outside systemd), driven by the scan loop."""

    @classmethod
    def from_config(cls, config: KioskConfig, *, clock: Clock | None = None, inline_io: bool = False,
                    rng: random.Random | None = None) -> KioskRuntime:
        """Build everything from the config and the enrolment in its data directory (nothing started yet)."""
        enrolment = Enrolment.load(config.data_dir)
        clock = clock or SystemClock()
        camera = open_camera(config.camera.kind, clock=clock, **config.camera.options)
        factory = open_pin_factory(config.gpio.backend)
        opened: list[Any] = []
        try:
            signals = KioskSignals(config.gpio.pins, factory, clock, config.gpio.timings)
            opened.append(signals)
            events = EventWriter(config.outbox_path, clock, enrolment.device_id)
            opened.append(events)
        except Exception:
            for thing in reversed(opened):
                thing.close()
            factory.close()
            raise
        uplink_client = httpx.Client(timeout=config.uplink.timeout_s)
        sync_client = httpx.Client(timeout=config.uplink.timeout_s)
        uplink = HttpUplink(config.server_url, enrolment.token, client=uplink_client)
        # Unseeded in production: kiosks of one centre must not retry in lock-step after an outage.
        deliverer = Deliverer(events.outbox, uplink, clock, rng or random.Random(), batch_size=config.uplink.batch_size,
                              backoff_cap_s=config.uplink.backoff_cap_s)
        cache = RosterCache(config.roster_dir, enrolment.public_keys(), enrolment.centre_id)
        try:
            cache.load()
        except RosterError as exc:
            # A roster file changed on the SD card is not trusted: sync before verifying anyone.
            log.error("cached roster refused (%s); waiting for a sync", exc)
        photos = PhotoCache(config.photo_dir)
        sync = RosterSync(config.server_url, enrolment.token, cache, photos, clock, sync_client,
                          interval_s=config.roster.sync_interval_s, retry_s=config.roster.retry_interval_s,
                          on_demand_interval_s=config.roster.on_demand_interval_s)
        tz = cache.current.tz if cache.current else ZoneInfo(config.timezone)
        presence = Presence(clock, tz, config.presence_path)
        kiosk = Kiosk(config, clock=clock, camera=camera, signals=signals, events=events, roster_cache=cache,
                      photos=photos, deliverer=deliverer, sync=sync, inline_io=inline_io, presence=presence,
                      centre_code=enrolment.centre_code)
        return cls(config, clock, enrolment, kiosk, camera, signals, factory, events, deliverer, sync,
                   [uplink_client, sync_client])

    # -- running -----------------------------------------------------------------------------------

    @property
    def ui_url(self) -> str:
        """Where the touch UI listens (after ``start(ui=True)``)."""
        if self.ui_server is None:
            raise RuntimeError("the UI is not running")
        return f"http://{self.config.ui.host}:{self.ui_server.server_port}"

    def start(self, *, ui: bool = True, loop: bool = False) -> None:
        """Start the camera and the background threads (and the scan loop in a thread if ``loop``)."""
        self.camera.start()
        if not self.kiosk.inline_io:
            self._thread("deliverer", lambda: self.deliverer.run_forever(self.stop_event, poll_interval_s=1.0))
            self._thread("roster-sync", self._sync_forever)
        else:
            self.events.outbox.recover()  # inline: nobody else recovers rows a crash left in sending
        if ui:
            try:
                self.ui_server = make_server(self.config.ui.host, self.config.ui.port, create_ui(self.kiosk),
                                             threaded=True)
            except SystemExit:  # werkzeug prints "address already in use" and exits; the caller decides
                raise OSError(f"{self.config.ui.host}:{self.config.ui.port} is in use by another program") from None
            server = self.ui_server
            self._thread("touch-ui", lambda: server.serve_forever(poll_interval=0.2))
        if loop:
            self._thread("scan-loop", self.run_loop)

    def _thread(self, name: str, target: Any) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self.threads.append(thread)

    def run_loop(self) -> None:
        """Step the kiosk at the camera's frame rate until stopped; a failing step is logged, not fatal."""
        period = 1.0 / self.config.camera.fps
        next_due = time.monotonic()
        # The touch UI listens by now: the browser unit (After= this one) may open it. A hung scan loop stops
        # the pings, and systemd restarts the kiosk (WatchdogSec=, deploy/pi/systemd/tuoyu-kiosk.service).
        self.watchdog.ready()
        while not self.stop_event.is_set():
            if self.stop_requested:
                self.stop_event.set()
                break
            try:
                self.kiosk.step()
            except Exception:
                log.exception("kiosk step failed")
                self.stop_event.wait(1.0)  # a broken camera must not spin a core
            self.watchdog.ping()
            next_due = max(next_due + period, time.monotonic())
            self.stop_event.wait(max(0.0, next_due - time.monotonic()))
        self.watchdog.stopping()

    def _sync_forever(self) -> None:
        while not self.stop_event.is_set():
            try:
                self.sync.step()
            except Exception:
                log.exception("roster sync failed")
            self.stop_event.wait(min(5.0, max(0.5, self.sync.seconds_until_due())))

    def run(self) -> None:
        """Start everything and run the scan loop in this thread until ``request_stop()``, then stop."""
        self.start(ui=True, loop=False)
        log.info("kiosk %s running; touch UI on %s", self.enrolment.device_id, self.ui_url)
        try:
            self.run_loop()
        finally:
            self.stop()

    def request_stop(self) -> None:
        """Ask every loop to end; safe in a signal handler.

        It only sets a flag: ``Event.set()`` takes a lock the interrupted main thread may hold, and
        an asynchronous KeyboardInterrupt may strike between a lock's acquire and its ``with`` block.
        The scan loop (``run_loop``) sees the flag within one frame and sets ``stop_event``.
        """
        self.stop_requested = True

    def stop(self) -> None:
        """Stop the threads, then release the camera, the pins (door relay drops), the outbox and clients."""
        self.stop_event.set()
        if self.stopped:
            return
        self.stopped = True
        if self.ui_server is not None:
            self.ui_server.shutdown()
            self.ui_server.server_close()
        for thread in self.threads:
            if thread is not threading.current_thread():
                thread.join(timeout=30)
        self.threads.clear()
        self.ui_server = None
        self.camera.close()
        self.signals.close()
        self.pin_factory.close()
        self.events.close()
        for client in self.clients:
            client.close()
