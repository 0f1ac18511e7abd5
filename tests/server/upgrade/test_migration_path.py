"""The migration path with data: from the first migration to head, a row in every table on the way, none lost.

After each revision, every table still empty gets one row generated from its reflected columns (values of the
column's type, enum columns one of the model's values, foreign keys pointing at rows already there); the count of
every table may never drop on a later revision, and at head every table has rows, every row inserted on the way is
still there and every row loads through the models. Then down to base, with the data in it, and up to head again.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, date, datetime
from datetime import time as clock_time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import text
from sqlalchemy.engine import Connection

from server import create_app
from server.database import db
from server.upgrade import migrations_directory, schema_state
from tests.conftest import FAST_TEST_CONFIG, scratch_postgres_database

AT = datetime(2026, 9, 7, 1, 30, tzinfo=UTC)
SKIP = {"alembic_version"}


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it: an SQLite file, or a PostgreSQL database made for this test and dropped."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'path.sqlite3'}"
        return
    with scratch_postgres_database("tuoyu_path") as url:
        yield url


@pytest.fixture
def path_app(empty_url: str, tmp_path: Path) -> Iterator[Any]:
    app = create_app({**FAST_TEST_CONFIG, "DATABASE_URL": empty_url, "INSTANCE_PATH": str(tmp_path)})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


class RowMaker:
    """One row for a reflected table: values of each column's type, unique by a counter, foreign keys to real rows."""

    def __init__(self, conn: Connection) -> None:
        self.conn, self.sqlite = conn, conn.dialect.name == "sqlite"
        self.numbers = itertools.count(1)

    def insert(self, table: sa.Table) -> tuple[Any, ...]:
        """Insert one row; returns its primary key."""
        values: dict[str, Any] = {}
        for fk in table.foreign_key_constraints:
            referred = fk.referred_table.name if fk.referred_table is not None else fk.elements[0].column.table.name
            row = self.conn.execute(sa.text(
                f'SELECT {", ".join(e.column.name for e in fk.elements)} FROM "{referred}" LIMIT 1')).first()
            for element, value in zip(fk.elements, row or (None,) * len(fk.elements), strict=True):
                values[element.parent.name] = value
        for column in table.columns:
            if column.name in values or self._generated_key(table, column):
                continue
            values[column.name] = self.value(table.name, column)
        result = self.conn.execute(table.insert().values(**values))
        if self._generated_key(table, table.primary_key.columns[0]) if table.primary_key.columns else False:
            return tuple(result.inserted_primary_key)
        return tuple(values[c.name] for c in table.primary_key.columns)

    @staticmethod
    def _generated_key(table: sa.Table, column: sa.Column[Any]) -> bool:
        keys = list(table.primary_key.columns)
        return len(keys) == 1 and keys[0] is column and isinstance(column.type, sa.Integer) and not column.foreign_keys

    def value(self, table: str, column: sa.Column[Any]) -> Any:  # noqa: PLR0911 - one answer per type
        n = next(self.numbers)
        kind = column.type
        choices = _enum_values(table, column.name)
        if choices:
            return choices[0]
        if isinstance(kind, sa.Boolean):
            return False
        if isinstance(kind, sa.Integer):
            return n
        if isinstance(kind, sa.Numeric) and not isinstance(kind, sa.Float):
            return Decimal("1.5") if (kind.scale or 0) >= 1 else Decimal(1)
        if isinstance(kind, sa.Float):
            return 1.5
        if isinstance(kind, sa.DateTime):
            return AT.replace(tzinfo=None) if self.sqlite else AT
        if isinstance(kind, sa.Date):
            return date(2026, 9, 7)
        if isinstance(kind, sa.Time):
            return clock_time(8, 0)
        if isinstance(kind, sa.JSON):
            return {}
        if isinstance(kind, sa.LargeBinary):
            return b"\x00\x01"
        if isinstance(kind, sa.String):
            text_value = f"{n}-{column.name}"
            return text_value[: kind.length] if kind.length else text_value
        raise AssertionError(f"no value for {table}.{column.name} of type {kind!r}: add it to RowMaker.value")


def _enum_values(table: str, column: str) -> list[str]:
    """The closed set the models give this column (VARCHAR in the database: native_enum=False), if any."""
    model_table = db.metadata.tables.get(table)
    if model_table is None or column not in model_table.c:
        return []
    kind = model_table.c[column].type
    return list(kind.enums) if isinstance(kind, sa.Enum) else []


