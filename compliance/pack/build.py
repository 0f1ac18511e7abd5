"""Build a signed compliance pack as a streamed ZIP / 生成合规资料包.

Memory does not grow with the period: every register is written row by row
into its ZIP entry and hashed on the way. A ZIP can only have one entry open
for writing, so the JSON twin of each register is spooled to a temporary file
while the CSV is written and copied in afterwards; the rows are read once, so
the CSV and the JSON always show the same records.
"""

from __future__ import annotations

import base64
import codecs
import csv
import hashlib
import io
import json
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from enum import Enum
from typing import IO, Any, BinaryIO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from compliance.findings import Finding, Severity
from compliance.pack.layout import (
    ACCESS_LOG,
    AUDIT_ENTRIES,
    AUDIT_HEAD,
    CENTRE_JSON,
    FINDINGS_JSON,
    FORMAT,
    MANIFEST,
    RESERVED_REGISTER_NAMES,
    RULEBOOK_JSON,
    SIGNATURE,
    SIGNATURE_ALG,
    SUMMARY_PDF,
    canonical_json,
    public_key_path,
    register_csv_path,
    register_json_path,
)
from compliance.pack.pdf import (
    KeyFigure,
    RegisterSummary,
    SummaryData,
    render_summary_pdf,
)
from compliance.period import Period
from compliance.records import AccessLogEntry, CentreRecord
from compliance.registers import RegisterSource, Row
from compliance.rulebook.model import Rulebook
from compliance.signing import fingerprint, key_id_for, public_key_pem
from compliance.statistics import percent

Progress = Callable[[int, int | None, str], None]

CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")  # China keeps no DST: a fixed offset is exact
PROGRESS_EVERY_ROWS = 10_000
_COPY_CHUNK = 1 << 20
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# One encoder for every row: json.dumps with non-default options builds a new one per call.
_ROW_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False)

ACCESS_COLUMNS = ("时间", "访问人", "角色", "操作", "访问对象", "目的")


@dataclass(frozen=True)
class PackResult:
    """What was written: the manifest (as signed), its SHA-256 and row counts per register."""

    manifest: dict[str, Any]
    manifest_sha256: str
    register_rows: dict[str, int]


class _HashingSink(io.RawIOBase):
    """Raw writer into a ZIP entry that hashes and counts every byte on the way."""

    def __init__(self, target: IO[bytes]) -> None:
        self._target = target
        self.sha256 = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = memoryview(data)
        self._target.write(view)
        self.sha256.update(view)
        self.size += len(view)
        return len(view)


class _ZipWriter:
    """Writes entries with fixed timestamps and records path, size and SHA-256 of each."""

    def __init__(self, zf: zipfile.ZipFile, when: datetime, progress: Progress | None, total: int | None) -> None:
        self.zf = zf
        # ZIP stores local wall-clock time with 2-second resolution and no zone.
        self.date_time = when.timetuple()[:6]
        self.files: list[dict[str, Any]] = []
        self.progress = progress
        self.total = total
        self.done = 0

    def tick(self, count: int, label: str) -> None:
        self.done += count
        if self.progress is not None:
            self.progress(self.done, self.total, label)

    @contextmanager
    def entry(self, path: str) -> Iterator[_HashingSink]:
        info = zipfile.ZipInfo(path, date_time=self.date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        # force_zip64: register entries may pass 2 GiB, and the size is unknown when the entry opens.
        with self.zf.open(info, "w", force_zip64=True) as target:
            sink = _HashingSink(target)
            yield sink
        self.files.append({"path": path, "size": sink.size, "sha256": sink.sha256.hexdigest()})

    def write_bytes(self, path: str, data: bytes) -> None:
        with self.entry(path) as sink:
            sink.write(data)
        self.tick(1, path)

    def write_json(self, path: str, value: Any) -> None:
        text = json.dumps(value, ensure_ascii=False, indent=2, default=_json_default, allow_nan=False)
        self.write_bytes(path, (text + "\n").encode("utf-8"))

    def copy(self, path: str, source: IO[bytes]) -> None:
        with self.entry(path) as sink:
            while chunk := source.read(_COPY_CHUNK):
                sink.write(chunk)


@contextmanager
def _text(sink: _HashingSink, encoding: str) -> Iterator[io.TextIOWrapper]:
    buffered = io.BufferedWriter(sink, buffer_size=_COPY_CHUNK)
    text = io.TextIOWrapper(buffered, encoding=encoding, newline="")
    try:
        yield text
    finally:
        text.flush()
        # Detach instead of close: closing would close the sink, and the ZIP entry is closed by its owner.
        text.detach()
        buffered.detach()


class _Cells:
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
        if moment.tzinfo is None:
            raise ValueError(f"naive datetime {moment.isoformat()} in a register row: times must carry a zone")
        return moment.astimezone(self.tz)

    def _text(self, value: str) -> tuple[object, object]:
        # A cell starting like a formula would run in a spreadsheet (CSV injection): quote it.
        return ("'" + value if value.startswith(_FORMULA_START) else value), value

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


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()}: times must carry a zone")
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def _row_values(row: Row, keys: Sequence[str], register: str) -> Sequence[object]:
    if isinstance(row, Mapping):
        return [row.get(key) for key in keys]
    if len(row) != len(keys):
        raise ValueError(f"register {register!r}: row has {len(row)} values for {len(keys)} columns")
    return row


