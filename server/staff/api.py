"""JSON API of the staff files: credentials (numbers masked), scans, the roster, expiries and 持证上岗率."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import Blueprint, Response, request
from flask_babel import lazy_gettext as _l
from pydantic import Field

from compliance import Period
from compliance.staffing import (
    CertifiedShare,
    StaffStatus,
    credential_state,
    default_catalogue,
    effective_expiry,
    mask_number,
)
from server.apispec import Day, Id, Schema, responses, spec
from server.auth.actor import authorise
from server.auth.roles import Perm
from server.auth.session import current_actor
from server.bounds import parses_own_body
from server.centre.models import Centre
from server.centre.operations import get_centre
from server.centre.rules import effective_rules
from server.centre.timezones import centre_today, centre_today_by_id
from server.clock import utcnow
from server.database import db
from server.errors import ApiError, Problem, ValidationFailed
from server.people.models import Staff
from server.staff.models import Shift, ShiftCancellation, StaffCredential
from server.staff.operations import credentials as creds_ops
from server.staff.operations import documents as docs_ops
from server.staff.operations import roster as roster_ops
from server.staff.operations.eligibility import held
from server.staff.operations.expiry import ExpiryItem, expiry_report
from server.staff.registers import share_by_day
from server.staff.settings import app_settings

bp = Blueprint("staff_api", __name__, url_prefix="/api/v1")
MULTIPART_OVERHEAD = 64 * 1024  # the form's boundaries and headers around the file


class StaffFileCredentialOut(Schema):
    id: int
    staff_id: int
    type_code: str
    title_zh: str
    title_en: str
    number_masked: str
    issuer: str
    issued_on: date
    expires_on: date | None
    valid_until: date | None = Field(description="the effective expiry: the printed date or the rulebook's cap")
    state: str = Field(description="today: valid | expiring | expired | not_yet_valid")
    level: str | None
    document_id: int | None
    amends_id: int | None
    amended: bool = Field(description="a correction replaced this row: it no longer counts")
    note: str | None
    recorded_at: datetime


class StaffFileCredentialList(Schema):
    items: list[StaffFileCredentialOut]


class StaffFileCredentialIn(Schema):
    type_code: str = Field(min_length=1, max_length=40)
    number: str = Field(min_length=1, max_length=64)
    issuer: str = Field(min_length=1, max_length=120)
    issued_on: Day
    expires_on: Day | None = None
    level: str | None = Field(None, max_length=40)
    document_id: Id | None = None
    note: str | None = Field(None, max_length=2000)


class StaffFileAmendIn(Schema):
    note: str = Field(min_length=1, max_length=2000, description="why the record is corrected")
    type_code: str | None = Field(None, min_length=1, max_length=40)
    number: str | None = Field(None, min_length=1, max_length=64)
    issuer: str | None = Field(None, min_length=1, max_length=120)
    issued_on: Day | None = None
    expires_on: Day | None = None
    level: str | None = Field(None, max_length=40)
    document_id: Id | None = None


class StaffFileNumberOut(Schema):
    id: int
    number: str


class StaffFileDocumentOut(Schema):
    id: int
    staff_id: int
    content_type: str
    size: int
    original_name: str
    sha256: str
    uploaded_at: datetime


class DutyShiftIn(Schema):
    staff_id: Id
    room_id: Id | None = Field(None, description="the class (a child-facing duty); none for a duty off the floor")
    day: Day
    starts: time = Field(description="local time at the centre")
    ends: time


class DutyShiftOut(Schema):
    id: int
    staff_id: int
    room_id: int | None
    day: date
    starts_at: datetime
    ends_at: datetime
    cancelled: bool = False
    cancel_reason: str | None = None
    cancelled_at: datetime | None = None


class DutyRosterQuery(Schema):
    week: Day | None = Field(None, description="any day of the week (Monday to Sunday); default this week")


class DutyRosterOut(Schema):
    week_of: date
    items: list[DutyShiftOut]


class DutyCancelIn(Schema):
    reason: str = Field(min_length=1, max_length=500)


class DutyCancellationOut(Schema):
    shift_id: int
    reason: str
    at: datetime


class StaffFileExpiryItemOut(Schema):
    staff_id: int
    name: str
    credential_id: int
    type_code: str
    number_masked: str
    valid_until: date
    days_left: int


class StaffFileLackingOut(Schema):
    staff_id: int
    name: str
    role: str
    reasons_zh: list[str]
    reasons_en: list[str]


class StaffFileExpiryOut(Schema):
    day: date
    expiring: list[StaffFileExpiryItemOut]
    expired: list[StaffFileExpiryItemOut]
    lacking: list[StaffFileLackingOut]


class StaffFileShareQuery(Schema):
    month: str | None = Field(None, pattern=r"^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$", description="YYYY-MM; default this month")


class StaffFileDayShareOut(Schema):
    day: date
    on_duty: int
    certified: int
    share: float | None = Field(description="percent, one decimal; none on a day nobody was on duty")


class StaffFileShareOut(Schema):
    month: str
    on_duty: int
    certified: int
    share: float | None
    days: list[StaffFileDayShareOut]


def _credential_out(row: StaffCredential, amended: bool, today: date) -> StaffFileCredentialOut:
    centre_rules = effective_rules(_centre_of(row.centre_id), today)
    catalogue, cred = default_catalogue(), held(row)
    kind = catalogue.types.get(row.type_code)
    return StaffFileCredentialOut(
        id=row.id, staff_id=row.staff_id, type_code=row.type_code, title_zh=kind.title.zh if kind else row.type_code,
        title_en=kind.title.en if kind else row.type_code, number_masked=mask_number(row.number), issuer=row.issuer,
        issued_on=row.issued_on, expires_on=row.expires_on, valid_until=effective_expiry(cred, catalogue, centre_rules),
        state=credential_state(cred, today, catalogue, centre_rules).value, level=row.level,
        document_id=row.document_id, amends_id=row.amends_id, amended=amended, note=row.note,
        recorded_at=row.recorded_at)


def _centre_of(centre_id: int) -> Centre:
    centre = db.session.get(Centre, centre_id)
    assert centre is not None
    return centre


def _shift_out(shift: Shift, cancellation: ShiftCancellation | None) -> DutyShiftOut:
    out = DutyShiftOut.model_validate(shift)
    if cancellation is not None:
        out = out.model_copy(update={"cancelled": True, "cancel_reason": cancellation.reason,
                                     "cancelled_at": cancellation.at})
    return out


@bp.get("/staff/<int:staff_id>/certificates")
@spec.validate(resp=responses(HTTP_200=StaffFileCredentialList), tags=["staff files"])
def list_credentials(staff_id: int):
    """A person's credentials, corrected rows included (marked); numbers masked for every role."""
    actor, now = current_actor(), utcnow()
    staff = creds_ops.get_staff_member(staff_id, Perm.STAFF_FILES_READ, actor=actor, now=now)
    today = centre_today_by_id(staff.centre_id, now)
    return StaffFileCredentialList(items=[_credential_out(row, amended, today)
                                 for row, amended in creds_ops.list_credentials(staff, actor=actor, now=now)])


