"""What a pack check found: each problem with its level, code and file, and the report that collects them."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Level(StrEnum):
    """Whether a problem fails verification."""

    ERROR = "error"
    WARNING = "warning"


_MESSAGES: dict[str, tuple[Level, str, str]] = {
    "file_unreadable": (Level.ERROR, "无法读取文件", "cannot read the file"),
    "zip_corrupt": (Level.ERROR, "压缩包损坏或被截断", "the ZIP is corrupt or truncated"),
    "entry_corrupt": (Level.ERROR, "压缩包内文件损坏（校验和或解压失败）", "an entry is corrupt (CRC or inflate error)"),
    "duplicate_entry": (Level.ERROR, "压缩包内有重名文件", "duplicate entry name in the ZIP"),
    "unsafe_path": (Level.ERROR, "不安全的文件路径", "unsafe path"),
    "oversize_entry": (Level.ERROR, "文件超出大小或压缩比上限（疑似压缩炸弹）", "entry exceeds the size or ratio limit (zip bomb?)"),
    "manifest_missing": (Level.ERROR, "缺少清单 manifest.json", "manifest.json is missing"),
    "manifest_unparseable": (Level.ERROR, "清单无法解析", "manifest.json does not parse"),
    "manifest_not_canonical": (Level.ERROR, "清单不是 RFC 8785 规范格式", "manifest.json is not RFC 8785 canonical"),
    "manifest_invalid": (Level.ERROR, "清单内容不完整或格式错误", "manifest.json has missing or malformed fields"),
    "signature_missing": (Level.ERROR, "缺少签名 manifest.sig", "manifest.sig is missing"),
    "signature_unparseable": (Level.ERROR, "签名文件无法解析", "manifest.sig does not parse"),
    "signature_bad_alg": (Level.ERROR, "不支持的签名算法", "unsupported signature algorithm"),
    "bad_signature": (Level.ERROR, "签名无效：清单被改动或密钥不符", "bad signature: manifest changed or wrong key"),
    "key_id_mismatch": (Level.ERROR, "密钥编号不一致", "key ids do not match"),
    "unknown_key": (Level.ERROR, "签名密钥不在受信任的密钥中", "the signing key is not among the trusted keys"),
    "retired_key": (Level.ERROR, "签名密钥在资料包生成前已停用", "the signing key was retired before the pack was made"),
    "key_missing": (Level.ERROR, "资料包内没有签名公钥", "the pack carries no public key"),
    "key_self_asserted": (
        Level.WARNING,
        "仅用资料包自带的公钥核验：请与机构公布的公钥指纹比对",
        "verified only with the key inside the pack: compare its fingerprint with the centre's published one",
    ),
    "missing_file": (Level.ERROR, "清单所列文件不存在", "file listed in the manifest is missing"),
    "extra_file": (Level.ERROR, "压缩包内有清单未列出的文件", "file not listed in the manifest"),
    "size_mismatch": (Level.ERROR, "文件大小与清单不符", "file size differs from the manifest"),
    "hash_mismatch": (Level.ERROR, "文件内容被改动（SHA-256 不符）", "file content changed (SHA-256 differs)"),
    # Only verify.html reports these two: the CLI refuses an unreadable --key before it opens the pack.
    "bad_key": (Level.ERROR, "无法读取您提供的公钥", "cannot read the public key you gave"),
    "browser_unsupported": (
        Level.ERROR,
        "此浏览器缺少 Ed25519 签名或解压功能，无法核验，资料包未必有问题：请用新版 Chrome、Edge 或 Firefox 打开",
        "this browser lacks Ed25519 or deflate support, so nothing was checked (the pack may be fine): "
        "open the page in a current Chrome, Edge or Firefox",
    ),
}


@dataclass(frozen=True)
class Problem:
    """One problem: machine code, level, the file concerned, and the message in Chinese and English."""

    code: str
    level: Level
    path: str | None
    message_zh: str
    message_en: str

    def __str__(self) -> str:
        where = f" [{self.path}]" if self.path else ""
        return f"{self.level.value.upper()} {self.code}{where}: {self.message_zh} / {self.message_en}"


def messages_json() -> dict[str, list[str]]:
    """Every problem code with its level and messages, for verify.html to report in the same words."""
    return {code: [level.value, zh, en] for code, (level, zh, en) in _MESSAGES.items()}


def make_problem(code: str, path: str | None = None, detail: str = "") -> Problem:
    level, zh, en = _MESSAGES[code]
    suffix = f"（{detail}）" if detail else ""
    return Problem(code, level, path, zh + suffix, en + (f" ({detail})" if detail else ""))


@dataclass
class VerifyReport:
    """The outcome: every problem found, and what was learnt about the pack on the way."""

    path: str
    problems: list[Problem] = field(default_factory=list)
    manifest: dict[str, Any] | None = None
    key_id: str | None = None
    key_trust: str = "none"  # "trusted", "self-asserted" or "none"
    files_checked: int = 0

    @property
    def ok(self) -> bool:
        """True when no problem is an error (warnings allowed)."""
        return not any(p.level is Level.ERROR for p in self.problems)

    @property
    def codes(self) -> list[str]:
        """The problem codes, in the order found."""
        return [p.code for p in self.problems]

    def to_json(self) -> dict[str, Any]:
        """Plain JSON types."""
        return {
            "path": self.path,
            "ok": self.ok,
            "key_id": self.key_id,
            "key_trust": self.key_trust,
            "files_checked": self.files_checked,
            "problems": [
                {"code": p.code, "level": p.level.value, "path": p.path, "message_zh": p.message_zh,
                 "message_en": p.message_en}
                for p in self.problems
            ],
        }
