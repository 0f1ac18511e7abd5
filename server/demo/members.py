"""Who acts in the demo's stories: the centre's first log-in of a role, as that log-in's session would act."""

from __future__ import annotations

from sqlalchemy import select

from server.auth.actor import Actor, Grant
from server.auth.models import Membership
from server.auth.roles import Role
from server.centre.models import Centre
from server.database import db


def acting_as(centre: Centre, role: Role) -> Actor:
    """The centre's first log-in holding `role` (records carry their user id); the system if there is none."""
    user_id = db.session.execute(select(Membership.user_id).where(
        Membership.centre_id == centre.id, Membership.role == role).order_by(Membership.id)).scalars().first()
    if user_id is None:
        return Actor.system()
    return Actor(kind="user", user_id=user_id, grants=(Grant(centre.id, role, None),))