@bp.post("/staff/<int:staff_id>/certificates")
@spec.validate(json=StaffFileCredentialIn, resp=responses(HTTP_201=StaffFileCredentialOut), tags=["staff files"])
def record_credential(staff_id: int, json: StaffFileCredentialIn):
    """Record a credential (a renewal is a new one of the same type); audited."""
    actor, now = current_actor(), utcnow()
    staff = creds_ops.get_staff_member(staff_id, Perm.STAFF_FILES_WRITE, actor=actor, now=now)
    today = centre_today_by_id(staff.centre_id, now)
    row = creds_ops.record_credential(staff, **json.model_dump(), actor=actor, now=now, today=today)
    return _credential_out(row, False, today), 201


@bp.post("/staff-certificates/<int:certificate_id>/amend")
@spec.validate(json=StaffFileAmendIn, resp=responses(HTTP_201=StaffFileCredentialOut), tags=["staff files"])
def amend_credential(certificate_id: int, json: StaffFileAmendIn):
    """Correct a credential: a new row replaces it (the original stays on record, no longer counting)."""
    actor, now = current_actor(), utcnow()
    original = creds_ops.get_credential(certificate_id, actor=actor, now=now)
    today = centre_today_by_id(original.centre_id, now)
    changes = json.model_dump(exclude_unset=True, exclude={"note"})
    row = creds_ops.amend_credential(original, changes, note=json.note, actor=actor, now=now, today=today)
    return _credential_out(row, False, today), 201


@bp.get("/staff-certificates/<int:certificate_id>/number")
@spec.validate(resp=responses(HTTP_200=StaffFileNumberOut), tags=["staff files"])
def reveal_number(certificate_id: int):
    """The full number of one credential, for the director; the reveal is logged."""
    actor, now = current_actor(), utcnow()
    row = creds_ops.get_credential(certificate_id, actor=actor, now=now)
    return StaffFileNumberOut(id=row.id, number=creds_ops.reveal_number(row, actor=actor, now=now))


@bp.post("/staff/<int:staff_id>/documents")
@spec.validate(resp=responses(HTTP_201=StaffFileDocumentOut), tags=["staff files"])
@parses_own_body
def upload_document(staff_id: int):
    """Upload a scan (multipart field `file`): PDF, JPEG or PNG by content, size-limited, kept once per person."""
    actor, now = current_actor(), utcnow()
    staff = creds_ops.get_staff_member(staff_id, Perm.STAFF_FILES_WRITE, actor=actor, now=now)
    settings = app_settings()
    if (request.content_length or 0) > settings.max_bytes + MULTIPART_OVERHEAD:
        raise _TooLarge()
    upload = request.files.get("file")
    if upload is None:
        raise ValidationFailed([Problem("file_required", _l("Choose a file (multipart field `file`)"),
                                        "file")])
    data = upload.stream.read(settings.max_bytes + 1)
    row = docs_ops.upload_document(staff, data, upload.filename, settings=settings, actor=actor, now=now)
    return StaffFileDocumentOut.model_validate(row), 201


