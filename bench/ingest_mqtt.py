"""Readings per second through MQTT, on SQLite and PostgreSQL, beside a raw executemany of the same rows.

The measured path is the production one: each simulated agent's ``MqttUplink`` publishes
500-event ``reading`` batches (QoS 1) to a private Mosquitto with per-device passwords and
the generated ACL; a ``tuoyu mqtt-ingest`` process applies them through ``ingest_batch``
(the bulk ``reading`` handler), commits and answers; the agent waits for that ack before
sending its next batch, as the real deliverer does. Then the server's side alone: the
subscribers are paused while the same number of batches, encoded beforehand, wait at the
broker (as after an ingest restart), and are timed draining them. The reference is the
stack's ceiling (bench/ceiling.py): the same rows inserted into ``env_reading`` with the
driver's executemany and one commit per batch.

    .venv/bin/python bench/ingest_mqtt.py [--events 20000] [--agents 4] [--subscribers 2] [--db sqlite|postgresql|both]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from ceiling import executemany_seconds
from figures import figure
from sqlalchemy import create_engine, func, select, text

from devices.mqtt_uplink import MqttUplink, mqtt_topics
from devices.uplink import TransientError
from devices.wire.protocol import AckStatus, Batch, Event, new_key

BIN = Path(sys.executable).parent
MOSQUITTO = "/usr/sbin/mosquitto"
BATCH = 500
INGEST_USER, INGEST_PASSWORD = "tuoyu-ingest", "bench-ingest-secret"
VALUES = {"co2_ppm": 812.0, "temperature_c": 24.3, "humidity_pct": 51.0}  # one SCD41 sample: three rows


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def reading_events(device_id: str, count: int, start: datetime) -> list[Event]:
    stream = new_key()
    return [Event(key=new_key(), device_id=device_id, stream=stream, sequence=n + 1, kind="reading",
                  created_at=start + timedelta(milliseconds=n),
                  payload={"sensor": "scd41-hall", "model": "SCD41", "location": "hall", "values": VALUES})
            for n in range(count)]


def batches(device_id: str, count: int, start: datetime) -> list[Batch]:
    events = reading_events(device_id, count, start)
    return [Batch(device_id=device_id, sent_at=start, events=events[i:i + BATCH]) for i in range(0, count, BATCH)]


def prepare(url: str, folder: Path, agents: int):  # type: ignore[no-untyped-def]
    """Migrate, create a centre with ``agents`` enrolled agents, write the broker's password and ACL files."""
    from flask_migrate import upgrade

    from server import create_app
    from server.auth.actor import Actor
    from server.centre.models import FilingStatus, LegalForm
    from server.centre.operations import create_centre
    from server.database import db
    from server.fleet import mqtt_auth
    from server.fleet.models import DeviceKind
    from server.fleet.operations import create_enrolment_code, enroll_device

    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(folder / "instance"), "SECRET_KEY": "bench",
                      "MQTT_USERNAME": INGEST_USER, "MQTT_PASSWORD": INGEST_PASSWORD})
    now, actor = datetime.now(UTC), Actor.system()
    with app.app_context():
        upgrade()
        centre = create_centre(code="bench", name="压测托育中心", legal_form=LegalForm.FOR_PROFIT,
                               filing_status=FilingStatus.FILED, filed_on=date(2025, 1, 10), approved_places=40,
                               inclusive_places=10, actor=actor, now=now)
        enrolled = []
        for n in range(agents):
            code, _ = create_enrolment_code(centre, kind=DeviceKind.AGENT, name=f"agent {n}", actor=actor, now=now)
            device, token = enroll_device(code, kind=DeviceKind.AGENT, name=None, version="bench", now=now)
            enrolled.append((device.device_id, token))
        db.session.commit()
        accounts, _ = mqtt_auth.broker_accounts()
        server = mqtt_auth.ServerAccount(INGEST_USER, mqtt_auth.hash_password(INGEST_PASSWORD))
        mqtt_auth.write_broker_file(folder / "passwd", mqtt_auth.password_file_text(accounts, server))
        mqtt_auth.write_broker_file(folder / "acl", mqtt_auth.acl_file_text(accounts, INGEST_USER))
        db.session.remove()
    return app, enrolled


