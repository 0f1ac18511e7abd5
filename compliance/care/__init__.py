"""Care records and judgements: naps and patrol checks, outdoor time, medication against consent / 保育照护.

A pure library like the rest of ``compliance``: the server maps its care models onto the records here and asks
the same functions live (is a nap check overdue, may this dose be given) that ``compliance.evaluators.care``
uses for findings.
"""

from compliance.care.medication import Refusal, consent_locked, dose_allowed
from compliance.care.naps import PatrolGap, checks_without_action, nap_check_due, patrol_gaps, patrol_interval
from compliance.care.outdoor import (
    exemption_for,
    outdoor_minutes,
    outdoor_shortfall,
    required_minutes,
)
from compliance.care.records import (
    CareEvidence,
    CareType,
    DoseRecord,
    MedicationConsentRecord,
    NapCheckRecord,
    NapRecord,
    OutdoorExemptionRecord,
    OutdoorRecord,
    SleepPosition,
)

__all__ = [
    "CareEvidence",
    "CareType",
    "DoseRecord",
    "MedicationConsentRecord",
    "NapCheckRecord",
    "NapRecord",
    "OutdoorExemptionRecord",
    "OutdoorRecord",
    "PatrolGap",
    "Refusal",
    "SleepPosition",
    "checks_without_action",
    "consent_locked",
    "dose_allowed",
    "exemption_for",
    "nap_check_due",
    "outdoor_minutes",
    "outdoor_shortfall",
    "patrol_gaps",
    "patrol_interval",
    "required_minutes",
]
