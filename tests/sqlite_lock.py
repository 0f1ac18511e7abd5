"""Ask SQLite from outside whether anyone holds a database's write lock right now."""

from __future__ import annotations

import sqlite3


def write_lock_is_free(path: str) -> bool:
    """True when a second connection can take the write lock at once (BEGIN IMMEDIATE with no wait)."""
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        other.close()
