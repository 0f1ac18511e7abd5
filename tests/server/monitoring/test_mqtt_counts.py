"""Events the MQTT subscriber applies are counted as transport "mqtt" (the real Mosquitto, the real MqttIngest)."""

from __future__ import annotations

import httpx
import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from server.fleet.mqtt_auth import device_topics
from server.fleet.mqtt_ingest import Outcome
from server.monitoring.metrics import serve_process_metrics
from tests.conftest import T0
from tests.mqtt_broker import free_port
from tests.server.fleet.batches import refusal_batch
from tests.server.fleet.conftest import broker, fleet, ingest  # noqa: F401 - fixtures
from tests.server.fleet.test_mqtt_broker import RawDevice

pytestmark = pytest.mark.mqtt


def _counted(transport: str) -> float:
    return sum(REGISTRY.get_sample_value("tuoyu_ingest_events_total",
                                         {"transport": transport, "kind": "attendance", "status": status}) or 0
               for status in ("accepted", "rejected"))


def _scraped(port: int, transport: str) -> float:
    """The mqtt-ingest process's own endpoint (serve_process_metrics), as Prometheus reads it."""
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    return sum(sample.value for family in text_string_to_metric_families(text) for sample in family.samples
               if sample.name == "tuoyu_ingest_events_total" and sample.labels.get("transport") == transport
               and sample.labels.get("kind") == "attendance")


def test_a_batch_over_mqtt_is_counted_as_mqtt(fleet, broker, ingest):  # noqa: F811
    port = free_port()
    endpoint = serve_process_metrics(port)
    before_mqtt, before_http, before_scraped = _counted("mqtt"), _counted("http"), _scraped(port, "mqtt")
    kiosk = fleet["a"]
    device = RawDevice(broker, kiosk)
    try:
        device.publish(device_topics(kiosk.centre_code, kiosk.device_id)[0],
                       refusal_batch(kiosk.device_id, 3, T0).model_dump_json())
        assert ingest.wait_until(lambda counts: counts[Outcome.ACKED] == 1, 10)
    finally:
        device.close()
    assert (_counted("mqtt") - before_mqtt, _counted("http") - before_http) == (3, 0)
    try:  # and the ingest process serves them for Prometheus (`tuoyu mqtt-ingest --metrics-port`)
        assert _scraped(port, "mqtt") - before_scraped == 3
    finally:
        endpoint.shutdown()
        endpoint.server_close()
