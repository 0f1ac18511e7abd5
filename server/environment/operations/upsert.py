"""Dialect helpers for the bulk statements: INSERT … ON CONFLICT, and two-argument min/max, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Table, func
from sqlalchemy.dialects import postgresql, sqlite

from server.database import db


def dialect_name() -> str:
    return db.session.get_bind().dialect.name


def insert_for(table: Table) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT (both SQLite and PostgreSQL spell it the same)."""
    return (postgresql.insert if dialect_name() == "postgresql" else sqlite.insert)(table)


def least(a: Any, b: Any) -> ColumnElement[Any]:
    """The smaller of two values (NULL if either is NULL on SQLite; wrap in coalesce where that matters)."""
    return func.least(a, b) if dialect_name() == "postgresql" else func.min(a, b)


def greatest(a: Any, b: Any) -> ColumnElement[Any]:
    """The larger of two values."""
    return func.greatest(a, b) if dialect_name() == "postgresql" else func.max(a, b)
