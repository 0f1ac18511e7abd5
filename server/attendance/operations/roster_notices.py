"""Each member of staff's own credential notice on the roster, for the kiosk's check-in screen (issue #14).

Judged by the staff files (`staff/operations/eligibility`) for the centre's day the roster is built, in one
pass for the whole centre: not certified (the check-in will be flagged) or certified with a credential
inside the rulebook's first warning figure. The kiosk counts the days again from `expires_on`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from compliance.staffing import CredentialCatalogue, HeldCredential, StaffStatus, default_catalogue
from devices.wire.roster import CredentialNotice, NoticeKind
from server.staff.operations.eligibility import certified_staff_ids, duty_statuses


def staff_notices(centre_id: int, staff_ids: Iterable[int], day: date) -> dict[int, CredentialNotice]:
    """The notice of each of ``staff_ids`` who has one on ``day`` (the centre's local date)."""
    statuses = duty_statuses(centre_id, staff_ids, day)
    uncertified = [staff_id for staff_id, status in statuses.items() if not status.certified]
    # Not certified means what the check-in's flag means (kiosk_events asks certified_staff_ids): ask it too.
    flagged = set(uncertified) - certified_staff_ids(centre_id, uncertified, day) if uncertified else set()
    catalogue = default_catalogue()
    notices: dict[int, CredentialNotice] = {}
    for staff_id, status in statuses.items():
        if staff_id in flagged:
            notices[staff_id] = _not_certified(status, catalogue, day)
        elif status.certified and status.expiring:
            soonest = min(status.expiring, key=lambda c: status.expiry_of(c) or date.max)
            notices[staff_id] = _notice(NoticeKind.EXPIRING, soonest, status, catalogue, day)
    return notices


def _notice(kind: NoticeKind, cred: HeldCredential, status: StaffStatus, catalogue: CredentialCatalogue,
            day: date) -> CredentialNotice:
    credential_type = catalogue.types[cred.type_code]
    # The effective expiry: a rulebook cap (health certificates: 12 months) may come before the printed date.
    expires_on = status.expiry_of(cred) or cred.expires_on
    return CredentialNotice(kind, credential_type.title.zh, credential_type.title.en, credential_type.kind.value,
                            expires_on, (expires_on - day).days if expires_on else None)


def _not_certified(status: StaffStatus, catalogue: CredentialCatalogue, day: date) -> CredentialNotice:
    """An expired credential names its date; otherwise the first requirement not met (none on file, not yet valid)."""
    if status.expired:
        return _notice(NoticeKind.NOT_CERTIFIED, status.expired[0], status, catalogue, day)
    if not status.missing:  # flagged for a reason other than a requirement: say so without naming one
        return CredentialNotice(NoticeKind.NOT_CERTIFIED, "上岗所需证件", "credentials required for duty")
    requirement = status.missing[0]
    title = catalogue.title_of(requirement)
    return CredentialNotice(NoticeKind.NOT_CERTIFIED, title.zh, title.en, catalogue.kind_of(requirement).value)