def _counts(conn: Connection, tables: list[str]) -> dict[str, int]:
    if not tables:
        return {}
    union = " UNION ALL ".join(f"SELECT '{t}', COUNT(*) FROM \"{t}\"" for t in tables)
    return {name: count for name, count in conn.execute(text(union))}


def _dependency_order(tables: list[sa.Table]) -> list[sa.Table]:
    """Referred tables first (among those being filled); a cycle keeps its given order."""
    names = {t.name for t in tables}
    done: list[sa.Table] = []
    waiting = list(tables)
    while waiting:
        ready = [t for t in waiting if all(fk.referred_table.name not in names - {d.name for d in done}
                                           or fk.referred_table.name == t.name for fk in t.foreign_key_constraints)]
        for table in ready or waiting[:1]:
            done.append(table)
            waiting.remove(table)
    return done


def _fill_empty_tables(conn: Connection, maker: RowMaker, inserted: dict[str, list[tuple[Any, ...]]]) -> dict[str, int]:
    names = [t for t in sa.inspect(conn).get_table_names() if t not in SKIP]
    counts = _counts(conn, names)
    empty = [t for t in names if counts[t] == 0]
    if empty:
        meta = sa.MetaData()
        meta.reflect(bind=conn, only=empty + _referred(conn, empty))
        for table in _dependency_order([meta.tables[t] for t in empty]):
            inserted.setdefault(table.name, []).append(maker.insert(table))
    return _counts(conn, names)


def _referred(conn: Connection, tables: list[str]) -> list[str]:
    inspector = sa.inspect(conn)
    return sorted({fk["referred_table"] for t in tables for fk in inspector.get_foreign_keys(t)} - set(tables))


class PathWithData:
    """Alembic's on_version_apply: after each revision's step, in its transaction, fill what is empty and count."""

    def __init__(self) -> None:
        self.inserted: dict[str, list[tuple[Any, ...]]] = {}
        self.seen: dict[str, int] = {}
        self.dropped: list[str] = []
        self.applied: list[str] = []

    def __call__(self, *, ctx: Any, step: Any, heads: Any, run_args: Any) -> None:
        conn: Connection = ctx.connection
        counts = _fill_empty_tables(conn, RowMaker(conn), self.inserted)
        revision = step.up_revision_id
        self.dropped += [f"{revision}: {t} {n} -> {counts.get(t)}" for t, n in self.seen.items() if counts.get(t, 0) < n]
        self.seen = {**self.seen, **counts}
        self.applied.append(revision)


def test_every_revision_keeps_every_row_from_the_first_migration_to_head_and_back(path_app) -> None:
    script = ScriptDirectory(migrations_directory(path_app))
    revisions = [r.revision for r in reversed(list(script.walk_revisions()))]
    path = PathWithData()
    path_app.extensions["migrate"].configure_args["on_version_apply"] = path
    upgrade()
    del path_app.extensions["migrate"].configure_args["on_version_apply"]
    with db.engine.connect() as conn:
        at_head = _counts(conn, [t for t in sa.inspect(conn).get_table_names() if t not in SKIP])
        meta = sa.MetaData()
        meta.reflect(bind=conn)
        missing = [(t, key) for t, keys in path.inserted.items() for key in keys if not conn.execute(
            sa.select(sa.func.count()).select_from(meta.tables[t]).where(
                *(c == v for c, v in zip(meta.tables[t].primary_key.columns, key, strict=True)))).scalar()]
    loaded = {mapper.class_.__tablename__: len(db.session.execute(sa.select(mapper.class_)).scalars().all())
              for mapper in db.Model.registry.mappers if hasattr(mapper.class_, "__tablename__")}
    db.session.rollback()
    assert (path.applied, path.dropped, missing, [t for t, n in at_head.items() if n == 0]) \
        == (revisions, [], [], [])
    assert all(n >= 1 for n in loaded.values()), loaded

    downgrade(revision="base")
    with db.engine.connect() as conn:
        left_at_base = set(sa.inspect(conn).get_table_names()) - SKIP
    upgrade()
    assert (left_at_base, schema_state(path_app).database, schema_state(path_app).standing.value) \
        == (set(), (revisions[-1],), "current")
