"""Record 晨午检 and observations, the kiosk's quick screen, corrections and the closing of follow-ups.

The only place that writes checks: one audit entry per row. An abnormal result (a sign off, or a temperature at
or above the rulebook's fever figure, `health.morning_check.fever_c`) queues a notice to the guardians and opens
a follow-up that `close_follow_up` ends. Which children are in today comes from attendance, handed down by the app
factory as `app.extensions["tuoyu.present_children"]` (health sits below attendance).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from compliance.health import CheckKind
from devices.wire.health_screen import TEMPERATURE_MAX, TEMPERATURE_MIN
from server.audit.operations import audit_record
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.centre.models import Centre
from server.centre.operations import centre_by_id
from server.centre.rules import effective_rules
from server.centre.timezones import centre_zone
from server.database import db
from server.errors import Conflict, NotFound, ProblemCollector
from server.health.checks.models import CheckSource, CheckStatus, FollowUpClosure, HealthCheck
from server.notices.operations import queue_notice
from server.people.models import Child

PRESENT_KEY = "tuoyu.present_children"  # app.extensions: (centre_id, day) -> {child_id: room_id} checked in
PresentChildren = Callable[[int, date], dict[int, int | None]]
MORNING_RULE = "health.morning_check"
NOTICE_KIND = "health_check.abnormal"
NOTICE_SUBJECT = "Something abnormal was found at your child's health check"
_l("Something abnormal was found at your child's health check")  # the msgid is translated when delivered
# A body temperature a thermometer can give, °C: the wire's figures, the same at the kiosk's door.
LOWEST, HIGHEST = Decimal(str(TEMPERATURE_MIN)), Decimal(str(TEMPERATURE_MAX))
MAX_FINDINGS, MAX_REASON, MAX_OUTCOME = 1000, 500, 1000
SIGNS = ("hands_mouth_eyes_ok", "skin_ok", "spirits_ok", "asked_ok")
CHECK_FIELDS = ("child_id", "room_id", "kind", "at", "on", "source", "device_id", "temperature",
                "hands_mouth_eyes_ok", "skin_ok", "spirits_ok", "asked_ok", "dangerous_objects_found", "findings",
                "result", "to_observation_room", "checked_by_id", "completes_id", "amends_id", "reason")


def present_children(centre_id: int, day: date) -> dict[int, int | None]:
    """The children checked in at the centre that local day, with their class (from attendance, handed down)."""
    provider: PresentChildren | None = current_app.extensions.get(PRESENT_KEY)
    return dict(provider(centre_id, day)) if provider is not None else {}


def fever_threshold(centre: Centre, day: date) -> Decimal | None:
    """The temperature from which a child has a fever (°C), from the rulebook; None when no rule says."""
    rule = effective_rules(centre, day).get(MORNING_RULE)
    if rule is None or "fever_c" not in rule.parameters:
        return None
    return rule.value("fever_c")


def has_fever(temperature: Decimal | None, threshold: Decimal | None) -> bool:
    return temperature is not None and threshold is not None and temperature >= threshold


def signs_off(row: HealthCheck) -> list[str]:
    """The names of the signs found not right (None: not looked at), and `dangerous_objects_found`."""
    off = [name for name in SIGNS if getattr(row, name) is False]
    return off + (["dangerous_objects_found"] if row.dangerous_objects_found else [])


def screen_is_abnormal(row: HealthCheck, threshold: Decimal | None) -> bool:
    """A kiosk screen that found a fever or 手口眼 not right: first in the 保健员's queue."""
    return not row.hands_mouth_eyes_ok or has_fever(row.temperature, threshold)


def parse_temperature(value: Decimal | float | str | None, problems: ProblemCollector) -> Decimal | None:
    """A body temperature to 0.1 °C, from a number or from what was typed ("36,5", "36.5℃"); None when empty.

    A problem (not a number; outside `LOWEST`–`HIGHEST`) is added to `problems` on the field "temperature".
    The one parser of the form, the API and the kiosk's screen.
    """
    if isinstance(value, str):
        value = value.strip().replace(",", ".").replace("℃", "").replace("°C", "").strip() or None
    if value is None:
        return None
    try:
        reading = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        reading = None
    if reading is None or not reading.is_finite():
        problems.add("bad_temperature", _l("Enter the temperature in °C, e.g. 36.5"), "temperature")
        return None
    if not LOWEST <= reading <= HIGHEST:
        problems.add("temperature_out_of_range", _l("A temperature between %(low)s and %(high)s °C", low=LOWEST,
                                                     high=HIGHEST), "temperature")
        return None
    return reading


