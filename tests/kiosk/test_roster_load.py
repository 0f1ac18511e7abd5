"""kiosk.roster: a roster is used only if a pinned key signed it, it is ours, and it is not older than the cache."""

from __future__ import annotations

import copy
import dataclasses
import json
from datetime import timedelta
from pathlib import Path

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st
from kiosk_factories import (
    CENTRE_ID,
    CENTRE_KEY,
    MOTHER,
    OTHER_CENTRE_ID,
    OTHER_CENTRE_KEY,
    T0,
    XIAOMING,
    make_document,
    make_roster,
)

from devices.wire.keys import key_id
from devices.wire.roster import RosterCredential, RosterFormatError, RosterPerson, roster_bytes, sign_roster
from kiosk.roster import RosterCache, RosterError, RosterErrorCode, load_roster

PINNED = [CENTRE_KEY.public_key()]


def signed(**changes: object) -> tuple[bytes, bytes]:
    return sign_roster(make_document(**changes), CENTRE_KEY)


def refusal(doc_bytes: bytes, signature: bytes, **kwargs: object) -> RosterErrorCode:
    with pytest.raises(RosterError) as caught:
        load_roster(doc_bytes, signature, PINNED, centre_id=CENTRE_ID, **kwargs)  # type: ignore[arg-type]
    return caught.value.code


def test_signed_roster_loads_with_its_people() -> None:
    roster = load_roster(*signed(), PINNED, centre_id=CENTRE_ID)
    assert (roster.version, roster.credential(MOTHER).person, roster.person("c1").name) == (1, "c1", "王芳")
    assert roster.children[XIAOMING].room == "乳儿班"


def test_roster_bytes_are_rfc8785_canonical_json() -> None:
    document = make_document()
    assert roster_bytes(document) == rfc8785.dumps(json.loads(roster_bytes(document)))


def test_roster_records_which_pinned_key_signed_it() -> None:
    assert load_roster(*signed(), PINNED, centre_id=CENTRE_ID).signed_by == key_id(CENTRE_KEY)


def test_roster_signed_by_an_unpinned_key_is_refused() -> None:
    doc_bytes, _ = signed()
    assert refusal(doc_bytes, OTHER_CENTRE_KEY.sign(doc_bytes)) is RosterErrorCode.BAD_SIGNATURE


def test_roster_changed_after_signing_is_refused() -> None:
    doc_bytes, signature = signed()
    tampered = doc_bytes.replace(b'"pick_up":[]', f'"pick_up":[{XIAOMING}]'.encode(), 1)
    assert tampered != doc_bytes
    assert refusal(tampered, signature) is RosterErrorCode.BAD_SIGNATURE


def test_roster_with_a_truncated_signature_is_refused() -> None:
    doc_bytes, signature = signed()
    assert refusal(doc_bytes, signature[:63]) is RosterErrorCode.BAD_SIGNATURE


def test_roster_of_another_centre_is_refused() -> None:
    assert refusal(*signed(centre_id=OTHER_CENTRE_ID)) is RosterErrorCode.OTHER_CENTRE


def test_older_roster_is_refused_as_rollback() -> None:
    cached = make_roster(version=5)
    assert refusal(*signed(version=4), cached=cached) is RosterErrorCode.ROLLBACK


def test_newer_roster_replaces_the_cached_one() -> None:
    cached = make_roster(version=5)
    assert load_roster(*signed(version=6), PINNED, centre_id=CENTRE_ID, cached=cached).version == 6


def test_same_version_with_other_content_is_refused() -> None:
    cached = make_roster(version=5)
    assert refusal(*signed(version=5, generated_at=T0 + timedelta(hours=1)), cached=cached) is (
        RosterErrorCode.VERSION_REUSED)


def test_same_roster_again_is_fine() -> None:
    cached = make_roster(version=5)
    assert load_roster(*signed(version=5), PINNED, centre_id=CENTRE_ID, cached=cached).digest == cached.digest


def test_signed_but_unreadable_roster_is_malformed() -> None:
    doc_bytes = b'{"format":"tuoyu-roster/1","version":"one"}'
    assert refusal(doc_bytes, CENTRE_KEY.sign(doc_bytes)) is RosterErrorCode.MALFORMED


def test_signed_roster_with_a_duplicated_key_is_malformed() -> None:
    doc_bytes = roster_bytes(make_document()).replace(b'{"centre":', b'{"version":9,"centre":', 1)
    assert refusal(doc_bytes, CENTRE_KEY.sign(doc_bytes)) is RosterErrorCode.MALFORMED


