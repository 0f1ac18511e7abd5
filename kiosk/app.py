"""The kiosk coordinator: one object owns the scan loop, the screen state and every write.

``Kiosk.step()`` is one turn of the loop::

    frame (camera) -> QR texts (hardware.qr.decode) -> repeats dropped -> Verifier.verify_scan
      -> decide(verdict, presence) -> events committed to the outbox -> LEDs / buzzer / door
      -> screen state -> (tests and the benchmark: deliverer.step() and roster sync inline)

The touch UI (``kiosk.webui``) calls :meth:`Kiosk.confirm`, :meth:`Kiosk.cancel` and
:meth:`Kiosk.pin` from its own thread; a lock serialises them with ``step()``, so the outbox, the
GPIO signals and the presence are only ever changed by this object, one action at a time. Nothing
here sleeps: timeouts are compared with the injected clock on each step.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import deque
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from devices.credentials import PersonKind, RosterChild, RosterPerson
from devices.protocol import EventKind
from devices.uplink import Deliverer, DeliveryState
from hardware.camera import FrameSource
from hardware.clock import Clock
from hardware.gpio import KioskSignals
from hardware.qr import decode, other_barcodes
from kiosk.config import KioskConfig
from kiosk.emergency import EmergencyBoard
from kiosk.events import EventWriter, attendance_event
from kiosk.pin import PinGate, PinLimits, PinResult
from kiosk.presence import Presence
from kiosk.ratio import NO_ADVICE, RatioAdvice, RatioWatch
from kiosk.roster import Roster, RosterCache
from kiosk.sync import PhotoCache, RosterSync, SyncOutcome
from kiosk.verify import MESSAGES, ChildRefusal, Decision, KioskEvent, Refusal, ReplayCache, Verdict, Verifier, decide

log = logging.getLogger(__name__)


class Screen(StrEnum):
    """What the touch screen shows."""

    NOT_READY = "not_ready"
    """No roster yet: nobody can be verified."""
    IDLE = "idle"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    CONFIRM = "confirm"


class Action(StrEnum):
    """What happened (or will happen on confirm) for a child or a member of staff."""

    CHECK_IN = "check_in"
    CHECK_OUT = "check_out"
    ON_DUTY = "on_duty"
    OFF_DUTY = "off_duty"


SYSTEM_FAULT = "system_fault"
# Every how many frames without a QR code the loop also looks for other barcodes (to refuse them).
OTHER_BARCODE_EVERY = 3
LOCAL_MESSAGES: dict[str, tuple[str, str]] = {
    SYSTEM_FAULT: ("系统故障，未能记录，请联系前台", "System fault: nothing was recorded; please ask the front desk"),
    "nothing_to_confirm": ("没有待确认的签到", "Nothing is waiting for confirmation"),
    "no_selection": ("请至少选择一名幼儿", "Select at least one child"),
    "not_a_candidate": ("所选幼儿不在名单中", "A selected child is not offered here"),
    "not_ready": ("名单未同步，暂不能签到", "No roster yet: check-in is unavailable"),
    "ambiguous_number": ("请选择您的身份", "Choose who you are"),
    "bad_request": ("输入无效", "Invalid input"),
}
"""Screen texts of outcomes that are not credential refusals (those are in ``kiosk.verify.MESSAGES``)."""


def message(reason: str) -> tuple[str, str]:
    """``(zh, en)`` screen text for any reason code the kiosk shows."""
    try:
        return MESSAGES[Refusal(reason)]
    except ValueError:
        return LOCAL_MESSAGES.get(reason, ("请联系前台", "Please ask the front desk"))


def _digits(person_id: str) -> int | None:
    """The personal number printed on a card: the digits of the person id (c12 -> 12)."""
    digits = re.sub(r"[^0-9]", "", person_id)
    return int(digits) if digits else None


def _still_valid(verdict: Verdict, old: Roster, new: Roster) -> bool:
    """Whether the person and the credential of an accepted verdict are unchanged from ``old`` to ``new``."""
    person = verdict.person
    if person is None or new.person(person.id) != person:
        return False
    ident = verdict.credential_id
    return ident is None or new.credential(ident) == old.credential(ident)


class KioskActionError(ValueError):
    """A touch-screen action that cannot be done now (nothing to confirm, empty selection…)."""

    def __init__(self, code: str, *, status: int = 409, extra: dict[str, Any] | None = None) -> None:
        self.code = code
        self.message_zh, self.message_en = message(code)
        self.status = status
        self.extra = extra or {}
        super().__init__(f"{code}: {self.message_en}")


class _Fault(Exception):
    """Writing to the outbox failed: the kiosk must not show green."""


@dataclass
class _Pending:
    """A confirm screen waiting for a tap."""

    verdict: Verdict
    decision: Decision
    scan_at: datetime
    deadline: float
    candidates: dict[int, Action]


@dataclass
class _View:
    """The screen's content (internal; ``Kiosk.state()`` turns it into JSON)."""

    screen: Screen
    person: RosterPerson | None = None
    children: list[tuple[RosterChild, Action, bool]] = field(default_factory=list)
    refusals: tuple[ChildRefusal, ...] = ()
    reason: str | None = None
    retry_after: timedelta | None = None
    attempts_left: int | None = None
    until: float | None = None
    pending: _Pending | None = None
    staff_action: Action | None = None
    ratio: RatioAdvice = NO_ADVICE
    """Rooms the check-in children would take out of ratio (kiosk.ratio): a warning, never a refusal."""


