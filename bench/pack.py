"""Benchmark: build and verify the compliance pack of a synthetic centre-year.

150 children × 250 days: an attendance register of 37 500 rows plus placeholder
registers of the same shape, 500 000 rows in all, streamed from generators.
Prints build time, peak RSS and verify time against the targets, and a bare
reference: the same rows written by csv.writer into one plain ZIP entry
(no hashing, no JSON twin, no PDF, no signature).

    .venv/bin/python bench/pack.py [--progress]
"""

from __future__ import annotations

import argparse
import csv
import io
import resource
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from figures import figure

from compliance import (
    CentreRecord,
    Column,
    FilingStatus,
    InspectionArea,
    LegalForm,
    Period,
    RegisterSource,
    Responsibility,
    effective_rulebook,
)
from compliance.pack.build import build_pack
from compliance.pack.verify import verify_pack
from compliance.signing import generate_key, key_id_for

CHILDREN = 150
DAYS = 250
TOTAL_ROWS = 500_000
TARGETS = {"build_s": 20.0, "rss_mb": 300.0, "verify_s": 3.0}

COLUMNS = (
    Column("child_id", "幼儿编号", "child id"),
    Column("class_name", "班级", "class"),
    Column("on", "日期", "date"),
    Column("present", "出勤", "present"),
    Column("absence_reason", "缺勤原因", "absence reason"),
    Column("recorded_at", "登记时间", "recorded at"),
)


def school_days(start: date) -> list[date]:
    """The first DAYS weekdays from ``start``."""
    days: list[date] = []
    day = start
    while len(days) < DAYS:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def rows_for(days: list[date], limit: int) -> Iterator[tuple[object, ...]]:
    """Child × day rows, generated on demand (nothing is held in memory)."""
    emitted = 0
    for day in days:
        recorded = datetime(day.year, day.month, day.day, 0, 45, tzinfo=UTC)
        for child in range(CHILDREN):
            if emitted == limit:
                return
            absent = (child * 7 + day.toordinal()) % 23 == 0
            yield (child + 1, f"班级{child // 15 + 1}", day, not absent, "发热" if absent else None, recorded)
            emitted += 1


def registers(days: list[date]) -> list[RegisterSource]:
    """The attendance register plus placeholders of the same shape up to TOTAL_ROWS."""
    per_register = CHILDREN * DAYS
    sizes = [per_register] * (TOTAL_ROWS // per_register)
    if TOTAL_ROWS % per_register:
        sizes.append(TOTAL_ROWS % per_register)
    sources = []
    for index, size in enumerate(sizes):
        name = "出勤登记" if index == 0 else f"占位登记表{index:02d}"

        def rows(centre: CentreRecord, period: Period, size: int = size) -> Iterator[tuple[object, ...]]:
            return rows_for(days, size)

        def count(centre: CentreRecord, period: Period, size: int = size) -> int:
            return size

        sources.append(
            RegisterSource(name, COLUMNS, Responsibility.QUALITY_SAFETY, InspectionArea.HEALTH, rows,
                           title_en="Attendance register" if index == 0 else "placeholder", count=count)
        )
    return sources


def bare_reference(days: list[date], path: Path) -> float:
    """Seconds to write the same rows with csv.writer into one plain ZIP entry."""
    started = time.perf_counter()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf, \
            zf.open("rows.csv", "w", force_zip64=True) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        out = csv.writer(text)
        for source in registers(days):
            for row in rows_for(days, source.count(CENTRE, PERIOD) if source.count else 0):
                out.writerow(row)
        text.flush()
        text.detach()
    return time.perf_counter() - started


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


DAYS_LIST = school_days(date(2024, 9, 2))
PERIOD = Period(DAYS_LIST[0], DAYS_LIST[-1])
CENTRE = CentreRecord(
    code="BENCH-01", name="基准测试托育中心", legal_form=LegalForm.NON_PROFIT,
    registering_authority="民政局", filing_status=FilingStatus.FILED, filed_on=date(2024, 1, 10),
    approved_places=150, puhui_places=90, region="chongqing",
)


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--progress", action="store_true", help="show a tqdm progress bar on stderr")
    args = parser.parse_args()

    key = generate_key()
    rulebook = effective_rulebook(CENTRE.region, None, PERIOD.end)
    sources = registers(DAYS_LIST)
    rss_before = peak_rss_mb()
    bar = None
    progress = None
    if args.progress:
        from tqdm import tqdm

        bar = tqdm(unit="row", unit_scale=True)

        def progress(done: int, total: int | None, label: str) -> None:
            bar.total = total
            bar.update(done - bar.n)

    with tempfile.TemporaryDirectory() as tmp:
        pack_path = Path(tmp) / "pack.zip"
        started = time.perf_counter()
        with pack_path.open("wb") as output:
            result = build_pack(
                output, centre=CENTRE, period=PERIOD, registers=sources, findings=[], rulebook=rulebook,
                audit_head={"seq": 0}, audit_entries=iter(()), access_log=iter(()), signing_key=key,
                key_id=key_id_for(key.public_key()), generated_at=datetime(2025, 7, 1, tzinfo=UTC),
                generator_version="bench", progress=progress,
            )
        build_s = time.perf_counter() - started
        if bar is not None:
            bar.close()
        rss_mb = peak_rss_mb()
        size_mb = pack_path.stat().st_size / 1e6
        with zipfile.ZipFile(pack_path) as zf:
            content_mb = sum(info.file_size for info in zf.infolist()) / 1e6

        started = time.perf_counter()
        report = verify_pack(pack_path, trusted_keys=[key.public_key()])
        verify_s = time.perf_counter() - started
        bare_s = bare_reference(DAYS_LIST, Path(tmp) / "bare.zip")

    rows = sum(result.register_rows.values())
    print(f"registers: {len(sources)}, rows: {rows:,}, pack: {size_mb:.1f} MB zipped / {content_mb:.0f} MB of files,"
          f" verified: {report.ok}")
    print(f"build:  {build_s:6.2f} s   (target ≤ {TARGETS['build_s']:.0f} s)")
    print(f"peak RSS: {rss_mb:6.1f} MB (target ≤ {TARGETS['rss_mb']:.0f} MB; {rss_before:.1f} MB before the build)")
    print(f"verify: {verify_s:6.2f} s   (target ≤ {TARGETS['verify_s']:.0f} s)")
    print(f"bare reference (csv.writer into one ZIP entry, same rows): {bare_s:.2f} s")
    within = build_s <= TARGETS["build_s"] and rss_mb <= TARGETS["rss_mb"] and verify_s <= TARGETS["verify_s"]
    print("all targets met" if within and report.ok else "TARGET MISSED")
    figure("build", build_s, "s", at_most=TARGETS["build_s"], reference=bare_s)
    figure("build / bare floor", build_s / bare_s, "×")
    figure("peak RSS", rss_mb, "MB", at_most=TARGETS["rss_mb"])
    figure("verify", verify_s, "s", at_most=TARGETS["verify_s"])
    figure("pack verifies", bool(report.ok))


if __name__ == "__main__":
    main()
