"""devices.wire (card, phone, scan): the v1 QR payloads read back exactly, and anything else is a typed CredentialError."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import base45
import cbor2
import pytest
import segno
from hypothesis import given, settings
from hypothesis import strategies as st
from kiosk_factories import CENTRE_KEY, MOTHER, MOTHER_PHONE, T0, card

from devices.wire.card import CardPayload
from devices.wire.keys import key_id, load_public_key, public_key_text
from devices.wire.phone import PhoneCodePayload, phone_code, phone_message, time_step
from devices.wire.pin import check_pin_policy, hash_pin
from devices.wire.qr import CredentialError, CredentialErrorCode
from devices.wire.scan import parse

B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
DOC = Path(__file__).resolve().parents[2] / "docs" / "qr-credential.md"


def wrap(prefix: str, items: object) -> str:
    return prefix + base45.b45encode(cbor2.dumps(items)).decode()


def raw(prefix: str, data: bytes) -> str:
    return prefix + base45.b45encode(data).decode()


def error_code(text: str) -> CredentialErrorCode:
    with pytest.raises(CredentialError) as caught:
        parse(text)
    return caught.value.code


def test_card_reads_back_every_field() -> None:
    assert parse(card()) == CardPayload(1, 7, MOTHER, "c1", 2, datetime(2026, 8, 20, 2, 0, tzinfo=UTC),
                                        date(2029, 8, 31), parse(card()).signature)


def test_card_signed_message_is_the_prefix_and_the_cbor_of_the_seven_fields() -> None:
    fields = [1, 7, MOTHER, "c1", 2, int(datetime(2026, 8, 20, 2, 0, tzinfo=UTC).timestamp()),
              (date(2029, 8, 31) - date(1970, 1, 1)).days]
    payload = parse(card())
    CENTRE_KEY.public_key().verify(payload.signature, b"TY1C" + cbor2.dumps(fields))
    assert payload.signed_message() == b"TY1C" + cbor2.dumps(fields)


def test_phone_code_reads_back_credential_and_step() -> None:
    payload = parse(phone_code(MOTHER_PHONE, MOTHER, T0))
    assert isinstance(payload, PhoneCodePayload)
    assert (payload.credential_id, payload.step) == (MOTHER, int(T0.timestamp()) // 30)


def test_phone_message_is_twenty_fixed_bytes() -> None:
    assert phone_message(1001, 59_608_320).hex() == "54593150" + "00000000000003e9" + "00000000038d8d00"


def test_time_step_changes_every_30_seconds() -> None:
    start = datetime(2026, 9, 7, 1, 30, 0, tzinfo=UTC)
    assert [time_step(start + timedelta(seconds=s)) for s in (0, 29, 30)] == [59_624_820, 59_624_820, 59_624_821]


def test_phone_code_is_ascii_alphanumeric_mode() -> None:
    text = phone_code(MOTHER_PHONE, MOTHER, T0)
    assert set(text[5:]) <= set(B45)
    assert segno.make(text, error="m", boost_error=False, micro=False).mode == "alphanumeric"


def test_card_fits_qr_version_6_at_level_m() -> None:
    big = card(credential_id=9_999_999, person_id="c9999999", serial=300)
    assert segno.make(big, error="m", boost_error=False, micro=False).version == 6


def test_phone_code_fits_qr_version_5_at_level_m() -> None:
    text = phone_code(MOTHER_PHONE, 4_000_000_000, T0)
    assert segno.make(text, error="m", boost_error=False, micro=False).version == 5


def test_surrounding_whitespace_is_ignored() -> None:
    assert parse(f"  {card()}\r\n") == parse(card())


@pytest.mark.parametrize("text", ["", "hello", "https://weixin.qq.com/r/abc", "TY1:6BFOXN*TS0BI", "ty1c:ABC",
                                  "HC1:NCFOXN%TS3DH0YOJ58S", "TYC:00"])
def test_foreign_texts_are_not_ours(text: str) -> None:
    assert error_code(text) is CredentialErrorCode.NOT_OURS


@pytest.mark.parametrize("prefix", ["TY2C:", "TY2P:", "TY1S:", "TY10C:"])
def test_other_versions_and_forms_are_wrong_version(prefix: str) -> None:
    assert error_code(prefix + card()[5:]) is CredentialErrorCode.WRONG_VERSION


def test_card_layout_version_2_is_wrong_version() -> None:
    fields = cbor2.loads(base45.b45decode(card()[5:]))
    assert error_code(wrap("TY1C:", [2, *fields[1:]])) is CredentialErrorCode.WRONG_VERSION


@pytest.mark.parametrize("cut", [1, 3, 40, 100])
def test_truncated_card_is_malformed(cut: int) -> None:
    assert error_code(card()[:-cut]) is CredentialErrorCode.MALFORMED


def test_base45_with_a_lower_case_letter_is_malformed() -> None:
    assert error_code("TY1C:" + card()[5:].lower()) is CredentialErrorCode.MALFORMED


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\xa1\x01\x02",  # a map
        b"\x9f\x01\xff",  # an indefinite array
        b"\x83\x18\x05\x01\x58\x40" + bytes(64),  # 5 in two bytes: not shortest form
        b"\x83\x01\x01\xc2\x41\x05",  # a tagged bignum
        b"\x83\x01\x01\x20",  # a negative integer
        b"\x83\x01\x01\x58\x40" + bytes(64) + b"\x00",  # trailing byte
        b"\x83\x01\x01\x58\x40" + bytes(63),  # short signature string
        b"\x83\x01\x01\x58\x20" + bytes(32),  # 32-byte signature
        b"\x82\x01\x01",  # two fields
    ],
)
def test_cbor_outside_the_v1_subset_is_malformed(data: bytes) -> None:
    assert error_code(raw("TY1P:", data)) is CredentialErrorCode.MALFORMED


def test_card_with_an_upper_case_person_id_is_malformed() -> None:
    fields = cbor2.loads(base45.b45decode(card()[5:]))
    fields[3] = "C1"
    assert error_code(wrap("TY1C:", fields)) is CredentialErrorCode.MALFORMED


def test_card_with_an_impossible_date_is_malformed() -> None:
    fields = cbor2.loads(base45.b45decode(card()[5:]))
    fields[6] = 2**40
    assert error_code(wrap("TY1C:", fields)) is CredentialErrorCode.MALFORMED


def test_credential_error_carries_chinese_and_english_messages() -> None:
    with pytest.raises(CredentialError) as caught:
        parse("hello")
    assert (caught.value.message_zh, caught.value.message_en) == ("不是本系统的签到码", "not a check-in code of this system")


def test_issue_card_refuses_a_naive_time() -> None:
    with pytest.raises(ValueError, match="naive"):
        phone_code(MOTHER_PHONE, MOTHER, datetime(2026, 9, 7, 9, 30))


@given(st.text(max_size=300))
@settings(max_examples=300, deadline=None)
def test_any_text_parses_or_raises_credential_error(text: str) -> None:
    try:
        parse(text)
    except CredentialError:
        pass


@given(st.sampled_from(["TY1C:", "TY1P:"]), st.binary(max_size=200))
@settings(max_examples=300, deadline=None)
def test_any_cbor_bytes_parse_or_raise_credential_error(prefix: str, data: bytes) -> None:
    try:
        parse(raw(prefix, data))
    except CredentialError:
        pass


@given(st.integers(0, 2**53 - 1), st.integers(0, 2**53 - 1), st.binary(min_size=64, max_size=64))
def test_strict_decoder_reads_what_cbor2_writes(credential_id: int, step: int, signature: bytes) -> None:
    assert parse(wrap("TY1P:", [credential_id, step, signature])) == PhoneCodePayload(credential_id, step, signature)


def test_public_key_text_round_trips() -> None:
    text = public_key_text(MOTHER_PHONE)
    assert len(text) == 43
    assert key_id(load_public_key(text)) == key_id(MOTHER_PHONE)


@pytest.mark.parametrize("text", ["", "AAAA", "not base64!", "A" * 44])
def test_load_public_key_refuses_what_is_not_a_32_byte_key(text: str) -> None:
    with pytest.raises(ValueError):
        load_public_key(text)


@pytest.mark.parametrize("pin, problems", [("482915", []), ("4829", ["pin_format"]), ("48291a", ["pin_format"]),
                                           ("111111", ["pin_too_simple"]), ("123456", ["pin_too_simple"]),
                                           ("876543", ["pin_too_simple"]), ("123456789", ["pin_format"])])
def test_pin_policy(pin: str, problems: list[str]) -> None:
    assert check_pin_policy(pin) == problems


def test_hash_pin_is_argon2id_with_its_cost_in_the_string() -> None:
    assert hash_pin("482915", time_cost=1, memory_cost_kib=64).startswith("$argon2id$v=19$m=64,t=1,p=4$")


def test_hash_pin_refuses_a_weak_pin() -> None:
    with pytest.raises(ValueError, match="pin_too_simple"):
        hash_pin("000000", time_cost=1, memory_cost_kib=64)


def doc_example(prefix: str) -> str:
    found = re.search(rf"^{re.escape(prefix)}[0-9A-Z $%*+\-./:]+$", DOC.read_text(encoding="utf-8"), re.M)
    assert found is not None
    return found.group(0)


def test_documented_card_example_is_what_issue_card_makes() -> None:
    assert doc_example("TY1C:") == card()


def test_documented_phone_code_example_is_what_phone_code_makes() -> None:
    assert doc_example("TY1P:") == phone_code(MOTHER_PHONE, MOTHER, T0)
