"""The 禁入名单: people the centre may not employ (court, police or authority decisions), and the pre-hire gate.

Append-only: a ban is never edited; a lifting is a new row naming the ban it lifts. A refused hire is written to
the audit chain and committed on its own, so the refusal stays on record though the hire itself is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import aliased

from server.audit.operations import audit_record, log_access, record_change
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.centre.models import Centre
from server.database import db
from server.errors import Conflict, NotFound, Problem, ProblemCollector, ValidationFailed
from server.people.idnumber import id_number_problem, normalise_id_number
from server.people.staff_models import BannedPerson, BanSource

BAN_FIELDS = ("name", "id_number", "reason", "source", "decided_on", "is_lifetime", "until", "lifts_id")
ID_NUMBER_MESSAGES = {
    "bad_id_number_format": _l("An identity number has 17 digits and a last digit or X"),
    "bad_id_number_birth_date": _l("The identity number holds no valid date of birth"),
    "bad_id_number_check_digit": _l("The identity number's check digit does not match: check for a typing error"),
}


class BanState(StrEnum):
    ACTIVE = "active"
    LIFTED = "lifted"
    EXPIRED = "expired"
    NOT_YET = "not_yet"  # decided for a day still ahead


@dataclass(frozen=True)
class BanEntry:
    """A ban with its lifting (if any) and its state on a day."""

    ban: BannedPerson
    lifting: BannedPerson | None
    state: BanState


def check_id_number(raw: str | None, problems: ProblemCollector, field: str = "id_number") -> str | None:
    """The normalised number, or None; a malformed one notes a problem."""
    if raw is None or not raw.strip():
        return None
    number = normalise_id_number(raw)
    code = id_number_problem(number)
    if code is not None:
        problems.add(code, ID_NUMBER_MESSAGES[code], field)
    return number


def ban_state(ban: BannedPerson, lifting: BannedPerson | None, day: date) -> BanState:
    """Whether a ban holds on a day: lifted from its lifting's decision day, over after its last day."""
    if lifting is not None and lifting.decided_on <= day:
        return BanState.LIFTED
    if ban.decided_on > day:
        return BanState.NOT_YET
    if not ban.is_lifetime and ban.until is not None and ban.until < day:
        return BanState.EXPIRED
    return BanState.ACTIVE


def _bans_with_liftings(centre_id: int) -> Select[tuple[BannedPerson, BannedPerson]]:
    lifting = aliased(BannedPerson)
    return (select(BannedPerson, lifting).outerjoin(lifting, lifting.lifts_id == BannedPerson.id)
            .where(BannedPerson.centre_id == centre_id, BannedPerson.lifts_id.is_(None)))


def ban_entries(centre_id: int, day: date) -> list[BanEntry]:
    """Every ban of the centre (newest first) with its lifting and its state on `day` (no authorisation)."""
    rows = db.session.execute(_bans_with_liftings(centre_id).order_by(BannedPerson.id.desc())).all()
    return [BanEntry(ban, lifting, ban_state(ban, lifting, day)) for ban, lifting in rows]


def list_bans(centre: Centre, *, actor: Actor, now: datetime, day: date) -> list[BanEntry]:
    """The centre's 禁入名单 for the office (who may hire keeps and reads it); the read is logged."""
    authorise(actor, Perm.STAFF_WRITE, centre.id, now)
    log_access(centre_id=centre.id, user_id=actor.user_id, action="read", object_type="ban_list", object_id=centre.id,
               now=now)
    return ban_entries(centre.id, day)


def get_ban(ban_id: int, *, actor: Actor, now: datetime) -> BannedPerson:
    ban = db.session.get(BannedPerson, ban_id)
    if ban is None:
        raise NotFound()
    authorise(actor, Perm.STAFF_WRITE, ban.centre_id, now)
    return ban


