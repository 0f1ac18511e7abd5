"""Who is calling, for the routes devices call: the device of a bearer token, and whether its kind may read a feed."""

from __future__ import annotations

from flask import g, request
from flask_babel import lazy_gettext as _l

from server.auth.actor import AccessRefused
from server.clock import utcnow
from server.database import db
from server.errors import Unauthorised
from server.fleet import operations as ops
from server.fleet.models import Device
from server.fleet.policy import Feed, may_read_feed


def current_device() -> Device:
    """The device of this request's bearer token (401 if unknown or revoked; revoked knocks are logged)."""
    if "device" in g:
        return g.device
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        raise Unauthorised()
    token, now = header[7:].strip(), utcnow()
    try:
        g.device = ops.authenticate_device(token, now=now, version=request.headers.get("X-Device-Version"))
    except ops.DeviceRevoked:
        db.session.rollback()
        ops.log_revoked_attempt(token, request.path, now)
        db.session.commit()
        raise
    return g.device


class FeedNotAllowed(AccessRefused):
    """A device asked for a feed its kind may not read; logged like every refusal."""

    code = "feed_not_allowed"
    message = _l("This kind of device may not read this feed")


def device_reading(feed: Feed) -> Device:
    """The calling device, if its kind may read ``feed`` (server/fleet/policy.py); 403 otherwise."""
    device = current_device()
    if not may_read_feed(device.kind, feed):
        raise FeedNotAllowed(centre_id=device.centre_id)
    return device
