"""The "health" evidence of a centre for a period: each part of the health domain's records, as the library's."""

from __future__ import annotations

from compliance import Period
from compliance.health import HealthEvidence
from server.centre.models import Centre
from server.health.checks.registers import check_records
from server.health.illness.registers import case_records
from server.health.profile.registers import (
    allergy_records,
    child_health_records,
    condition_records,
    entry_exam_records,
    measurement_records,
)


def health_evidence(centre: Centre, period: Period) -> HealthEvidence:
    """晨午检 and follow-ups, 表4 cases, 表5 conditions, allergies, entry exams, growth and the children's sex and birth."""
    return HealthEvidence(
        checks=tuple(check_records(centre, period)), cases=tuple(case_records(centre, period)),
        conditions=condition_records(centre, period), allergies=allergy_records(centre, period),
        entry_exams=entry_exam_records(centre, period), measurements=measurement_records(centre, period),
        children=child_health_records(centre, period))
