"""What the subscriber does with one message, decided without a broker: ingest and ack, or refuse and log."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from devices.wire.protocol import Batch, Event, new_key
from server.alerts.models import Alert
from server.attendance.models import AttendanceEvent
from server.audit.models import AccessEvent
from server.database import db
from server.environment.models import SafetyEvent
from server.fleet.models import DeviceEvent
from server.fleet.mqtt_ingest import MqttSettings, Outcome, ingest_message, parse_events_topic
from server.fleet.operations import revoke_device
from tests.factories import SYSTEM
from tests.server.fleet.batches import refusal_batch


def topic(enrolled, centre: str | None = None) -> str:  # type: ignore[no-untyped-def]
    return f"tuoyu/v1/{centre or enrolled.centre_code}/{enrolled.device_id}/events"


def ingest(app, topic_name: str, payload: bytes, clock):  # type: ignore[no-untyped-def]
    return ingest_message(topic_name, payload, router=app.extensions["tuoyu.event_router"], now=clock.now())


def count(model) -> int:  # type: ignore[no-untyped-def]
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def denials() -> list[str | None]:
    return list(db.session.execute(select(AccessEvent.detail).where(AccessEvent.action == "denied")).scalars())


def test_a_batch_on_the_devices_own_topic_is_stored_and_acked(app, fleet, clock) -> None:
    batch = refusal_batch(fleet["a"].device_id, 3, clock.now())

    decision = ingest(app, topic(fleet["a"]), batch.model_dump_json().encode(), clock)

    assert decision.outcome is Outcome.ACKED
    assert decision.ack_topic == f"tuoyu/v1/alpha/{fleet['a'].device_id}/ack"
    assert [r.status for r in decision.ack.results] == ["accepted"] * 3  # type: ignore[union-attr]
    assert (count(DeviceEvent), count(AttendanceEvent)) == (3, 3)


def test_the_same_batch_again_is_answered_duplicate_and_stored_once(app, fleet, clock) -> None:
    body = refusal_batch(fleet["a"].device_id, 2, clock.now()).model_dump_json().encode()
    ingest(app, topic(fleet["a"]), body, clock)

    again = ingest(app, topic(fleet["a"]), body, clock)

    assert [r.status for r in again.ack.results] == ["duplicate"] * 2  # type: ignore[union-attr]
    assert count(AttendanceEvent) == 2


def test_a_revoked_device_is_refused_and_the_knock_is_logged(app, fleet, clock) -> None:
    revoke_device(fleet["a"].row(), actor=SYSTEM, now=clock.now())
    db.session.commit()

    decision = ingest(app, topic(fleet["a"]), refusal_batch(fleet["a"].device_id, 1, clock.now())
                      .model_dump_json().encode(), clock)

    assert (decision.outcome, decision.ack, count(DeviceEvent)) == (Outcome.REVOKED, None, 0)
    assert denials() == [f"revoked device published {topic(fleet['a'])}"]
    assert db.session.execute(select(Alert.kind)).scalars().all() == ["device.revoked"]


def test_a_topic_of_another_centre_is_refused(app, fleet, clock) -> None:
    body = refusal_batch(fleet["a"].device_id, 1, clock.now()).model_dump_json().encode()

    decision = ingest(app, topic(fleet["a"], centre="beta"), body, clock)

    assert (decision.outcome, count(DeviceEvent), len(denials())) == (Outcome.WRONG_CENTRE, 0, 1)


def test_a_batch_naming_another_device_is_refused(app, fleet, clock) -> None:
    body = refusal_batch(fleet["b"].device_id, 1, clock.now()).model_dump_json().encode()

    decision = ingest(app, topic(fleet["a"]), body, clock)

    assert (decision.outcome, count(DeviceEvent), len(denials())) == (Outcome.DEVICE_MISMATCH, 0, 1)


def test_an_unknown_device_gets_no_ack(app, fleet, clock) -> None:
    body = refusal_batch("kiosk-ghost", 1, clock.now()).model_dump_json().encode()

    decision = ingest(app, "tuoyu/v1/alpha/kiosk-ghost/events", body, clock)

    assert (decision.outcome, decision.ack, count(DeviceEvent)) == (Outcome.UNKNOWN_DEVICE, None, 0)


def test_a_body_that_is_not_json_is_dropped_without_ack(app, fleet, clock) -> None:
    decision = ingest(app, topic(fleet["a"]), b"\xff{not json", clock)

    assert (decision.outcome, decision.ack, count(DeviceEvent)) == (Outcome.MALFORMED, None, 0)


def test_another_protocol_version_is_dropped_without_ack(app, fleet, clock) -> None:
    body = refusal_batch(fleet["a"].device_id, 1, clock.now()).model_dump(mode="json")
    body["protocol_version"] = 2

    decision = ingest(app, topic(fleet["a"]), json.dumps(body).encode(), clock)

    assert (decision.outcome, count(DeviceEvent)) == (Outcome.MALFORMED, 0)


def test_one_bad_event_is_rejected_and_its_neighbours_stored(app, fleet, clock) -> None:
    body = refusal_batch(fleet["a"].device_id, 2, clock.now()).model_dump(mode="json")
    body["events"][1]["payload"] = {"reason": 42}

    decision = ingest(app, topic(fleet["a"]), json.dumps(body).encode(), clock)

    statuses = [(r.status, r.reason) for r in decision.ack.results]  # type: ignore[union-attr]
    assert statuses == [("accepted", None), ("rejected", "invalid_payload")]


def test_topics_other_than_a_devices_events_are_not_read() -> None:
    assert [parse_events_topic(t) for t in ("tuoyu/v1/alpha/kiosk-1/ack", "tuoyu/v2/alpha/kiosk-1/events",
                                            "tuoyu/v1/alpha/kiosk 1/events", "tuoyu/v1/alpha/kiosk-1/events")] \
        == [None, None, None, ("alpha", "kiosk-1")]


def test_settings_read_numbers_from_the_environment_as_text() -> None:
    config = {"MQTT_HOST": "broker", "MQTT_PORT": "8883", "MQTT_USERNAME": "tuoyu-ingest", "MQTT_PASSWORD": 1234,
              "MQTT_CLIENT_ID": "ingest-1", "MQTT_SHARE_GROUP": "tuoyu", "MQTT_TLS_CA": "", "MQTT_KEEPALIVE_S": 30,
              "MQTT_RECONNECT_MIN_S": 1, "MQTT_RECONNECT_MAX_S": 60}

    settings = MqttSettings.from_config(config)

    assert (settings.port, settings.password, settings.subscription) == (8883, "1234",
                                                                        "$share/tuoyu/tuoyu/v1/+/+/events")


def test_a_kiosk_publishing_a_smoke_alarm_is_answered_kind_not_allowed_and_nothing_is_stored(app, fleet,
                                                                                              clock) -> None:
    smoke = Event(key=new_key(), device_id=fleet["a"].device_id, stream=new_key(), sequence=1, kind="safety.smoke",
                  created_at=clock.now(), payload={"input": "smoke-1", "location": "room:1", "state": "alarm"})
    body = Batch(device_id=fleet["a"].device_id, sent_at=clock.now(), events=[smoke]).model_dump_json().encode()

    decision = ingest(app, topic(fleet["a"]), body, clock)

    assert ([(r.status, r.reason) for r in decision.ack.results],  # type: ignore[union-attr]
            count(SafetyEvent), count(Alert)) == ([("rejected", "kind_not_allowed")], 0, 0)
