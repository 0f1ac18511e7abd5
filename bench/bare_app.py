"""The reference: a bare Flask + Flask-SQLAlchemy insert endpoint, no auth, no audit, no validation.

Served by gunicorn exactly like the real app so `bench/api.py` can compare the two side by side.
"""

from __future__ import annotations

import os
from datetime import date

from flask import Flask, jsonify, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Child(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    sex: Mapped[str]
    born_on: Mapped[date]
    enrolled_on: Mapped[date]
    service_type: Mapped[str]


SYNCHRONOUS = "NORMAL" if os.environ.get("BENCH_SQLITE_SYNCHRONOUS", "FULL").upper() == "NORMAL" else "FULL"


@event.listens_for(Engine, "connect")
def _pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
    # The same SQLite settings as the real app (WAL, FULL sync unless the run measures NORMAL, waiting writers).
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA synchronous={SYNCHRONOUS}")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["BARE_DATABASE_URL"]
    db.init_app(app)
    with app.app_context():
        db.create_all()

    @app.post("/children")
    def create_child():  # type: ignore[no-untyped-def]
        body = request.get_json()
        child = Child(name=body["name"], sex=body["sex"], born_on=date.fromisoformat(body["born_on"]),
                      enrolled_on=date.fromisoformat(body["enrolled_on"]), service_type=body["service_type"])
        db.session.add(child)
        db.session.commit()
        return jsonify({"id": child.id}), 201

    return app
