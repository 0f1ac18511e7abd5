"""The care log: meals, bottles, water, diapers and toileting. Append-only; a correction is an amendment.

A meal or bottle naming allergens is checked against the child's allergies in force (the health profile's
`allergy_warnings_for`) before it is stored: with warnings and no acknowledgement it is refused (409
`allergy_warning`, listing them) and nothing is stored; acknowledged, it is stored and marked so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from server.audit.operations import audit_record
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.care.models import CareEntry, CareKind, DiaperKind, ShareEaten
from server.care.operations.common import clean_text, entry_time, local_day
from server.centre.operations import centre_by_id
from server.centre.timezones import centre_zone
from server.database import db
from server.errors import ApiError, Conflict, NotFound, ProblemCollector
from server.health.profile.operations import allergen_catalogue, allergy_warnings_for
from server.people.models import Child

ENTRY_FIELDS = ("child_id", "room_id", "kind", "at", "ml", "share_eaten", "allergen_codes", "diaper_kind", "abnormal",
                "abnormal_note", "allergy_acknowledged", "note", "amends_id", "reason", "recorded_by_id")
ALLERGEN_CODE = re.compile(r"^[a-z0-9_]{1,40}$")
MAX_ALLERGENS = 20
MAX_ML = 1000
FED = (CareKind.MEAL, CareKind.BOTTLE)
EXCRETED = (CareKind.DIAPER, CareKind.TOILET)


class AllergyWarning(ApiError):
    """The entry names allergens the child is allergic to: shown to the caregiver, who may acknowledge."""

    status = 409
    code = "allergy_warning"
    message = _l("This child is allergic to something in this entry: confirm to record it anyway")

    def __init__(self, badges: Sequence[Any]):
        super().__init__(field="allergen_codes")
        self.badges = list(badges)

    def body(self) -> dict[str, Any]:
        body = super().body()
        body["error"]["details"] = [
            {"code": "allergy_warning", "allergen": b.code, "label_zh": b.label_zh, "label_en": b.label_en,
             "severity": str(b.severity), "field": "allergen_codes"} for b in self.badges]
        return body


def _check_fields(kind: CareKind, values: dict[str, Any], problems: ProblemCollector) -> None:
    """Each kind's own fields: required where the entry means nothing without them, refused where foreign."""
    ml, share, diaper = values.get("ml"), values.get("share_eaten"), values.get("diaper_kind")
    if kind is CareKind.BOTTLE and ml is None:
        problems.add("required", _l("How many ml?"), "ml")
    if ml is not None and (kind not in (CareKind.BOTTLE, CareKind.WATER) or not 0 < ml <= MAX_ML):
        problems.add("invalid_ml" if kind in (CareKind.BOTTLE, CareKind.WATER) else "not_for_kind",
                     _l("Not a sensible amount for this entry"), "ml")
    if kind is CareKind.MEAL and share is None:
        problems.add("required", _l("How much was eaten?"), "share_eaten")
    if share is not None and kind is not CareKind.MEAL:
        problems.add("not_for_kind", _l("Only a meal has a share eaten"), "share_eaten")
    if kind is CareKind.DIAPER and diaper is None:
        problems.add("required", _l("Wet, soiled, both or dry?"), "diaper_kind")
    if diaper is not None and kind not in EXCRETED:
        problems.add("not_for_kind", _l("Only a diaper or the toilet has this"), "diaper_kind")
    codes = values.get("allergen_codes") or []
    if codes and kind not in FED:
        problems.add("not_for_kind", _l("Only a meal or a bottle names allergens"), "allergen_codes")
    if len(codes) > MAX_ALLERGENS or any(not ALLERGEN_CODE.match(c) or c not in allergen_catalogue() for c in codes):
        problems.add("unknown_allergen", _l("Allergens are chosen from the list"), "allergen_codes")
    if values.get("abnormal") and kind not in EXCRETED:
        problems.add("not_for_kind", _l("Only a diaper or the toilet is marked abnormal"), "abnormal")
    if values.get("abnormal") and not (values.get("abnormal_note") or "").strip():
        problems.add("required", _l("Say what was abnormal"), "abnormal_note")


def _normalised(values: dict[str, Any], problems: ProblemCollector) -> dict[str, Any]:
    out = dict(values)
    out["kind"] = CareKind(values["kind"])
    out["share_eaten"] = ShareEaten(values["share_eaten"]) if values.get("share_eaten") else None
    out["diaper_kind"] = DiaperKind(values["diaper_kind"]) if values.get("diaper_kind") else None
    out["allergen_codes"] = sorted({str(c).strip() for c in values.get("allergen_codes") or ()})
    out["abnormal"] = bool(values.get("abnormal"))
    out["abnormal_note"] = clean_text(values.get("abnormal_note"), problems, "abnormal_note") or None
    out["note"] = clean_text(values.get("note"), problems, "note") or None
    _check_fields(out["kind"], out, problems)
    return out


def _warn(child: Child, values: dict[str, Any], acknowledge_allergy: bool) -> bool:
    """Refuse (409) an unacknowledged entry naming the child's allergens; True when acknowledged over warnings."""
    codes = values["allergen_codes"]
    if not codes or values["kind"] not in FED:
        return False
    badges = allergy_warnings_for(child.id, codes, local_day(child.centre_id, values["at"]))
    if badges and not acknowledge_allergy:
        raise AllergyWarning(badges)
    return bool(badges)


