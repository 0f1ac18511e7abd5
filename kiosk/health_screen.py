"""The quick health screen at check-in (issue #15): temperature and 手口眼, asked on the touch screen / 入园健康询问.

When the roster carries the centre's ``health_screen`` settings, a confirmed check-in does not go to the outbox
at once: the touch screen asks, child by child, for the temperature (a number pad; "skip" where the centre
allows it) and whether hands, mouth and eyes look fine (big yes / no buttons). The answers ride in the
check-in event (``devices.wire.health_screen``); the server opens the 晨检 the 保健员 completes.

A fever or a "no" never stops the check-in: the event is recorded, the door opens, and the screen says
"请到保健室" with red and a double beep (``Feedback.attention``). A screen left unanswered (the parent walked
in) records the check-in after ``[scan].health_screen_s`` with the answers given so far; a new scan meanwhile
does the same before it is handled. "Cancel" backs out like the confirm screen's: nothing recorded.

:class:`HealthScreenFlow` is mixed into :class:`kiosk.machine.Kiosk` (it uses the machine's lock, views and
``_complete``), so the state machine itself stays small.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from devices.wire.health_screen import TEMPERATURE_MAX, TEMPERATURE_MIN, QuickScreen, RosterHealthScreen
from devices.wire.roster import RosterChild
from kiosk.checkin import OutboxFault
from kiosk.screens import SYSTEM_FAULT, TO_HEALTH_ROOM, KioskActionError, Pending, Screen, View, message

if TYPE_CHECKING:
    from kiosk.screen_json import ScreenJson


@dataclass
class ScreenStep:
    """The quick screen in progress: the confirmed check-in, the children to ask about, the answers so far."""

    pending: Pending
    selected: set[int]
    children: tuple[RosterChild, ...]
    settings: RosterHealthScreen
    deadline: float
    answers: list[QuickScreen] = field(default_factory=list)

    @property
    def current(self) -> RosterChild | None:
        """The child asked about now; None once every child is answered."""
        return self.children[len(self.answers)] if len(self.answers) < len(self.children) else None

    def as_json(self, json: ScreenJson, mono: float) -> dict[str, Any] | None:
        """What the touch screen needs to ask about the current child."""
        child = self.current
        if child is None:
            return None
        return {"child": json.child(child), "index": len(self.answers) + 1, "total": len(self.children),
                "skip_allowed": self.settings.skip_allowed,
                "fever_from": None if self.settings.fever_from is None else float(self.settings.fever_from),
                "temperature_min": TEMPERATURE_MIN, "temperature_max": TEMPERATURE_MAX,
                "seconds_left": max(0, round(self.deadline - mono)),
                "question_zh": f"请为{child.name}测量体温，并查看手、口、眼",
                "question_en": f"Take {child.name}'s temperature and look at hands, mouth and eyes"}


def health_room_children(step: ScreenStep | None) -> tuple[RosterChild, ...]:
    """The children whose answers send them to the 保健室: a fever, or a "no" for 手口眼.

    A roster without a fever figure (the centre's rulebook has none) judges no fever: only 手口眼 counts.
    """
    if step is None:
        return ()
    sent = {s.child_id for s in step.answers if s.needs_health_room(step.settings.fever_from)}
    return tuple(c for c in step.children if c.id in sent)


def to_health_room_json(children: tuple[RosterChild, ...], json: ScreenJson) -> dict[str, Any] | None:
    """The "请到保健室" banner of the accepted screen, or None."""
    if not children:
        return None
    zh, en = message(TO_HEALTH_ROOM)
    names = "、".join(c.name for c in children)
    return {"code": TO_HEALTH_ROOM, "message_zh": f"{names}：{zh}", "message_en": f"{en}: "
            + ", ".join(c.name for c in children), "children": [json.child(c) for c in children]}


class HealthScreenFlow:
    """The quick-screen part of the kiosk's state machine (mixed into ``kiosk.machine.Kiosk``)."""

    # Provided by the machine:
    _view: View
    _lock: Any
    _json: ScreenJson
    config: Any
    clock: Any
    feedback: Any

    def _complete(self, pending: Pending, selected: set[int], started: float | None,
                  step: ScreenStep | None = None) -> None:
        raise NotImplementedError

    def _show(self, view: View) -> None:
        raise NotImplementedError

    def _after(self, seconds: float) -> float:
        raise NotImplementedError

    def state(self) -> dict[str, Any]:
        raise NotImplementedError

    @property
    def roster(self) -> Any:
        raise NotImplementedError

    # -- the flow -------------------------------------------------------------------------------------

    def _screen_first(self, pending: Pending, selected: set[int], started: float | None) -> bool:
        """Put up the quick screen when the roster asks for one and children check in; True if it is up now."""
        roster = self.roster
        settings = roster.document.health_screen if roster is not None else None
        arriving = tuple(c for c in pending.decision.check_in if c.id in selected)
        if settings is None or not arriving:
            return False
        # The scan is good: green and a beep now; the door opens once the answers are recorded.
        self.feedback.outcome(True, started)
        step = ScreenStep(pending, set(selected), arriving, settings, self._after(self.config.scan.health_screen_s))
        self._show(View(Screen.HEALTH, person=pending.verdict.person, health=step))
        return True

    def answer_screen(self, child_id: int, *, temperature: object = None, skipped: bool = False,
                      hands_mouth_eyes_ok: object = None) -> dict[str, Any]:
        """The parent's answers for the child on screen (the touch UI's ``POST /screen``)."""
        with self._lock:
            step = self._view.health
            if self._view.screen is not Screen.HEALTH or step is None or step.current is None:
                raise KioskActionError("nothing_to_screen")
            if child_id != step.current.id:
                raise KioskActionError("wrong_child", status=422)
            if skipped and not step.settings.skip_allowed:
                raise KioskActionError("skip_not_allowed", status=422)
            if isinstance(temperature, int | float) and not isinstance(temperature, bool):
                temperature = float(Decimal(str(temperature)).quantize(Decimal("0.1")))
            try:
                screen = QuickScreen.model_validate({"child_id": child_id, "temperature": temperature,
                                                     "skipped": skipped, "hands_mouth_eyes_ok": hands_mouth_eyes_ok})
            except ValidationError:
                raise KioskActionError("bad_temperature", status=422) from None
            step.answers.append(screen)
            if step.current is not None:
                step.deadline = self._after(self.config.scan.health_screen_s)
                self._show(View(Screen.HEALTH, person=step.pending.verdict.person, health=step))
            else:
                self._finish_screen(step)
            return self.state()

    def _finish_screen(self, step: ScreenStep) -> None:
        """Record the check-in with the answers given (all of them, or those before a timeout or a new scan)."""
        try:
            self._complete(step.pending, step.selected, None, step)
        except OutboxFault:
            self.feedback.refuse()
            self._show(View(Screen.REFUSED, person=step.pending.verdict.person, reason=SYSTEM_FAULT,
                            until=self._after(self.config.scan.refused_display_s)))

    def _settle_screen(self, *, timed_out_only: bool) -> None:
        """Record a quick screen left open: when it timed out, or (``timed_out_only=False``) before a new scan."""
        step = self._view.health
        if self._view.screen is not Screen.HEALTH or step is None:
            return
        if timed_out_only and self.clock.monotonic() < step.deadline:
            return
        self._finish_screen(step)