@dataclass(frozen=True)
class _Alert:
    """A refused pick-up: staff must look."""

    person: RosterPerson | None
    children: tuple[RosterChild, ...]
    at: datetime
    until: float


class Kiosk:
    """The check-in kiosk: scan loop, touch-screen actions and screen state, over injected I/O."""

    def __init__(self, config: KioskConfig, *, clock: Clock, camera: FrameSource, signals: KioskSignals,
                 events: EventWriter, roster_cache: RosterCache, photos: PhotoCache,
                 deliverer: Deliverer | None = None, sync: RosterSync | None = None, inline_io: bool = True,
                 presence: Presence | None = None, pin_limits: PinLimits | None = None,
                 centre_code: str = "") -> None:
        self.config = config
        self.clock = clock
        self.camera = camera
        self.signals = signals
        self.events = events
        self.roster_cache = roster_cache
        self.photos = photos
        self.deliverer = deliverer
        self.sync = sync
        self.inline_io = inline_io
        """True in tests and benchmarks: ``step()`` also delivers and syncs. The runtime uses threads."""
        self.centre_code = centre_code
        self.presence = presence or Presence(clock, ZoneInfo(config.timezone))
        self.latencies: deque[float] = deque(maxlen=100_000)
        """Seconds from frame capture to LED set, one per verdict the loop handled (perf_counter)."""
        self._lock = threading.RLock()
        self._pin_lock = threading.Lock()
        self._replay_cache = ReplayCache()
        self._pin_limits = pin_limits
        self.verifier: Verifier | None = None
        self.pin_gate: PinGate | None = None
        self._recent_texts: dict[str, tuple[float, str | None]] = {}
        self._recent_persons: dict[str, float] = {}
        self._view = _View(Screen.NOT_READY)
        self._serial = 0
        self._alert: _Alert | None = None
        self._demo_clear_at: float | None = None
        self._empty_frames = 0
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
                self._show(_View(Screen.IDLE))
            else:
                previous = self.verifier.roster
                self.verifier.roster = roster
                assert self.pin_gate is not None
                self.pin_gate.roster = roster
                pending = self._view.pending
                if pending is not None and not _still_valid(pending.verdict, previous, roster):
                    # Revoked or changed while the confirm screen was up: the tap must not record it.
                    log.info("roster changed under a pending confirmation; cancelled")
                    self._show(_View(Screen.IDLE))
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
        texts = decode(frame) if frame is not None and ready else []
        if not texts and frame is not None and ready:
            # A shopping card or parcel label held up: refuse it clearly ("not a pick-up code") rather
            # than stay silent. Checked on every few empty frames only, to keep the idle loop light.
            self._empty_frames += 1
            if self._empty_frames % OTHER_BARCODE_EVERY == 0:
                texts = other_barcodes(frame)
        else:
            self._empty_frames = 0
        handled: list[Verdict] = []
        with self._lock:
            self._tick()
            for text in texts:
                try:
                    verdict = self._scan(text, started)
                except Exception:  # the door must keep working whatever one code does
                    log.exception("scan handling failed")
                    self.signals.refuse()
                    self._show(_View(Screen.REFUSED, reason=SYSTEM_FAULT, until=self._after(
                        self.config.scan.refused_display_s)))
                    continue
                if verdict is not None:
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
        self.signals.tick()
        if self.presence.refresh():
            log.info("new day %s: presence cleared", self.presence.day)
            self.ratio.clear()
        view = self._view
        if view.pending is not None and now >= view.pending.deadline:
            log.info("confirmation timed out; nothing recorded")
            self._show(_View(Screen.IDLE))
        elif view.until is not None and now >= view.until:
            self._show(_View(Screen.IDLE))
        if self._alert is not None and now >= self._alert.until:
            self._alert = None
            self._serial += 1
        if self._demo_clear_at is not None and now >= self._demo_clear_at:
            self._demo_clear_at = None
            self.camera.clear()  # type: ignore[attr-defined]
        window = self.config.scan.repeat_window_s
        if len(self._recent_texts) > 64:
            self._recent_texts = {t: v for t, v in self._recent_texts.items() if now - v[0] < window}
            self._recent_persons = {p: t for p, t in self._recent_persons.items() if now - t < window}

    def _scan(self, text: str, started: float) -> Verdict | None:
        """Handle one decoded text, unless it (or its person) was seen within the repeat window."""
        assert self.verifier is not None
        now = self.clock.monotonic()
        window = self.config.scan.repeat_window_s
        seen = self._recent_texts.get(text)
        if seen is not None and now - seen[0] < window:
            # Still in view (or just lowered): the same code in the next frame is not a new scan.
            self._recent_texts[text] = (now, seen[1])
            if seen[1] is not None:
                self._recent_persons[seen[1]] = now
            return None
        verdict = self.verifier.verify_scan(text)
        person_id = verdict.person.id if verdict.accepted and verdict.person else None
        self._recent_texts[text] = (now, person_id)
        if person_id is not None:
            last = self._recent_persons.get(person_id)
            self._recent_persons[person_id] = now
            if last is not None and now - last < window:
                return None  # a phone code that rolled over to the next step while held up
        self._handle(verdict, self.clock.now(), started)
        return verdict

    # -- verdicts ------------------------------------------------------------------------------

    def _handle(self, verdict: Verdict, scan_at: datetime, started: float | None) -> None:
        try:
            if not verdict.accepted:
                event = verdict.refusal_event()
                self._record([event] if event else [], scan_at)
                self._signal(False, started)
                # No name on screen for a refused credential: a found or stolen card must not tell
                # its finder whose it is.
                self._show(_View(Screen.REFUSED, reason=verdict.reason,
                                 until=self._after(self.config.scan.refused_display_s)))
                return
            assert verdict.person is not None
            if verdict.person.kind is PersonKind.STAFF:
                self._staff(verdict, scan_at, started)
                return
            self._children(verdict, scan_at, started)
        except _Fault:
            self._signal(False, started)
            self._show(_View(Screen.REFUSED, person=verdict.person, reason=SYSTEM_FAULT,
                             until=self._after(self.config.scan.refused_display_s)))

    def _staff(self, verdict: Verdict, scan_at: datetime, started: float | None) -> None:
        """Staff sign on duty with one scan and off with the next; no children involved."""
        person, method = verdict.person, verdict.method
        assert person is not None and method is not None
        leaving = person.id in self.presence.staff
        kind = EventKind.ATTENDANCE_CHECK_OUT if leaving else EventKind.ATTENDANCE_CHECK_IN
        self._record([attendance_event(kind, person_id=person.id, children=(), method=method,
                                       credential_id=verdict.credential_id)], scan_at)
        if leaving:
            self.presence.off_duty(person.id)
        else:
            self.presence.on_duty(person.id)
        self._signal(True, started, door=True)
        self.presence.flush()
        self._show(_View(Screen.ACCEPTED, person=person, staff_action=Action.OFF_DUTY if leaving else Action.ON_DUTY,
                         until=self._after(self.config.scan.accepted_display_s)))

    def _children(self, verdict: Verdict, scan_at: datetime, started: float | None) -> None:
        person = verdict.person
        assert person is not None
        decision = decide(verdict, self.presence.children)
        candidates = {c.id: Action.CHECK_IN for c in decision.check_in}
        candidates.update({c.id: Action.CHECK_OUT for c in decision.check_out})
        alarm = [r for r in decision.refused if r.reason is Refusal.NOT_AUTHORISED_PICK_UP]
        # A refused pick-up goes ahead of other events: the server alerts staff when it arrives.
        self._record(decision.events(), scan_at, priority=True)
        if alarm:
            self._alert = _Alert(person, tuple(r.child for r in alarm), scan_at,
                                 self._after(self.config.scan.staff_alert_s))
        if not candidates:
            reason = Refusal.NOT_AUTHORISED_PICK_UP if alarm else (
                decision.refused[0].reason if decision.refused else Refusal.NO_CHILDREN)
            self._signal(False, started)
            self._show(_View(Screen.REFUSED, person=person, refusals=decision.refused, reason=reason,
                             until=self._after(self.config.scan.refused_display_s)))
            return
        if len(candidates) == 1 and decision.preselected == set(candidates) and not alarm:
            pending = _Pending(verdict, decision, scan_at, 0.0, candidates)
            self._complete(pending, set(candidates), started)
            return
        self._signal(not alarm, started)
        pending = _Pending(verdict, decision, scan_at, self._after(self.config.scan.confirm_timeout_s), candidates)
        offered = [(child, candidates[child.id], child.id in decision.preselected)
                   for child in (*decision.check_out, *decision.check_in)]
        self._show(_View(Screen.CONFIRM, person=person, children=offered, refusals=decision.refused,
                         pending=pending, ratio=self.ratio.advise(decision.check_in, decision.preselected)))

    def _complete(self, pending: _Pending, selected: set[int], started: float | None) -> None:
        """Record the check-in and/or check-out of ``selected``, then green, beep and door."""
        verdict = pending.verdict
        assert verdict.person is not None and verdict.method is not None
        ins = sorted(i for i in selected if pending.candidates[i] is Action.CHECK_IN)
        outs = sorted(i for i in selected if pending.candidates[i] is Action.CHECK_OUT)
        events = [attendance_event(kind, person_id=verdict.person.id, children=ids, method=verdict.method,
                                   credential_id=verdict.credential_id)
                  for kind, ids in ((EventKind.ATTENDANCE_CHECK_IN, ins), (EventKind.ATTENDANCE_CHECK_OUT, outs))
                  if ids]
        self._record(events, pending.scan_at)
        # Advised before counting these children: the warning is about the room they are entering.
        arriving = [c for c in pending.decision.check_in if c.id in ins]
        ratio = self.ratio.advise(arriving, ins)
        self.ratio.checked_in(arriving, pending.scan_at)
        self.ratio.checked_out(outs)
        self.presence.check_in(ins)
        self.presence.check_out(outs)
        self._signal(True, started, door=True)
        self.presence.flush()
        children = {c.id: c for c in (*pending.decision.check_in, *pending.decision.check_out)}
        done = [(children[i], pending.candidates[i], True) for i in (*outs, *ins)]
        self._show(_View(Screen.ACCEPTED, person=verdict.person, children=done, refusals=pending.decision.refused,
                         until=self._after(self.config.scan.accepted_display_s), ratio=ratio))

    def _record(self, events: list[KioskEvent], scan_at: datetime, *, priority: bool | None = None) -> None:
        for event in events:
            try:
                self.events.put(event, at=scan_at, priority=priority)
            except Exception as exc:  # disk full, broken SD card: never show green for an unrecorded event
                log.exception("could not store %s", event.kind)
                raise _Fault(str(exc)) from exc

    def _signal(self, accepted: bool, started: float | None, *, door: bool = False) -> None:
        if accepted:
            self.signals.accept()
            if door:
                self.signals.release_door()
        else:
            self.signals.refuse()
        if started is not None:
            self.latencies.append(time.perf_counter() - started)

    def _after(self, seconds: float) -> float:
        return self.clock.monotonic() + seconds

    def _show(self, view: _View) -> None:
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
            except _Fault:
                self.signals.refuse()
                self._show(_View(Screen.REFUSED, person=pending.verdict.person, reason=SYSTEM_FAULT,
                                 until=self._after(self.config.scan.refused_display_s)))
            return self.state()

    def cancel(self) -> dict[str, Any]:
        """Leave the current screen (a pending confirmation records nothing)."""
        with self._lock:
            if self._view.screen in (Screen.CONFIRM, Screen.ACCEPTED, Screen.REFUSED):
                self._show(_View(Screen.IDLE))
            return self.state()

    def pin(self, pin: str, *, person_id: str | None = None, number: str | None = None) -> dict[str, Any]:
        """PIN fallback: the person types the number on their card (or is chosen), then the PIN."""
        with self._lock:
            gate, roster = self.pin_gate, self.roster
        if gate is None or roster is None:
            raise KioskActionError("not_ready")
        if not isinstance(pin, str) or len(pin) > 16:
            raise KioskActionError("bad_request", status=422)
        if person_id is None:
            if not isinstance(number, str) or not re.fullmatch(r"[0-9]{1,12}", number):
                raise KioskActionError("bad_request", status=422)
            matches = [p for p in roster.document.persons if _digits(p.id) == int(number)]
            if len(matches) > 1:
                # Two people share the digits (c12 and s12): ask which, without showing names.
                raise KioskActionError("ambiguous_number", status=409, extra={"choices": [
                    {"person_id": p.id, "kind": p.kind.value} for p in matches]})
            person_id = matches[0].id if matches else number
        elif not isinstance(person_id, str) or len(person_id) > 32:
            raise KioskActionError("bad_request", status=422)
        scan_at = self.clock.now()
        with self._pin_lock:  # argon2 takes a moment: the scan loop is not held up meanwhile
            result = gate.attempt(person_id, pin)
        with self._lock:
            if result.verdict.accepted:
                assert result.verdict.person is not None
                self._recent_persons[result.verdict.person.id] = self.clock.monotonic()
                self._handle(result.verdict, scan_at, None)
            else:
                self._pin_refused(result, gate, scan_at)
            return self.state()

    def _pin_refused(self, result: PinResult, gate: PinGate, scan_at: datetime) -> None:
        verdict = result.verdict
        try:
            self._record([result.event] if result.event else [], scan_at)
        except _Fault:
            self.signals.refuse()
            self._show(_View(Screen.REFUSED, reason=SYSTEM_FAULT, until=self._after(
                self.config.scan.refused_display_s)))
            return
        self.signals.refuse()
        left = None
        if verdict.reason is Refusal.WRONG_PIN and verdict.person is not None and result.retry_after is None:
            left = max(0, gate.limits.person_failures - gate.failures(verdict.person.id))
        self._show(_View(Screen.REFUSED, reason=verdict.reason, retry_after=result.retry_after, attempts_left=left,
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
            view, roster = self._view, self.roster
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
                "person": self._person_json(view.person),
                "staff_action": view.staff_action.value if view.staff_action else None,
                "children": [dict(self._child_json(child), action=action.value, selected=selected)
                             for child, action, selected in view.children],
                "refusals": [{"child": self._child_json(r.child), "reason": r.reason.value,
                              "message_zh": r.message_zh, "message_en": r.message_en} for r in view.refusals],
                "reason": reason, "message_zh": zh, "message_en": en,
                "retry_after_s": None if view.retry_after is None else max(1, round(view.retry_after.total_seconds())),
                "attempts_left": view.attempts_left,
                "seconds_left": (max(0, round(view.pending.deadline - mono)) if view.pending is not None
                                 and view.screen is Screen.CONFIRM else None),
                "alert": self._alert_json(tz),
                "ratio": view.ratio.as_json(),
                "emergency": self.emergencies.banner(tz),
                "warnings": self._warnings(roster, now),
                "demo": self.demo_enabled,
                "pin": self.pin_gate is not None,
            }
        state["banner"] = self._banner()
        return state

    def _photo_url(self, photo_id: int | None) -> str | None:
        return f"/photos/{photo_id}" if photo_id is not None and self.photos.has(photo_id) else None

    def _person_json(self, person: RosterPerson | None) -> dict[str, Any] | None:
        if person is None:
            return None
        return {"id": person.id, "name": person.name, "kind": person.kind.value, "photo": self._photo_url(person.photo)}

    def _child_json(self, child: RosterChild) -> dict[str, Any]:
        return {"id": child.id, "name": child.name, "room": child.room, "photo": self._photo_url(child.photo)}

    def _alert_json(self, tz: ZoneInfo) -> dict[str, Any] | None:
        alert = self._alert
        if alert is None:
            return None
        who = alert.person.name if alert.person else "?"
        names = "、".join(c.name for c in alert.children)
        return {
            "at": alert.at.astimezone(tz).strftime("%H:%M"),
            "person": self._person_json(alert.person),
            "children": [self._child_json(c) for c in alert.children],
            "message_zh": f"请工作人员注意：{who} 未被授权接走 {names}",
            "message_en": f"Staff: {who} is not authorised to pick up {', '.join(c.name for c in alert.children)}",
        }

    def _warnings(self, roster: Roster | None, now: datetime) -> list[dict[str, str]]:
        warnings: list[dict[str, str]] = []
        if roster is None:
            zh, en = LOCAL_MESSAGES["not_ready"]
            warnings.append({"code": "no_roster", "message_zh": zh, "message_en": en})
        else:
            if roster.is_older_than(now, self.config.roster.max_age):
                hours = int(roster.age(now).total_seconds() // 3600)
                warnings.append({"code": "roster_too_old", "message_zh": f"名单已 {hours} 小时未更新，请检查网络",
                                 "message_en": f"The roster is {hours} h old; check the network"})
            if roster.clock_behind(now):
                zh, en = MESSAGES[Refusal.CLOCK_UNSYNCHRONISED]
                warnings.append({"code": "clock_behind", "message_zh": zh, "message_en": en})
        if self.sync is not None:
            status = self.sync.status()
            if status.outcome in (SyncOutcome.REFUSED, SyncOutcome.UNAUTHORISED, SyncOutcome.BAD_ANSWER):
                warnings.append({"code": f"roster_{status.error_code or status.outcome.value}",
                                 "message_zh": status.message_zh, "message_en": status.message_en})
        return warnings

    def _banner(self) -> dict[str, Any] | None:
        if self.deliverer is None:
            return None
        status = self.deliverer.status()
        if status.state is DeliveryState.UNAUTHORISED:
            return {"kind": "unauthorised", "pending": status.pending,
                    "message_zh": f"终端未获授权，{status.pending} 条待上传，请联系管理员",
                    "message_en": f"Kiosk not authorised; {status.pending} waiting. Ask the administrator"}
        # A delivery that just succeeded outranks a roster sync that failed a minute ago.
        sync_offline = (self.sync is not None and self.sync.status().outcome is SyncOutcome.OFFLINE
                        and status.state is not DeliveryState.ONLINE)
        if not ((status.state is DeliveryState.OFFLINE and status.pending > 0) or sync_offline):
            return None
        if status.pending == 0:
            return {"kind": "offline", "pending": 0, "message_zh": "离线", "message_en": "Offline"}
        return {"kind": "offline", "pending": status.pending,
                "message_zh": f"离线，{status.pending} 条待上传", "message_en": f"Offline, {status.pending} waiting"}

    # -- for tests and the benchmark -----------------------------------------------------------

    @property
    def screen(self) -> Screen:
        """The screen shown now."""
        return self._view.screen