def _store(child: Child, values: dict[str, Any], *, acknowledged: bool, amends: CareEntry | None, reason: str | None,
           action: str, actor: Actor, now: datetime) -> CareEntry:
    entry = CareEntry(centre_id=child.centre_id, child_id=child.id,
                      room_id=amends.room_id if amends is not None else child.room_id, kind=values["kind"],
                      at=values["at"], ml=values.get("ml"), share_eaten=values["share_eaten"],
                      allergen_codes=values["allergen_codes"], diaper_kind=values["diaper_kind"],
                      abnormal=values["abnormal"], abnormal_note=values["abnormal_note"],
                      allergy_acknowledged=acknowledged, note=values["note"],
                      amends_id=amends.id if amends is not None else None, reason=reason, recorded_at=now,
                      recorded_by_id=actor.user_id)
    db.session.add(entry)
    db.session.flush()
    audit_record(entry, action, None, ENTRY_FIELDS, actor=actor, now=now)
    return entry


def log_entry(child: Child, *, kind: CareKind | str, at: datetime | None = None, ml: int | None = None,
              share_eaten: ShareEaten | str | None = None, allergen_codes: Iterable[str] = (),
              diaper_kind: DiaperKind | str | None = None, abnormal: bool = False, abnormal_note: str | None = None,
              note: str | None = None, acknowledge_allergy: bool = False, actor: Actor, now: datetime) -> CareEntry:
    """Record one care entry for a child (every problem at once as 422; allergy warnings as 409)."""
    authorise(actor, Perm.CARE_WRITE, child.centre_id, now)
    problems = ProblemCollector()
    values = _normalised({"kind": kind, "ml": ml, "share_eaten": share_eaten, "allergen_codes": list(allergen_codes),
                          "diaper_kind": diaper_kind, "abnormal": abnormal, "abnormal_note": abnormal_note,
                          "note": note}, problems)
    values["at"] = entry_time(at, now, problems)
    problems.raise_if_any()
    acknowledged = _warn(child, values, acknowledge_allergy)
    return _store(child, values, acknowledged=acknowledged, amends=None, reason=None, action="care_entry.log",
                  actor=actor, now=now)


def get_entry(entry_id: int, perm: Perm, *, actor: Actor, now: datetime) -> CareEntry:
    entry = db.session.get(CareEntry, entry_id)
    if entry is None:
        raise NotFound()
    authorise(actor, perm, entry.centre_id, now)
    return entry


AMENDABLE = ("at", "ml", "share_eaten", "allergen_codes", "diaper_kind", "abnormal", "abnormal_note", "note")


def amend_entry(original: CareEntry, changes: dict[str, Any], *, reason: str, acknowledge_allergy: bool = False,
                actor: Actor, now: datetime) -> CareEntry:
    """Correct an entry: a new row with the changes replaces it (the kind stays; one correction per row)."""
    authorise(actor, Perm.CARE_WRITE, original.centre_id, now)
    if db.session.scalars(select(CareEntry.id).where(CareEntry.amends_id == original.id)).first() is not None:
        raise Conflict(_l("This entry was already corrected: correct the latest version"), code="already_amended")
    problems = ProblemCollector()
    why = clean_text(reason, problems, "reason", required=True)
    base = {name: getattr(original, name) for name in AMENDABLE}
    base.update({k: v for k, v in changes.items() if k in AMENDABLE})
    base["kind"] = original.kind
    values = _normalised(base, problems)
    values["at"] = entry_time(changes["at"], now, problems) if changes.get("at") is not None else original.at
    problems.raise_if_any()
    child = db.session.get(Child, original.child_id)
    assert child is not None
    acknowledged = _warn(child, values, acknowledge_allergy or original.allergy_acknowledged and
                         set(values["allergen_codes"]) <= set(original.allergen_codes))
    return _store(child, values, acknowledged=acknowledged, amends=original, reason=why, action="care_entry.amend",
                  actor=actor, now=now)


def current_entries(child_id: int, day: date) -> list[CareEntry]:
    """A child's care entries of a local day as they stand (an amended row gives way to its correction)."""
    centre = centre_by_id(db.session.get(Child, child_id).centre_id)  # type: ignore[union-attr]
    tz = centre_zone(centre)
    start = datetime.combine(day, datetime.min.time(), tzinfo=tz)
    rows = db.session.scalars(select(CareEntry).where(
        CareEntry.child_id == child_id, CareEntry.at >= start, CareEntry.at < start + timedelta(days=1))
        .order_by(CareEntry.at, CareEntry.id)).all()
    return standing(rows)


def standing(rows: Iterable[CareEntry]) -> list[CareEntry]:
    """The rows no correction replaced, in the order given (a correction may move an entry to another day)."""
    rows = list(rows)
    ids = [r.id for r in rows]
    replaced = set(db.session.scalars(select(CareEntry.amends_id).where(CareEntry.amends_id.in_(ids)))) if ids else set()
    return [r for r in rows if r.id not in replaced]
