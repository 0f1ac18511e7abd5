"""Accounts, per-centre role memberships, API tokens and the log-in attempt log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Enum as SAEnum
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.auth.roles import Role
from server.database import UTCDateTime, db


class User(db.Model):
    """A person who logs in. What they may do comes from their memberships, per centre."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(default=True)
    # Bumped on log-out and disable: a copied session cookie stops working (ASVS V7.4).
    session_version: Mapped[int] = mapped_column(default=1)
    locale: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Set for an account made with a one-time password: it must choose its own before anything else.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=sa_false())

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", foreign_keys="Membership.user_id", cascade="all, delete-orphan"
    )


class Membership(db.Model):
    """A role at one centre; an inspector's grant carries an expiry."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("user_id", "centre_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    role: Mapped[Role] = mapped_column(SAEnum(Role, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # A revoked grant gives nothing from this instant on (kept, not deleted: the audit points at it).
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="memberships", foreign_keys=[user_id])


class ApiToken(db.Model):
    """A personal bearer token. Only its SHA-256 is kept."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoginAttempt(db.Model):
    """Every log-in attempt (ASVS V16.3.1); failures drive the per-account lock-out."""

    __tablename__ = "login_attempt"
    __table_args__ = (Index("ix_login_attempt_username_at", "username", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80))
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    succeeded: Mapped[bool]
