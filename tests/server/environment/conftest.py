"""Fixtures of the environment tests."""

from tests.server.environment.helpers import site  # noqa: F401 - a fixture, shared by the test modules
