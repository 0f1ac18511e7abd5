"""The deployment tests serve the app as production does (gunicorn, Caddy): on SQLite only.

What they check sits in front of the database (TLS, the proxy, the browser's trust, the units); PostgreSQL would
double their time for nothing they test.
"""

from __future__ import annotations

import pytest


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    return sqlite_url
