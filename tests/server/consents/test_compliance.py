"""Consents in the compliance pack and its evaluation: a withdrawal is a finding, the register lists the purpose,
version, method and every withdrawal, and the decision in force when the period starts."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, date, datetime

import pytest

from compliance import Period
from server.centre.records import centre_record
from server.database import db
from server.people.consent_registers import CONSENTS
from server.people.consents import decide, record_paper
from server.people.operations import record_consent
from tests.factories import SYSTEM


@pytest.fixture
def clock_start() -> datetime:
    return datetime(2026, 9, 7, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


def _findings(client, director):  # type: ignore[no-untyped-def]
    client.post("/api/v1/centres/alpha/evaluations", headers=director.headers)
    return client.get("/api/v1/centres/alpha/findings", headers=director.headers).get_json()["items"]


def _consent_findings(items, child):  # type: ignore[no-untyped-def]
    return [(f["rule_id"], "撤回" in f["message_zh"]) for f in items if f"child:{child.id}" in f["evidence"]]


def test_a_paper_consent_clears_the_finding_and_a_withdrawal_brings_it_back(client, family, director, clock):
    record_consent(family.child, family.mother, on=date(2026, 9, 1), actor=SYSTEM, now=clock.now(),
                   today=date(2026, 9, 7))
    db.session.commit()
    before = _consent_findings(_findings(client, director), family.child)
    clock.advance(hours=1)
    decide(family.child, purpose="data_processing", version=1, decision="withdrawn", signed_name=None,  # type: ignore[arg-type]
           actor=family.actor(family.father_login), now=clock.now())
    db.session.commit()
    after = _consent_findings(_findings(client, director), family.child)
    assert (before, after) == ([], [("privacy.guardian_consent", True)])


def test_a_photos_withdrawal_alone_is_no_data_processing_finding(client, family, director, clock):
    record_consent(family.child, family.mother, on=date(2026, 9, 1), actor=SYSTEM, now=clock.now(),
                   today=date(2026, 9, 7))
    record_paper(family.child, family.mother, purpose="photos", decision="withdrawn", on=date(2026, 9, 7),  # type: ignore[arg-type]
                 actor=SYSTEM, now=clock.now())
    db.session.commit()
    assert _consent_findings(_findings(client, director), family.child) == []


def test_the_register_lists_purpose_version_method_and_withdrawals(family, centre, clock):
    record_paper(family.child, family.mother, purpose="photos", decision="given", on=date(2026, 8, 20),  # type: ignore[arg-type]
                 actor=SYSTEM, now=clock.now())
    clock.advance(hours=1)
    decide(family.child, purpose="photos", version=1, decision="withdrawn", signed_name=None,  # type: ignore[arg-type]
           actor=family.actor(family.father_login), now=clock.now())
    rows = list(CONSENTS.rows(centre_record(centre), Period(date(2026, 9, 1), date(2026, 9, 30))))
    assert [(r[3], r[4], r[6], r[7], r[8], r[9], r[11]) for r in rows] == [
        ("拍摄照片 / Photos", 1, "同意 / Given", "2026-08-20 00:00", "纸质签署 / Signed on paper", "母亲 / Mother", "是"),
        ("拍摄照片 / Photos", 1, "撤回/不同意 / Withdrawn / declined", "2026-09-07 10:00",
         "家长手机签署 / Signed on the phone", "父亲 / Father", "否")]


def test_the_register_is_in_the_pack(client, family, director, clock):
    record_paper(family.child, family.mother, purpose="photos", decision="given", on=date(2026, 9, 7),  # type: ignore[arg-type]
                 actor=SYSTEM, now=clock.now())
    db.session.commit()
    response = client.get("/api/v1/centres/alpha/packs?from=2026-09-01&to=2026-09-07", headers=director.headers)
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as zf:
        rows = list(csv.DictReader(io.StringIO(zf.read("registers/监护人同意记录.csv").decode("utf-8-sig"))))
    assert [(r["同意事项"], r["决定"], r["方式"]) for r in rows] == [
        ("拍摄照片 / Photos", "同意 / Given", "纸质签署 / Signed on paper")]
