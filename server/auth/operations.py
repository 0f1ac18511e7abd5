"""Accounts, passwords, memberships, tokens and log-in: one change each, audited."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from server.audit.operations import record_change
from server.auth.actor import Actor, Grant, authorise
from server.auth.models import ApiToken, LoginAttempt, Membership, User
from server.auth.roles import Perm, Role
from server.database import db
from server.errors import ApiError, Conflict, Forbidden, ProblemCollector

TOKEN_PREFIX = "tyu_"
MIN_PASSWORD_LENGTH = 8


def _hasher() -> PasswordHasher:
    """The app's argon2id hasher, made once; tests may put their own in app.extensions (it is the real KDF)."""
    hasher = current_app.extensions.get("tuoyu.password_hasher")
    if hasher is None:
        cfg = current_app.config
        hasher = PasswordHasher(time_cost=cfg["ARGON2_TIME_COST"], memory_cost=cfg["ARGON2_MEMORY_COST_KIB"])
        current_app.extensions["tuoyu.password_hasher"] = hasher
    return hasher


def _dummy_hash() -> str:
    """A hash of a random password with the app's parameters, made once per app, that nothing ever matches."""
    dummy = current_app.extensions.get("tuoyu.dummy_password_hash")
    if dummy is None:
        dummy = current_app.extensions["tuoyu.dummy_password_hash"] = _hasher().hash(secrets.token_urlsafe(32))
    return dummy


def hash_password(password: str) -> str:
    """argon2id: memory-hard, salted."""
    return _hasher().hash(password)


def check_password(user: User | None, password: str) -> bool:
    """Whether `password` is the active `user`'s; costs one argon2 verification whoever asks.

    An unknown, inactive or password-less account is checked against a dummy hash, so the answer
    takes as long as a wrong password for a real account and the timing does not tell which exist.
    """
    usable = user is not None and user.is_active and bool(user.password_hash)
    try:
        matches = _hasher().verify(user.password_hash if usable else _dummy_hash(), password)  # type: ignore[union-attr]
    except (VerificationError, InvalidHashError):
        return False
    return usable and matches


def _snapshot(user: User) -> dict[str, object]:
    return {"username": user.username, "active": user.is_active, "session_version": user.session_version,
            "must_change_password": user.must_change_password}


def _audit_user(action: str, user: User, before: dict | None, *, actor: Actor, now: datetime) -> None:
    record_change(
        centre_id=None, actor_id=actor.user_id, actor_kind=actor.kind, action=action,
        object_type="user", object_id=user.id, before=before, after=_snapshot(user), now=now,
    )


def create_user(
    username: str, display_name: str, password: str | None, *, actor: Actor, now: datetime,
    must_change_password: bool = False,
) -> User:
    """Create an account; a password is optional (guardians may be invited later).

    `must_change_password`: the password is a one-time one handed over by someone else; the account must choose
    its own at its first log-in before it reaches anything.
    """
    problems = ProblemCollector()
    username = username.strip()
    if not username:
        problems.add("required", _l("Username is required"), "username")
    elif db.session.execute(select(User.id).where(User.username == username)).first():
        raise Conflict(_l("Username already taken"), code="username_taken", field="username")
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        problems.add("password_too_short", _l("The password must have at least 8 characters."), "password")
    problems.raise_if_any()
    user = User(
        username=username, display_name=display_name.strip() or username,
        password_hash=hash_password(password) if password else None, created_at=now,
        must_change_password=must_change_password,
    )
    db.session.add(user)
    db.session.flush()
    _audit_user("user.create", user, None, actor=actor, now=now)
    return user


def grant_role(
    user: User, centre_id: int, role: Role, *, expires_at: datetime | None = None, actor: Actor, now: datetime
) -> Membership:
    """Give a user a role at a centre; inspectors must have an expiry in the future."""
    authorise(actor, Perm.INSPECTORS_GRANT if role is Role.INSPECTOR else Perm.CENTRE_MANAGE, centre_id, now)
    problems = ProblemCollector()
    if role is Role.INSPECTOR and expires_at is None:
        problems.add("expiry_required", _l("An inspector grant needs an expiry"), "expires_at")
    if expires_at is not None and expires_at <= now:
        problems.add("expiry_in_past", _l("Expiry must be in the future"), "expires_at")
    problems.raise_if_any()
    existing = db.session.execute(
        select(Membership).where(Membership.user_id == user.id, Membership.centre_id == centre_id, Membership.role == role)
    ).scalar_one_or_none()
    before = None
    if existing is not None:
        before = {"role": existing.role, "expires_at": existing.expires_at, "revoked_at": existing.revoked_at}
        existing.expires_at = expires_at
        existing.revoked_at = None  # granting again restores a revoked grant
        membership = existing
    else:
        membership = Membership(
            user_id=user.id, centre_id=centre_id, role=role, expires_at=expires_at,
            granted_by_id=actor.user_id, granted_at=now,
        )
        db.session.add(membership)
    db.session.flush()
    record_change(
        centre_id=centre_id, actor_id=actor.user_id, actor_kind=actor.kind, action="membership.grant",
        object_type="membership", object_id=membership.id, before=before,
        after={"user_id": user.id, "role": role, "expires_at": expires_at}, now=now,
    )
    return membership


