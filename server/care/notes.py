"""Notes about a child's day and development observations (动作、语言、认知、情感与社会性). Append-only.

A caregiver writes one on the room tablet from the child's card (queued offline like every tablet entry) or
through the API: a `note` ("今天很开心…") or an `observation` tagged with a development domain of the
保育指导大纲 (`compliance/care/development.yaml`). A note is shared with the family unless marked internal. A
correction is a new note naming the one it replaces (`amends_id`, with the reason); readers use the latest, so
a correction may also take a note back from the family (shared → internal).

Staff read every note of a child; a guardian only the shared ones of their own children (`child_notes`), and the
family's day reads `shared_notes`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from server.audit.operations import audit_record
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.care.models import CareNote, DevelopmentDomain, NoteKind
from server.care.operations.common import clean_text, entry_time, local_day
from server.database import db
from server.errors import Conflict, NotFound, ProblemCollector
from server.people.models import Child

NOTE_FIELDS = ("child_id", "room_id", "day", "at", "kind", "domain", "body", "shared_with_family", "written_by_id",
               "amends_id", "reason")
MAX_BODY = 1000  # a few sentences about the day; the tablet's field says so too
AMENDABLE = ("at", "kind", "domain", "body", "shared_with_family")


def _values(values: dict[str, Any], problems: ProblemCollector) -> dict[str, Any]:
    """The note's fields checked: a known kind, a domain for an observation only (and then required), a body."""
    out = dict(values)
    try:
        out["kind"] = NoteKind(values.get("kind") or NoteKind.NOTE)
    except ValueError:
        problems.add("unknown_kind", _l("A note or an observation"), "kind")
        out["kind"] = None
    domain = (values.get("domain") or "").strip() or None
    if out["kind"] is NoteKind.OBSERVATION:
        if domain is None:
            problems.add("required", _l("Which area of development?"), "domain")
        elif domain not in {d.value for d in DevelopmentDomain}:
            problems.add("unknown_domain", _l("Areas of development are chosen from the list"), "domain")
    elif domain is not None and out["kind"] is not None:
        problems.add("not_for_kind", _l("Only an observation names an area of development"), "domain")
        domain = None
    out["domain"] = domain
    # The API (and the tablet's form) call the body `text`: problems name the field the writer typed in.
    out["body"] = clean_text(values.get("body"), problems, "text", required=True, limit=MAX_BODY)
    out["shared_with_family"] = bool(values.get("shared_with_family", True))
    return out


def _store(child: Child, values: dict[str, Any], *, amends: CareNote | None, reason: str | None, action: str,
           actor: Actor, now: datetime) -> CareNote:
    note = CareNote(centre_id=child.centre_id, child_id=child.id,
                    room_id=amends.room_id if amends is not None else child.room_id,
                    day=local_day(child.centre_id, values["at"]), at=values["at"], kind=values["kind"],
                    domain=values["domain"], body=values["body"], shared_with_family=values["shared_with_family"],
                    written_by_id=actor.user_id, amends_id=amends.id if amends is not None else None, reason=reason,
                    recorded_at=now)
    db.session.add(note)
    db.session.flush()
    audit_record(note, action, None, NOTE_FIELDS, actor=actor, now=now)
    return note


def write_note(child: Child, *, body: str, kind: NoteKind | str = NoteKind.NOTE, domain: str | None = None,
               shared_with_family: bool = True, at: datetime | None = None, actor: Actor, now: datetime) -> CareNote:
    """Write a note or a development observation about a child (every problem at once as 422)."""
    authorise(actor, Perm.CARE_WRITE, child.centre_id, now)
    problems = ProblemCollector()
    values = _values({"kind": kind, "domain": domain, "body": body, "shared_with_family": shared_with_family},
                     problems)
    values["at"] = entry_time(at, now, problems)
    problems.raise_if_any()
    return _store(child, values, amends=None, reason=None, action="care_note.write", actor=actor, now=now)


def get_note(note_id: int, perm: Perm, *, actor: Actor, now: datetime) -> CareNote:
    """A note of a centre where the actor holds `perm` (the caller checks the child is theirs to see)."""
    note = db.session.get(CareNote, note_id)
    if note is None:
        raise NotFound()
    authorise(actor, perm, note.centre_id, now)
    return note


def amend_note(original: CareNote, changes: dict[str, Any], *, reason: str, actor: Actor, now: datetime) -> CareNote:
    """Correct a note: a new one with the changes replaces it (one correction per note; correct the latest)."""
    authorise(actor, Perm.CARE_WRITE, original.centre_id, now)
    if db.session.scalars(select(CareNote.id).where(CareNote.amends_id == original.id)).first() is not None:
        raise Conflict(_l("This note was already corrected: correct the latest version"), code="already_amended")
    problems = ProblemCollector()
    why = clean_text(reason, problems, "reason", required=True)
    base = {name: getattr(original, name) for name in AMENDABLE}
    base.update({k: v for k, v in changes.items() if k in AMENDABLE and v is not None})
    if "kind" in changes and changes["kind"] == NoteKind.NOTE and "domain" not in changes:
        base["domain"] = None  # an observation turned into a note drops its domain
    values = _values(base, problems)
    values["at"] = entry_time(changes["at"], now, problems) if changes.get("at") is not None else original.at
    problems.raise_if_any()
    child = db.session.get(Child, original.child_id)
    assert child is not None
    return _store(child, values, amends=original, reason=why, action="care_note.amend", actor=actor, now=now)


def standing_notes(rows: Iterable[CareNote]) -> list[CareNote]:
    """The notes no correction replaced, in the order given."""
    rows = list(rows)
    ids = [r.id for r in rows]
    replaced = set(db.session.scalars(select(CareNote.amends_id).where(CareNote.amends_id.in_(ids)))) if ids else set()
    return [r for r in rows if r.id not in replaced]


def _day_notes(child_id: int, day: date) -> list[CareNote]:
    return standing_notes(db.session.scalars(select(CareNote).where(CareNote.child_id == child_id, CareNote.day == day)
                                             .order_by(CareNote.at, CareNote.id)))


def child_notes(child: Child, day: date, *, actor: Actor, now: datetime) -> list[CareNote]:
    """A child's notes of a local day as they stand: every one for staff, the shared ones for a guardian.

    `child` as `care_child` gave it (a guardian: their own child). Staff are who see every child's records
    (CHILDREN_ALL); anyone else reads what is shared with the family.
    """
    authorise(actor, Perm.CARE_READ, child.centre_id, now)
    notes = _day_notes(child.id, day)
    if actor.can(Perm.CHILDREN_ALL, child.centre_id, now):
        return notes
    return [n for n in notes if n.shared_with_family]


def shared_notes(child_id: int, day: date) -> list[CareNote]:
    """The notes and observations of a child's local day shared with the family, as they stand, by time.

    For the family's day (the caller has checked the reader is the child's guardian). An internal note, or one a
    correction made internal, is never among them.
    """
    return [n for n in _day_notes(child_id, day) if n.shared_with_family]
