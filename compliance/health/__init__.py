"""Health records and judgements / 卫生保健.

晨午检 and follow-ups, illness and exclusion, outbreaks, the entry exam, allergies, growth against the WHO
standards.

A pure library like the rest of ``compliance``: the server maps its health models onto the records here and asks
the same functions live (is this child excluded today, is there an outbreak) that
``compliance.evaluators.health`` uses for findings.
"""

from compliance.health.checks import (
    allergy_warnings,
    follow_up_limit,
    follow_up_overdue,
    morning_check_of,
    open_follow_ups,
)
from compliance.health.growth import (
    CutOffs,
    GrowthAssessment,
    GrowthStatus,
    Indicator,
    assess,
    classify,
    cut_offs,
    z_scores,
)
from compliance.health.illness import (
    Outbreak,
    disease_key,
    is_excluded,
    max_absence_months,
    needs_new_entry_exam,
    outbreak_figures,
    outbreaks,
)
from compliance.health.records import (
    AllergyRecord,
    CheckKind,
    CheckResult,
    ChildHealthRecord,
    ChronicConditionRecord,
    EntryExamRecord,
    GrowthMeasurementRecord,
    HealthCheckRecord,
    HealthEvidence,
    IllnessCaseRecord,
)

__all__ = [
    "AllergyRecord",
    "CheckKind",
    "CheckResult",
    "ChildHealthRecord",
    "ChronicConditionRecord",
    "CutOffs",
    "EntryExamRecord",
    "GrowthAssessment",
    "GrowthMeasurementRecord",
    "GrowthStatus",
    "HealthCheckRecord",
    "HealthEvidence",
    "IllnessCaseRecord",
    "Indicator",
    "Outbreak",
    "allergy_warnings",
    "assess",
    "classify",
    "cut_offs",
    "disease_key",
    "follow_up_limit",
    "follow_up_overdue",
    "is_excluded",
    "max_absence_months",
    "morning_check_of",
    "needs_new_entry_exam",
    "open_follow_ups",
    "outbreak_figures",
    "outbreaks",
    "z_scores",
]