def revoke_grant(membership: Membership, *, actor: Actor, now: datetime) -> Membership:
    """Withdraw an inspector's grant at its centre: it gives nothing from `now` on (the next request is refused).

    Revoking a grant already revoked changes nothing and writes nothing.
    """
    authorise(actor, Perm.INSPECTORS_GRANT if membership.role is Role.INSPECTOR else Perm.CENTRE_MANAGE,
              membership.centre_id, now)
    if membership.revoked_at is not None:
        return membership
    membership.revoked_at = now
    db.session.flush()
    record_change(
        centre_id=membership.centre_id, actor_id=actor.user_id, actor_kind=actor.kind, action="membership.revoke",
        object_type="membership", object_id=membership.id, before={"revoked_at": None},
        after={"user_id": membership.user_id, "role": membership.role, "revoked_at": now}, now=now,
    )
    return membership


def change_password(user: User, current: str, new: str, *, actor: Actor, now: datetime) -> User:
    """The user replaces their own password (knowing the current one); other sessions of the account end.

    Clears `must_change_password`. Problems (wrong current password, too short, unchanged) by field.
    """
    if actor.user_id != user.id:
        raise Forbidden()
    problems = ProblemCollector()
    if not check_password(user, current):
        problems.add("wrong_password", _l("The current password is wrong."), "current_password")
    if len(new) < MIN_PASSWORD_LENGTH:
        problems.add("password_too_short", _l("The password must have at least 8 characters."), "new_password")
    elif new == current:
        problems.add("password_unchanged", _l("Choose a password other than the current one."), "new_password")
    problems.raise_if_any()
    before = _snapshot(user)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.session_version += 1
    db.session.flush()
    _audit_user("user.change_password", user, before, actor=actor, now=now)
    return user


def set_one_time_password(user: User, password: str, *, actor: Actor, now: datetime) -> User:
    """Give an account a password handed over by someone else: it must choose its own at its next log-in.

    The caller has authorised the reset (e.g. a director for a parent of their centre); every session ends.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError("a one-time password has at least the minimum length")
    before = _snapshot(user)
    user.password_hash = hash_password(password)
    user.must_change_password = True
    user.session_version += 1
    db.session.flush()
    _audit_user("user.set_one_time_password", user, before, actor=actor, now=now)
    return user


def actor_for(user: User, contacts_of: Callable[[int], frozenset[int]]) -> Actor:
    """Build the Actor of a logged-in user from their memberships and, for guardians, their contacts.

    `contacts_of(user_id)` comes from the people registry (listed by the app factory): auth sits below it.
    """
    rows = db.session.execute(
        select(Membership.centre_id, Membership.role, Membership.expires_at, Membership.revoked_at)
        .where(Membership.user_id == user.id)
    )
    grants = tuple(Grant(centre_id, role, expires_at, revoked_at) for centre_id, role, expires_at, revoked_at in rows)
    if not any(g.role is Role.GUARDIAN for g in grants):
        # Only guardians act through their contacts; staff requests skip the query.
        return Actor(kind="user", user_id=user.id, grants=grants)
    return Actor(kind="user", user_id=user.id, grants=grants, contact_ids=contacts_of(user.id))


class LoginRefused(ApiError):
    status = 401
    code = "login_failed"
    message = _l("Wrong username or password")


class LoginLocked(ApiError):
    status = 429
    code = "login_locked"
    message = _l("Too many failed attempts, try again in 15 minutes")


def recent_failures(username: str, now: datetime) -> int:
    window = timedelta(seconds=current_app.config["LOGIN_FAILURE_WINDOW_S"])
    return db.session.execute(
        select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.username == username, LoginAttempt.succeeded.is_(False), LoginAttempt.at > now - window,
        )
    ).scalar_one()


def authenticate(username: str, password: str, *, remote_addr: str | None, now: datetime) -> User:
    """Check a password; every attempt is logged and an account locks after repeated failures."""
    username = username.strip()
    locked = recent_failures(username, now) >= current_app.config["LOGIN_MAX_FAILURES"]
    user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    ok = not locked and check_password(user, password)
    db.session.add(LoginAttempt(username=username[:80], remote_addr=remote_addr, at=now, succeeded=ok))
    db.session.flush()
    if locked:
        current_app.logger.warning("login refused, account locked: %s from %s", username, remote_addr)
        raise LoginLocked()
    if not ok:
        current_app.logger.warning("login failed: %s from %s", username, remote_addr)
        raise LoginRefused()
    assert user is not None
    return user


def end_sessions(user: User, *, actor: Actor, now: datetime) -> None:
    """Log out everywhere: every existing session cookie of this user stops working."""
    before = _snapshot(user)
    user.session_version += 1
    db.session.flush()
    _audit_user("user.end_sessions", user, before, actor=actor, now=now)


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, name: str, *, expires_at: datetime | None, actor: Actor, now: datetime) -> tuple[str, ApiToken]:
    """Issue a personal API token; the plain value is returned once and never stored."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id, name=name[:80], token_hash=_token_digest(plain), prefix=plain[:10],
        created_at=now, expires_at=expires_at,
    )
    db.session.add(token)
    db.session.flush()
    record_change(
        centre_id=None, actor_id=actor.user_id, actor_kind=actor.kind, action="token.create",
        object_type="api_token", object_id=token.id, before=None,
        after={"user_id": user.id, "prefix": token.prefix, "expires_at": expires_at}, now=now,
    )
    return plain, token


def user_for_token(plain: str, now: datetime) -> User | None:
    """The active user a bearer token belongs to, or None (one query: this runs on every API call)."""
    if not plain.startswith(TOKEN_PREFIX):
        return None
    return db.session.execute(
        select(User).join(ApiToken, ApiToken.user_id == User.id).where(
            ApiToken.token_hash == _token_digest(plain), ApiToken.revoked_at.is_(None),
            (ApiToken.expires_at.is_(None)) | (ApiToken.expires_at > now), User.is_active.is_(True),
        )
    ).scalar_one_or_none()