def start_broker(folder: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    config = folder / "mosquitto.conf"
    config.write_text(f"per_listener_settings false\nlistener {port} 127.0.0.1\nallow_anonymous false\n"
                      f"password_file {folder / 'passwd'}\nacl_file {folder / 'acl'}\npersistence false\n"
                      f"max_packet_size 5300000\nlog_dest none\n" + ("user root\n" if os.geteuid() == 0 else ""))
    broker = subprocess.Popen([MOSQUITTO, "-c", str(config)], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return broker, port
        except OSError:
            time.sleep(0.02)
    broker.kill()
    raise SystemExit("mosquitto did not start")


def send_until_acked(uplink: MqttUplink, batch: Batch, timeout_s: float = 60.0) -> None:
    """The warm-up: resend until the (just started) subscriber answers."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            uplink.send(batch)
            return
        except TransientError:
            if time.monotonic() > deadline:
                raise


def run_agents(port: int, enrolled: list[tuple[str, str]], events: int) -> tuple[float, int]:
    """Every agent sends its share of ``events`` in 500-event batches, one in flight each; (seconds, accepted)."""
    start = datetime.now(UTC) - timedelta(hours=1)
    per_agent = events // len(enrolled)
    work = [(device_id, token, batches(device_id, per_agent, start)) for device_id, token in enrolled]
    for device_id, token, _ in work:
        warm_up = MqttUplink("127.0.0.1", port, centre="bench", device_id=device_id, token=token, ack_timeout_s=1)
        send_until_acked(warm_up, batches(device_id, 1, start - timedelta(minutes=5))[0])
        warm_up.close()
    uplinks = [MqttUplink("127.0.0.1", port, centre="bench", device_id=device_id, token=token, ack_timeout_s=120)
               for device_id, token, _ in work]
    accepted = [0] * len(work)
    ready = threading.Barrier(len(work) + 1)

    def agent(index: int) -> None:
        ready.wait()
        for batch in work[index][2]:
            ack = uplinks[index].send(batch)
            accepted[index] += sum(r.status is AckStatus.ACCEPTED for r in ack.results)

    threads = [threading.Thread(target=agent, args=(i,)) for i in range(len(work))]
    for thread in threads:
        thread.start()
    ready.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    for uplink in uplinks:
        uplink.close()
    return elapsed, sum(accepted)


def drain(port: int, enrolled: list[tuple[str, str]], processes: list[subprocess.Popen[bytes]],
          events: int) -> tuple[float, int]:
    """The server's side alone: the subscribers are paused (SIGSTOP) while every agent's batches, encoded
    beforehand, wait at the broker (as after an ingest restart); then resumed and timed until the last ack.
    (seconds, events acked)."""
    import paho.mqtt.client as mqtt

    start = datetime.now(UTC) - timedelta(hours=2)
    per_agent = events // len(enrolled)
    acked = [0]
    done = threading.Event()
    lock = threading.Lock()

    def on_ack(client, userdata, message):  # type: ignore[no-untyped-def]
        with lock:
            acked[0] += message.payload.count(b'"accepted"')
            if acked[0] >= per_agent * len(enrolled):
                done.set()

    clients = []
    for device_id, token in enrolled:
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"{device_id}-drain",
                             protocol=mqtt.MQTTv311)
        client.username_pw_set(device_id, token)
        client.on_message = on_ack
        client.max_queued_messages_set(0)
        client.connect("127.0.0.1", port)
        client.loop_start()
        events_topic, ack_topic = mqtt_topics("bench", device_id)
        client.subscribe(ack_topic, qos=1)
        clients.append((client, events_topic, [b.model_dump_json().encode() for b in batches(device_id, per_agent,
                                                                                              start)]))
    for process in processes:
        process.send_signal(signal.SIGSTOP)
    try:
        for client, topic, bodies in clients:
            for body in bodies:
                client.publish(topic, body, qos=1).wait_for_publish(30)  # PUBACK: the broker holds it
    finally:
        began = time.perf_counter()
        for process in processes:
            process.send_signal(signal.SIGCONT)
    done.wait(300)
    elapsed = time.perf_counter() - began
    for client, _, _ in clients:
        client.disconnect()
        client.loop_stop()
    return elapsed, acked[0]


def raw_executemany(app, device_id: str, events: int) -> float:  # type: ignore[no-untyped-def]
    """Seconds to insert the same rows with the driver's executemany and one commit per 500 events."""
    from server.database import db
    from server.environment.models import ReadingSource
    from server.fleet.models import Device

    now = datetime.now(UTC)
    with app.app_context():
        device = db.session.execute(select(Device).where(Device.device_id == device_id)).scalar_one()
        source = ReadingSource(device_pk=device.id, stream=str(uuid.uuid4()), created_at=now)
        db.session.add(source)
        db.session.flush()
        source_id, centre_id = source.id, device.centre_id
        db.session.commit()  # and no transaction left open: the ceiling takes its own write lock
        rows = [(source_id, n + 1, quantity, centre_id, "hall", "scd41-hall", now - timedelta(milliseconds=n),
                 value, None, now) for n in range(events) for quantity, value in VALUES.items()]
        step = BATCH * len(VALUES)
        raw = db.engine.raw_connection()
        try:
            elapsed = executemany_seconds(raw.driver_connection, db.engine.dialect.name == "sqlite",
                                          [rows[i:i + step] for i in range(0, len(rows), step)])
        finally:
            raw.close()
        db.session.remove()
    return elapsed


def count_rows(app) -> int:  # type: ignore[no-untyped-def]
    from server.database import db
    from server.environment.models import Reading

    with app.app_context():
        value = db.session.execute(select(func.count()).select_from(Reading)).scalar_one()
        db.session.remove()
    return int(value)


def bench_one(label: str, url: str, events: int, agents: int, subscribers: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        app, enrolled = prepare(url, folder, agents)
        broker, port = start_broker(folder)
        env = {**os.environ, "TUOYU_DATABASE_URL": url, "TUOYU_INSTANCE_PATH": str(folder / "instance"),
               "TUOYU_SECRET_KEY": "bench", "TUOYU_MQTT_PORT": str(port), "TUOYU_MQTT_USERNAME": INGEST_USER,
               "TUOYU_MQTT_PASSWORD": INGEST_PASSWORD}
        if subscribers > 1:  # several processes share the subscription (MQTT_SHARE_GROUP), one client id each
            env["TUOYU_MQTT_SHARE_GROUP"] = "tuoyu"
        processes = [subprocess.Popen([str(BIN / "tuoyu"), "mqtt-ingest"], stderr=subprocess.DEVNULL,
                                      env={**env, "TUOYU_MQTT_CLIENT_ID": f"tuoyu-ingest-{n}"})
                     for n in range(subscribers)]
        try:
            elapsed, accepted = run_agents(port, enrolled, events)
            drained, drain_acked = drain(port, enrolled, processes, events)
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
                process.wait(30)
            broker.kill()
            broker.wait(10)
        stored = count_rows(app)
        raw = raw_executemany(app, enrolled[0][0], accepted)
    sent = events // agents * agents
    rows_per_event = len(VALUES)
    print(f"\n{label}: {sent} reading events ({sent * rows_per_event} rows), {agents} agents, "
          f"{BATCH}-event batches, one in flight per agent, {subscribers} ingest process(es)")
    print(f"{'path':<44}{'events/s':>10}{'rows/s':>10}")
    print(f"{'MQTT → tuoyu mqtt-ingest → DB → ack':<44}{accepted / elapsed:>10.0f}{accepted * rows_per_event / elapsed:>10.0f}")
    print(f"{'queued at the broker → tuoyu mqtt-ingest → ack':<44}{drain_acked / drained:>10.0f}"
          f"{drain_acked * rows_per_event / drained:>10.0f}")
    print(f"{'raw executemany, commit per 500 (ceiling)':<44}{accepted / raw:>10.0f}{accepted * rows_per_event / raw:>10.0f}")
    print(f"MQTT / raw: agents {raw / elapsed:.0%}, server alone {raw / drained * drain_acked / accepted:.0%} "
          f"(target ≥ 50%); accepted {accepted}/{sent} + {drain_acked}/{sent}, rows in env_reading {stored} "
          f"(expected {(2 * sent + agents) * rows_per_event} with the warm-up batches)")
    figure(f"{label}: MQTT events/s (agents)", accepted / elapsed, "/s", reference=accepted / raw)
    figure(f"{label}: MQTT / raw (agents)", 100 * raw / elapsed, "%", at_least=50)
    figure(f"{label}: MQTT / raw (server alone)", 100 * raw / drained * drain_acked / accepted, "%", at_least=50)
    figure(f"{label}: readings lost or doubled", (sent - accepted) + (sent - drain_acked)
           + abs(stored - (2 * sent + agents) * rows_per_event), at_most=0)
    if accepted != sent or drain_acked != sent or stored != (2 * sent + agents) * rows_per_event:
        raise SystemExit("readings were lost or doubled")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--agents", type=int, default=4)
    parser.add_argument("--subscribers", type=int, default=2,
                        help="tuoyu mqtt-ingest processes in one share group (one per core, as deployed)")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg-url", default=os.environ.get("TUOYU_BENCH_PG_URL",
                                                           "postgresql://postgres@127.0.0.1:5432/postgres"))
    args = parser.parse_args()
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            bench_one("SQLite", f"sqlite:///{tmp}/bench.sqlite3", args.events, args.agents, args.subscribers)
    if args.db in ("postgresql", "both"):
        admin_url = args.pg_url.replace("postgresql://", "postgresql+psycopg://", 1)
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        name = f"tuoyu_bench_mqtt_{os.getpid()}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            bench_one("PostgreSQL", admin_url.rsplit("/", 1)[0] + f"/{name}", args.events, args.agents, args.subscribers)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
