"""Fixtures of the people tests."""

from tests.server.attendance.kiosk_helpers import world  # noqa: F401 - a fixture: a left child at the kiosk
