"""The wire format shared by devices and the server."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pydantic_core
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from devices.wire.protocol import (
    MAX_BATCH_EVENTS,
    PAYLOAD_MAX_BYTES,
    PROTOCOL_VERSION,
    Ack,
    AckStatus,
    Batch,
    BatchError,
    Event,
    EventResult,
    event_fingerprint,
    format_utc,
    parse_batch,
)

KEY = "0b7c6f0e-8d5a-4c1e-9f3a-2d4b6a8c0e1f"
STREAM = "5f0e2a4c-6b8d-4e1f-a3c5-7d9b1e3f5a7c"
AT = datetime(2026, 9, 1, 8, 30, tzinfo=UTC)


def make_event(**changes: Any) -> dict[str, Any]:
    event = {"key": KEY, "device_id": "kiosk-01", "stream": STREAM, "sequence": 1,
             "kind": "attendance.check_in", "created_at": "2026-09-01T08:30:00.000000Z",
             "payload": {"child": "c-1"}}
    event.update(changes)
    return event


def make_batch(events: list[dict[str, Any]], **changes: Any) -> dict[str, Any]:
    batch = {"protocol_version": 1, "device_id": "kiosk-01", "sent_at": "2026-09-01T08:31:00.000000Z",
             "events": events}
    batch.update(changes)
    return batch


def test_protocol_version_is_one() -> None:
    assert PROTOCOL_VERSION == 1


def test_event_json_has_the_documented_shape() -> None:
    event = Event.model_validate(make_event())

    assert json.loads(event.model_dump_json()) == make_event()


def test_batch_json_has_the_documented_shape() -> None:
    batch = Batch.model_validate(make_batch([make_event()]))

    assert json.loads(batch.model_dump_json()) == make_batch([make_event()])


def test_ack_json_has_the_documented_shape() -> None:
    ack = Ack(results=[
        EventResult(key=KEY, status=AckStatus.ACCEPTED),
        EventResult(key=STREAM, status=AckStatus.REJECTED, reason="unknown_child", message="no such child"),
    ])

    assert json.loads(ack.model_dump_json()) == {"protocol_version": 1, "results": [
        {"key": KEY, "status": "accepted", "reason": None, "message": None},
        {"key": STREAM, "status": "rejected", "reason": "unknown_child", "message": "no such child"},
    ]}


def test_naive_created_at_is_refused() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        Event.model_validate(make_event(created_at=datetime(2026, 9, 1, 8, 30)))  # noqa: DTZ001


def test_naive_wire_time_is_refused() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        Event.model_validate(make_event(created_at="2026-09-01T08:30:00"))


def test_created_at_is_converted_to_utc() -> None:
    shanghai = timezone(timedelta(hours=8))
    event = Event.model_validate(make_event(created_at=datetime(2026, 9, 1, 16, 30, tzinfo=shanghai)))

    assert json.loads(event.model_dump_json())["created_at"] == "2026-09-01T08:30:00.000000Z"


def test_format_utc_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="naive"):
        format_utc(datetime(2026, 9, 1))  # noqa: DTZ001


def test_payload_at_the_limit_is_accepted_and_one_byte_more_is_not() -> None:
    overhead = len('{"b":""}')
    Event.model_validate(make_event(payload={"b": "x" * (PAYLOAD_MAX_BYTES - overhead)}))

    with pytest.raises(ValidationError, match="limit"):
        Event.model_validate(make_event(payload={"b": "x" * (PAYLOAD_MAX_BYTES - overhead + 1)}))


def test_payload_size_counts_utf8_bytes() -> None:
    with pytest.raises(ValidationError, match="limit"):
        Event.model_validate(make_event(payload={"name": "托" * (PAYLOAD_MAX_BYTES // 3 + 1)}))


def test_key_must_be_a_canonical_uuid() -> None:
    with pytest.raises(ValidationError, match="key"):
        Event.model_validate(make_event(key=KEY.upper()))


def test_device_id_may_not_contain_topic_characters() -> None:
    with pytest.raises(ValidationError, match="device_id"):
        Event.model_validate(make_event(device_id="kiosk/01"))


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError, match="extra"):
        Event.model_validate(make_event(colour="red"))


def test_batch_refuses_events_of_another_device() -> None:
    with pytest.raises(ValidationError, match="device_id"):
        Batch.model_validate(make_batch([make_event(device_id="kiosk-02")]))


def test_batch_refuses_a_repeated_key() -> None:
    with pytest.raises(ValidationError, match="repeats"):
        Batch.model_validate(make_batch([make_event(), make_event(sequence=2)]))


def test_batch_holds_at_most_500_events() -> None:
    events = [make_event(key=f"00000000-0000-4000-8000-{n:012d}", sequence=n + 1)
              for n in range(MAX_BATCH_EVENTS + 1)]

    with pytest.raises(ValidationError, match="500"):
        Batch.model_validate(make_batch(events))


def test_batch_may_not_be_empty() -> None:
    with pytest.raises(ValidationError, match="at least 1"):
        Batch.model_validate(make_batch([]))


def test_rejected_result_needs_a_reason() -> None:
    with pytest.raises(ValidationError, match="reason"):
        EventResult(key=KEY, status=AckStatus.REJECTED)


def test_accepted_result_carries_no_reason() -> None:
    with pytest.raises(ValidationError, match="only a rejected"):
        EventResult(key=KEY, status=AckStatus.ACCEPTED, reason="fine")


def test_ack_answers_a_key_once() -> None:
    with pytest.raises(ValidationError, match="at most once"):
        Ack(results=[EventResult(key=KEY, status=AckStatus.ACCEPTED),
                     EventResult(key=KEY, status=AckStatus.DUPLICATE)])


def test_parse_batch_rejects_a_bad_event_and_keeps_its_neighbours() -> None:
    bad_key = "00000000-0000-4000-8000-000000000002"
    body = json.dumps(make_batch([make_event(), make_event(key=bad_key, sequence=2, kind="teleport")]))

    parsed = parse_batch(body)

    assert [event.key for event in parsed.events] == [KEY]
    assert [(result.key, result.reason) for result in parsed.rejected] == [(bad_key, "invalid_envelope")]


def test_parse_batch_refuses_another_protocol_version() -> None:
    with pytest.raises(BatchError) as caught:
        parse_batch(json.dumps(make_batch([make_event()], protocol_version=2)))

    assert caught.value.code == "unsupported_protocol_version"


def test_parse_batch_refuses_an_event_without_a_readable_key() -> None:
    with pytest.raises(BatchError) as caught:
        parse_batch(make_batch([make_event(key="nope")]))

    assert caught.value.as_error_body()["error"]["field"] == "events.0.key"


def test_parse_batch_refuses_bad_json() -> None:
    with pytest.raises(BatchError) as caught:
        parse_batch(b"{not json")

    assert caught.value.code == "invalid_json"


def test_fingerprint_is_the_same_for_a_resent_event_and_differs_for_other_content() -> None:
    event = Event.model_validate(make_event())
    resent = Event.model_validate_json(event.model_dump_json())
    altered = Event.model_validate(make_event(payload={"child": "c-2"}))

    assert event_fingerprint(resent) == event_fingerprint(event) != event_fingerprint(altered)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@given(payload=st.dictionaries(st.text(max_size=8), json_values, max_size=5),
       created_at=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),  # noqa: DTZ001
                               timezones=st.just(UTC)))
def test_any_json_payload_round_trips_through_the_wire(payload: dict[str, Any], created_at: datetime) -> None:
    event = Event.model_validate(make_event(payload=payload, created_at=created_at))

    assert Event.model_validate_json(event.model_dump_json()) == event



def test_a_body_with_infinity_rejects_that_event_and_keeps_its_neighbours() -> None:
    good, bad = make_event(), make_event(key=STREAM, payload={"value": 0.5})
    body = json.dumps(make_batch([good, bad])).replace('"value": 0.5', '"value": 1e999')
    parsed = parse_batch(body.encode())
    assert [e.key for e in parsed.events] == [KEY]
    assert parsed.rejected[0].key == STREAM and "not plain JSON" in (parsed.rejected[0].message or "")


def test_a_payload_near_the_limit_is_measured_as_the_device_measures_it() -> None:
    """Far below the limit the fast writer decides; near it json.dumps, which may spell a float longer."""
    fits = {"values": [1e-07] * (PAYLOAD_MAX_BYTES // 5 - 100)}  # json.dumps: "1e-07", pydantic: "1e-7"
    assert len(pydantic_core.to_json(fits)) < PAYLOAD_MAX_BYTES < len(json.dumps(fits, separators=(",", ":")))
    parsed = parse_batch(json.dumps(make_batch([make_event(payload=fits)])).encode())
    assert parsed.events == [] and "limit" in (parsed.rejected[0].message or "")


def test_nan_makes_the_body_unreadable() -> None:
    with pytest.raises(BatchError) as caught:
        parse_batch(json.dumps(make_batch([make_event(payload={"v": float("nan")})])).encode())
    assert caught.value.code == "invalid_json"
