"""The isolation room and the epidemic-prevention supplies: record the room, set minimums, move stock.

A stock move that leaves a supply below its minimum raises an alert for the director (`supplies.below_minimum`,
one per supply); its condition (`supply_below_minimum`, listed by the app factory in `tuoyu.alert_conditions`)
holds until the stock is back at the minimum, when the move that restocks resolves it. How long a supply may stay
below is the rule `health.isolation_supplies`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from server.alerts.models import Alert
from server.alerts.operations import raise_alert, resolve
from server.audit.operations import audit_record
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.centre.models import Centre
from server.centre.timezones import centre_today
from server.database import db
from server.emergencies.supplies_models import (
    SUPPLY_CATALOGUE,
    SUPPLY_LABELS,
    IsolationRoomRecord,
    MovementKind,
    SupplyKind,
    SupplyMinimum,
    SupplyMovement,
)
from server.errors import ProblemCollector

ISOLATION_FIELDS = ("has_room", "location", "checked_on", "note", "recorded_by_id", "recorded_at")
MINIMUM_FIELDS = ("kind", "minimum", "set_by_id", "set_at")
MOVEMENT_FIELDS = ("kind", "movement", "quantity", "balance", "note", "recorded_by_id", "recorded_at")
ALERT_KIND = "supplies.below_minimum"
ALERT_SEVERITY = "warning"
MAX_QUANTITY = 1_000_000


@dataclass(frozen=True)
class SupplyLine:
    """One supply: its minimum, its stock, since when it is below the minimum (None: it is not, or never counted)."""

    kind: SupplyKind
    minimum: int
    balance: int
    below_since: datetime | None
    last_moved_at: datetime | None

    @property
    def below(self) -> bool:
        return self.last_moved_at is not None and self.balance < self.minimum


def _kind(value: str, problems: ProblemCollector) -> SupplyKind | None:
    try:
        return SupplyKind(value)
    except ValueError:
        problems.add("bad_choice", _l("Choose one of the options."), "kind")
        return None


def record_isolation_room(centre: Centre, *, has_room: bool, location: str | None, checked_on: date | None,
                          note: str | None = None, actor: Actor, now: datetime) -> IsolationRoomRecord:
    """Say whether the centre has an isolation room, where, and when it was last checked (the latest record stands)."""
    authorise(actor, Perm.EMERGENCY_MANAGE, centre.id, now)
    problems = ProblemCollector()
    place = (location or "").strip() or None
    if has_room and place is None:
        problems.add("required", _l("Say where the isolation room is"), "location")
    elif place is not None and len(place) > 120:
        problems.add("too_long", _l("At most %(most)s characters.", most=120), "location")
    if checked_on is not None and checked_on > centre_today(centre, now):
        problems.add("in_future", _l("The date is in the future"), "checked_on")
    text = (note or "").strip() or None
    if text is not None and len(text) > 200:
        problems.add("too_long", _l("At most %(most)s characters.", most=200), "note")
    problems.raise_if_any()
    row = IsolationRoomRecord(centre_id=centre.id, has_room=has_room, location=place if has_room else None,
                              checked_on=checked_on if has_room else None, note=text, recorded_by_id=actor.user_id,
                              recorded_at=now)
    db.session.add(row)
    db.session.flush()
    audit_record(row, "isolation.record", None, ISOLATION_FIELDS, actor=actor, now=now)
    return row


def isolation_room(centre_id: int, *, until: datetime | None = None) -> IsolationRoomRecord | None:
    """The latest isolation-room record (as it stood before `until`, if given)."""
    stmt = select(IsolationRoomRecord).where(IsolationRoomRecord.centre_id == centre_id)
    if until is not None:
        stmt = stmt.where(IsolationRoomRecord.recorded_at < until)
    return db.session.execute(stmt.order_by(IsolationRoomRecord.recorded_at.desc(), IsolationRoomRecord.id.desc())
                              .limit(1)).scalar_one_or_none()


def minimum_of(centre_id: int, kind: SupplyKind) -> int:
    """The centre's minimum stock of a supply: its latest setting, else the catalogue's."""
    value = db.session.execute(select(SupplyMinimum.minimum).where(
        SupplyMinimum.centre_id == centre_id, SupplyMinimum.kind == kind)
        .order_by(SupplyMinimum.set_at.desc(), SupplyMinimum.id.desc()).limit(1)).scalar_one_or_none()
    return value if value is not None else SUPPLY_CATALOGUE[kind].default_minimum


def _movements(centre_id: int, kind: SupplyKind, until: datetime | None = None) -> list[SupplyMovement]:
    stmt = select(SupplyMovement).where(SupplyMovement.centre_id == centre_id, SupplyMovement.kind == kind)
    if until is not None:
        stmt = stmt.where(SupplyMovement.recorded_at < until)
    return list(db.session.execute(stmt.order_by(SupplyMovement.id)).scalars())


def supply_line(centre_id: int, kind: SupplyKind, *, until: datetime | None = None) -> SupplyLine:
    minimum = minimum_of(centre_id, kind)
    moves = _movements(centre_id, kind, until)
    balance, below_since = 0, None
    for move in moves:
        balance = move.balance
        if balance < minimum:
            below_since = below_since or move.recorded_at
        else:
            below_since = None
    return SupplyLine(kind, minimum, balance, below_since, moves[-1].recorded_at if moves else None)


def stock_levels(centre_id: int, *, until: datetime | None = None) -> list[SupplyLine]:
    """Every supply of the catalogue with its stock and minimum."""
    return [supply_line(centre_id, kind, until=until) for kind in SupplyKind]


def _sync_alert(centre: Centre, line: SupplyLine, now: datetime) -> None:
    """Raise the supply's alert when it is below its minimum; resolve it when it is not."""
    key = f"supply:{line.kind.value}"
    if line.below:
        zh, en = SUPPLY_LABELS[line.kind]
        raise_alert(centre.id, kind=ALERT_KIND, severity=ALERT_SEVERITY, dedupe_key=key,
                    message_zh=f"防疫物资“{zh}”库存 {line.balance}，低于最低库存 {line.minimum}",
                    message_en=f"Epidemic-prevention supply {en}: {line.balance} in stock, below its minimum "
                               f"{line.minimum}",
                    subject={"supply": line.kind.value}, now=now)
        return
    for alert in db.session.execute(select(Alert).where(
            Alert.centre_id == centre.id, Alert.dedupe_key == key, Alert.resolved_at.is_(None))).scalars():
        resolve(alert, actor=Actor.system(), now=now)


