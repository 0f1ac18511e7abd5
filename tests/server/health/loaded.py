"""Which rows of a model a piece of code loads from the database (the hot paths must not read old history)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from server.database import db


@contextmanager
def rows_loaded(model: type) -> Iterator[set[int]]:
    """The ids of the `model` rows loaded inside the block (the session is emptied first, so every row counts)."""
    db.session.flush()
    db.session.expunge_all()
    ids: set[int] = set()

    def loaded(target, _context) -> None:  # type: ignore[no-untyped-def]
        ids.add(target.id)

    event.listen(model, "load", loaded)
    try:
        yield ids
    finally:
        event.remove(model, "load", loaded)
