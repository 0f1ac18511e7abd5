"""No hard-coded "中文 / English" pair in the server: text a person reads goes through the catalogue.

The scan looks for a run of Chinese (or full-width punctuation) followed, within a few non-letter characters
(a closing quote, bracket or brace), by " / " and a Latin letter or an interpolation: "请求有误 / Bad request",
f"{zh}（单位）/ {en}", "… '7天'} / {en} …".
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVER = ROOT / "server"

PAIR = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef][^\sA-Za-z\n]{0,4} ?/ [A-Za-z{]")

# Where a pair is allowed (a path relative to the repository, a folder ending in "/").
ALLOWED = {
    # A terminal tool for IT staff: its output stays bilingual on purpose.
    "server/cli.py",
    # Operator messages of the same terminal tools (backup, restore, upgrade) and of gunicorn's log.
    "server/backup/commands.py",
    "server/upgrade.py",
    # bilingual(): both names of a closed-set value, for exports and inspection packs (bilingual on purpose).
    "server/i18n.py",
}


def _allowed(relative: str) -> bool:
    return any(relative == entry or (entry.endswith("/") and relative.startswith(entry)) for entry in ALLOWED)


def server_files() -> list[Path]:
    """The server's Python, templates and own scripts (vendored libraries left out)."""
    files = [*SERVER.rglob("*.py"), *(SERVER / "templates").rglob("*"), *(SERVER / "static").rglob("*.js")]
    return sorted(p for p in files if p.is_file() and "vendor" not in p.parts and "__pycache__" not in p.parts)


def find_pairs(paths: list[Path]) -> list[str]:
    """Each line holding a Chinese / English pair, as "path:line: text"."""
    found = []
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if PAIR.search(line):
                found.append(f"{path}:{number}: {line.strip()}")
    return found


def test_the_server_has_no_hard_coded_pairs_outside_the_allowlist():
    checked = [p for p in server_files() if not _allowed(p.relative_to(ROOT).as_posix())]
    assert find_pairs(checked) == []


def test_the_scan_finds_a_planted_pair(tmp_path):
    planted = tmp_path / "planted.py"
    planted.write_text('problems.add("required", "请填写名称 / Name is required", "name")\n'
                       'title = f"{zh} {\'7天\'} / {en} 7 days"\n'
                       '<p>现在 / Now: {{ room }}</p>\n', encoding="utf-8")
    assert [hit.split(":")[1] for hit in find_pairs([planted])] == ["1", "2", "3"]


def test_the_scan_leaves_arithmetic_paths_and_single_languages_alone(tmp_path):
    clean = tmp_path / "clean.py"
    clean.write_text('rate = total / count\nreturn f"{zh} / {en}"\nmessage = _l("Name is required")\n'
                     'label = "办公室紧急按钮"\nurl = "请访问 /pass"\n', encoding="utf-8")
    assert find_pairs([clean]) == []


def test_the_allowlist_covers_only_what_it_names():
    assert (_allowed("server/cli.py"), _allowed("server/templates/people/child.html"), _allowed("server/errors.py"),
            _allowed("server/people/operations.py"), _allowed("server/staff/api.py"),
            _allowed("server/cli.pyc")) == (True, False, False, False, False, False)