def set_minimum(centre: Centre, *, kind: str, minimum: int, actor: Actor, now: datetime) -> SupplyMinimum:
    """Change a supply's minimum stock (the alert follows at once)."""
    authorise(actor, Perm.EMERGENCY_MANAGE, centre.id, now)
    problems = ProblemCollector()
    supply = _kind(kind, problems)
    if not 0 <= minimum <= MAX_QUANTITY:
        problems.add("out_of_range", _l("Between %(low)s and %(high)s", low=0, high=MAX_QUANTITY), "minimum")
    problems.raise_if_any()
    assert supply is not None
    row = SupplyMinimum(centre_id=centre.id, kind=supply, minimum=minimum, set_by_id=actor.user_id, set_at=now)
    db.session.add(row)
    db.session.flush()
    audit_record(row, "supplies.minimum", None, MINIMUM_FIELDS, actor=actor, now=now)
    if _movements(centre.id, supply):
        _sync_alert(centre, supply_line(centre.id, supply), now)
    return row


def record_movement(centre: Centre, *, kind: str, movement: str, quantity: int, note: str | None = None,
                    actor: Actor, now: datetime) -> SupplyMovement:
    """Stock received, used, or counted (a count replaces the stock); the minimum-stock alert follows."""
    authorise(actor, Perm.EMERGENCY_MANAGE, centre.id, now)
    problems = ProblemCollector()
    supply = _kind(kind, problems)
    try:
        move = MovementKind(movement)
    except ValueError:
        problems.add("bad_choice", _l("Choose one of the options."), "movement")
        move = None
    low = 0 if move == MovementKind.COUNTED else 1
    if not low <= quantity <= MAX_QUANTITY:
        problems.add("out_of_range", _l("Between %(low)s and %(high)s", low=low, high=MAX_QUANTITY), "quantity")
    text = (note or "").strip() or None
    if text is not None and len(text) > 200:
        problems.add("too_long", _l("At most %(most)s characters.", most=200), "note")
    balance = supply_line(centre.id, supply).balance if supply is not None else 0
    if move == MovementKind.USED and quantity > balance:
        problems.add("not_enough_stock", _l("Only %(left)s in stock", left=balance), "quantity")
    problems.raise_if_any()
    assert supply is not None and move is not None
    after = {MovementKind.RECEIVED: balance + quantity, MovementKind.USED: balance - quantity,
             MovementKind.COUNTED: quantity}[move]
    row = SupplyMovement(centre_id=centre.id, kind=supply, movement=move, quantity=quantity, balance=after,
                         note=text, recorded_by_id=actor.user_id, recorded_at=now)
    db.session.add(row)
    db.session.flush()
    audit_record(row, "supplies.move", None, MOVEMENT_FIELDS, actor=actor, now=now)
    _sync_alert(centre, supply_line(centre.id, supply), now)
    return row


def movements(centre_id: int, *, since: datetime | None = None, until: datetime | None = None) -> list[SupplyMovement]:
    """The stock moves of a span, oldest first."""
    stmt = select(SupplyMovement).where(SupplyMovement.centre_id == centre_id)
    if since is not None:
        stmt = stmt.where(SupplyMovement.recorded_at >= since)
    if until is not None:
        stmt = stmt.where(SupplyMovement.recorded_at < until)
    return list(db.session.execute(stmt.order_by(SupplyMovement.recorded_at, SupplyMovement.id)).scalars())


def list_supplies(centre: Centre, *, actor: Actor, now: datetime) -> list[SupplyLine]:
    authorise(actor, Perm.EMERGENCY_READ, centre.id, now)
    return stock_levels(centre.id)


def supply_below_minimum(alert: Alert) -> bool:
    """The alert's condition: its supply is still below its minimum (then nobody resolves it by hand)."""
    value = (alert.subject or {}).get("supply")
    try:
        kind = SupplyKind(str(value))
    except ValueError:
        return False
    return supply_line(alert.centre_id, kind).below