def _write_register(writer: _ZipWriter, source: RegisterSource, centre: CentreRecord, period: Period,
                    cells: _Cells) -> int:
    keys = [column.key for column in source.columns]
    csv_path = register_csv_path(source.name)
    encode = _ROW_ENCODER.encode
    pair = cells.pair
    count = 0
    with tempfile.TemporaryFile() as spool:
        spool.write(b"[")
        with writer.entry(csv_path) as sink:
            sink.write(codecs.BOM_UTF8)
            with _text(sink, "utf-8") as text:
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
                            or (type(value) is str and not value.startswith(_FORMULA_START))
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


def _write_access_log(writer: _ZipWriter, entries: Iterable[AccessLogEntry | Mapping[str, Any]], cells: _Cells) -> None:
    fields = ("at", "actor", "role", "action", "object", "purpose")
    with writer.entry(ACCESS_LOG) as sink, _text(sink, "utf-8-sig") as text:
        out = csv.writer(text)
        out.writerow(ACCESS_COLUMNS)
        for entry in entries:
            data = asdict(entry) if isinstance(entry, AccessLogEntry) else entry
            out.writerow([cells.csv(data.get(field)) for field in fields])
    writer.tick(1, ACCESS_LOG)


def _write_audit_entries(writer: _ZipWriter, entries: Iterable[Mapping[str, Any]]) -> None:
    with writer.entry(AUDIT_ENTRIES) as sink:
        for entry in entries:
            # One RFC 8785 line per entry, so anyone can recompute the entry hashes byte for byte.
            plain = json.loads(json.dumps(entry, default=_json_default, allow_nan=False))
            sink.write(canonical_json(plain) + b"\n")
    writer.tick(1, AUDIT_ENTRIES)


def _centre_json(centre: CentreRecord) -> dict[str, Any]:
    data = asdict(centre)
    data["legal_form_zh"] = centre.legal_form.zh
    data["filing_status_zh"] = centre.filing_status.zh
    return data


def _statistics(centre: CentreRecord, findings: Sequence[Finding], rows: Mapping[str, int],
                extra: Sequence[KeyFigure]) -> list[KeyFigure]:
    puhui = percent(centre.puhui_places, centre.approved_places)
    share = "—" if puhui is None else f"{puhui} %"
    figures = [
        KeyFigure("核定托位", "approved places", str(centre.approved_places)),
        KeyFigure("普惠托位", "普惠 places", str(centre.puhui_places)),
        KeyFigure("普惠托位占比", "share of 普惠 places", share),
    ]
    for severity in reversed(Severity):
        count = sum(1 for f in findings if f.severity is severity)
        figures.append(KeyFigure(f"发现：{severity.zh}", f"findings: {severity.value}", str(count)))
    figures.append(KeyFigure("登记表行数合计", "register rows in total", str(sum(rows.values()))))
    return figures + list(extra)


