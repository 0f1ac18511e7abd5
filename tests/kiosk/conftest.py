"""Fixtures for the kiosk tests: a verifier on a fake clock at Monday 09:30 in Shanghai."""

from __future__ import annotations

import pytest
from kiosk_factories import Kiosk, make_kiosk


@pytest.fixture
def kiosk() -> Kiosk:
    return make_kiosk()
