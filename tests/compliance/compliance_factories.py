"""Small factories for the compliance tests: records, registers, a reference pack, ZIP rewriting."""

from __future__ import annotations

import dataclasses
import warnings
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from compliance import (
    AccessLogEntry,
    CentreRecord,
    ChildRecord,
    ClassRecord,
    ClassType,
    Column,
    ComplianceInputs,
    FilingStatus,
    InspectionArea,
    LegalForm,
    Period,
    RegisterSource,
    Responsibility,
    Rulebook,
    effective_rulebook,
    evaluate,
)
from compliance.pack.build import PackResult, build_pack
from compliance.signing import key_id_for

PERIOD = Period(date(2025, 1, 1), date(2025, 3, 31))
GENERATED_AT = datetime(2025, 4, 1, 2, 0, tzinfo=UTC)


def make_centre(**changes: Any) -> CentreRecord:
    """A filed 40-place centre in Shaoyang; override any field."""
    centre = CentreRecord(
        code="SY-0001",
        name="阳光托育中心",
        legal_form=LegalForm.FOR_PROFIT,
        registering_authority="邵阳市市场监督管理局",
        filing_status=FilingStatus.FILED,
        filed_on=date(2024, 3, 1),
        approved_places=40,
        puhui_places=20,
        region="hunan-shaoyang",
        address="邵阳市双清区",
    )
    return dataclasses.replace(centre, **changes)


def make_child(child_id: int, **changes: Any) -> ChildRecord:
    """A child enrolled since 2024-09-01 with consent given the same day."""
    child = ChildRecord(
        id=child_id, class_id=1, enrolled_on=date(2024, 9, 1), consent_given_on=date(2024, 9, 1)
    )
    return dataclasses.replace(child, **changes)


def make_class(capacity: int, class_type: ClassType = ClassType.TUOXIAOBAN) -> ClassRecord:
    """Class 1, 小一班."""
    return ClassRecord(id=1, name="小一班", class_type=class_type, capacity=capacity)


ATTENDANCE_COLUMNS = (
    Column("child_id", "幼儿编号", "child id"),
    Column("class_name", "班级", "class"),
    Column("on", "日期", "date"),
    Column("present", "出勤", "present"),
    Column("absence_reason", "缺勤原因", "absence reason"),
)


def attendance_rows(centre: CentreRecord, period: Period) -> Iterator[tuple[object, ...]]:
    """Thirty children over the period; every seventh absent with a cold."""
    for day in period.each_day():
        for child in range(30):
            absent = (child + day.day) % 7 == 0
            yield (child, "小一班", day, not absent, "感冒" if absent else None)


def disinfection_rows(centre: CentreRecord, period: Period) -> Iterator[dict[str, object]]:
    """One dict row per day, with a timestamp in UTC."""
    for day in period.each_day():
        yield {
            "on": day,
            "ventilated_times": 2,
            "uv_minutes": 60,
            "checked_at": datetime(day.year, day.month, day.day, 1, 30, tzinfo=UTC),
            "checked_by": "=王老师",
        }


REGISTERS = [
    RegisterSource(
        name="出勤登记",
        title_en="Attendance register",
        columns=ATTENDANCE_COLUMNS,
        responsibility=Responsibility.QUALITY_SAFETY,
        inspection_area=InspectionArea.HEALTH,
        rows=attendance_rows,
    ),
    RegisterSource(
        name="表6_班级卫生消毒检查记录表",
        title_en="Form 6: class hygiene and disinfection checks",
        columns=(
            Column("on", "日期"),
            Column("ventilated_times", "通风次数"),
            Column("uv_minutes", "紫外线消毒分钟"),
            Column("checked_at", "检查时间"),
            Column("checked_by", "检查人"),
        ),
        responsibility=Responsibility.QUALITY_SAFETY,
        inspection_area=InspectionArea.HEALTH,
        rows=disinfection_rows,
    ),
]


@dataclass(frozen=True)
class BuiltPack:
    """A good pack on disk with the key that signed it."""

    path: Path
    key: Ed25519PrivateKey
    result: PackResult
    rulebook: Rulebook


def build_good_pack(path: Path, key: Ed25519PrivateKey, **changes: Any) -> BuiltPack:
    """Build the reference pack (Shaoyang centre, Q1 2025) into ``path``."""
    centre = make_centre()
    rulebook = effective_rulebook(centre.region, None, PERIOD.end)
    children = [make_child(i, consent_given_on=None if i == 3 else date(2024, 9, 1)) for i in range(30)]
    findings = evaluate(ComplianceInputs(centre, [make_class(16)], children), rulebook, PERIOD)
    arguments: dict[str, Any] = {
        "centre": centre,
        "period": PERIOD,
        "registers": REGISTERS,
        "findings": findings,
        "rulebook": rulebook,
        "audit_head": {"seq": 1204, "hash": "9f" * 32},
        "audit_entries": [
            {"seq": 1200 + i, "at": datetime(2025, 1, 2 + i, tzinfo=UTC), "action": "check_in", "prev": "00" * 32}
            for i in range(4)
        ],
        "access_log": [
            AccessLogEntry(GENERATED_AT, "检查员 张三", "inspector", "export", "compliance pack", "双随机抽查")
        ],
        "signing_key": key,
        "key_id": key_id_for(key.public_key()),
        "generated_at": GENERATED_AT,
        "generator_version": "tuoyu 0.1.0",
    }
    output = changes.pop("output", None)
    arguments.update(changes)
    if output is not None:
        return BuiltPack(path, key, build_pack(output, **arguments), rulebook)
    with path.open("wb") as handle:
        result = build_pack(handle, **arguments)
    return BuiltPack(path, key, result, rulebook)


def rewrite_zip(
    source: Path,
    target: Path,
    change: Callable[[list[tuple[zipfile.ZipInfo, bytes]]], list[tuple[zipfile.ZipInfo, bytes]]],
) -> Path:
    """Copy a ZIP entry by entry through ``change`` (a consistent ZIP: CRCs are recomputed)."""
    with zipfile.ZipFile(source) as zf:
        entries = [(info, zf.read(info)) for info in zf.infolist()]
    with warnings.catch_warnings():
        # zipfile warns on duplicate names, which one tamper case writes on purpose.
        warnings.simplefilter("ignore", UserWarning)
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
            for info, data in change(entries):
                zf.writestr(info, data)
    return target