def _check_inputs(registers: Sequence[RegisterSource], signing_key: Ed25519PrivateKey, key_id: str,
                  generated_at: datetime) -> None:
    if generated_at.tzinfo is None:
        raise ValueError("generated_at must carry a time zone")
    if key_id_for(signing_key.public_key()) != key_id:
        raise ValueError(f"key_id {key_id!r} does not belong to the signing key")
    names = [source.name for source in registers]
    if len(set(names)) != len(names):
        raise ValueError("two registers share a name")
    reserved = RESERVED_REGISTER_NAMES.intersection(names)
    if reserved:
        raise ValueError(f"register names reserved for pack files: {sorted(reserved)}")


def build_pack(
    output: BinaryIO,
    *,
    centre: CentreRecord,
    period: Period,
    registers: Sequence[RegisterSource],
    findings: Sequence[Finding],
    rulebook: Rulebook,
    audit_head: Mapping[str, Any],
    audit_entries: Iterable[Mapping[str, Any]],
    access_log: Iterable[AccessLogEntry | Mapping[str, Any]],
    signing_key: Ed25519PrivateKey,
    key_id: str,
    generated_at: datetime,
    generator_version: str,
    progress: Progress | None = None,
    statistics: Sequence[KeyFigure] = (),
    font_path: str | None = None,
    tz: tzinfo = CHINA_TZ,
) -> PackResult:
    """Write a signed pack to ``output`` (any writable binary file, seekable or not)."""
    _check_inputs(registers, signing_key, key_id, generated_at)
    cells = _Cells(tz)
    total: int | None = None
    if registers and all(source.count is not None for source in registers):
        # Rows plus one tick per file: registers twice (CSV, JSON), then the ten fixed files.
        total = sum(source.count(centre, period) for source in registers if source.count) + 2 * len(registers) + 10
    rows: dict[str, int] = {}
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        writer = _ZipWriter(zf, generated_at.astimezone(tz), progress, total)
        for source in registers:
            rows[source.name] = _write_register(writer, source, centre, period, cells)
        writer.write_json(CENTRE_JSON, _centre_json(centre))
        writer.write_json(FINDINGS_JSON, [finding.to_json() for finding in findings])
        writer.write_json(RULEBOOK_JSON, rulebook.to_json())
        writer.write_json(AUDIT_HEAD, dict(audit_head))
        _write_audit_entries(writer, audit_entries)
        _write_access_log(writer, access_log, cells)
        public_key = signing_key.public_key()
        writer.write_bytes(public_key_path(key_id), public_key_pem(public_key))
        summary = SummaryData(
            centre=centre,
            period=period,
            generated_at=generated_at,
            tz=tz,
            generator_version=generator_version,
            rulebook=rulebook,
            key_id=key_id,
            key_fingerprint=fingerprint(public_key),
            findings=findings,
            registers=[
                RegisterSummary(s.name, s.title_en, register_csv_path(s.name), rows[s.name], s.responsibility,
                                s.inspection_area)
                for s in registers
            ],
            statistics=_statistics(centre, findings, rows, statistics),
        )
        pdf, font = render_summary_pdf(summary, font_path=font_path)
        writer.write_bytes(SUMMARY_PDF, pdf)

        manifest = {
            "format": FORMAT,
            "centre": {"code": centre.code, "name": centre.name},
            "period": period.to_json(),
            "generated_at": generated_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "generator": {"name": "tuoyu", "version": generator_version},
            "rulebook": {"version": rulebook.version, "region": rulebook.region, "on": rulebook.on.isoformat()},
            "key_id": key_id,
            "pdf_font": {"file": font.path, "embedded": font.embedded},
            "files": sorted(writer.files, key=lambda f: f["path"]),
        }
        manifest_bytes = canonical_json(manifest)
        signature = {
            "alg": SIGNATURE_ALG,
            "key_id": key_id,
            "sig": base64.b64encode(signing_key.sign(manifest_bytes)).decode("ascii"),
        }
        with writer.entry(MANIFEST) as sink:
            sink.write(manifest_bytes)
        with writer.entry(SIGNATURE) as sink:
            sink.write(canonical_json(signature))
        writer.tick(2, SIGNATURE)
    return PackResult(manifest, hashlib.sha256(manifest_bytes).hexdigest(), rows)
