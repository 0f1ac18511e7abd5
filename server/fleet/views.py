"""The office's device fleet page: every kiosk and agent of a centre, its health, enrolment codes and revocation.

Thin: the forms call the same operations as the API (which authorise and audit); a refused post answers 403 in
the layout, a post with problems answers 422 with the page again, what was typed kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from server.auth.actor import Actor
from server.auth.roles import Perm
from server.auth.session import current_actor, refuse_form
from server.centre.models import Centre
from server.centre.operations import get_centre
from server.clock import utcnow
from server.database import db
from server.errors import Forbidden, Problem, ValidationFailed, problems_by_field
from server.fleet import operations as ops
from server.fleet.models import Device, DeviceKind
from server.fleet.versions import VersionStanding, server_version, version_standings

bp = Blueprint("fleet_pages", __name__)

PROBLEM_TEXTS = {
    "required": _l("This is required."),
    "bad_choice": _l("Choose one of the options."),
    "bad_validity": _l("Valid for 1 to 168 hours."),
}


@dataclass(frozen=True)
class SensorState:
    name: str
    status: str
    fault: str | None


@dataclass(frozen=True)
class DeviceRow:
    """A device as the page shows it; health is what the last heartbeat said (kiosks send none)."""

    device: Device
    reported_at: str | None
    outbox_pending: int | None
    outbox_dead: int | None
    sensors: tuple[SensorState, ...]
    version: VersionStanding


def _row(device: Device, version: VersionStanding) -> DeviceRow:
    health: dict[str, Any] = device.health or {}
    sensors = health.get("sensors") or {}
    return DeviceRow(
        device, health.get("reported_at"), health.get("outbox_pending"), health.get("outbox_dead"),
        tuple(SensorState(name, str(s.get("status", "")), s.get("fault")) for name, s in sorted(sensors.items())),
        version,
    )


def _kinds() -> list[tuple[str, str]]:
    return [(DeviceKind.KIOSK.value, _("Check-in kiosk")), (DeviceKind.AGENT.value, _("Sensor agent"))]


def _devices_page(centre: Centre, actor: Actor, now: datetime, *, form: dict[str, Any] | None = None,
                  errors: dict[str, list[str]] | None = None, code: tuple[str, datetime] | None = None,
                  status: int = 200) -> ResponseReturnValue:
    listed = ops.list_devices(centre, actor=actor, now=now)
    standings = version_standings(listed, server_version())
    devices = [_row(d, standings[d.id]) for d in listed]
    return render_template(
        "fleet/devices.html", centre=centre, devices=devices, kinds=_kinds(), kind_labels=dict(_kinds()),
        behind_count=sum(row.version.behind for row in devices),
        may_manage=actor.can(Perm.CENTRE_MANAGE, centre.id, now), form=form or {}, errors=errors or {},
        new_code=code, sensor_states={"ok": _("OK"), "fault": _("Fault"), "not_ready": _("Not ready")},
    ), status


@bp.get("/centres/<string:code>/devices")
@login_required
def devices(code: str) -> ResponseReturnValue:
    """The centre's kiosks and agents: version, last seen, health, revoked or not."""
    actor, now = current_actor(), utcnow()
    return _devices_page(get_centre(code, actor=actor, now=now, perm=Perm.DEVICES_READ), actor, now)


@bp.post("/centres/<string:code>/devices/enrolment-codes")
@login_required
def create_code(code: str) -> ResponseReturnValue:
    """A one-time enrolment code, shown once on the page that answers (never stored in plain)."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    try:
        try:
            kind = DeviceKind(request.form.get("kind", ""))
        except ValueError:
            raise ValidationFailed([Problem("bad_choice", "", "kind")]) from None
        raw_hours = request.form.get("valid_hours", "24").strip()
        if not raw_hours.isdigit():
            raise ValidationFailed([Problem("bad_validity", "", "valid_hours")])
        plain, row = ops.create_enrolment_code(centre, kind=kind, name=request.form.get("name", "")[:80],
                                               valid_hours=min(int(raw_hours), 10_000), actor=actor, now=now)
    except Forbidden as exc:
        return refuse_form(exc, back=url_for("fleet_pages.devices", code=centre.code))
    except ValidationFailed as exc:
        db.session.rollback()
        return _devices_page(centre, actor, now, form=request.form.to_dict(),
                             errors=problems_by_field(exc.problems, PROBLEM_TEXTS), status=422)
    db.session.commit()
    # Answered in place (no redirect): the plain code exists only in this answer.
    return _devices_page(centre, actor, now, code=(plain, row.expires_at))


@bp.post("/centres/<string:code>/devices/<int:device_pk>/revoke")
@login_required
def revoke(code: str, device_pk: int) -> ResponseReturnValue:
    """Revoke a device for good (after the page's confirmation): its token answers 401 from now on."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    back = url_for("fleet_pages.devices", code=centre.code)
    try:
        device = ops.get_device(device_pk, actor=actor, now=now)
        if device.centre_id != centre.id:
            abort(404)
        ops.revoke_device(device, actor=actor, now=now)
    except Forbidden as exc:
        return refuse_form(exc, back=back)
    flash(_("Device %(name)s revoked.", name=device.name))
    return redirect(back)
