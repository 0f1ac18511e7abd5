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
from flask_babel import lazy_pgettext
from flask_login import current_user
from sqlalchemy import select

from server.auth.actor import Actor
from server.auth.operations import actor_for
from server.auth.roles import Perm, Role
from server.centre.models import Centre
from server.centre.operations import list_centres
from server.clock import utcnow
from server.database import db
from server.people.models import Staff

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NavItem:
    """One link of the top bar: the view, its label (a catalogue string) and the permission it needs.

    `requires`: another endpoint the page leads to (the link shows only when that one exists too). A page of one
    class (a `room_id` in its address) opens the caller's own class: the home class of their staff record.
    """

    endpoint: str
    label: object  # a lazy catalogue string
    perm: Perm
    requires: str | None = None


def _n(text: str) -> object:
    """A word of the navigation (context "navigation": a common word never clashes with another screen's)."""
    return lazy_pgettext("navigation", text)


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
# The parent loop, staff side: notices to families and their status, the families' messages, ratings, channels.
NOTICES = NavItem("notices_pages.centre_notices", _n("Notices to families"), Perm.NOTICES_READ)
ROOM_MESSAGES = NavItem("families.room_messages", _n("Messages from families"), Perm.MESSAGES_READ)
ALL_MESSAGES = NavItem("families.all_messages", _n("Messages from families"), Perm.MESSAGES_READ)
FEEDBACK = NavItem("families.feedback", _n("Parents' ratings"), Perm.FEEDBACK_READ)
CHANNELS = NavItem("notices_pages.channels", _n("Notification channels"), Perm.CENTRE_MANAGE)
# The family's phone: their children's day is the home (the shell's first link); then what the parent loop offers.
FAMILY_NOTICES = NavItem("notices_pages.family_inbox", _n("Notices"), Perm.NOTICES_READ)
FAMILY_MESSAGES = NavItem("family.messages", _n("Messages"), Perm.MESSAGES_READ, requires="families.family_messages")
FAMILY_MEDICATION = NavItem("medication.family_medication", _n("Medication"), Perm.FAMILY_WRITE)
FAMILY_CONSENTS = NavItem("consents.family_consents", _n("Consents"), Perm.FAMILY_WRITE)
SURVEY = NavItem("families.survey", _n("Rate us"), Perm.FAMILY_WRITE)
COMPLAINTS = NavItem("families.family_complaints", _n("Complaints"), Perm.FAMILY_WRITE)
FAMILY_SETTINGS = NavItem("notices_pages.family_settings", _n("Settings"), Perm.FAMILY_WRITE)
# Safeguarding: the concerns are the director's link (leads reach them from the raise form); every other member of
# staff gets the write-only form to raise one, which tells nothing of the concerns.
SAFEGUARDING = NavItem("safeguarding.concerns", _n("Safeguarding"), Perm.SAFEGUARDING_READ)
RAISE_CONCERN = NavItem("safeguarding.raise_form", _n("Raise a concern"), Perm.SAFEGUARDING_RAISE)
# Emergency preparedness: plans (to read and confirm), drills, fire safety and supplies behind one link; the guard's
# own link is the fire checks he walks every month.
PREPAREDNESS = NavItem("preparedness.plans", _n("Emergency preparedness"), Perm.EMERGENCY_READ)
FIRE_CHECKS = NavItem("preparedness.fire_safety", _n("Fire checks"), Perm.FIRE_CHECKS_WRITE)
# The 表9 injury register: every member of staff files and reads reports; the inspector reads them.
INJURIES = NavItem("incidents.office_list", _n("Injury reports"), Perm.INCIDENTS_READ)
# The 表6 class hygiene checklist: the class's day on the room tablet; the office's month per class (read).
HYGIENE_ROOM = NavItem("hygiene.room_today", _n("Hygiene checklist"), Perm.HYGIENE_WRITE)
HYGIENE_RECORDS = NavItem("hygiene.office", _n("Hygiene records"), Perm.HYGIENE_READ)
# Live emergencies: the record is the director's and the inspector's link; every other member of staff gets the live
# page (open one by hand, the shared roll call), which the red banner also links to while one is open.
EMERGENCIES = NavItem("emergencies_live.records", _n("Emergencies"), Perm.EMERGENCY_READ)
LIVE_EMERGENCY = NavItem("emergencies_live.live_page", _n("Emergency"), Perm.EMERGENCY_RESPOND)
# Food samples (留样): the kitchen's tablet is the kitchen's and the 保健员's link; the office's month the director's and
# the inspector's.
KITCHEN_SAMPLES = NavItem("food.kitchen", _n("Food samples"), Perm.FOOD_WRITE)
SAMPLES_MONTH = NavItem("food.month", _n("Food samples"), Perm.FOOD_READ)
# The weekly menu (带量食谱, with allergy warnings) and the 膳食费 publication (meals); the family reads the published menu.
MENU = NavItem("meals.week", _n("Weekly menu"), Perm.FOOD_READ)
MEAL_FEES = NavItem("meals.fees", _n("Meal fees"), Perm.FOOD_READ)
FAMILY_MENU = NavItem("meals.family_menu", _n("Menu"), Perm.CENTRE_READ)

