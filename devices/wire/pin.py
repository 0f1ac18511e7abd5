"""Kiosk PINs: the policy a new PIN meets and its argon2id hash, which travels in the roster."""

from __future__ import annotations

import re
from typing import Final

from argon2 import PasswordHasher

PIN_PATTERN: Final = re.compile(r"[0-9]{6,8}")

# RFC 9106 §4 second recommended option (argon2-cffi's default profile): t=3, 64 MiB, 4 lanes.
PIN_TIME_COST: Final = 3
PIN_MEMORY_COST_KIB: Final = 65536
PIN_PARALLELISM: Final = 4


def check_pin_policy(pin: str) -> list[str]:
    """Problems with a new PIN (empty if fine): 6–8 digits, not one repeated digit, not a straight run."""
    if not isinstance(pin, str) or not PIN_PATTERN.fullmatch(pin):
        return ["pin_format"]
    steps = {int(b) - int(a) for a, b in zip(pin, pin[1:], strict=False)}
    if steps in ({0}, {1}, {-1}):
        return ["pin_too_simple"]
    return []


def hash_pin(pin: str, *, time_cost: int = PIN_TIME_COST, memory_cost_kib: int = PIN_MEMORY_COST_KIB,
             parallelism: int = PIN_PARALLELISM) -> str:
    """Salted argon2id hash of a PIN for the roster; the cost travels in the hash string (server calls this)."""
    problems = check_pin_policy(pin)
    if problems:
        raise ValueError(f"PIN refused: {', '.join(problems)}")
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost_kib, parallelism=parallelism).hash(pin)