def amended_ids(row_ids: Iterable[int]) -> set[int]:
    """Those of these rows a correction replaced (they no longer count)."""
    ids = list(row_ids)
    if not ids:
        return set()
    return set(db.session.execute(select(HealthCheck.amends_id).where(HealthCheck.amends_id.in_(ids))).scalars())


def open_screens(child_ids: Iterable[int], day: date) -> dict[int, HealthCheck]:
    """Each child's latest kiosk screen of the day that no full check has completed yet (none: left out)."""
    ids = list(child_ids)
    if not ids:
        return {}
    rows = list(db.session.execute(select(HealthCheck).where(
        HealthCheck.child_id.in_(ids), HealthCheck.on == day)).scalars())
    completed = {r.completes_id for r in rows if r.completes_id is not None}
    latest: dict[int, HealthCheck] = {}
    for row in sorted(rows, key=lambda r: (r.at, r.id)):
        if row.result is CheckStatus.PENDING and row.id not in completed:
            latest[row.child_id] = row
    return latest


def open_screen(child_id: int, day: date) -> HealthCheck | None:
    """The child's latest kiosk screen of the day that no full check has completed yet."""
    return open_screens([child_id], day).get(child_id)


def _kind(kind: object) -> CheckKind | None:
    try:
        return CheckKind(kind)
    except ValueError:
        return None


def _check_values(*, kind: object, temperature: Decimal | None, values: dict[str, object],
                  findings: str, to_observation_room: bool, threshold: Decimal | None,
                  problems: ProblemCollector) -> CheckStatus:
    if not isinstance(kind, CheckKind):
        problems.add("bad_choice", _l("Choose morning, noon or observation"), "kind")
    elif kind is CheckKind.MORNING and temperature is None and "temperature" not in {p.field for p in problems.problems}:
        problems.add("required", _l("A morning check takes the temperature"), "temperature")
    abnormal = has_fever(temperature, threshold) or any(values[s] is False for s in SIGNS) or bool(
        values["dangerous_objects_found"])
    if len(findings) > MAX_FINDINGS:
        problems.add("too_long", _l("At most %(most)s characters.", most=MAX_FINDINGS), "findings")
    elif not findings and (any(values[s] is False for s in SIGNS) or values["dangerous_objects_found"]):
        problems.add("findings_required", _l("Say what was found"), "findings")
    if to_observation_room and not abnormal:
        problems.add("observation_room_needs_abnormal",
                     _l("Only a child with something abnormal goes to the observation room"), "to_observation_room")
    return CheckStatus.ABNORMAL if abnormal else CheckStatus.NORMAL


def record_check(
    child: Child, *, kind: CheckKind, temperature: Decimal | str | None, hands_mouth_eyes_ok: bool, skin_ok: bool,
    spirits_ok: bool, asked_ok: bool, dangerous_objects_found: bool, findings: str, to_observation_room: bool,
    completes_id: int | None, actor: Actor, now: datetime,
) -> HealthCheck:
    """Record a full check now (晨检, 午检 or an observation). Abnormal → a guardian notice and an open follow-up.

    A morning check completes the child's open kiosk screen of the day (`completes_id`, or found by itself).
    `temperature` may be what was typed in the form (`parse_temperature`).
    """
    authorise(actor, Perm.HEALTH_CHECKS_WRITE, child.centre_id, now)
    centre = centre_by_id(child.centre_id)
    day = now.astimezone(centre_zone(centre)).date()
    problems = ProblemCollector()
    reading = parse_temperature(temperature, problems)
    findings = (findings or "").strip()
    values = {"hands_mouth_eyes_ok": bool(hands_mouth_eyes_ok), "skin_ok": bool(skin_ok),
              "spirits_ok": bool(spirits_ok), "asked_ok": bool(asked_ok),
              "dangerous_objects_found": bool(dangerous_objects_found)}
    kind = _kind(kind)  # type: ignore[assignment]
    result = _check_values(kind=kind, temperature=reading, values=values, findings=findings,
                           to_observation_room=bool(to_observation_room), threshold=fever_threshold(centre, day),
                           problems=problems)
    if child.enrolled_on > day or (child.left_on is not None and child.left_on < day):
        problems.add("not_enrolled", _l("The child is not enrolled today"), "child_id")
    screen = open_screen(child.id, day) if kind is CheckKind.MORNING else None
    if completes_id is not None:
        target = db.session.get(HealthCheck, completes_id)
        if target is None or target.child_id != child.id or target.on != day or target.result is not CheckStatus.PENDING:
            problems.add("unknown_screen", _l("No kiosk screen of this child today"), "completes_id")
        elif kind is not CheckKind.MORNING:
            problems.add("screen_needs_morning", _l("A kiosk screen is completed by a morning check"), "kind")
        elif db.session.execute(select(HealthCheck.id).where(HealthCheck.completes_id == target.id)).first():
            problems.add("screen_completed", _l("This kiosk screen is already completed"), "completes_id")
        screen = target
    problems.raise_if_any()
    row = HealthCheck(
        centre_id=child.centre_id, child_id=child.id, room_id=child.room_id, kind=kind, at=now, on=day,
        source=CheckSource.TABLET, temperature=reading, findings=findings, result=result,
        to_observation_room=bool(to_observation_room), checked_by_id=actor.user_id,
        completes_id=screen.id if screen is not None else None, recorded_at=now, **values)
    return _insert(row, "health_check.record", notify=result is CheckStatus.ABNORMAL, actor=actor, now=now)