NAVIGATION: dict[Role, tuple[NavItem, ...]] = {
    Role.ADMIN: (CHILDREN, ROOM_TABLETS, NOTICES, ALL_MESSAGES, FEEDBACK, STAFF, ROSTER, EXPIRY, BANS, MORNING_CHECKS,
                 ILLNESS, CLASSES, CLOSURES, CARDS, CHANNELS, PLACES, VIOLATIONS, ROLLCALL, ENVIRONMENT, COMPLIANCE,
                 DEVICES, SAFEGUARDING, PREPAREDNESS, INJURIES, EMERGENCIES, HYGIENE_RECORDS, SAMPLES_MONTH, MENU,
                 MEAL_FEES),
    Role.CAREGIVER: (MOVE, ATTENDANCE, ROOM_MESSAGES, NOTICES, CHILDREN, ROLLCALL, ENVIRONMENT, RAISE_CONCERN, PREPAREDNESS, INJURIES, HYGIENE_ROOM,
                     LIVE_EMERGENCY),
    Role.HEALTH: (MORNING_CHECKS, KITCHEN_SAMPLES, CHILDREN, ILLNESS, NOTICES, ATTENDANCE, MOVE, ROLLCALL, ENVIRONMENT, RAISE_CONCERN,
                  PREPAREDNESS, INJURIES, HYGIENE_ROOM, HYGIENE_RECORDS, MENU, MEAL_FEES, LIVE_EMERGENCY),
    Role.KITCHEN: (KITCHEN_SAMPLES, MENU, CHILDREN, ENVIRONMENT, RAISE_CONCERN, PREPAREDNESS, INJURIES, HYGIENE_RECORDS, LIVE_EMERGENCY),
    Role.SECURITY: (ROLLCALL, CHILDREN, ENVIRONMENT, RAISE_CONCERN, FIRE_CHECKS, PREPAREDNESS, INJURIES, LIVE_EMERGENCY),
    Role.GUARDIAN: (FAMILY_NOTICES, FAMILY_MESSAGES, FAMILY_MEDICATION, FAMILY_CONSENTS, SURVEY, COMPLAINTS, PASS,
                    FAMILY_MENU, FAMILY_SETTINGS),
    Role.INSPECTOR: (COMPLIANCE, FEEDBACK, CHILDREN, STAFF, EXPIRY, ROSTER, PLACES, VIOLATIONS, ENVIRONMENT, SAMPLES_MONTH,
                     DEVICES, PREPAREDNESS, INJURIES, EMERGENCIES, HYGIENE_RECORDS, MENU, MEAL_FEES),
}
# The home of a guardian (and nobody else): their children's day, not the dashboard's redirect to it.
FAMILY_HOME = "family.home"


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


def _home_room(actor: Actor, centre: Centre) -> int | None:
    """The home class of the caller's staff record at the centre, if any."""
    if actor.user_id is None:
        return None
    return db.session.execute(select(Staff.home_room_id).where(
        Staff.centre_id == centre.id, Staff.user_id == actor.user_id, Staff.home_room_id.is_not(None))
        .order_by(Staff.id).limit(1)).scalar_one_or_none()


def _url(item: NavItem, centre: Centre, actor: Actor, app: Flask) -> str | None:
    """The link's address at the centre; None when it needs a class and the caller has none."""
    arguments = next(app.url_map.iter_rules(item.endpoint)).arguments
    values: dict[str, object] = {"code": centre.code} if "code" in arguments else {}
    if "room_id" in arguments:
        room_id = _home_room(actor, centre)
        if room_id is None:
            return None
        values["room_id"] = room_id
    return url_for(item.endpoint, **values)


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
            if item.requires is not None and item.requires not in app.view_functions:
                continue
            if not actor.can(item.perm, centre.id, now):
                continue
            url = _url(item, centre, actor, app)
            if url is None:
                continue
            seen.add(item.endpoint)
            links.append(Link(url, str(item.label), item.endpoint))
    return tuple(links)


def home_url(actor: Actor, centre: Centre, app: Flask) -> str:
    """Where the centre's name leads: a guardian's (only) their children's day; everyone else the dashboard."""
    if actor.roles_at(centre.id, utcnow()) == {Role.GUARDIAN} and FAMILY_HOME in app.view_functions:
        return url_for(FAMILY_HOME, code=centre.code)
    return url_for("dashboard.dashboard", centre=centre.code)


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
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        return Shell(centre, home_url(actor, centre, app), links_for(actor, centre, app))
    except Exception:  # an error page must still render, with a way home
        log.exception("navigation failed")
        db.session.rollback()  # e.g. on a 500 page after a failed statement: the request's changes are lost anyway
        return Shell(centre, home, ())


def register_navigation(app: Flask) -> None:
    """Offer the shell to every template (base.html)."""
    app.jinja_env.globals["shell"] = shell