class _TooLarge(ApiError):
    status = 413
    code = "file_too_large"
    message = _l("The file is too large")


@bp.get("/staff-documents/<int:document_id>")
@spec.validate(resp=responses("HTTP_200"), tags=["staff files"])
def download_document(document_id: int):
    """A scan's bytes, for the director only; every view is logged (inspectors never get scans)."""
    actor, now = current_actor(), utcnow()
    row = docs_ops.get_document(document_id, actor=actor, now=now)
    data = docs_ops.read_document(row, settings=app_settings(), actor=actor, now=now)
    return Response(data, mimetype=row.content_type, headers={
        "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff",
        "Content-Disposition": f"attachment; filename=\"staff-document-{row.id}\""})


@bp.get("/centres/<string:code>/roster")
@spec.validate(query=DutyRosterQuery, resp=responses(HTTP_200=DutyRosterOut), tags=["roster"])
def roster(code: str, query: DutyRosterQuery):
    """The shifts of a week (Monday to Sunday), cancelled ones marked."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    monday, rows = roster_ops.week_roster(centre, query.week or centre_today(centre, now), actor=actor, now=now)
    return DutyRosterOut(week_of=monday, items=[_shift_out(s, c) for s, c in rows])


@bp.post("/centres/<string:code>/roster")
@spec.validate(json=DutyShiftIn, resp=responses(HTTP_201=DutyShiftOut), tags=["roster"])
def assign_shift(code: str, json: DutyShiftIn):
    """Put someone on duty; refused (422, with the reasons) without valid credentials, when they left, overlap…"""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    shift = roster_ops.assign_shift(centre, **json.model_dump(), actor=actor, now=now)
    return _shift_out(shift, None), 201


@bp.post("/shifts/<int:shift_id>/cancel")
@spec.validate(json=DutyCancelIn, resp=responses(HTTP_200=DutyCancellationOut), tags=["roster"])
def cancel_shift(shift_id: int, json: DutyCancelIn):
    """Take a shift off the roster, with the reason (the shift stays on record)."""
    actor, now = current_actor(), utcnow()
    shift = roster_ops.get_shift(shift_id, actor=actor, now=now)
    return DutyCancellationOut.model_validate(roster_ops.cancel_shift(shift, reason=json.reason, actor=actor, now=now))


def _item_out(item: ExpiryItem) -> StaffFileExpiryItemOut:
    return StaffFileExpiryItemOut(staff_id=item.staff.id, name=item.staff.name, credential_id=item.credential.credential_id,
                         type_code=item.credential.type_code, number_masked=item.credential.number_masked,
                         valid_until=item.expires_on, days_left=item.days_left)


def _lacking_out(staff: Staff, status: StaffStatus) -> StaffFileLackingOut:
    reasons = status.reasons(default_catalogue())
    return StaffFileLackingOut(staff_id=staff.id, name=staff.name, role=str(status.role),
                      reasons_zh=[t.zh for t in reasons], reasons_en=[t.en for t in reasons])


@bp.get("/centres/<string:code>/staff-files/expiry")
@spec.validate(resp=responses(HTTP_200=StaffFileExpiryOut), tags=["staff files"])
def expiry(code: str):
    """Who expires within 60 days, who has expired, and who lacks what today."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    report = expiry_report(centre, today=centre_today(centre, now), actor=actor, now=now)
    return StaffFileExpiryOut(day=report.day, expiring=[_item_out(i) for i in report.expiring],
                     expired=[_item_out(i) for i in report.expired],
                     lacking=[_lacking_out(g.staff, g.status) for g in report.lacking])


def _percent(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


@bp.get("/centres/<string:code>/staff-files/certified-share")
@spec.validate(query=StaffFileShareQuery, resp=responses(HTTP_200=StaffFileShareOut), tags=["staff files"])
def certified_share(code: str, query: StaffFileShareQuery):
    """持证上岗率 of each day of a month and of the month (person-days), up to today."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    authorise(actor, Perm.STAFF_FILES_READ, centre.id, now)
    today = centre_today(centre, now)
    first = date.fromisoformat(f"{query.month}-01") if query.month else today.replace(day=1)
    last = min((first + timedelta(days=32)).replace(day=1) - timedelta(days=1), today)
    days = share_by_day(centre, Period(first, last)) if last >= first else []
    on_duty, certified = sum(s.on_duty for _, s in days), sum(s.certified for _, s in days)
    total = CertifiedShare(on_duty, certified)
    return StaffFileShareOut(month=first.strftime("%Y-%m"), on_duty=on_duty, certified=certified, share=_percent(total.share),
                    days=[StaffFileDayShareOut(day=d, on_duty=s.on_duty, certified=s.certified, share=_percent(s.share))
                          for d, s in days])