def amend_check(
    original: HealthCheck, *, reason: str, temperature: Decimal | None, hands_mouth_eyes_ok: bool, skin_ok: bool,
    spirits_ok: bool, asked_ok: bool, dangerous_objects_found: bool, findings: str, to_observation_room: bool,
    actor: Actor, now: datetime,
) -> HealthCheck:
    """Correct a full check: a new row with the reason replaces it (same time and day; the original stays)."""
    authorise(actor, Perm.HEALTH_CHECKS_WRITE, original.centre_id, now)
    if original.result is CheckStatus.PENDING:
        raise Conflict(_l("A kiosk screen is completed by a check, not corrected"), code="screen_not_amendable")
    if amended_ids([original.id]):
        raise Conflict(_l("Already corrected: amend the latest record"), code="already_amended")
    child = db.session.get(Child, original.child_id)
    assert child is not None
    problems = ProblemCollector()
    reading = parse_temperature(temperature, problems)
    findings, why = (findings or "").strip(), (reason or "").strip()
    values = {"hands_mouth_eyes_ok": bool(hands_mouth_eyes_ok), "skin_ok": bool(skin_ok),
              "spirits_ok": bool(spirits_ok), "asked_ok": bool(asked_ok),
              "dangerous_objects_found": bool(dangerous_objects_found)}
    result = _check_values(kind=original.kind, temperature=reading, values=values, findings=findings,
                           to_observation_room=bool(to_observation_room),
                           threshold=fever_threshold(centre_by_id(original.centre_id), original.on), problems=problems)
    if not why:
        problems.add("reason_required", _l("Say why it is corrected"), "reason")
    elif len(why) > MAX_REASON:
        problems.add("too_long", _l("At most %(most)s characters.", most=MAX_REASON), "reason")
    problems.raise_if_any()
    row = HealthCheck(
        centre_id=original.centre_id, child_id=original.child_id, room_id=original.room_id, kind=original.kind,
        at=original.at, on=original.on, source=original.source, device_id=original.device_id, temperature=reading,
        findings=findings, result=result, to_observation_room=bool(to_observation_room),
        checked_by_id=actor.user_id, completes_id=original.completes_id, amends_id=original.id, reason=why,
        recorded_at=now, **values)
    newly_abnormal = result is CheckStatus.ABNORMAL and original.result is not CheckStatus.ABNORMAL
    return _insert(row, "health_check.amend", notify=newly_abnormal, actor=actor, now=now)


def _insert(row: HealthCheck, action: str, *, notify: bool, actor: Actor, now: datetime) -> HealthCheck:
    db.session.add(row)
    db.session.flush()
    audit_record(row, action, None, CHECK_FIELDS, actor=actor, now=now)
    if notify:
        queue_notice(centre_id=row.centre_id, child_id=row.child_id, kind=NOTICE_KIND, subject=NOTICE_SUBJECT,
                     detail={"check_id": row.id, "kind": row.kind.value, "at": row.at.isoformat(),
                             "temperature": None if row.temperature is None else str(row.temperature),
                             "signs_off": signs_off(row), "findings": row.findings,
                             "to_observation_room": row.to_observation_room},
                     actor=actor, now=now)
    return row


def record_quick_screen(child: Child, *, temperature: Decimal | None, hands_mouth_eyes_ok: bool,
                        device_id: int | None, at: datetime, now: datetime) -> HealthCheck:
    """The kiosk's screen at check-in: a `pending` morning row the 保健员 completes. Never refuses.

    Called from attendance's kiosk handler (the device is authenticated there). A reading no thermometer gives
    is kept out of `temperature` and noted in `findings`.
    """
    centre = centre_by_id(child.centre_id)
    day = at.astimezone(centre_zone(centre)).date()
    problems = ProblemCollector()
    reading = parse_temperature(temperature, problems)
    findings = f"kiosk reading {temperature} °C discarded" if problems.problems else ""
    row = HealthCheck(
        centre_id=child.centre_id, child_id=child.id, room_id=child.room_id, kind=CheckKind.MORNING, at=at,
        on=day, source=CheckSource.KIOSK, device_id=device_id, temperature=reading,
        hands_mouth_eyes_ok=bool(hands_mouth_eyes_ok), skin_ok=None, spirits_ok=None, asked_ok=None,
        dangerous_objects_found=None, findings=findings, result=CheckStatus.PENDING, to_observation_room=False,
        checked_by_id=None, recorded_at=now)
    return _insert(row, "health_check.screen", notify=False, actor=Actor(kind="device"), now=now)


