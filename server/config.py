"""Configuration: safe embedded defaults, then TUOYU_* environment variables, then test overrides."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

DEFAULTS: dict[str, Any] = {
    # TUOYU_DATABASE_URL; empty means an SQLite file under the instance folder.
    "DATABASE_URL": "",
    "SECRET_KEY": "",
    "DEFAULT_TIMEZONE": "Asia/Shanghai",
    "BABEL_DEFAULT_LOCALE": "zh_Hans_CN",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
    "LANGUAGES": ["zh_Hans_CN", "en"],
    # Flask-Limiter storage; memory:// is per process, use redis:// with several workers.
    "RATELIMIT_STORAGE_URI": "memory://",
    "LOGIN_RATE_LIMIT": "20 per minute",
    # Per-account lock-out is counted in the database so it holds across workers.
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_FAILURE_WINDOW_S": 15 * 60,
    # argon2id cost; tests may lower it (still the real KDF).
    "ARGON2_TIME_COST": 3,
    "ARGON2_MEMORY_COST_KIB": 64 * 1024,
    "SESSION_COOKIE_HTTPONLY": True,
    # True: the session cookie is always Secure; False: Secure on requests that arrived over HTTPS (server.security).
    "SESSION_COOKIE_SECURE": False,
    # TUOYU_PROXY_FIX: how many reverse proxies in front of the app to trust for X-Forwarded-*; 0 trusts none.
    "PROXY_FIX": 0,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "PERMANENT_SESSION_LIFETIME": 12 * 3600,
    "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
    "API_MAX_BODY_BYTES": 256 * 1024,  # any API body but a device batch (which has its own 5 MiB limit)
    "API_MAX_PER_PAGE": 200,
    "KEYS_DIR": "",
    # Scans of staff credentials: files named by their SHA-256, outside the database; empty: <instance>/staff_files.
    "STAFF_FILES_DIR": "",
    "STAFF_FILE_MAX_BYTES": 5 * 1024 * 1024,
    "JSON_AS_ASCII": False,
    # Presence push: how often an open stream looks for changes, and when it ends (EventSource reconnects).
    "PRESENCE_POLL_S": 0.25,
    "PRESENCE_STREAM_MAX_S": 300,
    # MQTT ingest (`tuoyu mqtt-ingest`, docs/mqtt.md): the subscriber's broker and its own account.
    "MQTT_HOST": "127.0.0.1",
    "MQTT_PORT": 1883,
    "MQTT_USERNAME": "tuoyu-ingest",
    "MQTT_PASSWORD": "",
    # Fixed client id: the broker keeps this persistent session (and queues events) while the subscriber is down.
    "MQTT_CLIENT_ID": "tuoyu-ingest",
    # Non-empty: several subscribers share the load ($share/<group>/...), each with its own MQTT_CLIENT_ID.
    "MQTT_SHARE_GROUP": "",
    # CA file for TLS to the broker; empty means plain TCP (a broker on the same host or LAN).
    "MQTT_TLS_CA": "",
    "MQTT_KEEPALIVE_S": 30,
    "MQTT_RECONNECT_MIN_S": 1,
    "MQTT_RECONNECT_MAX_S": 60,
    # Monitoring (docs/monitoring.md). TUOYU_METRICS_TOKEN: the bearer token Prometheus sends to /metrics; empty
    # means only a direct loopback caller (no proxy in between) may scrape.
    "METRICS_TOKEN": "",
    # /readyz fails when no scheduled job was claimed for this long (several run every minute); 0: no scheduler check.
    "READY_SCHEDULER_MAX_AGE_S": 600,
    # "json": one JSON object per line on stderr, with the request id (production); "plain": Flask's (dev, tests).
    "LOG_FORMAT": "plain",
    "LOG_LEVEL": "INFO",
}


def _database_uri(url: str, instance_path: str) -> str:
    if not url:
        return f"sqlite:///{Path(instance_path) / 'tuoyu.sqlite3'}"
    # Plain postgresql:// URLs work unchanged: we ship psycopg 3, not psycopg2.
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _secret_key(instance_path: str) -> str:
    """A stable random key kept in the instance folder when none is configured."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def load_config(app: Flask, overrides: dict[str, Any] | None) -> None:
    """Fill app.config from defaults, the environment (TUOYU_ prefix) and overrides."""
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("TUOYU")
    if overrides:
        app.config.from_mapping(overrides)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config["SQLALCHEMY_DATABASE_URI"] = _database_uri(app.config["DATABASE_URL"], app.instance_path)
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _secret_key(app.instance_path)
    if not app.config["KEYS_DIR"]:
        app.config["KEYS_DIR"] = str(Path(app.instance_path) / "keys")
    if not app.config["STAFF_FILES_DIR"]:
        app.config["STAFF_FILES_DIR"] = str(Path(app.instance_path) / "staff_files")
    app.config["WTF_CSRF_TIME_LIMIT"] = None  # tied to the session instead; tablets stay open all day
