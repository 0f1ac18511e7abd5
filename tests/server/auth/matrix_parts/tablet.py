"""The room tablet's routes in the policy matrix and the isolation test: "my room", the room's screen, its board.

A room's screen and board open for the caregivers working in that room today (home room, a roster shift, the
room they moved into), the 保健员 and the director (tests/server/tablet/test_access.py): the `room` need. The
matrix's caregiver has no staff record, so no room is hers; the inspector (care.read) is no tablet user.
"""

from __future__ import annotations

from server.auth.roles import Perm
from tests.server.auth.matrix_parts._base import PUBLIC, perm, room

NEEDS = {
    "tablet.my_room": perm(Perm.CARE_WRITE),  # a choice of rooms (or straight to one) for whoever logs care
    "tablet.room_page": room(Perm.CARE_READ),
    "tablet_api.board": room(Perm.CARE_READ),  # the same check as the page
    "tablet.service_worker": PUBLIC,  # the script that keeps the room screen offline; names nobody
}