def parents_of(row_ids: Iterable[int]) -> dict[int, int]:
    """Row id → the id of the row it corrects, for these rows and up their correction chains (none: left out).

    One query per step up the chains (corrections of corrections are rare), never the centre's whole history.
    """
    parent: dict[int, int] = {}
    frontier = set(row_ids)
    while frontier:
        found = dict(db.session.execute(select(HealthCheck.id, HealthCheck.amends_id).where(
            HealthCheck.id.in_(frontier), HealthCheck.amends_id.is_not(None))).all())
        parent.update(found)
        frontier = set(found.values()) - parent.keys()
    return parent


def chain_ids(row_id: int, parent: dict[int, int] | None = None) -> list[int]:
    """The row and every row it corrects, newest first (`parent`: from `parents_of`, read when not given)."""
    parent = parents_of([row_id]) if parent is None else parent
    ids = [row_id]
    while ids[-1] in parent:
        ids.append(parent[ids[-1]])
    return ids


def closure_of(check: HealthCheck) -> FollowUpClosure | None:
    """The closing of this check's follow-up (made on it or on a row it corrects)."""
    return db.session.execute(select(FollowUpClosure).where(
        FollowUpClosure.check_id.in_(chain_ids(check.id)))).scalars().first()


def close_follow_up(check: HealthCheck, *, outcome: str, actor: Actor, now: datetime) -> FollowUpClosure:
    """Close an abnormal check's follow-up with what came of it; 409 when not abnormal, corrected or closed."""
    authorise(actor, Perm.HEALTH_WRITE, check.centre_id, now)
    if check.result is not CheckStatus.ABNORMAL:
        raise Conflict(_l("Only an abnormal check has a follow-up"), code="no_follow_up")
    if amended_ids([check.id]):
        raise Conflict(_l("Already corrected: amend the latest record"), code="already_amended")
    if closure_of(check) is not None:
        raise Conflict(_l("This follow-up is already closed"), code="already_closed")
    text = (outcome or "").strip()
    problems = ProblemCollector()
    if not text:
        problems.add("required", _l("Say what came of it"), "outcome")
    elif len(text) > MAX_OUTCOME:
        problems.add("too_long", _l("At most %(most)s characters.", most=MAX_OUTCOME), "outcome")
    problems.raise_if_any()
    row = FollowUpClosure(centre_id=check.centre_id, check_id=check.id, at=now, outcome=text, by_id=actor.user_id)
    db.session.add(row)
    db.session.flush()
    audit_record(row, "health_check.close_follow_up", None, ("check_id", "at", "outcome", "by_id"), actor=actor,
                 now=now)
    return row


def morning_status(child_ids: Iterable[int], day: date) -> dict[int, str]:
    """Each child's 晨检 that local day: "done" | "abnormal" (the latest full check) | "screened" | "missing".

    "screened": a kiosk screen only. Reads no permission: the caller (a composed page) authorised its own read.
    """
    ids = list(child_ids)
    status = dict.fromkeys(ids, "missing")
    if not ids:
        return status
    rows = list(db.session.execute(select(HealthCheck).where(
        HealthCheck.child_id.in_(ids), HealthCheck.on == day, HealthCheck.kind == CheckKind.MORNING)
        .order_by(HealthCheck.at, HealthCheck.id)).scalars())
    replaced = {r.amends_id for r in rows if r.amends_id is not None}
    completed = {r.completes_id for r in rows if r.completes_id is not None}
    full: dict[int, HealthCheck] = {}
    for row in rows:
        if row.id in replaced:
            continue
        if row.result is CheckStatus.PENDING:
            if row.id not in completed and row.child_id not in full:
                status[row.child_id] = "screened"
            continue
        if row.child_id not in full or (row.at, row.id) >= (full[row.child_id].at, full[row.child_id].id):
            full[row.child_id] = row
    for child_id, row in full.items():
        status[child_id] = "abnormal" if row.result is CheckStatus.ABNORMAL else "done"
    return status


def get_check(check_id: int, perm: Perm, *, actor: Actor, now: datetime) -> HealthCheck:
    """One check, if the actor holds `perm` at its centre (another centre's ids reveal nothing)."""
    row = db.session.get(HealthCheck, check_id)
    if row is None:
        raise NotFound()
    authorise(actor, perm, row.centre_id, now)
    return row
