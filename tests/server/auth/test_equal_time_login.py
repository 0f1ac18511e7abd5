"""Log-in costs one argon2 verification whether or not the account exists, so timing does not reveal usernames."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from server.auth.operations import LoginRefused, authenticate
from server.database import db
from tests.factories import make_login
from tests.sessions import PASSWORD


class CountingHasher(PasswordHasher):
    """The real argon2id hasher (test cost), recording every hash it was asked to verify."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=64)
        self.verified: list[str] = []

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:  # noqa: A002 - argon2's own name
        self.verified.append(str(hash))
        return super().verify(hash, password)


@pytest.fixture
def hasher(app) -> CountingHasher:
    app.extensions["tuoyu.password_hasher"] = hasher = CountingHasher()
    return hasher


def _refused(username: str, clock) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(LoginRefused):
        authenticate(username, "wrong-password", remote_addr=None, now=clock.now())


def test_unknown_username_costs_one_password_verification(app, clock, hasher):
    _refused("nobody", clock)
    assert len(hasher.verified) == 1


def test_unknown_username_is_checked_against_the_dummy_hash(app, clock, hasher):
    _refused("nobody", clock)
    assert hasher.verified == [app.extensions["tuoyu.dummy_password_hash"]]


def test_wrong_password_of_a_known_user_costs_one_password_verification(app, clock, hasher):
    make_login("director", clock.now())
    _refused("director", clock)
    assert len(hasher.verified) == 1


def test_inactive_account_is_checked_against_the_dummy_hash_and_refused(app, clock, hasher):
    user = make_login("director", clock.now()).user
    user.is_active = False
    db.session.flush()
    with pytest.raises(LoginRefused):
        authenticate("director", PASSWORD, remote_addr=None, now=clock.now())
    assert hasher.verified == [app.extensions["tuoyu.dummy_password_hash"]]


def test_account_without_a_password_costs_one_password_verification(app, clock, hasher):
    make_login("guardian", clock.now(), password=None)
    _refused("guardian", clock)
    assert hasher.verified == [app.extensions["tuoyu.dummy_password_hash"]]
