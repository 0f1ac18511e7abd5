"""The register registration point: safe names, one name once, order kept."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from compliance import CentreRecord, Column, Period, RegisterRegistry, RegisterSource
from compliance.sections import InspectionArea, Responsibility


def no_rows(centre: CentreRecord, period: Period) -> Iterator[tuple[object, ...]]:
    return iter(())


def source(name: str, columns: tuple[Column, ...] = (Column("on", "日期"),)) -> RegisterSource:
    return RegisterSource(name, columns, Responsibility.QUALITY_SAFETY, InspectionArea.HEALTH, no_rows)


def test_official_form_name_is_accepted() -> None:
    assert source("表6_班级卫生消毒检查记录表").name == "表6_班级卫生消毒检查记录表"


@pytest.mark.parametrize("name", ["../出勤", "a/b", "a\\b", "..", ".hidden", "", " 出勤", "a:b"])
def test_name_that_is_not_a_safe_file_name_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="register name"):
        source(name)


def test_duplicate_column_keys_are_refused() -> None:
    with pytest.raises(ValueError, match="duplicate column"):
        source("出勤登记", (Column("on", "日期"), Column("on", "日期2")))


def test_registry_refuses_a_second_register_with_the_same_name() -> None:
    registry = RegisterRegistry()
    registry.add(source("出勤登记"))
    with pytest.raises(ValueError, match="already registered"):
        registry.add(source("出勤登记"))


def test_registry_keeps_registration_order() -> None:
    registry = RegisterRegistry()
    for name in ("出勤登记", "晨午检记录", "食品留样记录"):
        registry.add(source(name))
    assert [s.name for s in registry.sources()] == ["出勤登记", "晨午检记录", "食品留样记录"]