def test_roster_error_has_chinese_and_english_messages() -> None:
    with pytest.raises(RosterError) as caught:
        load_roster(*signed(centre_id=OTHER_CENTRE_ID), PINNED, centre_id=CENTRE_ID)
    assert (caught.value.message_zh, caught.value.message_en) == (
        "名单属于其他机构", "the roster belongs to another centre")


def test_building_a_roster_with_a_dangling_reference_lists_every_problem() -> None:
    document = make_document()
    broken = dataclasses.replace(
        document,
        persons=(*document.persons, RosterPerson("c9", "某人", document.persons[0].kind, drop_off=(999,))),
        credentials=(*document.credentials, RosterCredential(MOTHER, "c404", document.credentials[0].expires_on)),
    )
    with pytest.raises(RosterFormatError) as caught:
        roster_bytes(broken)
    assert caught.value.problems == [
        "credential 1001 appears twice",
        "person 'c9': child 999 is not in the roster",
        "credential 1001: person 'c404' is not in the roster",
    ]


def test_roster_age_and_staleness() -> None:
    roster = make_roster()
    assert roster.age(T0 + timedelta(hours=30)) == timedelta(hours=30)
    assert roster.is_older_than(T0 + timedelta(hours=30), timedelta(hours=24))
    assert not roster.is_older_than(T0 + timedelta(hours=23), timedelta(hours=24))


def test_roster_today_is_the_centres_local_date() -> None:
    assert make_roster().today(T0 + timedelta(hours=15)).isoformat() == "2026-09-08"  # 00:30 in Shanghai


def test_cache_keeps_the_roster_across_a_restart(tmp_path: Path) -> None:
    RosterCache(tmp_path, tuple(PINNED), CENTRE_ID).install(*signed(version=3))
    assert RosterCache(tmp_path, tuple(PINNED), CENTRE_ID).load().version == 3


def test_cache_refuses_a_rollback_after_a_restart(tmp_path: Path) -> None:
    RosterCache(tmp_path, tuple(PINNED), CENTRE_ID).install(*signed(version=3))
    restarted = RosterCache(tmp_path, tuple(PINNED), CENTRE_ID)
    restarted.load()
    with pytest.raises(RosterError) as caught:
        restarted.install(*signed(version=2))
    assert caught.value.code is RosterErrorCode.ROLLBACK


def test_cache_file_changed_on_disk_is_refused_at_start_up(tmp_path: Path) -> None:
    cache = RosterCache(tmp_path, tuple(PINNED), CENTRE_ID)
    cache.install(*signed())
    cache.path.write_bytes(cache.path.read_bytes().replace("王芳".encode(), "李四".encode()))
    with pytest.raises(RosterError) as caught:
        RosterCache(tmp_path, tuple(PINNED), CENTRE_ID).load()
    assert caught.value.code is RosterErrorCode.BAD_SIGNATURE


def test_cache_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    cache = RosterCache(tmp_path, tuple(PINNED), CENTRE_ID)
    cache.install(*signed())
    assert cache.path.stat().st_mode & 0o777 == 0o600


def test_empty_cache_loads_nothing(tmp_path: Path) -> None:
    assert RosterCache(tmp_path, tuple(PINNED), CENTRE_ID).load() is None


_JSON = st.recursive(st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(max_size=12),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                     max_leaves=8)
_VALID = json.loads(roster_bytes(make_document()))


def _paths(value: object, path: tuple = ()) -> list[tuple]:  # type: ignore[type-arg]
    found = [path]
    if isinstance(value, dict):
        for name, inner in value.items():
            found += _paths(inner, (*path, name))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += _paths(inner, (*path, index))
    return found


@given(st.sampled_from(_paths(_VALID)[1:]), _JSON)
@settings(max_examples=300, deadline=None)
def test_signed_roster_with_any_field_replaced_loads_or_is_malformed(path: tuple, value: object) -> None:  # type: ignore[type-arg]
    document = copy.deepcopy(_VALID)
    target = document
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    doc_bytes = rfc8785.dumps(document)
    try:
        load_roster(doc_bytes, CENTRE_KEY.sign(doc_bytes), PINNED, centre_id=CENTRE_ID)
    except RosterError as exc:
        assert exc.code in (RosterErrorCode.MALFORMED, RosterErrorCode.OTHER_CENTRE)
