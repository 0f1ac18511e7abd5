"""Monitoring's routes in the policy matrix (issue #20): not the roles' business, so PUBLIC to the matrix.

/readyz says only which check failed. /metrics is guarded by its own rule, not by a role: the bearer token
METRICS_TOKEN, or a direct loopback caller when none is set (the matrix's test client is on loopback); that rule
has its own tests (tests/server/monitoring/test_scrape_access.py).
"""

from __future__ import annotations

from tests.server.auth.matrix_parts._base import PUBLIC

NEEDS = {
    "monitoring.metrics": PUBLIC,
    "monitoring.readyz": PUBLIC,
}
