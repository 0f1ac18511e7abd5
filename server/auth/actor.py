"""Who is acting, and the one authorisation check every operation calls."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l

from server.auth.roles import PERMISSIONS, Perm, Role
from server.errors import Forbidden, NotFound, Text


@dataclass(frozen=True)
class Grant:
    centre_id: int
    role: Role
    expires_at: datetime | None
    revoked_at: datetime | None = None

    def active(self, now: datetime) -> bool:
        if self.revoked_at is not None and self.revoked_at <= now:
            return False
        return self.expires_at is None or now < self.expires_at


@dataclass(frozen=True)
class Actor:
    """The acting user (or the system, for the CLI and scheduled jobs) and their grants."""

    kind: str  # user | system | device
    user_id: int | None = None
    grants: tuple[Grant, ...] = ()
    contact_ids: frozenset[int] = field(default_factory=frozenset)

    @classmethod
    def system(cls) -> Actor:
        return cls(kind="system")

    @property
    def is_system(self) -> bool:
        return self.kind == "system"

    def roles_at(self, centre_id: int, now: datetime) -> set[Role]:
        return {g.role for g in self.grants if g.centre_id == centre_id and g.active(now)}

    def centre_ids(self, now: datetime) -> set[int]:
        return {g.centre_id for g in self.grants if g.active(now)}

    def can(self, perm: Perm, centre_id: int, now: datetime) -> bool:
        if self.is_system:
            return True
        return any(perm in PERMISSIONS[r] for r in self.roles_at(centre_id, now))


class AccessRefused(Forbidden):
    """A refusal that is logged (expired grant, out-of-scope inspector, missing permission)."""

    def __init__(self, message: Text | None = None, *, code: str | None = None, centre_id: int | None = None):
        super().__init__(message, code=code)
        self.centre_id = centre_id


def authorise(actor: Actor, perm: Perm, centre_id: int, now: datetime) -> None:
    """Raise unless the actor holds `perm` at the centre now.

    A user with no grant at the centre gets NotFound, so ids of other centres reveal nothing;
    inspectors (who know which centres exist) and holders of expired grants get Forbidden.
    """
    if actor.can(perm, centre_id, now):
        return
    here = [g for g in actor.grants if g.centre_id == centre_id]
    if here:
        if all(not g.active(now) for g in here):
            if all(g.revoked_at is not None and g.revoked_at <= now for g in here):
                raise AccessRefused(_l("Your access to this centre has been revoked"), code="grant_revoked",
                                    centre_id=centre_id)
            raise AccessRefused(_l("Your access to this centre has expired"), code="grant_expired", centre_id=centre_id)
        raise AccessRefused(centre_id=centre_id)
    if any(g.role is Role.INSPECTOR for g in actor.grants):
        raise AccessRefused(
            _l("This centre is outside your inspection scope"), code="out_of_scope", centre_id=centre_id
        )
    raise NotFound()
