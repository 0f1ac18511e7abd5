"""Record and correct a person's credentials (健康证, 无犯罪记录证明, 资格证书…): append-only, audited."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from compliance.staffing import CredentialCatalogue, default_catalogue
from server.audit.operations import audit_record, log_access
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.database import db
from server.errors import Conflict, NotFound, ProblemCollector
from server.people.models import Staff
from server.staff.models import StaffCredential, StaffDocument

CREDENTIAL_FIELDS = ("staff_id", "type_code", "number", "issuer", "issued_on", "expires_on", "level", "document_id",
                     "amends_id", "note", "recorded_by_id")
MAX_NUMBER, MAX_ISSUER, MAX_LEVEL, MAX_NOTE = 64, 120, 40, 2000


def get_staff_member(staff_id: int, perm: Perm, *, actor: Actor, now: datetime) -> Staff:
    """A member of staff, if the actor holds `perm` at their centre (another centre's ids reveal nothing)."""
    staff = db.session.get(Staff, staff_id)
    if staff is None:
        raise NotFound()
    authorise(actor, perm, staff.centre_id, now)
    return staff


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    for key in ("number", "issuer", "level", "note", "type_code"):
        if isinstance(values.get(key), str):
            values[key] = values[key].strip() or None
    return values


def _check(values: dict[str, Any], staff: Staff, catalogue: CredentialCatalogue, today: date,
           problems: ProblemCollector) -> None:
    kind = catalogue.types.get(values.get("type_code") or "")
    if kind is None:
        problems.add("unknown_credential_type", _l("Unknown credential type"), "type_code")
    number = values.get("number")
    if not number:
        problems.add("required", _l("The number is required"), "number")
    elif len(number) > MAX_NUMBER:
        problems.add("too_long", _l("The number is longer than %(n)s characters", n=MAX_NUMBER), "number")
    issuer = values.get("issuer")
    if not issuer:
        problems.add("required", _l("The issuer is required"), "issuer")
    elif len(issuer) > MAX_ISSUER:
        problems.add("too_long", _l("The issuer is longer than %(n)s characters", n=MAX_ISSUER), "issuer")
    issued, expires = values.get("issued_on"), values.get("expires_on")
    if issued is None:
        problems.add("required", _l("The issue date is required"), "issued_on")
    elif issued > today:
        problems.add("issued_in_future", _l("The issue date is in the future"), "issued_on")
    if issued is not None and expires is not None and expires < issued:
        problems.add("expires_before_issued", _l("Expires before it was issued"), "expires_on")
    level = values.get("level")
    if level and kind is not None and not kind.has_level:
        problems.add("level_not_applicable", _l("This credential has no level"), "level")
    elif level and len(level) > MAX_LEVEL:
        problems.add("too_long", _l("The level is too long"), "level")
    if values.get("note") and len(values["note"]) > MAX_NOTE:
        problems.add("too_long", _l("The note is too long"), "note")
    document_id = values.get("document_id")
    if document_id is not None:
        document = db.session.get(StaffDocument, document_id)
        if document is None or document.staff_id != staff.id:
            problems.add("unknown_document", _l("No such scan of this person"), "document_id")


def record_credential(
    staff: Staff, *, type_code: str, number: str, issuer: str, issued_on: date, expires_on: date | None = None,
    level: str | None = None, document_id: int | None = None, note: str | None = None, actor: Actor,
    now: datetime, today: date, catalogue: CredentialCatalogue | None = None,
) -> StaffCredential:
    """Record a credential a person holds (a renewal is a new one of the same type). `today`: the centre's date."""
    authorise(actor, Perm.STAFF_FILES_WRITE, staff.centre_id, now)
    values = _clean({"type_code": type_code, "number": number, "issuer": issuer, "issued_on": issued_on,
                     "expires_on": expires_on, "level": level, "document_id": document_id, "note": note})
    problems = ProblemCollector()
    _check(values, staff, catalogue or default_catalogue(), today, problems)
    problems.raise_if_any()
    return _insert(staff, values, None, actor=actor, now=now)


def amend_credential(
    original: StaffCredential, changes: dict[str, Any], *, note: str, actor: Actor, now: datetime, today: date,
    catalogue: CredentialCatalogue | None = None,
) -> StaffCredential:
    """Correct a credential: a new row amending the original (which stops counting), with the reason."""
    authorise(actor, Perm.STAFF_FILES_WRITE, original.centre_id, now)
    if is_amended(original):
        raise Conflict(_l("Already corrected: amend the latest record"),
                       code="already_amended")
    staff = db.session.get(Staff, original.staff_id)
    assert staff is not None
    values = {key: getattr(original, key) for key in ("type_code", "number", "issuer", "issued_on", "expires_on",
                                                      "level", "document_id")}
    values = _clean({**values, **changes, "note": note})
    problems = ProblemCollector()
    if not values.get("note"):
        problems.add("required", _l("Say why it is corrected"), "note")
    _check(values, staff, catalogue or default_catalogue(), today, problems)
    problems.raise_if_any()
    return _insert(staff, values, original.id, actor=actor, now=now)


def _insert(staff: Staff, values: dict[str, Any], amends_id: int | None, *, actor: Actor,
            now: datetime) -> StaffCredential:
    row = StaffCredential(centre_id=staff.centre_id, staff_id=staff.id, amends_id=amends_id, recorded_at=now,
                          recorded_by_id=actor.user_id, **values)
    db.session.add(row)
    db.session.flush()
    audit_record(row, "staff_credential.amend" if amends_id else "staff_credential.record", None,
                 CREDENTIAL_FIELDS, actor=actor, now=now)
    return row


def is_amended(row: StaffCredential) -> bool:
    return db.session.execute(
        select(StaffCredential.id).where(StaffCredential.amends_id == row.id)).first() is not None


def get_credential(credential_id: int, *, actor: Actor, now: datetime) -> StaffCredential:
    row = db.session.get(StaffCredential, credential_id)
    if row is None:
        raise NotFound()
    authorise(actor, Perm.STAFF_FILES_READ, row.centre_id, now)
    return row


def list_credentials(staff: Staff, *, actor: Actor, now: datetime) -> list[tuple[StaffCredential, bool]]:
    """Every credential row of a person, oldest first, each with whether a correction replaced it."""
    authorise(actor, Perm.STAFF_FILES_READ, staff.centre_id, now)
    rows = list(db.session.execute(select(StaffCredential).where(StaffCredential.staff_id == staff.id)
                                   .order_by(StaffCredential.id)).scalars())
    amended = {r.amends_id for r in rows if r.amends_id is not None}
    return [(r, r.id in amended) for r in rows]


def reveal_number(row: StaffCredential, *, actor: Actor, now: datetime) -> str:
    """The full number of one credential, for the director; every reveal is logged."""
    authorise(actor, Perm.STAFF_DOCUMENTS_READ, row.centre_id, now)
    log_access(centre_id=row.centre_id, user_id=actor.user_id, action="reveal", object_type="staff_credential",
               object_id=row.id, now=now)
    return row.number


def current_credentials(centre_id: int, staff_ids: list[int] | None = None) -> list[StaffCredential]:
    """The rows that count: no correction replaced them (of some people, or of the whole centre)."""
    amended = select(StaffCredential.amends_id).where(StaffCredential.centre_id == centre_id,
                                                      StaffCredential.amends_id.is_not(None))
    stmt = select(StaffCredential).where(StaffCredential.centre_id == centre_id, StaffCredential.id.not_in(amended))
    if staff_ids is not None:
        stmt = stmt.where(StaffCredential.staff_id.in_(staff_ids))
    return list(db.session.execute(stmt.order_by(StaffCredential.id)).scalars())
