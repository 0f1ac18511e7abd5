"""The shell's navigation: for each role, the pages it works with, as data.

A link is shown only if the actor holds its permission at the centre and the endpoint exists in this app,
so a link in the top bar never leads to a 403 or a 404. Several roles at one centre see the union, in the
order of the table.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Flask, current_app, g, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from server.auth.actor import Actor
from server.auth.operations import actor_for
from server.auth.roles import Perm, Role
from server.centre.models import Centre
from server.centre.operations import list_centres
from server.clock import utcnow
from server.database import db

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NavItem:
    """One link of the top bar: the view, its label (a catalogue string) and the permission it needs."""

    endpoint: str
    label: object  # a lazy catalogue string
    perm: Perm


CHILDREN = NavItem("people.children", _l("Children"), Perm.CHILDREN_READ)
STAFF = NavItem("people.staff", _l("Staff"), Perm.STAFF_READ)
# "My room" is the room tablet (the children's cards, care logging, the ratio); it links the move page.
ROOM_TABLETS = NavItem("tablet.my_room", _l("Room tablets"), Perm.CARE_READ)  # the director opens any room's
MOVE = NavItem("tablet.my_room", _l("My room"), Perm.CARE_WRITE)
ATTENDANCE = NavItem("attendance.room_attendance", _l("Attendance"), Perm.ATTENDANCE_WRITE)
ROLLCALL = NavItem("rooms.rollcall", _l("Roll call"), Perm.PRESENCE_READ)
PLACES = NavItem("rooms.occupancy_page", _l("Places"), Perm.STAFF_READ)
VIOLATIONS = NavItem("rooms.violations_page", _l("Ratio violations"), Perm.STAFF_READ)
ENVIRONMENT = NavItem("environment.environment_page", _l("Environment"), Perm.ENVIRONMENT_READ)
COMPLIANCE = NavItem("inspections.inspection", _l("Compliance"), Perm.FINDINGS_READ)
PASS = NavItem("attendance.phone_pass", _l("Pick-up pass"), Perm.CHILDREN_READ)
DEVICES = NavItem("fleet_pages.devices", _l("Devices"), Perm.DEVICES_READ)
CLASSES = NavItem("centre_pages.classes", _l("Classes"), Perm.CENTRE_READ)
CARDS = NavItem("cards.credentials", _l("Cards and PINs"), Perm.CONTACTS_WRITE)
CLOSURES = NavItem("centre_pages.closures_page", _l("Closures"), Perm.CENTRE_MANAGE)
ROSTER = NavItem("staff_office.roster", _l("Duty roster"), Perm.ROSTER_READ)
EXPIRY = NavItem("staff_pages.expiry_list", _l("Expiring credentials"), Perm.STAFF_FILES_READ)
BANS = NavItem("staff_office.ban_list_page", _l("Ban list"), Perm.STAFF_WRITE)
ILLNESS = NavItem("illness_pages.illness_page", _l("Infectious diseases"), Perm.HEALTH_WRITE)
MORNING_CHECKS = NavItem("health_checks.queue", _l("Morning checks"), Perm.HEALTH_CHECKS_WRITE)

NAVIGATION: dict[Role, tuple[NavItem, ...]] = {
    Role.ADMIN: (CHILDREN, ROOM_TABLETS, STAFF, ROSTER, EXPIRY, BANS, MORNING_CHECKS, ILLNESS, CLASSES, CLOSURES, CARDS, PLACES, VIOLATIONS, ROLLCALL, ENVIRONMENT, COMPLIANCE, DEVICES),
    Role.CAREGIVER: (MOVE, ATTENDANCE, CHILDREN, ROLLCALL, ENVIRONMENT),
    Role.HEALTH: (MORNING_CHECKS, CHILDREN, ILLNESS, ATTENDANCE, MOVE, ROLLCALL, ENVIRONMENT),
    Role.KITCHEN: (CHILDREN, ENVIRONMENT),
    Role.SECURITY: (ROLLCALL, CHILDREN, ENVIRONMENT),
    Role.GUARDIAN: (PASS, CHILDREN),
    Role.INSPECTOR: (COMPLIANCE, CHILDREN, STAFF, EXPIRY, ROSTER, PLACES, VIOLATIONS, ENVIRONMENT, DEVICES),
}


@dataclass(frozen=True)
class Link:
    url: str
    label: str
    endpoint: str


@dataclass(frozen=True)
class Shell:
    """What the top bar shows: the centre (its name links home) and the role's links."""

    centre: Centre | None
    home: str
    links: tuple[Link, ...]


def _actor() -> Actor | None:
    if "actor" in g:
        return g.actor
    if not current_user.is_authenticated:
        return None
    # Not `current_actor()`: on an error page after a form post it would check the CSRF token again.
    return actor_for(current_user.user, current_app.extensions["tuoyu.contacts_of_user"])


def links_for(actor: Actor, centre: Centre, app: Flask) -> tuple[Link, ...]:
    """The links of every role the actor holds at the centre that it may follow, without repeats."""
    now = utcnow()
    roles = actor.roles_at(centre.id, now)
    seen: set[str] = set()
    links = []
    for role in (r for r in Role if r in roles):
        for item in NAVIGATION.get(role, ()):
            if item.endpoint in seen or item.endpoint not in app.view_functions:
                continue
            if not actor.can(item.perm, centre.id, now):
                continue
            seen.add(item.endpoint)
            arguments = next(app.url_map.iter_rules(item.endpoint)).arguments
            url = url_for(item.endpoint, code=centre.code) if "code" in arguments else url_for(item.endpoint)
            links.append(Link(url, str(item.label), item.endpoint))
    return tuple(links)


def shell(centre: Centre | None = None) -> Shell:
    """The top bar of the current request; the page's centre if it has one, else the actor's first."""
    home = url_for("dashboard.dashboard")
    try:
        actor = _actor()
        if actor is None:
            return Shell(centre, home, ())
        if centre is None:
            centre = next(iter(list_centres(actor=actor, now=utcnow())), None)
        if centre is None:
            return Shell(None, home, ())
        return Shell(centre, url_for("dashboard.dashboard", centre=centre.code),
                     links_for(actor, centre, current_app._get_current_object()))  # type: ignore[attr-defined]
    except Exception:  # an error page must still render, with a way home
        log.exception("navigation failed")
        db.session.rollback()  # e.g. on a 500 page after a failed statement: the request's changes are lost anyway
        return Shell(centre, home, ())


def register_navigation(app: Flask) -> None:
    """Offer the shell to every template (base.html)."""
    app.jinja_env.globals["shell"] = shell
