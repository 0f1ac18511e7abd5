"""People, children and staff alerts as the touch screen's JSON / 屏幕数据.

Photos are linked only when the kiosk holds them, so the page never asks for
a picture that is not there.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from devices.wire.roster import RosterChild, RosterPerson
from kiosk.screens import StaffAlert
from kiosk.sync import PhotoCache


class ScreenJson:
    """Turns roster people and alerts into JSON for ``GET /state``, with photo links."""

    def __init__(self, photos: PhotoCache) -> None:
        self.photos = photos

    def photo_url(self, photo_id: int | None) -> str | None:
        """The photo's URL on the kiosk, or None when there is no photo or it is not cached."""
        return f"/photos/{photo_id}" if photo_id is not None and self.photos.has(photo_id) else None

    def person(self, person: RosterPerson | None) -> dict[str, Any] | None:
        """A person on the screen."""
        if person is None:
            return None
        return {"id": person.id, "name": person.name, "kind": person.kind.value, "photo": self.photo_url(person.photo)}

    def child(self, child: RosterChild) -> dict[str, Any]:
        """A child on the screen."""
        return {"id": child.id, "name": child.name, "room": child.room, "photo": self.photo_url(child.photo)}

    def alert(self, alert: StaffAlert | None, tz: ZoneInfo) -> dict[str, Any] | None:
        """The staff alert for a refused pick-up, or None."""
        if alert is None:
            return None
        who = alert.person.name if alert.person else "?"
        names = "、".join(c.name for c in alert.children)
        return {
            "at": alert.at.astimezone(tz).strftime("%H:%M"),
            "person": self.person(alert.person),
            "children": [self.child(c) for c in alert.children],
            "message_zh": f"请工作人员注意：{who} 未被授权接走 {names}",
            "message_en": f"Staff: {who} is not authorised to pick up {', '.join(c.name for c in alert.children)}",
        }
