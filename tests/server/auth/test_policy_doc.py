"""docs/authorisation.md shows the policy tables as they are in the code."""

from __future__ import annotations

import re
from pathlib import Path

from tests.server.auth.policy_doc import device_table, role_table

DOC = Path(__file__).parents[3] / "docs" / "authorisation.md"


def _section(name: str) -> str:
    return re.search(rf"<!-- {name} -->\n(.*?)\n<!-- /{name} -->", DOC.read_text(encoding="utf-8"), re.S).group(1)


def test_the_documented_role_table_is_the_policy():
    assert _section("roles") == role_table()


def test_the_documented_device_table_is_the_policy():
    assert _section("devices") == device_table()
