"""The 表6 班级卫生消毒检查记录表's lines and the rules that speak of them (工作规范 附件4 表6, 附件3).

Pure data: the server's checklist, the register and the evaluators read the same lines. Figures (how many airings,
how many minutes) are the rulebook's, never here.
"""

from __future__ import annotations

from dataclasses import dataclass

VENTILATION_RULE = "hygiene.ventilation"
TABLEWARE_RULE = "hygiene.tableware"
UV_LAMP_RULE = "hygiene.uv_lamp"
CLEANING_RULE = "hygiene.class_cleaning"


@dataclass(frozen=True)
class ChecklistLine:
    key: str
    zh: str
    en: str
    rule_id: str


LINES: tuple[ChecklistLine, ...] = (
    ChecklistLine("ventilation", "开窗通风", "Ventilation", VENTILATION_RULE),
    ChecklistLine("surfaces", "桌面、地面等物体表面清洁消毒", "Surfaces", CLEANING_RULE),
    ChecklistLine("toys", "玩具清洗消毒", "Toys", CLEANING_RULE),
    ChecklistLine("towels_cups", "毛巾、水杯清洗消毒", "Towels and cups", CLEANING_RULE),
    ChecklistLine("toilets", "卫生间、便器清洗消毒", "Toilets", CLEANING_RULE),
    ChecklistLine("tableware", "餐具消毒", "Tableware", TABLEWARE_RULE),
    ChecklistLine("uv_lamp", "紫外线灯消毒", "UV lamp", UV_LAMP_RULE),
)
CLEANING_ITEMS: tuple[str, ...] = tuple(line.key for line in LINES if line.rule_id == CLEANING_RULE)
METHODS: dict[str, tuple[str, str]] = {"boil": ("煮沸", "boiled"), "steam": ("蒸汽", "steamed"),
                                       "cabinet": ("消毒柜", "disinfection cabinet")}


def line(key: str) -> ChecklistLine | None:
    return next((x for x in LINES if x.key == key), None)
