"""Is this kiosk fit to work: roster age, clock, roster sync and delivery status / 同步与离线状态.

Warnings and the offline banner on the screen; they never stop a check-in, they
tell staff to look at the network, the clock or the kiosk's authorisation.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from devices.delivery import Deliverer, DeliveryState
from kiosk.roster import Roster
from kiosk.screens import LOCAL_MESSAGES
from kiosk.sync import RosterSync, SyncOutcome
from kiosk.verify import MESSAGES, Refusal


def warnings(roster: Roster | None, now: datetime, max_age: timedelta, sync: RosterSync | None) -> list[dict[str, str]]:
    """No roster, a roster too old, a clock behind the roster, a roster sync the server refused."""
    found: list[dict[str, str]] = []
    if roster is None:
        zh, en = LOCAL_MESSAGES["not_ready"]
        found.append({"code": "no_roster", "message_zh": zh, "message_en": en})
    else:
        if roster.is_older_than(now, max_age):
            hours = int(roster.age(now).total_seconds() // 3600)
            found.append({"code": "roster_too_old", "message_zh": f"名单已 {hours} 小时未更新，请检查网络",
                          "message_en": f"The roster is {hours} h old; check the network"})
        if roster.clock_behind(now):
            zh, en = MESSAGES[Refusal.CLOCK_UNSYNCHRONISED]
            found.append({"code": "clock_behind", "message_zh": zh, "message_en": en})
    if sync is not None:
        status = sync.status()
        if status.outcome in (SyncOutcome.REFUSED, SyncOutcome.UNAUTHORISED, SyncOutcome.BAD_ANSWER):
            found.append({"code": f"roster_{status.error_code or status.outcome.value}",
                          "message_zh": status.message_zh, "message_en": status.message_en})
    return found


def offline_banner(deliverer: Deliverer | None, sync: RosterSync | None) -> dict[str, Any] | None:
    """The banner for an unauthorised or offline kiosk, with the events waiting to go; None when online."""
    if deliverer is None:
        return None
    status = deliverer.status()
    if status.state is DeliveryState.UNAUTHORISED:
        return {"kind": "unauthorised", "pending": status.pending,
                "message_zh": f"终端未获授权，{status.pending} 条待上传，请联系管理员",
                "message_en": f"Kiosk not authorised; {status.pending} waiting. Ask the administrator"}
    # A delivery that just succeeded outranks a roster sync that failed a minute ago.
    sync_offline = (sync is not None and sync.status().outcome is SyncOutcome.OFFLINE
                    and status.state is not DeliveryState.ONLINE)
    if not ((status.state is DeliveryState.OFFLINE and status.pending > 0) or sync_offline):
        return None
    if status.pending == 0:
        return {"kind": "offline", "pending": 0, "message_zh": "离线", "message_en": "Offline"}
    return {"kind": "offline", "pending": status.pending,
            "message_zh": f"离线，{status.pending} 条待上传", "message_en": f"Offline, {status.pending} waiting"}
