"""The dashboard's care and health card reads the 晨检 tests' world (a centre with children checked in)."""

from tests.server.health.checks.conftest import world  # noqa: F401 - a fixture shared with the 晨检 tests
