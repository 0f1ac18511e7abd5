"""What the room tablet shows as due: each child's consented times of today, and which were given."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from server.care.medication.consents import amended_ids, doses_of_consents, withdrawals
from server.care.medication.models import MedicationConsent
from server.centre.operations import centre_by_id
from server.centre.timezones import centre_zone
from server.database import db
from server.people.models import Child

# Any centre's local date is within a day of the UTC date: the SQL filter keeps that margin, Python the exact day.
_ZONE_MARGIN = timedelta(days=1)


@dataclass(frozen=True)
class DueDose:
    """A consented time of today for the room tablet: `given` once a dose under the consent matched it."""

    consent_id: int
    drug: str
    dose: Decimal
    unit: str
    route: str
    due_at: datetime  # aware UTC
    given: bool


def _current_consents(ids: list[int], now: datetime) -> list[MedicationConsent]:
    """The children's consents whose days may include the local today, of the child's own centre."""
    utc_day = now.astimezone(UTC).date()
    return list(db.session.execute(
        select(MedicationConsent).join(Child, Child.id == MedicationConsent.child_id)
        .where(MedicationConsent.child_id.in_(ids), MedicationConsent.centre_id == Child.centre_id,
               MedicationConsent.first_day <= utc_day + _ZONE_MARGIN,
               MedicationConsent.last_day >= utc_day - _ZONE_MARGIN)
        .order_by(MedicationConsent.id)).scalars())


def doses_due(child_ids: Iterable[int], now: datetime) -> dict[int, list[DueDose]]:
    """Each child's consented doses of the centre's local today (given or not), by time.

    Every child asked for is a key. Consents withdrawn, corrected, or outside their days are left out. No
    authorisation: the caller (the room tablet's board) has checked HEALTH_READ for the room.
    """
    ids = list(dict.fromkeys(child_ids))
    out: dict[int, list[DueDose]] = {i: [] for i in ids}
    if not ids:
        return out
    consents = _current_consents(ids, now)
    if not consents:
        return out
    gone = withdrawals(c.id for c in consents)
    amended = amended_ids(c.id for c in consents)  # a correction may itself lie outside today
    zones: dict[int, Any] = {}
    live = []
    for consent in consents:
        tz = zones.setdefault(consent.centre_id, centre_zone(centre_by_id(consent.centre_id)))
        today = now.astimezone(tz).date()
        withdrawal = gone.get(consent.id)
        if consent.id in amended or (withdrawal is not None and withdrawal.at <= now):
            continue
        if consent.first_day <= today <= consent.last_day:
            live.append((consent, tz, today))
    doses = doses_of_consents(c.id for c, _, _ in live)
    for consent, tz, today in live:
        given_today = [d.at for d in doses if d.consent_id == consent.id and d.at.astimezone(tz).date() == today]
        slots = [datetime.combine(today, time.fromisoformat(t), tzinfo=tz) for t in consent.times]
        taken = _match(slots, given_today, timedelta(minutes=consent.window_minutes))
        for slot, given in zip(slots, taken, strict=True):
            out[consent.child_id].append(DueDose(consent.id, consent.drug, Decimal(consent.dose), consent.dose_unit,
                                                 consent.route, slot.astimezone(UTC), given))
    for items in out.values():
        items.sort(key=lambda d: (d.due_at, d.consent_id))
    return out


def _match(slots: list[datetime], given: list[datetime], window: timedelta) -> list[bool]:
    """Which slots a dose was given for: each dose counts for the nearest open slot within the window."""
    taken = [False] * len(slots)
    for at in sorted(given):
        near = [(abs(at - s), i) for i, s in enumerate(slots) if not taken[i] and abs(at - s) <= window]
        if near:
            taken[min(near)[1]] = True
    return taken