def add_ban(
    centre: Centre, *, name: str, id_number: str, reason: str, source: BanSource, decided_on: date,
    is_lifetime: bool, until: date | None = None, actor: Actor, now: datetime, today: date,
) -> BannedPerson:
    """Record a person the centre may not employ: for life (终身禁入) or to a last day."""
    authorise(actor, Perm.STAFF_WRITE, centre.id, now)
    problems = ProblemCollector()
    if not name.strip():
        problems.add("required", _l("Name is required"), "name")
    number = check_id_number(id_number, problems)
    if number is None:
        problems.add("required", _l("The identity number is required"), "id_number")
    if not reason.strip():
        problems.add("required", _l("The reason is required"), "reason")
    if decided_on > today:
        problems.add("decided_in_future", _l("The decision date is in the future"), "decided_on")
    if is_lifetime and until is not None:
        problems.add("lifetime_with_end", _l("A lifetime ban has no last day"), "until")
    if not is_lifetime and until is None:
        problems.add("ban_without_end", _l("Give the ban's last day, or mark it lifetime"), "until")
    if until is not None and until < decided_on:
        problems.add("ends_before_decided", _l("The ban ends before it was decided"), "until")
    problems.raise_if_any()
    ban = BannedPerson(centre_id=centre.id, name=name.strip(), id_number=number, reason=reason.strip(),
                       source=source, decided_on=decided_on, is_lifetime=is_lifetime, until=until,
                       recorded_by_id=actor.user_id, recorded_at=now)
    db.session.add(ban)
    db.session.flush()
    audit_record(ban, "banned_person.add", None, BAN_FIELDS, actor=actor, now=now)
    return ban


def lift_ban(ban: BannedPerson, *, reason: str, source: BanSource, decided_on: date, actor: Actor, now: datetime,
             today: date) -> BannedPerson:
    """Lift a ban from a day on (an appeal, a decision withdrawn): a new row; the ban itself stays as it was."""
    authorise(actor, Perm.STAFF_WRITE, ban.centre_id, now)
    if ban.lifts_id is not None:
        raise Conflict(_l("This entry is itself a lifting"), code="not_a_ban")
    if db.session.execute(select(BannedPerson.id).where(BannedPerson.lifts_id == ban.id)).first() is not None:
        raise Conflict(_l("This ban has already been lifted"), code="already_lifted")
    problems = ProblemCollector()
    if not reason.strip():
        problems.add("required", _l("The reason is required"), "reason")
    if decided_on > today:
        problems.add("decided_in_future", _l("The decision date is in the future"), "decided_on")
    if decided_on < ban.decided_on:
        problems.add("lifted_before_decided", _l("A ban cannot be lifted before it was decided"), "decided_on")
    problems.raise_if_any()
    lifting = BannedPerson(centre_id=ban.centre_id, name=ban.name, id_number=ban.id_number, reason=reason.strip(),
                           source=source, decided_on=decided_on, is_lifetime=False, until=None, lifts_id=ban.id,
                           recorded_by_id=actor.user_id, recorded_at=now)
    db.session.add(lifting)
    db.session.flush()
    audit_record(lifting, "banned_person.lift", None, BAN_FIELDS, actor=actor, now=now)
    return lifting


def _matching_ban(centre_id: int, name: str, id_number: str | None, day: date) -> tuple[BannedPerson | None, bool]:
    """(the active ban this person is on, whether the match is by name only)."""
    for entry in ban_entries(centre_id, day):
        if entry.state is not BanState.ACTIVE:
            continue
        if id_number is not None and entry.ban.id_number == id_number:
            return entry.ban, False
        if id_number is None and entry.ban.name == name:
            return entry.ban, True
    return None, False


def refuse_if_banned(centre_id: int, *, name: str, id_number: str | None, day: date, action: str,
                     actor: Actor, now: datetime) -> None:
    """The pre-hire gate: raise (422) if the person is on an active ban; the refusal is audited and committed.

    Matched by identity number; a person given without one whose name is on the list is refused until the
    number is given (names are shared, numbers are not). The caller's pending changes are dropped, as in
    any refused request, so only the refusal's audit entry is committed.
    """
    ban, by_name = _matching_ban(centre_id, name.strip(), id_number, day)
    if ban is None:
        return
    ban_id, after = ban.id, {"name": name.strip(), "id_number": id_number, "ban_id": ban.id, "by_name": by_name}
    db.session.rollback()
    record_change(centre_id=centre_id, actor_id=actor.user_id, actor_kind=actor.kind, action=action,
                  object_type="banned_person", object_id=ban_id, before=None, after=after, now=now)
    db.session.commit()
    if by_name:
        raise ValidationFailed([Problem("id_number_required_for_ban_check", _l(
            "A person of this name is on the ban list: give the identity number to check who this is"), "id_number")])
    raise ValidationFailed([Problem("banned_person", _l(
        "This person is on the ban list and may not be employed"), "id_number")])
