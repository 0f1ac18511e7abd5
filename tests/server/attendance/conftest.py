"""Fixtures of the attendance tests."""

from tests.server.attendance.kiosk_helpers import world  # noqa: F401 - a fixture, shared by the test modules
