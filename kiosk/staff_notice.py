"""A member of staff's own credential notice on their check-in screen (issue #14) / 证件到期提醒.

The roster carries the server's judgement of the day it was built (``RosterPerson.notice``); the kiosk counts
the days again from ``expires_on`` and its own date, so a roster from yesterday neither shows a stale count
nor calls a certificate that lapsed overnight "expiring". The notice never blocks the check-in: the event
goes to the outbox as always and the server flags it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from devices.wire.roster import CredentialNotice, NoticeKind

_NOT_COUNTED = ("：签到已记录，但不计入师幼比，已通知负责人",
                ": your check-in is recorded but does not count towards the ratio; the director has been told")


class ShownKind(StrEnum):
    """What the screen says, counted on the kiosk's day."""

    EXPIRING = "expiring"
    EXPIRED = "expired"
    MISSING = "missing"
    """Not certified with no expiry to name: no credential of that type on file, or not yet valid."""


@dataclass(frozen=True)
class ShownNotice:
    """The notice as the screen shows it."""

    kind: ShownKind
    message_zh: str
    message_en: str
    expires_on: date | None
    days_left: int | None

    def as_json(self) -> dict[str, Any]:
        """For ``GET /state``."""
        return {"kind": self.kind.value, "message_zh": self.message_zh, "message_en": self.message_en,
                "expires_on": self.expires_on.isoformat() if self.expires_on else None, "days_left": self.days_left}


def shown_notice(notice: CredentialNotice | None, today: date) -> ShownNotice | None:
    """The notice for the check-in screen on ``today`` (the centre's local date at the kiosk), or None."""
    if notice is None:
        return None
    zh_title, en_title, expires_on = notice.title_zh, notice.title_en, notice.expires_on
    if expires_on is None:
        if notice.kind is NoticeKind.EXPIRING:
            return None  # cannot happen in a valid roster: an expiring notice names its date
        return ShownNotice(ShownKind.MISSING, f"您缺少有效的{zh_title}{_NOT_COUNTED[0]}",
                           f"No valid {_lower(en_title)} on file{_NOT_COUNTED[1]}", None, None)
    left = (expires_on - today).days
    when = expires_on.isoformat()
    if left < 0:
        return ShownNotice(ShownKind.EXPIRED, f"您的{zh_title}已过期（{when}）{_NOT_COUNTED[0]}",
                           f"Your {_lower(en_title)} expired on {when}{_NOT_COUNTED[1]}", expires_on, left)
    if notice.kind is NoticeKind.NOT_CERTIFIED:
        # Not yet expired here yet flagged by the server (a kiosk clock behind the server's): trust the server.
        return ShownNotice(ShownKind.EXPIRED, f"您的{zh_title}已失效{_NOT_COUNTED[0]}",
                           f"Your {_lower(en_title)} is not valid{_NOT_COUNTED[1]}", expires_on, left)
    renew_zh, renew_en = (("请及时复检", "please book the re-examination") if notice.credential_kind == "health"
                          else ("请及时续办", "please renew it in time"))
    if left == 0:
        return ShownNotice(ShownKind.EXPIRING, f"您的{zh_title}今天（{when}）到期，{renew_zh}",
                           f"Your {_lower(en_title)} expires today ({when}): {renew_en}", expires_on, 0)
    days_en = "1 day" if left == 1 else f"{left} days"
    return ShownNotice(ShownKind.EXPIRING, f"您的{zh_title}将于 {when} 到期（还有 {left} 天），{renew_zh}",
                       f"Your {_lower(en_title)} expires on {when} ({days_en} left): {renew_en}", expires_on, left)


def _lower(title: str) -> str:
    """A title mid-sentence: "Your childcare staff health certificate…" (an acronym such as "ID" is kept)."""
    return title[:1].lower() + title[1:] if title[1:2].islower() else title
