"""Compliance core: rulebook, evaluators, findings, statistics, registers / 合规核心库.

A pure library: plain dataclasses in, findings and packs out. It imports
nothing of ours (no Flask, no SQL). The pack builder and verifier live in
``compliance.pack.build`` and ``compliance.pack.verify``.
"""

from compliance.evaluators import EVALUATORS, evaluate
from compliance.findings import Finding, Severity
from compliance.period import Period
from compliance.records import (
    AccessLogEntry,
    AttendanceRecord,
    CentreRecord,
    ChildRecord,
    ClassRecord,
    ClassType,
    ComplianceInputs,
    FilingStatus,
    LegalForm,
    RatioViolationRecord,
)
from compliance.registers import REGISTERS, Column, RegisterRegistry, RegisterSource
from compliance.rulebook import (
    PolicyError,
    Rulebook,
    RulebookError,
    effective_rulebook,
    format_rulebook,
    rulebook_version,
)
from compliance.sections import InspectionArea, Responsibility
from compliance.statistics import attendance_by_class_month, attendance_rate

__all__ = [
    "RatioViolationRecord",
    "EVALUATORS",
    "REGISTERS",
    "AccessLogEntry",
    "AttendanceRecord",
    "CentreRecord",
    "ChildRecord",
    "ClassRecord",
    "ClassType",
    "Column",
    "ComplianceInputs",
    "FilingStatus",
    "Finding",
    "InspectionArea",
    "LegalForm",
    "Period",
    "PolicyError",
    "RegisterRegistry",
    "RegisterSource",
    "Responsibility",
    "Rulebook",
    "RulebookError",
    "Severity",
    "attendance_by_class_month",
    "attendance_rate",
    "effective_rulebook",
    "evaluate",
    "format_rulebook",
    "rulebook_version",
]
