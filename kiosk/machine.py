"""The kiosk's state machine: one object owns the scan loop, the screen state and every write.

``Kiosk.step()`` is one turn of the loop::

    frame (camera) -> QR texts (kiosk.scanning) -> repeats dropped -> Verifier.verify_scan
      -> decide(verdict, presence) (kiosk.checkin) -> events committed to the outbox
      -> LEDs / buzzer / door (kiosk.feedback) -> next screen (kiosk.screens)
      -> (tests and the benchmark: deliverer.step() and roster sync inline)

The screens are ``NOT_READY -> IDLE -> (ACCEPTED | REFUSED | CONFIRM) -> IDLE``; a timeout, a tap
or a new roster moves between them. The touch UI (``kiosk.webui``) calls :meth:`Kiosk.confirm`,
:meth:`Kiosk.cancel` and :meth:`Kiosk.pin` from its own thread; a lock serialises them with
``step()``, so the outbox, the GPIO signals and the presence are only ever changed by this object,
one action at a time. Nothing here sleeps: timeouts are compared with the injected clock on each step.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from devices.delivery import Deliverer
from devices.wire.roster import PersonKind
from hardware.camera import FrameSource
from hardware.clock import Clock
from hardware.gpio import KioskSignals
from kiosk import checkin
from kiosk.checkin import OutboxFault
from kiosk.config import KioskConfig
from kiosk.emergency import EmergencyBoard
from kiosk.events import EventWriter
from kiosk.feedback import Feedback
from kiosk.health_screen import HealthScreenFlow, ScreenStep, health_room_children, to_health_room_json
from kiosk.pin import PinGate, PinLimits, PinResult
from kiosk.pin_entry import attempts_left, person_for_pin
from kiosk.presence import Presence
from kiosk.ratio import RatioWatch
from kiosk.roster import Roster, RosterCache
from kiosk.scanning import ChangeDetector, FrameReader, RepeatFilter
from kiosk.screen_json import ScreenJson
from kiosk.screens import (
    COMPARE_PHOTOS,
    CONFIRM_CHECK_OUT,
    NO_PHOTO,
    OFFLINE_NEW_CARD,
    OFFLINE_NEW_PHONE,
    SYSTEM_FAULT,
    Action,
    KioskActionError,
    Pending,
    Screen,
    StaffAlert,
    View,
    message,
)
from kiosk.staff_notice import shown_notice
from kiosk.status import offline_banner, warnings
from kiosk.sync import PhotoCache, RosterSync, SyncOutcome
from kiosk.verify import KioskEvent, Method, ReplayCache, Verdict, Verifier, decide, may_be_newer_than_roster

log = logging.getLogger(__name__)

_REFRESH = object()
"""``_scan``'s answer for a code that a fresher roster may accept: fetch it (outside the lock), then judge again."""


