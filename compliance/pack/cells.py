"""Register values as CSV cells and JSON values, times in the centre's zone / 单元格格式.

One table of converters keeps the CSV and the JSON twin of a register in step,
and refuses what a register should never carry (naive times, unknown types).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, tzinfo
from decimal import Decimal
from enum import Enum
from typing import Any

# A CSV cell starting with one of these would run as a formula in a spreadsheet (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class Cells:
    """Turns register values into a CSV cell and a JSON value, times in the centre's zone.

    Register cells may be str, int, float, bool, None, date, aware datetime,
    Decimal or an Enum; anything else is a programming error and is refused.
    """

    def __init__(self, tz: tzinfo) -> None:
        self.tz = tz
        # Exact-type dispatch first: a chain of isinstance tests per cell is the slow part of a big pack.
        self._by_type: dict[type, Callable[[Any], tuple[object, object]]] = {
            str: self._text,
            int: _same,
            float: _same,
            type(None): _same,
            bool: _yes_no,
            datetime: self._time,  # before date: the slow road below tests in this order
            date: _iso_date,
            Decimal: _decimal,
        }

    def local(self, moment: datetime) -> datetime:
        """``moment`` in the centre's zone; a naive time is refused."""
        if moment.tzinfo is None:
            raise ValueError(f"naive datetime {moment.isoformat()} in a register row: times must carry a zone")
        return moment.astimezone(self.tz)

    def _text(self, value: str) -> tuple[object, object]:
        # A cell starting like a formula would run in a spreadsheet (CSV injection): quote it.
        return ("'" + value if value.startswith(FORMULA_START) else value), value

    def _time(self, value: datetime) -> tuple[object, object]:
        iso = self.local(value).isoformat()
        return f"{iso[:10]} {iso[11:19]}", iso

    def pair(self, value: object) -> tuple[object, object]:
        """(CSV cell, JSON value) for one value."""
        handler = self._by_type.get(type(value))
        if handler is not None:
            return handler(value)
        # Subclasses (StrEnum, IntEnum, date subclasses) take the slow road.
        if isinstance(value, Enum):
            return self.pair(value.value)
        for kind, convert in self._by_type.items():
            if isinstance(value, kind):
                return convert(value)
        raise TypeError(f"cannot write a {type(value).__name__} into a register cell")

    def csv(self, value: object) -> object:
        """The CSV cell for one value."""
        return self.pair(value)[0]


def _same(value: object) -> tuple[object, object]:
    return value, value


def _yes_no(value: bool) -> tuple[object, object]:
    return ("是" if value else "否"), value


def _iso_date(value: date) -> tuple[object, object]:
    iso = value.isoformat()
    return iso, iso


def _decimal(value: Decimal) -> tuple[object, object]:
    text = format(value, "f")
    return text, text
