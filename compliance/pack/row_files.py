"""The pack files written row by row: registers, the access log, the audit entries / 逐行写入.

Memory does not grow with the period: every register is written row by row into
its ZIP entry and hashed on the way. A ZIP can only have one entry open for
writing, so the JSON twin of each register is spooled to a temporary file while
the CSV is written and copied in afterwards; the rows are read once, so the CSV
and the JSON always show the same records.
"""

from __future__ import annotations

import codecs
import csv
import json
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict
from typing import Any

from compliance.pack.cells import FORMULA_START, Cells
from compliance.pack.layout import (
    ACCESS_LOG,
    AUDIT_ENTRIES,
    canonical_json,
    register_csv_path,
    register_json_path,
)
from compliance.pack.zip_writer import PackZipWriter, json_default, text_stream
from compliance.period import Period
from compliance.records import AccessLogEntry, CentreRecord
from compliance.registers import RegisterSource, Row

PROGRESS_EVERY_ROWS = 10_000

# One encoder for every row: json.dumps with non-default options builds a new one per call.
_ROW_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False)

ACCESS_COLUMNS = ("时间", "访问人", "角色", "操作", "访问对象", "目的")


def _row_values(row: Row, keys: Sequence[str], register: str) -> Sequence[object]:
    if isinstance(row, Mapping):
        return [row.get(key) for key in keys]
    if len(row) != len(keys):
        raise ValueError(f"register {register!r}: row has {len(row)} values for {len(keys)} columns")
    return row


def write_register(writer: PackZipWriter, source: RegisterSource, centre: CentreRecord, period: Period,
                   cells: Cells) -> int:
    """Write one register as CSV (with a BOM, for Excel) and its JSON twin; returns the row count."""
    keys = [column.key for column in source.columns]
    csv_path = register_csv_path(source.name)
    encode = _ROW_ENCODER.encode
    pair = cells.pair
    count = 0
    with tempfile.TemporaryFile() as spool:
        spool.write(b"[")
        with writer.entry(csv_path) as sink:
            sink.write(codecs.BOM_UTF8)
            with text_stream(sink, "utf-8") as text:
                out = csv.writer(text)
                out.writerow([column.zh for column in source.columns])
                separator = b"\n"
                for row in source.rows(centre, period):
                    csv_cells: list[object] = []
                    json_values: list[object] = []
                    # This loop runs once per cell of the whole period: the common types skip the call.
                    for value in _row_values(row, keys, source.name):
                        if (
                            value is None
                            or type(value) is int
                            or (type(value) is str and not value.startswith(FORMULA_START))
                        ):
                            csv_cells.append(value)
                            json_values.append(value)
                        else:
                            cell, plain = pair(value)
                            csv_cells.append(cell)
                            json_values.append(plain)
                    out.writerow(csv_cells)
                    spool.write(separator + encode(dict(zip(keys, json_values, strict=True))).encode("utf-8"))
                    separator = b",\n"
                    count += 1
                    if count % PROGRESS_EVERY_ROWS == 0:
                        writer.tick(PROGRESS_EVERY_ROWS, csv_path)
        writer.tick(count % PROGRESS_EVERY_ROWS + 1, csv_path)
        spool.write(b"\n]\n")
        spool.seek(0)
        writer.copy(register_json_path(source.name), spool)
    writer.tick(1, register_json_path(source.name))
    return count


def write_access_log(writer: PackZipWriter, entries: Iterable[AccessLogEntry | Mapping[str, Any]],
                     cells: Cells) -> None:
    """Write who looked at these records, and why, as a CSV."""
    fields = ("at", "actor", "role", "action", "object", "purpose")
    with writer.entry(ACCESS_LOG) as sink, text_stream(sink, "utf-8-sig") as text:
        out = csv.writer(text)
        out.writerow(ACCESS_COLUMNS)
        for entry in entries:
            data = asdict(entry) if isinstance(entry, AccessLogEntry) else entry
            out.writerow([cells.csv(data.get(field)) for field in fields])
    writer.tick(1, ACCESS_LOG)


def write_audit_entries(writer: PackZipWriter, entries: Iterable[Mapping[str, Any]]) -> None:
    """Write the audit trail of the period as JSON lines."""
    with writer.entry(AUDIT_ENTRIES) as sink:
        for entry in entries:
            # One RFC 8785 line per entry, so anyone can recompute the entry hashes byte for byte.
            plain = json.loads(json.dumps(entry, default=json_default, allow_nan=False))
            sink.write(canonical_json(plain) + b"\n")
    writer.tick(1, AUDIT_ENTRIES)
