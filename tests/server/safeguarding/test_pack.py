"""The register 儿童保护事件记录: in the packs of the director and of an inspector whose grant includes safeguarding,
absent from any other inspector's pack and register pages; the late-report finding names the concern's number only."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from server.database import db
from server.safeguarding.operations import add_step
from tests.server.safeguarding.conftest import ACCOUNT, actor_of, raise_one

REGISTER = "registers/儿童保护事件记录.csv"
PACK = "/api/v1/centres/alpha/packs?from=2026-09-01&to=2026-09-09"


def _pack(client, world, who):  # type: ignore[no-untyped-def]
    response = client.get(PACK, headers=world[who].headers)
    assert response.status_code == 200
    return zipfile.ZipFile(io.BytesIO(response.get_data()))


@pytest.fixture
def late(world, clock):  # type: ignore[no-untyped-def]
    """A concern reported to the authorities 30 hours after it was recorded."""
    now = clock.now()
    concern = raise_one(world, now)
    clock.advance(hours=30)
    add_step(concern, kind="authority_report", agency="education", done_at=clock.now(), done_by="赵园长",
             actor=actor_of(world["director"]), now=clock.now())
    db.session.commit()
    clock.advance(hours=1)
    return concern


@pytest.mark.parametrize("who", ("director", "scoped_inspector"))
def test_the_register_is_in_the_packs_of_those_who_may_read_it(client, world, late, who):
    with _pack(client, world, who) as zf:
        text = zf.read(REGISTER).decode("utf-8-sig")
    assert f"SG-{late.id}" in text and ACCOUNT in text and "向主管部门报告" in text


def test_another_inspectors_pack_holds_neither_the_register_nor_its_findings(client, world, late):
    with _pack(client, world, "inspector") as zf:
        names = zf.namelist()
        findings = json.loads(zf.read("data/findings.json"))
        everything = b"".join(zf.read(n) for n in names)
    listed = client.get("/api/v1/centres/alpha/findings", headers=world["inspector"].headers).json["items"]
    assert (REGISTER in names, [f["rule_id"] for f in findings + listed if f["rule_id"].startswith("safeguarding.")],
            ACCOUNT.encode() in everything, f"SG-{late.id}".encode() in everything) == (False, [], False, False)


def test_a_readers_pack_holds_the_late_report_finding_naming_no_child(client, world, late):
    with _pack(client, world, "scoped_inspector") as zf:
        findings = json.loads(zf.read("data/findings.json"))
    [mine] = [f for f in findings if f["rule_id"] == "safeguarding.mandatory_report"]
    assert f"SG-{late.id}" in mine["message_zh"] and "王小明" not in mine["message_zh"] + mine["message_en"]


@pytest.mark.parametrize(("who", "status"), (("inspector", 404), ("scoped_inspector", 200), ("director", 200)))
def test_the_register_page_follows_the_same_gate(session_as, world, late, who, status):
    page = session_as(who).get("/centres/alpha/registers/儿童保护事件记录")
    assert page.status_code == status


def test_the_inspection_page_lists_the_register_only_for_readers(session_as, world, late):
    plain = session_as("inspector").get("/centres/alpha/inspection").get_data(as_text=True)
    scoped = session_as("scoped_inspector").get("/centres/alpha/inspection").get_data(as_text=True)
    assert ("儿童保护事件记录" in plain, "儿童保护事件记录" in scoped) == (False, True)


def test_the_grant_page_shows_which_grant_includes_safeguarding(session_as, world, late):
    html = session_as("director").get("/centres/alpha/inspection").get_data(as_text=True)
    assert html.count('data-scope="safeguarding"') == 1
