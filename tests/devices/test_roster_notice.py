"""The roster's optional staff credential notice (issue #14): round trip, and old and new kiosks alike."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from devices.wire.roster import (
    ROSTER_FORMAT,
    CredentialNotice,
    NoticeKind,
    PersonKind,
    RosterCentre,
    RosterChild,
    RosterCredential,
    RosterDocument,
    RosterFormatError,
    RosterPerson,
    expand_keys,
    roster_bytes,
)

KEY = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"centre 7").digest())
EXPIRING = CredentialNotice(NoticeKind.EXPIRING, "托幼机构工作人员健康合格证", "Childcare staff health certificate",
                            "health", date(2026, 12, 27), 20)
# A roster of the format before notices, as a kiosk of that time cached it (the bytes the server signed then).
OLD_ROSTER = Path(__file__).resolve().parent / "data" / "roster-v1-before-notices.json"


def document(*persons: RosterPerson) -> RosterDocument:
    return RosterDocument(
        centre=RosterCentre(7, "SH-XH-007", "Asia/Shanghai"), version=3,
        generated_at=datetime(2026, 12, 7, 1, 30, tzinfo=UTC), keys=expand_keys([KEY.public_key()]),
        persons=(RosterPerson("c1", "王芳", PersonKind.GUARDIAN, drop_off=(101,), pick_up=(101,)), *persons),
        credentials=(RosterCredential(1001, "c1", date(2027, 8, 31), card_serial=1),),
        children=(RosterChild(101, "王小明", "乳儿班"),))


def teacher(notice: CredentialNotice | None) -> RosterPerson:
    return RosterPerson("s1", "陈老师", PersonKind.STAFF, notice=notice)


def as_json(doc: RosterDocument) -> dict[str, Any]:
    return json.loads(roster_bytes(doc))


def test_a_notice_survives_the_round_trip() -> None:
    doc = document(teacher(EXPIRING))
    assert RosterDocument.from_json(as_json(doc)).persons[1].notice == EXPIRING


def test_a_not_certified_notice_without_a_date_survives_the_round_trip() -> None:
    missing = CredentialNotice(NoticeKind.NOT_CERTIFIED, "无犯罪记录证明", "Certificate of no criminal record",
                               "background")
    assert RosterDocument.from_json(as_json(document(teacher(missing)))).persons[1].notice == missing


def test_a_person_without_a_notice_has_no_notice_key_in_the_bytes() -> None:
    assert "notice" not in as_json(document(teacher(None)))["persons"][1]


def test_the_format_stays_v1() -> None:
    assert as_json(document(teacher(EXPIRING)))["format"] == ROSTER_FORMAT == "tuoyu-roster/1"


def test_a_new_roster_is_an_old_one_plus_the_notice_keys() -> None:
    """What a v1 kiosk reads (it ignores keys it does not know) is exactly the roster without notices."""
    new = as_json(document(teacher(EXPIRING)))
    del new["persons"][1]["notice"]
    assert new == as_json(document(teacher(None)))


def test_this_kiosk_reads_a_roster_written_before_notices() -> None:
    old = json.loads(OLD_ROSTER.read_text(encoding="utf-8"))
    doc = RosterDocument.from_json(old)
    assert [(p.id, p.notice) for p in doc.persons] == [("c1", None), ("s1", None)]


def test_a_roster_written_before_notices_keeps_its_exact_bytes() -> None:
    assert roster_bytes(document(teacher(None))) == OLD_ROSTER.read_bytes().rstrip(b"\n")


def test_a_notice_kind_from_a_newer_server_is_ignored_not_refused() -> None:
    obj = as_json(document(teacher(EXPIRING)))
    obj["persons"][1]["notice"] |= {"kind": "renewal_booked", "booked_on": "2026-12-20"}
    assert RosterDocument.from_json(obj).persons[1].notice is None


def test_unknown_keys_of_a_notice_are_ignored() -> None:
    obj = as_json(document(teacher(EXPIRING)))
    obj["persons"][1]["notice"]["stage"] = 30
    assert RosterDocument.from_json(obj).persons[1].notice == EXPIRING


@pytest.mark.parametrize(("field", "value", "problem"), [
    ("expires_on", "27/12/2026", "expires_on is not a date"),
    ("days_left", "20", "days_left has the wrong type"),
    ("title_zh", None, "title_zh has the wrong type"),
])
def test_a_malformed_notice_is_refused_by_name(field: str, value: object, problem: str) -> None:
    obj = copy.deepcopy(as_json(document(teacher(EXPIRING))))
    obj["persons"][1]["notice"][field] = value
    with pytest.raises(RosterFormatError) as caught:
        RosterDocument.from_json(obj)
    assert any(problem in p for p in caught.value.problems), caught.value.problems


def test_a_notice_on_a_guardian_is_refused() -> None:
    doc = document()
    guardian = dataclasses.replace(doc.persons[0], notice=EXPIRING)
    assert doc.persons[0].id in " ".join(dataclasses.replace(doc, persons=(guardian,)).problems())


def test_an_expiring_notice_must_name_its_date() -> None:
    undated = dataclasses.replace(EXPIRING, expires_on=None, days_left=None)
    assert document(teacher(undated)).problems() == ["person 's1': notice expiring without expires_on"]
