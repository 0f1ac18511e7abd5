"""kiosk.verify.Verifier: one verdict per scanned text, accepted or refused with its reason; never an exception."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import base45
import cbor2
from hypothesis import given, settings
from hypothesis import strategies as st
from kiosk_factories import (
    MOTHER,
    MOTHER_OLD,
    MOTHER_PHONE,
    NANNY,
    OTHER_CENTRE_ID,
    OTHER_CENTRE_KEY,
    STRANGER_PHONE,
    T0,
    TEACHER,
    UNCLE,
    XIAOHONG,
    XIAOMING,
    Kiosk,
    card,
    make_kiosk,
)

from devices.wire.phone import phone_code
from devices.wire.roster import PersonKind
from kiosk.verify import Method, Refusal

# --- accepted ---------------------------------------------------------------------------------------


def test_mothers_card_is_accepted_with_both_children(kiosk: Kiosk) -> None:
    verdict = kiosk.verifier.verify_scan(card())
    assert verdict.accepted
    assert (verdict.method, verdict.credential_id, verdict.person.id, verdict.kind) == (
        Method.CARD, MOTHER, "c1", PersonKind.GUARDIAN)
    assert [c.id for c in verdict.drop_off] == [XIAOMING, XIAOHONG]
    assert [c.id for c in verdict.pick_up] == [XIAOMING, XIAOHONG]


def test_mothers_phone_code_is_accepted_naming_the_enrolled_phone(kiosk: Kiosk) -> None:
    verdict = kiosk.verifier.verify_scan(phone_code(MOTHER_PHONE, MOTHER, T0))
    assert (verdict.accepted, verdict.method, verdict.enrolment) == (True, Method.PHONE, 9001)


def test_phone_code_from_the_previous_step_is_accepted(kiosk: Kiosk) -> None:
    assert kiosk.verifier.verify_scan(phone_code(MOTHER_PHONE, MOTHER, T0 - timedelta(seconds=30))).accepted


def test_phone_code_from_the_next_step_is_accepted(kiosk: Kiosk) -> None:
    assert kiosk.verifier.verify_scan(phone_code(MOTHER_PHONE, MOTHER, T0 + timedelta(seconds=30))).accepted


def test_nanny_is_accepted_to_drop_off_only(kiosk: Kiosk) -> None:
    verdict = kiosk.verifier.verify_scan(card(NANNY, person_id="c2", serial=1))
    assert ([c.id for c in verdict.drop_off], verdict.pick_up) == ([XIAOMING], ())


def test_staff_without_children_are_accepted(kiosk: Kiosk) -> None:
    verdict = kiosk.verifier.verify_scan(card(TEACHER, person_id="s1", serial=1))
    assert (verdict.accepted, verdict.kind, verdict.drop_off, verdict.pick_up) == (True, PersonKind.STAFF, (), ())


def test_card_is_valid_through_its_last_day_in_shanghai() -> None:
    kiosk = make_kiosk(datetime(2026, 9, 7, 15, 59, tzinfo=UTC))  # 23:59 on the 7th in Shanghai
    assert kiosk.verifier.verify_scan(card(expires_on=date(2026, 9, 7))).accepted


def test_accepted_verdict_has_no_refusal_event(kiosk: Kiosk) -> None:
    assert kiosk.verifier.verify_scan(card()).refusal_event() is None


# --- refused ----------------------------------------------------------------------------------------


def test_garbage_qr_is_not_a_credential(kiosk: Kiosk) -> None:
    assert kiosk.verifier.verify_scan("\x00\x01 ☃ garbage").reason is Refusal.NOT_A_CREDENTIAL


def test_a_payment_url_is_not_a_credential(kiosk: Kiosk) -> None:
    assert kiosk.verifier.verify_scan("https://qr.alipay.com/fkx12345abcdef").reason is Refusal.NOT_A_CREDENTIAL


def test_non_ascii_bytes_are_not_a_credential(kiosk: Kiosk) -> None:
    assert kiosk.verifier.verify_scan("签到".encode()).reason is Refusal.NOT_A_CREDENTIAL


def test_none_is_not_a_credential(kiosk: Kiosk) -> None:
    assert kiosk.verifier.verify_scan(None).reason is Refusal.NOT_A_CREDENTIAL


def test_truncated_card_is_malformed(kiosk: Kiosk) -> None:
    assert kiosk.verifier.verify_scan(card()[:80]).reason is Refusal.MALFORMED


def test_a_future_format_version_is_unsupported(kiosk: Kiosk) -> None:
    assert kiosk.verifier.verify_scan("TY2C:" + card()[5:]).reason is Refusal.UNSUPPORTED_VERSION


def test_card_signed_by_another_key_is_a_bad_signature(kiosk: Kiosk) -> None:
    assert kiosk.verifier.verify_scan(card(signer=OTHER_CENTRE_KEY)).reason is Refusal.BAD_SIGNATURE


def test_card_with_a_changed_serial_is_a_bad_signature(kiosk: Kiosk) -> None:
    fields = cbor2.loads(base45.b45decode(card(serial=1)[5:]))
    fields[4] = 2  # a lost card "upgraded" to the current serial
    forged = "TY1C:" + base45.b45encode(cbor2.dumps(fields)).decode()
    assert kiosk.verifier.verify_scan(forged).reason is Refusal.BAD_SIGNATURE


def test_card_of_another_centre_is_refused_as_other_centre(kiosk: Kiosk) -> None:
    other = card(signer=OTHER_CENTRE_KEY, centre_id=OTHER_CENTRE_ID)
    assert kiosk.verifier.verify_scan(other).reason is Refusal.OTHER_CENTRE


def test_card_of_a_credential_missing_from_the_roster_is_unknown(kiosk: Kiosk) -> None:
    assert kiosk.verifier.verify_scan(card(4242, person_id="c99", serial=1)).reason is Refusal.UNKNOWN_CREDENTIAL


def test_card_naming_another_person_than_the_roster_is_unknown(kiosk: Kiosk) -> None:
    assert kiosk.verifier.verify_scan(card(MOTHER, person_id="c2")).reason is Refusal.UNKNOWN_CREDENTIAL


def test_card_with_a_serial_newer_than_the_roster_is_unknown_until_sync(kiosk: Kiosk) -> None:
    assert kiosk.verifier.verify_scan(card(serial=3)).reason is Refusal.UNKNOWN_CREDENTIAL


def test_lost_card_is_revoked(kiosk: Kiosk) -> None:
    verdict = kiosk.verifier.verify_scan(card(serial=1))
    assert (verdict.reason, verdict.person.id) == (Refusal.REVOKED_CARD, "c1")


def test_card_past_its_printed_expiry_is_expired(kiosk: Kiosk) -> None:
    assert kiosk.verifier.verify_scan(card(expires_on=date(2026, 9, 6))).reason is Refusal.EXPIRED


def test_card_expires_at_local_midnight_in_shanghai() -> None:
    kiosk = make_kiosk(datetime(2026, 9, 7, 16, 0, tzinfo=UTC))  # 00:00 on the 8th in Shanghai
    assert kiosk.verifier.verify_scan(card(expires_on=date(2026, 9, 7))).reason is Refusal.EXPIRED


def test_card_of_an_expired_credential_is_expired(kiosk: Kiosk) -> None:
    assert kiosk.verifier.verify_scan(card(MOTHER_OLD, serial=1)).reason is Refusal.EXPIRED


def test_phone_code_of_an_expired_credential_is_expired(kiosk: Kiosk) -> None:
    assert kiosk.verifier.verify_scan(phone_code(MOTHER_PHONE, MOTHER_OLD, T0)).reason is Refusal.EXPIRED


def test_phone_code_signed_by_a_phone_not_enrolled_is_a_bad_signature(kiosk: Kiosk) -> None:
    assert kiosk.verifier.verify_scan(phone_code(STRANGER_PHONE, MOTHER, T0)).reason is Refusal.BAD_SIGNATURE


def test_phone_code_of_an_unknown_credential_is_unknown(kiosk: Kiosk) -> None:
    assert kiosk.verifier.verify_scan(phone_code(MOTHER_PHONE, 4242, T0)).reason is Refusal.UNKNOWN_CREDENTIAL


def test_phone_code_two_steps_old_is_stale(kiosk: Kiosk) -> None:
    old = phone_code(MOTHER_PHONE, MOTHER, T0 - timedelta(seconds=60))
    assert kiosk.verifier.verify_scan(old).reason is Refusal.STALE_CODE


def test_phone_code_two_steps_ahead_is_stale(kiosk: Kiosk) -> None:
    ahead = phone_code(MOTHER_PHONE, MOTHER, T0 + timedelta(seconds=60))
    assert kiosk.verifier.verify_scan(ahead).reason is Refusal.STALE_CODE


def test_accepted_phone_code_shown_again_is_replayed(kiosk: Kiosk) -> None:
    code = phone_code(MOTHER_PHONE, MOTHER, T0)
    kiosk.verifier.verify_scan(code)
    kiosk.clock.advance(seconds=20)
    assert kiosk.verifier.verify_scan(code).reason is Refusal.REPLAYED


def test_next_phone_code_after_an_accepted_one_is_accepted(kiosk: Kiosk) -> None:
    kiosk.verifier.verify_scan(phone_code(MOTHER_PHONE, MOTHER, T0))
    kiosk.clock.advance(seconds=30)
    assert kiosk.verifier.verify_scan(phone_code(MOTHER_PHONE, MOTHER, kiosk.clock.now())).accepted


def test_replay_cache_forgets_codes_once_they_are_stale(kiosk: Kiosk) -> None:
    kiosk.verifier.verify_scan(phone_code(MOTHER_PHONE, MOTHER, T0))
    kiosk.clock.advance(minutes=5)
    kiosk.verifier.verify_scan(phone_code(MOTHER_PHONE, MOTHER, kiosk.clock.now()))
    assert len(kiosk.verifier.replay_cache) == 1


def test_phone_code_when_the_kiosk_clock_is_far_behind_the_roster_says_so() -> None:
    kiosk = make_kiosk(datetime(2026, 1, 1, tzinfo=UTC))  # a Pi without RTC after a power cut
    code = phone_code(MOTHER_PHONE, MOTHER, kiosk.clock.now())
    assert kiosk.verifier.verify_scan(code).reason is Refusal.CLOCK_UNSYNCHRONISED


def test_person_authorised_for_no_child_is_refused_no_children(kiosk: Kiosk) -> None:
    assert kiosk.verifier.verify_scan(card(UNCLE, person_id="c3", serial=1)).reason is Refusal.NO_CHILDREN


def test_refusal_has_chinese_and_english_messages(kiosk: Kiosk) -> None:
    verdict = kiosk.verifier.verify_scan(card(serial=1))
    assert (verdict.message_zh, verdict.message_en) == ("此卡已挂失或已更换", "This card has been reported lost or replaced")


def test_refusal_event_names_ids_only(kiosk: Kiosk) -> None:
    event = kiosk.verifier.verify_scan(card(serial=1)).refusal_event()
    assert (event.kind, event.payload) == ("attendance.refused", {
        "reason": "revoked_card", "method": "card", "credential_id": MOTHER, "person_id": "c1"})


# --- never raises -----------------------------------------------------------------------------------

_KIOSK = make_kiosk()
_CARD = card()


@given(st.one_of(st.text(max_size=400), st.binary(max_size=400)))
@settings(max_examples=400, deadline=None)
def test_any_scan_gets_a_verdict(scan: str | bytes) -> None:
    assert _KIOSK.verifier.verify_scan(scan).reason is not None


@given(st.integers(0, len(_CARD) - 1), st.sampled_from("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"))
@settings(max_examples=400, deadline=None)
def test_any_one_character_change_of_a_card_is_refused(position: int, character: str) -> None:
    changed = _CARD[:position] + character + _CARD[position + 1:]
    verdict = _KIOSK.verifier.verify_scan(changed)
    assert verdict.accepted == (changed == _CARD)


@given(st.lists(st.one_of(st.integers(-(2**70), 2**70), st.text(max_size=20), st.binary(max_size=80), st.none(),
                          st.booleans(), st.floats()), max_size=10),
       st.sampled_from(["TY1C:", "TY1P:"]))
@settings(max_examples=400, deadline=None)
def test_any_cbor_list_gets_a_verdict(items: list[object], prefix: str) -> None:
    text = prefix + base45.b45encode(cbor2.dumps(items)).decode()
    assert not _KIOSK.verifier.verify_scan(text).accepted
