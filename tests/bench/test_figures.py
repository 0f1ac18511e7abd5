"""`make bench`'s one table: the @figure lines a bench prints, and run_all collecting them from fake benches."""

from __future__ import annotations

import importlib
import math
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture
def figures(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(BENCH))  # as when a bench runs: its own folder first on the path
    return importlib.import_module("figures")


@pytest.fixture
def run_all(figures: ModuleType) -> ModuleType:
    return importlib.import_module("run_all")


def fake_bench(folder: Path, name: str, body: str) -> None:
    """A bench script in ``folder`` that uses the real bench/figures.py."""
    (folder / name).write_text(f"import sys\nsys.path.insert(0, {str(BENCH)!r})\nfrom figures import figure\n"
                               + textwrap.dedent(body), encoding="utf-8")


def test_a_figure_line_parses_back_to_the_figure(figures: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    figures.figure("p99 latency", 41.5, "ms", at_most=50, reference="bare 12.0 ms")
    line = capsys.readouterr().out
    assert line.startswith("@figure {") and line.count("\n") == 1
    parsed = figures.parse(line)
    assert parsed == figures.Figure("p99 latency", 41.5, "ms", at_most=50, reference="bare 12.0 ms")
    assert parsed.met is True


def test_other_lines_are_not_figures_and_a_broken_one_says_so(figures: ModuleType) -> None:
    assert figures.parse("p99 130 ms (target ≤ 50 ms)\n") is None
    assert figures.parse("  @figure {}") is None  # only at the start of a line
    with pytest.raises(ValueError, match="malformed"):
        figures.parse('@figure {"name": "x", "val')
    with pytest.raises(ValueError, match="malformed"):
        figures.parse('@figure {"value": 3}')  # no name


@pytest.mark.parametrize(("kwargs", "met"), [
    ({"value": 50.0, "at_most": 50}, True),
    ({"value": 50.1, "at_most": 50}, False),
    ({"value": 43.0, "at_least": 50}, False),
    ({"value": 1, "at_least": 1, "at_most": 1}, True),
    ({"value": 2, "at_least": 1, "at_most": 1}, False),
    ({"value": math.nan, "at_most": 5}, False),
    ({"value": 212.0}, None),
    ({"value": True}, True),
    ({"value": False}, False),
    ({"value": 3.0, "at_most": 5, "ok": False}, False),
])
def test_met_against_the_target(figures: ModuleType, kwargs: dict, met: bool | None) -> None:
    assert figures.Figure("f", **kwargs).met is met


def test_the_table_has_a_row_per_figure_and_per_failure(figures: ModuleType) -> None:
    rows = [figures.Row("api.py", figures.Figure("throughput", 212.4, "req/s", reference=497.0)),
            figures.Row("api.py", figures.Figure("throughput / bare", 42.7, "%", at_least=50)),
            figures.Row("pack.py", figures.Figure("peak RSS", 96.2, "MB", at_most=300)),
            figures.Row("day.py", failure="exit status 2")]
    lines = figures.table(rows).splitlines()
    assert lines[0].split() == ["bench", "figure", "value", "reference", "target", "verdict"]
    assert lines[2].split() == ["api.py", "throughput", "212", "req/s", "497", "req/s", "—"]
    assert lines[3].split() == ["api.py", "throughput", "/", "bare", "42.7%", "≥", "50%", "MISSED"]
    assert lines[4].split() == ["pack.py", "peak", "RSS", "96.2", "MB", "≤", "300", "MB", "met"]
    assert lines[5].split() == ["day.py", "exit", "status", "2", "FAILED"]
    assert lines[-1] == "1 met, 1 missed, 1 without a target, 1 failed"


def test_run_all_streams_the_output_and_ends_with_one_table(
        run_all: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake_bench(tmp_path, "fast.py", """
        print("fast: 212 req/s, bare 497")
        figure("throughput", 212.0, "req/s", reference=497.0)
        figure("p99 latency", 41.0, "ms", at_most=50)
        print("fast: done")
    """)
    fake_bench(tmp_path, "check.py", """
        figure("verified", sys.argv[1:] == ["--postgres", "postgresql://u:secret@db/x"])
    """)
    benchmarks = [["fast.py"], ["check.py", "--postgres", "postgresql://u:secret@db/x"], ["not_written_yet.py"]]
    status = run_all.main([], benchmarks=benchmarks, here=tmp_path)
    out = capsys.readouterr().out
    assert status == 0
    assert "fast: 212 req/s, bare 497\nfast: done\n" in out  # the bench's own lines pass through, in order
    assert "@figure" not in out  # its figure lines go to the table instead
    assert "not_written_yet.py: not here, skipped" in out
    assert "secret" not in out  # a URL among the flags is not printed
    table = out[out.index("\nbench ") + 1:].splitlines()  # header, rule, rows, counts
    assert [line.split()[:3] for line in table[2:5]] == [
        ["fast.py", "throughput", "212"], ["fast.py", "p99", "latency"], ["check.py", "--postgres", "verified"]]
    assert [line.split()[-1] for line in table[2:5]] == ["—", "met", "met"]
    assert table[-1] == "2 met, 0 missed, 1 without a target, 0 failed"


def test_a_missed_target_makes_the_run_fail(run_all: ModuleType, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    fake_bench(tmp_path, "slow.py", 'figure("p99 latency", 130.0, "ms", at_most=50)\n')
    assert run_all.main([], benchmarks=[["slow.py"]], here=tmp_path) == 1
    row = capsys.readouterr().out.splitlines()[-2]
    assert row.split() == ["slow.py", "p99", "latency", "130", "ms", "≤", "50", "ms", "MISSED"]


def test_a_crashed_bench_is_a_row_and_fails_the_run(run_all: ModuleType, tmp_path: Path,
                                                    capfd: pytest.CaptureFixture[str]) -> None:
    fake_bench(tmp_path, "crash.py", """
        figure("build", 5.5, "s", at_most=20)
        raise RuntimeError("the database went away")
    """)
    fake_bench(tmp_path, "fine.py", 'figure("build", 5.5, "s", at_most=20)\n')
    assert run_all.main([], benchmarks=[["crash.py"], ["fine.py"]], here=tmp_path) == 1
    captured = capfd.readouterr()  # the bench's stderr is its own (not piped): on the terminal as it happens
    assert "RuntimeError: the database went away" in captured.err
    rows = [line.split() for line in captured.out.splitlines()[-4:-1]]
    assert rows == [["crash.py", "build", "5.50", "s", "≤", "20", "s", "met"],
                    ["crash.py", "exit", "status", "1", "FAILED"],
                    ["fine.py", "build", "5.50", "s", "≤", "20", "s", "met"]]


def test_a_bench_without_figures_or_with_a_broken_line_fails(run_all: ModuleType, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    fake_bench(tmp_path, "silent.py", 'print("nothing measured")\n')
    fake_bench(tmp_path, "broken.py", 'print("@figure {not json")\nfigure("x", 1.0, at_most=2)\n')
    assert run_all.main([], benchmarks=[["silent.py"], ["broken.py"]], here=tmp_path) == 1
    out = capsys.readouterr().out
    assert ["silent.py", "no", "figures", "printed", "FAILED"] in [line.split() for line in out.splitlines()]
    assert "malformed figure line: '@figure {not json'" in out
    assert out.splitlines()[-1] == "1 met, 0 missed, 0 without a target, 2 failed"


def test_only_runs_the_named_benches(run_all: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake_bench(tmp_path, "one.py", 'figure("mode", 1.0 if sys.argv[1:] else 0.0)\n')
    fake_bench(tmp_path, "two.py", 'raise SystemExit(3)\n')
    benchmarks = [["one.py"], ["one.py", "--latency"], ["two.py"]]
    assert run_all.main(["--only", "one"], benchmarks=benchmarks, here=tmp_path) == 0
    out = capsys.readouterr().out
    assert "=== bench/one.py ===" in out and "=== bench/one.py --latency ===" in out and "two.py" not in out
    assert run_all.main(["--only", "bench/two.py"], benchmarks=benchmarks, here=tmp_path) == 1
    with pytest.raises(SystemExit, match="unknown bench"):
        run_all.main(["--only", "three"], benchmarks=benchmarks, here=tmp_path)


def test_the_real_list_names_the_morning_and_the_year(run_all: ModuleType) -> None:
    scripts = [entry[0] for entry in run_all.BENCHMARKS]
    assert {"day.py", "pack_year.py"} <= set(scripts)
    missing = {script for script in scripts if not (BENCH / script).exists()}
    assert missing <= {"day.py", "pack_year.py"}  # written by others now; every other entry is a real script