class Kiosk(HealthScreenFlow):
    """The check-in kiosk: scan loop, touch-screen actions and screen state, over injected I/O."""

    def __init__(self, config: KioskConfig, *, clock: Clock, camera: FrameSource, signals: KioskSignals,
                 events: EventWriter, roster_cache: RosterCache, photos: PhotoCache,
                 deliverer: Deliverer | None = None, sync: RosterSync | None = None, inline_io: bool = True,
                 presence: Presence | None = None, pin_limits: PinLimits | None = None,
                 centre_code: str = "") -> None:
        self.config = config
        self.clock = clock
        self.camera = camera
        self.feedback = Feedback(signals)
        self.events = events
        self.roster_cache = roster_cache
        self.photos = photos
        self.deliverer = deliverer
        self.sync = sync
        self.inline_io = inline_io
        """True in tests and benchmarks: ``step()`` also delivers and syncs. The runtime uses threads."""
        self.centre_code = centre_code
        self.presence = presence or Presence(clock, ZoneInfo(config.timezone))
        self.latencies = self.feedback.latencies
        """Seconds from frame capture to LED set, one per verdict the loop handled (perf_counter)."""
        self._lock = threading.RLock()
        self._pin_lock = threading.Lock()
        self._replay_cache = ReplayCache()
        self._pin_limits = pin_limits
        self.verifier: Verifier | None = None
        self.pin_gate: PinGate | None = None
        self.reader = FrameReader(ChangeDetector())
        self._repeats = RepeatFilter(config.scan.repeat_window_s)
        self._json = ScreenJson(photos)
        self._view = View(Screen.NOT_READY)
        self._serial = 0
        self._alert: StaffAlert | None = None
        self._demo_clear_at: float | None = None
        self.ratio = RatioWatch()
        self.emergencies = EmergencyBoard()
        if sync is not None and sync.on_emergencies is None:
            sync.on_emergencies = self.emergencies.update
        if sync is not None and sync.on_install is None:
            sync.on_install = self.use_roster
        if sync is not None and sync.on_presence is None:
            sync.on_presence = self.merge_server_presence
        if roster_cache.current is not None:
            self.use_roster(roster_cache.current)

    # -- roster --------------------------------------------------------------------------------

    @property
    def roster(self) -> Roster | None:
        """The roster in use."""
        return self.verifier.roster if self.verifier else None

    def use_roster(self, roster: Roster) -> None:
        """Verify against ``roster`` from now on (called by the sync after an install)."""
        with self._lock:
            if self.verifier is None:
                self.verifier = Verifier(roster, self.clock, self._replay_cache)
                self.pin_gate = PinGate(roster, self.clock, self._pin_limits)
                self._show(View(Screen.IDLE))
            else:
                previous = self.verifier.roster
                self.verifier.roster = roster
                assert self.pin_gate is not None
                self.pin_gate.roster = roster
                pending = self._view.pending
                if pending is not None and not checkin.still_valid(pending.verdict, previous, roster):
                    # Revoked or changed while the confirm screen was up: the tap must not record it.
                    log.info("roster changed under a pending confirmation; cancelled")
                    self._show(View(Screen.IDLE))
            self.presence.tz = roster.tz

    def merge_server_presence(self, body: dict[str, Any]) -> None:
        """What the other kiosks saw today (called by the sync); this kiosk's later moves are kept."""
        with self._lock:
            if self.presence.merge_server(body):
                self.presence.flush()
            if str(body.get("day")) == self.presence.day.isoformat():
                self.ratio.take_server(body)

    # -- the loop ------------------------------------------------------------------------------

    def step(self) -> list[Verdict]:
        """One turn: read a frame, handle new codes, apply timeouts and signals; returns the verdicts handled."""
        started = time.perf_counter()
        with self._lock:
            frame = self.camera.read()
            ready = self.verifier is not None
        # Decoding is the slow part (up to tens of ms on an empty frame): the UI is not held up meanwhile.
        texts = self.reader.texts(frame if ready else None)
        handled: list[Verdict] = []
        newer: list[str] = []
        with self._lock:
            self._tick()
            for text in texts:
                verdict = self._guarded_scan(text, started, may_refresh=True)
                if verdict is _REFRESH:
                    newer.append(text)
                elif isinstance(verdict, Verdict):
                    handled.append(verdict)
        if newer:
            # A phone enrolled (or a card issued) after the last sync: fetch the roster now, outside
            # the lock (a network call; the touch UI keeps answering), then judge the code again.
            assert self.sync is not None
            self.sync.sync_on_demand()
            with self._lock:
                for text in newer:
                    verdict = self._guarded_scan(text, started, may_refresh=False)
                    if isinstance(verdict, Verdict):
                        handled.append(verdict)
        if self.inline_io:
            self.io_step()
        return handled

    def io_step(self) -> None:
        """Deliver and sync once if due (inline mode; in production these run in their own threads)."""
        if self.deliverer is not None:
            self.deliverer.step()
        if self.sync is not None:
            self.sync.step()

    def _tick(self) -> None:
        """Time-driven changes: signals, screen timeouts, a new day, the demo's hand lowering."""
        now = self.clock.monotonic()
        self.feedback.tick()
        if self.presence.refresh():
            log.info("new day %s: presence cleared", self.presence.day)
            self.ratio.clear()
        self._settle_screen(timed_out_only=True)
        view = self._view
        if view.pending is not None and now >= view.pending.deadline:
            log.info("confirmation timed out; nothing recorded")
            self._show(View(Screen.IDLE))
        elif view.until is not None and now >= view.until:
            self._show(View(Screen.IDLE))
        if self._alert is not None and now >= self._alert.until:
            self._alert = None
            self._serial += 1
        if self._demo_clear_at is not None and now >= self._demo_clear_at:
            self._demo_clear_at = None
            self.camera.clear()  # type: ignore[attr-defined]
        self._repeats.forget_old(now)

    def _guarded_scan(self, text: str, started: float, *, may_refresh: bool) -> object:
        try:
            return self._scan(text, started, may_refresh=may_refresh)
        except Exception:  # the door must keep working whatever one code does
            log.exception("scan handling failed")
            self.feedback.refuse()
            self._show(View(Screen.REFUSED, reason=SYSTEM_FAULT, until=self._after(
                self.config.scan.refused_display_s)))
            return None

    def _scan(self, text: str, started: float, *, may_refresh: bool) -> Verdict | object | None:
        """Handle one decoded text, unless it (or its person) was seen within the repeat window.

        ``_REFRESH`` (nothing handled yet) when a fresher roster may accept the code and the sync
        may fetch one now.
        """
        assert self.verifier is not None
        now = self.clock.monotonic()
        if self._repeats.still_in_view(text, now):
            return None
        verdict = self.verifier.verify_scan(text)
        newer = self.sync is not None and may_be_newer_than_roster(verdict)
        if newer and may_refresh and self.sync is not None and self.sync.on_demand_allowed():
            return _REFRESH
        person_id = verdict.person.id if verdict.accepted and verdict.person else None
        if self._repeats.person_repeated(text, person_id, now):
            return None
        unconfirmed = newer and self.sync is not None and self.sync.status().outcome is SyncOutcome.OFFLINE
        self._handle(verdict, self.clock.now(), started, shown_reason=self._offline_reason(verdict)
                     if unconfirmed else None)
        return verdict

    @staticmethod
    def _offline_reason(verdict: Verdict) -> str:
        """Offline, a code newer than the roster cannot be confirmed: say so, never "forged"."""
        return OFFLINE_NEW_PHONE if verdict.method is Method.PHONE else OFFLINE_NEW_CARD

    # -- verdicts ------------------------------------------------------------------------------

    def _handle(self, verdict: Verdict, scan_at: datetime, started: float | None, *,
                shown_reason: str | None = None) -> None:
        try:
            self._settle_screen(timed_out_only=False)  # the family before walked in mid-screen: record theirs
            if not verdict.accepted:
                event = verdict.refusal_event()
                self._record([event] if event else [], scan_at)
                self.feedback.outcome(False, started)
                # No name on screen for a refused credential: a found or stolen card must not tell
                # its finder whose it is.
                self._show(View(Screen.REFUSED, reason=shown_reason or verdict.reason,
                                until=self._after(self.config.scan.refused_display_s)))
                return
            assert verdict.person is not None
            if verdict.person.kind is PersonKind.STAFF:
                self._staff(verdict, scan_at, started)
                return
            self._children(verdict, scan_at, started)
        except OutboxFault:
            self.feedback.outcome(False, started)
            self._show(View(Screen.REFUSED, person=verdict.person, reason=SYSTEM_FAULT,
                            until=self._after(self.config.scan.refused_display_s)))

    def _staff(self, verdict: Verdict, scan_at: datetime, started: float | None) -> None:
        """Staff sign on duty with one scan and off with the next; no children involved."""
        person = verdict.person
        assert person is not None
        leaving = person.id in self.presence.staff
        self._record([checkin.staff_event(verdict, leaving=leaving)], scan_at)
        if leaving:
            self.presence.off_duty(person.id)
        else:
            self.presence.on_duty(person.id)
        self.feedback.outcome(True, started, door=True)
        self.presence.flush()
        # Their own credential notice, counted on the kiosk's date; it never stops the sign-on (the server flags).
        assert self.verifier is not None
        notice = None if leaving else shown_notice(person.notice, self.verifier.roster.today(scan_at))
        shown_s = self.config.scan.notice_display_s if notice else self.config.scan.accepted_display_s
        self._show(View(Screen.ACCEPTED, person=person, staff_action=Action.OFF_DUTY if leaving else Action.ON_DUTY,
                        until=self._after(shown_s), notice=notice))

    def _children(self, verdict: Verdict, scan_at: datetime, started: float | None) -> None:
        person = verdict.person
        assert person is not None
        assert self.verifier is not None
        roster = self.verifier.roster
        decision = decide(verdict, self.presence.children, roster.excluded_on(roster.today(scan_at)))
        candidates = checkin.candidates(decision)
        alarm = checkin.refused_pick_ups(decision)
        # A refused pick-up goes ahead of other events: the server alerts staff when it arrives.
        self._record(decision.events(), scan_at, priority=True)
        if alarm:
            self._alert = StaffAlert(person, tuple(r.child for r in alarm), scan_at,
                                     self._after(self.config.scan.staff_alert_s))
        if not candidates:
            self.feedback.outcome(False, started)
            self._show(View(Screen.REFUSED, person=person, refusals=decision.refused,
                            reason=checkin.refusal_reason(decision, alarm),
                            until=self._after(self.config.scan.refused_display_s)))
            return
        # The same card shown again moments after the check-in is more likely a slip than a pick-up.
        just_arrived = self.presence.arrived_since(
            (c.id for c in decision.check_out), scan_at - timedelta(seconds=self.config.scan.check_out_confirm_s))
        if checkin.needs_no_tap(decision, candidates, alarm) and not just_arrived:
            self._complete(Pending(verdict, decision, scan_at, 0.0, candidates), set(candidates), started)
            return
        self.feedback.outcome(not alarm, started)
        pending = Pending(verdict, decision, scan_at, self._after(self.config.scan.confirm_timeout_s), candidates)
        self._show(View(Screen.CONFIRM, person=person, children=checkin.offered_children(decision, candidates),
                        refusals=decision.refused, pending=pending,
                        ratio=self.ratio.advise(decision.check_in, decision.preselected),
                        prompt=CONFIRM_CHECK_OUT if just_arrived else None))

    def _complete(self, pending: Pending, selected: set[int], started: float | None,
                  step: ScreenStep | None = None) -> None:
        """Record the check-in and/or check-out of ``selected``, then green, beep and door.

        With the roster's quick health screen, the check-in waits for its answers (``step``; kiosk.health_screen).
        """
        if step is None and self._screen_first(pending, selected, started):
            return
        verdict = pending.verdict
        ins, outs = checkin.split_selection(pending, selected)
        self._record(checkin.attendance_events(verdict, ins, outs, step.answers if step else ()), pending.scan_at)
        # Advised before counting these children: the warning is about the room they are entering.
        arriving = [c for c in pending.decision.check_in if c.id in ins]
        ratio = self.ratio.advise(arriving, ins)
        self.ratio.checked_in(arriving, pending.scan_at)
        self.ratio.checked_out(outs)
        self.presence.check_in(ins)
        self.presence.check_out(outs)
        self.feedback.outcome(True, started, door=True)
        if sent := health_room_children(step):
            self.feedback.attention()
        self.presence.flush()
        children = {c.id: c for c in (*pending.decision.check_in, *pending.decision.check_out)}
        done = [(children[i], pending.candidates[i], True) for i in (*outs, *ins)]
        shown_s = self.config.scan.notice_display_s if sent else self.config.scan.accepted_display_s
        self._show(View(Screen.ACCEPTED, person=verdict.person, children=done, refusals=pending.decision.refused,
                        until=self._after(shown_s), ratio=ratio, to_health_room=sent))

    def _record(self, events: list[KioskEvent], scan_at: datetime, *, priority: bool | None = None) -> None:
        # self.events is looked up on each write: a test may swap in a failing writer.
        checkin.record(self.events, events, scan_at, priority=priority)

    def _after(self, seconds: float) -> float:
        return self.clock.monotonic() + seconds

    def _show(self, view: View) -> None:
        self._view = view
        self._serial += 1

    # -- touch-screen actions (called from the UI thread) -----------------------------------------

    def confirm(self, child_ids: Collection[int] | None = None) -> dict[str, Any]:
        """Record the children ticked on the confirm screen (default: those preselected)."""
        with self._lock:
            pending = self._view.pending
            if self._view.screen is not Screen.CONFIRM or pending is None:
                raise KioskActionError("nothing_to_confirm")
            selected = set(pending.decision.preselected if child_ids is None else child_ids)
            if not selected:
                raise KioskActionError("no_selection", status=422)
            if not selected <= set(pending.candidates):
                raise KioskActionError("not_a_candidate", status=422)
            try:
                self._complete(pending, selected, None)
            except OutboxFault:
                self.feedback.refuse()
                self._show(View(Screen.REFUSED, person=pending.verdict.person, reason=SYSTEM_FAULT,
                                until=self._after(self.config.scan.refused_display_s)))
            return self.state()

    def cancel(self) -> dict[str, Any]:
        """Leave the current screen (a pending confirmation records nothing)."""
        with self._lock:
            if self._view.screen in (Screen.CONFIRM, Screen.HEALTH, Screen.ACCEPTED, Screen.REFUSED):
                self._show(View(Screen.IDLE))
            return self.state()

    def pin(self, pin: str, *, person_id: str | None = None, number: str | None = None) -> dict[str, Any]:
        """PIN fallback: the person types the number on their card (or is chosen), then the PIN."""
        with self._lock:
            gate, roster = self.pin_gate, self.roster
        if gate is None or roster is None:
            raise KioskActionError("not_ready")
        person_id = person_for_pin(roster, pin, person_id=person_id, number=number)
        scan_at = self.clock.now()
        with self._pin_lock:  # argon2 takes a moment: the scan loop is not held up meanwhile
            result = gate.attempt(person_id, pin)
        with self._lock:
            if result.verdict.accepted:
                assert result.verdict.person is not None
                self._repeats.saw_person(result.verdict.person.id, self.clock.monotonic())
                self._handle(result.verdict, scan_at, None)
            else:
                self._pin_refused(result, gate, scan_at)
            return self.state()

    def _pin_refused(self, result: PinResult, gate: PinGate, scan_at: datetime) -> None:
        try:
            self._record([result.event] if result.event else [], scan_at)
        except OutboxFault:
            self.feedback.refuse()
            self._show(View(Screen.REFUSED, reason=SYSTEM_FAULT, until=self._after(
                self.config.scan.refused_display_s)))
            return
        self.feedback.refuse()
        self._show(View(Screen.REFUSED, reason=result.verdict.reason, retry_after=result.retry_after,
                        attempts_left=attempts_left(result, gate),
                        until=self._after(self.config.scan.refused_display_s)))

    # -- demo hook -----------------------------------------------------------------------------

    @property
    def demo_enabled(self) -> bool:
        """Whether QR codes can be "shown" through the UI (only with the replay camera)."""
        return self.config.camera.kind == "replay" and callable(getattr(self.camera, "show", None))

    def show(self, text: str, *, hold_s: float | None = None) -> None:
        """Hold a phone/card showing ``text`` in front of the replay camera for ``hold_s`` (demo, tests)."""
        if not self.demo_enabled:
            raise KioskActionError("bad_request", status=404)
        with self._lock:
            self.camera.show(text)  # type: ignore[attr-defined]
            self._demo_clear_at = self._after(self.config.scan.demo_hold_s if hold_s is None else hold_s)

    # -- state for the screen ------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """Everything the touch screen shows, as JSON-ready data (``GET /state``)."""
        with self._lock:
            view, roster, json = self._view, self.roster, self._json
            now, mono = self.clock.now(), self.clock.monotonic()
            tz = roster.tz if roster else ZoneInfo(self.config.timezone)
            reason = view.reason
            zh, en = message(reason) if reason else ("", "")
            state: dict[str, Any] = {
                "serial": self._serial,
                "screen": view.screen.value,
                "time": now.astimezone(tz).strftime("%H:%M"),
                "kiosk": {"label": self.config.label, "centre": self.centre_code or (
                    roster.document.centre.code if roster else "")},
                "person": json.person(view.person),
                "staff_action": view.staff_action.value if view.staff_action else None,
                "children": [dict(json.child(child), action=action.value, selected=selected)
                             for child, action, selected in view.children],
                "refusals": [{"child": json.child(r.child), "reason": r.reason.value,
                              "message_zh": r.message_zh, "message_en": r.message_en} for r in view.refusals],
                "reason": reason, "message_zh": zh, "message_en": en,
                "retry_after_s": None if view.retry_after is None else max(1, round(view.retry_after.total_seconds())),
                "attempts_left": view.attempts_left,
                "seconds_left": (max(0, round(view.pending.deadline - mono)) if view.pending is not None
                                 and view.screen is Screen.CONFIRM else None),
                "alert": json.alert(self._alert, tz),
                "ratio": view.ratio.as_json(),
                "prompt": _text(view.prompt),
                "notice": view.notice.as_json() if view.notice else None,
                "health": view.health.as_json(json, mono) if view.health and view.screen is Screen.HEALTH else None,
                "to_health_room": to_health_room_json(view.to_health_room, json),
                "photo_check": _text(self._photo_check(view)),
                "emergency": self.emergencies.banner(tz),
                "warnings": warnings(roster, now, self.config.roster.max_age, self.sync),
                "demo": self.demo_enabled,
                "pin": self.pin_gate is not None,
            }
        state["banner"] = offline_banner(self.deliverer, self.sync)
        return state

    def _photo_check(self, view: View) -> str | None:
        """On a check-out: compare the photos, or, with no photo of the adult to show, check their ID."""
        if view.screen not in (Screen.ACCEPTED, Screen.CONFIRM) or view.person is None:
            return None
        if not any(action is Action.CHECK_OUT for _, action, _ in view.children):
            return None
        return COMPARE_PHOTOS if self._json.photo_url(view.person.photo) else NO_PHOTO

    # -- for tests and the benchmark -----------------------------------------------------------

    @property
    def screen(self) -> Screen:
        """The screen shown now."""
        return self._view.screen


def _text(code: str | None) -> dict[str, str] | None:
    """A screen text by code, as JSON, or None."""
    if code is None:
        return None
    zh, en = message(code)
    return {"code": code, "message_zh": zh, "message_en": en}
