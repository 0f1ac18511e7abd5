"""The "care" evidence of a centre for a period: naps, patrol checks and outdoor time, with medication's part."""

from __future__ import annotations

from compliance import Period
from compliance.care import CareEvidence
from server.care.medication.registers import medication_evidence_part
from server.care.registers import care_evidence_part
from server.centre.models import Centre


def care_evidence(centre: Centre, period: Period) -> CareEvidence:
    medication = medication_evidence_part(centre, period)
    return CareEvidence(**care_evidence_part(centre, period), consents=medication.consents, doses=medication.doses)
