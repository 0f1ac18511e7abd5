"""What the kiosk's screen can show, and the texts of outcomes that are not refusals / 屏幕状态.

The states of the state machine in ``kiosk.machine``, kept apart so that the touch
UI, the JSON rendering and the tests share one vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from devices.wire.roster import RosterChild, RosterPerson
from kiosk.ratio import NO_ADVICE, RatioAdvice
from kiosk.staff_notice import ShownNotice
from kiosk.verify import MESSAGES, ChildRefusal, Decision, Refusal, Verdict


class Screen(StrEnum):
    """What the touch screen shows."""

    NOT_READY = "not_ready"
    """No roster yet: nobody can be verified."""
    IDLE = "idle"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    CONFIRM = "confirm"
    HEALTH = "health"
    """The quick health screen of one arriving child (kiosk.health_screen): temperature, then 手口眼."""


class Action(StrEnum):
    """What happened (or will happen on confirm) for a child or a member of staff."""

    CHECK_IN = "check_in"
    CHECK_OUT = "check_out"
    ON_DUTY = "on_duty"
    OFF_DUTY = "off_duty"


SYSTEM_FAULT = "system_fault"
OFFLINE_NEW_PHONE = "offline_new_phone"
"""A phone code newer than the roster while the server cannot be reached: not called forged."""
OFFLINE_NEW_CARD = "offline_new_card"
CONFIRM_CHECK_OUT = "confirm_check_out"
"""The question over the confirm screen when a child checked in moments ago would be checked out."""
COMPARE_PHOTOS = "compare_photos"
NO_PHOTO = "no_photo"
TO_HEALTH_ROOM = "to_health_room"
"""After a quick screen with a fever or a "no" for 手口眼: the check-in is recorded, the 保健员 decides."""
LOCAL_MESSAGES: dict[str, tuple[str, str]] = {
    SYSTEM_FAULT: ("系统故障，未能记录，请联系前台", "System fault: nothing was recorded; please ask the front desk"),
    "nothing_to_confirm": ("没有待确认的签到", "Nothing is waiting for confirmation"),
    "no_selection": ("请至少选择一名幼儿", "Select at least one child"),
    "not_a_candidate": ("所选幼儿不在名单中", "A selected child is not offered here"),
    "not_ready": ("名单未同步，暂不能签到", "No roster yet: check-in is unavailable"),
    "ambiguous_number": ("请选择您的身份", "Choose who you are"),
    "bad_request": ("输入无效", "Invalid input"),
    OFFLINE_NEW_PHONE: ("离线，暂时无法确认新手机，请联系前台或使用签到卡",
                        "Offline: cannot confirm a new phone yet; ask the front desk or use your card"),
    OFFLINE_NEW_CARD: ("离线，暂时无法确认新卡，请联系前台", "Offline: cannot confirm a new card yet; ask the front desk"),
    CONFIRM_CHECK_OUT: ("刚刚已入园，要办理离园吗？", "Just checked in: check out?"),
    COMPARE_PHOTOS: ("请工作人员核对照片", "Staff: please compare the photos"),
    NO_PHOTO: ("无照片，请核对证件", "No photo on file: check ID"),
    TO_HEALTH_ROOM: ("请到保健室", "Please go to the health room"),
    "nothing_to_screen": ("没有待回答的健康询问", "No health question is waiting"),
    "bad_temperature": ("体温读数无效，请重新输入", "That temperature is not a valid reading; please enter it again"),
    "skip_not_allowed": ("本园要求测量体温", "This centre requires the temperature"),
    "wrong_child": ("请回答当前幼儿的健康询问", "Please answer for the child shown"),
}
"""Screen texts of outcomes that are not credential refusals (those are in ``kiosk.verify.MESSAGES``)."""


def message(reason: str) -> tuple[str, str]:
    """``(zh, en)`` screen text for any reason code the kiosk shows."""
    try:
        return MESSAGES[Refusal(reason)]
    except ValueError:
        return LOCAL_MESSAGES.get(reason, ("请联系前台", "Please ask the front desk"))


class KioskActionError(ValueError):
    """A touch-screen action that cannot be done now (nothing to confirm, empty selection…)."""

    def __init__(self, code: str, *, status: int = 409, extra: dict[str, Any] | None = None) -> None:
        self.code = code
        self.message_zh, self.message_en = message(code)
        self.status = status
        self.extra = extra or {}
        super().__init__(f"{code}: {self.message_en}")


@dataclass
class Pending:
    """A confirm screen waiting for a tap."""

    verdict: Verdict
    decision: Decision
    scan_at: datetime
    deadline: float
    candidates: dict[int, Action]


@dataclass
class View:
    """The screen's content (``Kiosk.state()`` turns it into JSON)."""

    screen: Screen
    person: RosterPerson | None = None
    children: list[tuple[RosterChild, Action, bool]] = field(default_factory=list)
    refusals: tuple[ChildRefusal, ...] = ()
    reason: str | None = None
    retry_after: timedelta | None = None
    attempts_left: int | None = None
    until: float | None = None
    pending: Pending | None = None
    staff_action: Action | None = None
    ratio: RatioAdvice = NO_ADVICE
    """Rooms the check-in children would take out of ratio (kiosk.ratio): a warning, never a refusal."""
    prompt: str | None = None
    """A question over the confirm screen (``CONFIRM_CHECK_OUT``), in ``LOCAL_MESSAGES``."""
    notice: ShownNotice | None = None
    """A member of staff's own credential notice on their sign-on screen (kiosk.staff_notice)."""
    health: Any = None
    """The quick health screen in progress (``kiosk.health_screen.ScreenStep``) on ``Screen.HEALTH``."""
    to_health_room: tuple[RosterChild, ...] = ()
    """Children whose quick screen sends them to the 保健室 (``ACCEPTED`` after the screen)."""


@dataclass(frozen=True)
class StaffAlert:
    """A refused pick-up: staff must look."""

    person: RosterPerson | None
    children: tuple[RosterChild, ...]
    at: datetime
    until: float
