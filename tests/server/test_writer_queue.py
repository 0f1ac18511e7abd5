"""SQLite: writers queue on the ``-writers`` lock file before they ask SQLite for the write lock (issue #19).

Each test's writers have SQLite's busy timeout at 0: a writer that reached SQLite while another held the lock
would fail at once with "database is locked". Queued, it waits in the kernel and asks SQLite only once the holder
has committed (or rolled back, or gone), so it always finds the lock free.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, event, text

WAIT_S = 20.0


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'queue.db'}")

    @event.listens_for(engine, "connect")
    def _no_busy_wait(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.execute("PRAGMA busy_timeout=0")

    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (who TEXT)"))
    yield engine
    engine.dispose()


def _queue_inode(engine: Engine) -> int:
    return Path(str(engine.url.database) + "-writers").stat().st_ino


def _someone_waits_in_queue(inode: int) -> bool:
    """/proc/locks lists a blocked flock waiter as a '->' line on the lock file's inode."""
    pattern = re.compile(rf"->\s+FLOCK\s+ADVISORY\s+WRITE\s+\d+\s+[0-9a-f]+:[0-9a-f]+:{inode}\b")
    return any(pattern.search(line) for line in Path("/proc/locks").read_text().splitlines())


def _wait_until(condition: Callable[[], bool], what: str) -> None:
    done = threading.Event()
    for _ in range(int(WAIT_S * 100)):
        if condition():
            return
        done.wait(0.01)
    raise AssertionError(f"not within {WAIT_S} s: {what}")


def _writer(engine: Engine, who: str, errors: list[BaseException]) -> threading.Thread:
    def write() -> None:
        try:
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO t VALUES (:who)"), {"who": who})
        except BaseException as exc:  # reported to the test thread
            errors.append(exc)

    return threading.Thread(target=write)


@pytest.mark.parametrize("release", ["commit", "rollback", "invalidate"])
def test_a_queued_writer_asks_sqlite_only_once_the_holder_is_done(engine: Engine, release: str) -> None:
    holder = engine.connect()
    transaction = holder.begin()
    holder.execute(text("INSERT INTO t VALUES ('holder')"))
    errors: list[BaseException] = []
    waiter = _writer(engine, "waiter", errors)
    waiter.start()
    _wait_until(lambda: _someone_waits_in_queue(_queue_inode(engine)), "the second writer waits in the queue")
    if release == "commit":
        transaction.commit()
    elif release == "rollback":
        transaction.rollback()
    else:
        holder.invalidate()  # the connection is closed under the transaction: its place goes with it
    waiter.join(WAIT_S)
    holder.close()
    assert not waiter.is_alive() and errors == []
    with engine.connect() as conn:
        rows = sorted(conn.execute(text("SELECT who FROM t")).scalars())
    assert rows == (["holder", "waiter"] if release == "commit" else ["waiter"])


def test_a_thread_writing_through_a_second_connection_does_not_wait_for_itself(engine: Engine) -> None:
    first = engine.connect()
    first.begin()
    first.execute(text("INSERT INTO t VALUES ('first')"))
    second = engine.connect()
    # SQLite's busy handler answers, as without the queue (here at once: busy_timeout 0); it never hangs in the queue.
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        with second.begin():
            second.execute(text("INSERT INTO t VALUES ('second')"))
    first.commit()
    with second.begin():  # and the place was given back: the same thread writes again
        second.execute(text("INSERT INTO t VALUES ('second')"))
    first.close()
    second.close()


def test_many_writers_in_threads_all_get_through_without_busy_errors(engine: Engine) -> None:
    errors: list[BaseException] = []
    writers = [_writer(engine, f"w{i}", errors) for i in range(16)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(WAIT_S)
    assert errors == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar_one() == 16
