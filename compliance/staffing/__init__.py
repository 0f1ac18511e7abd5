"""Staff files: credential catalogue, certification status, 持证上岗率, training / 工作人员档案与持证.

A pure library like the rest of ``compliance``: the server maps its staff models onto the records here and asks
who is certified on a day; the evaluator ``compliance.evaluators.staff`` turns the same answers into findings.
"""

from compliance.staffing.catalogue import (
    CATALOGUE_FILE,
    STAFF_ROLES,
    CatalogueError,
    CredentialCatalogue,
    CredentialKind,
    CredentialType,
    Requirement,
    default_catalogue,
    load_catalogue,
)
from compliance.staffing.metrics import (
    CertifiedShare,
    TrainingSummary,
    certified_on,
    certified_share_by_day,
    certified_share_by_month,
    certified_share_for,
    on_duty_by_day,
    training_summary,
)
from compliance.staffing.records import (
    DutyRecord,
    HeldCredential,
    StaffEvidence,
    StaffMemberRecord,
    TrainingCategory,
    TrainingRecord,
)
from compliance.staffing.status import (
    CredentialState,
    StaffStatus,
    add_months,
    credential_state,
    effective_expiry,
    mask_number,
    staff_status,
    warning_figures,
    warning_stage,
)

__all__ = [
    "CATALOGUE_FILE",
    "STAFF_ROLES",
    "CatalogueError",
    "CertifiedShare",
    "CredentialCatalogue",
    "CredentialKind",
    "CredentialState",
    "CredentialType",
    "DutyRecord",
    "HeldCredential",
    "Requirement",
    "StaffEvidence",
    "StaffMemberRecord",
    "StaffStatus",
    "TrainingCategory",
    "TrainingRecord",
    "TrainingSummary",
    "add_months",
    "certified_on",
    "certified_share_by_day",
    "certified_share_by_month",
    "certified_share_for",
    "credential_state",
    "default_catalogue",
    "effective_expiry",
    "load_catalogue",
    "mask_number",
    "on_duty_by_day",
    "staff_status",
    "training_summary",
    "warning_figures",
    "warning_stage",
]
