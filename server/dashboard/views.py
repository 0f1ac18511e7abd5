"""The dashboard: one page per role, composed of what each record domain shows."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import func, select

from compliance import Responsibility
from compliance.health.allergens import AllergenKind
from server.auth.actor import Actor
from server.auth.roles import Perm, Role
from server.auth.session import current_actor
from server.centre import operations as ops
from server.centre.models import Centre, Room
from server.centre.timezones import centre_today
from server.clock import utcnow
from server.dashboard.alerts import alert_centres, alert_events
from server.dashboard.care_health import care_health_today
from server.database import db
from server.health.profile.operations import AllergyBadge, active_allergies
from server.i18n import is_chinese
from server.people.models import Child, Staff
from server.people.operations import list_children
from server.staff.summary import staff_files_card

bp = Blueprint("dashboard", __name__)

# The landing page is the role's day (UI.md): a caregiver's is her room's tablet, the 保健员's the 晨检 queue
# with the open follow-ups; the other roles land on their dashboard below.
ROLE_HOMES = {Role.CAREGIVER: "tablet.my_room", Role.HEALTH: "health_checks.queue", Role.GUARDIAN: "family.home"}
# Which dashboard a person sees when they hold several roles at one centre.
ROLE_PRECEDENCE = (Role.ADMIN, Role.HEALTH, Role.CAREGIVER, Role.KITCHEN, Role.SECURITY, Role.INSPECTOR, Role.GUARDIAN)


def _room_rows(centre: Centre, today: object) -> list[dict[str, object]]:
    enrolled = dict(
        db.session.execute(
            select(Child.room_id, func.count()).where(
                Child.centre_id == centre.id, Child.enrolled_on <= today,
                (Child.left_on.is_(None)) | (Child.left_on >= today),
            ).group_by(Child.room_id)
        ).all()
    )
    staff = dict(
        db.session.execute(
            select(Staff.home_room_id, func.count()).where(Staff.centre_id == centre.id, Staff.left_on.is_(None))
            .group_by(Staff.home_room_id)
        ).all()
    )
    rooms = db.session.execute(select(Room).where(Room.centre_id == centre.id, Room.is_active).order_by(Room.id)).scalars()
    return [{"room": r, "enrolled": enrolled.get(r.id, 0), "staff": staff.get(r.id, 0)} for r in rooms]


def _children_by_room(centre: Centre, today: date, *, actor: Actor, now: datetime) -> list[tuple[str, list[Child]]]:
    """The children enrolled today by class (the actor's view of them), classes in order, the unplaced last."""
    children = list(db.session.execute(list_children(centre, actor=actor, now=now, on=today)).scalars())
    rooms = db.session.execute(select(Room).where(Room.centre_id == centre.id).order_by(Room.id)).scalars().all()
    groups = [(r.name, sorted((c for c in children if c.room_id == r.id), key=lambda c: c.name)) for r in rooms]
    unplaced = sorted((c for c in children if c.room_id is None or c.room_id not in {r.id for r in rooms}),
                      key=lambda c: c.name)
    return [(name, kids) for name, kids in [*groups, ("", unplaced)] if kids]


def _kitchen_day(centre: Centre, today: date, *, actor: Actor, now: datetime) -> list[dict[str, object]]:
    """Kitchen: today's expected head count by class (enrolment and the working calendar) with allergies."""
    from server.attendance.registers import is_expected
    from server.centre.closures import closed_days

    closed = closed_days(centre.id, today, today)  # the centre's own closures: nobody expected
    groups = [(name, [c for c in kids if is_expected(c, today, closed)])
              for name, kids in _children_by_room(centre, today, actor=actor, now=now)]
    # The health profile's food allergies (what the 保健员 recorded; drug allergies are health data the kitchen
    # does not hold), else what the family wrote at enrolment.
    badges = active_allergies([c.id for _, kids in groups for c in kids], today, kinds={AllergenKind.FOOD})
    return [{"room": name, "expected": len(kids),
             "allergies": [(c.name, allergy_text(badges.get(c.id), c.allergies)) for c in kids
                           if badges.get(c.id) or c.allergies]}
            for name, kids in groups]


def allergy_text(badges: list[AllergyBadge] | None, written: str | None) -> str:
    if not badges:
        return written or ""
    return ("、" if is_chinese() else ", ").join(b.label_zh if is_chinese() else b.label_en for b in badges)


def _who_is_in(centre: Centre, *, actor: Actor, now: datetime) -> list[dict[str, object]]:
    """Security: who is in now, room by room (children and staff by name)."""
    from server.attendance.operations.presence import presence

    rooms = dict(db.session.execute(select(Room.id, Room.name).where(Room.centre_id == centre.id)).all())
    groups = presence(centre, actor=actor, now=now)
    child_ids = [c for g in groups for c in g.children]
    staff_ids = [s for g in groups for s in g.staff]
    children = dict(db.session.execute(select(Child.id, Child.name).where(Child.id.in_(child_ids))).all()) \
        if child_ids else {}
    staff = dict(db.session.execute(select(Staff.id, Staff.name).where(Staff.id.in_(staff_ids))).all()) \
        if staff_ids else {}
    return [{"room": rooms.get(g.room_id, "") if g.room_id is not None else "",
             "children": sorted(children.get(c, "") for c in g.children),
             "staff": sorted(staff.get(s, "") for s in g.staff)} for g in groups if g.children or g.staff]


@bp.get("/")
@login_required
def dashboard() -> ResponseReturnValue:
    """The dashboard of the caller's main role at the chosen centre."""
    actor, now = current_actor(), utcnow()
    centres = ops.list_centres(actor=actor, now=now)
    if not centres:
        return render_template("centre/no_centre.html")
    code = request.args.get("centre", centres[0].code)
    centre = next((c for c in centres if c.code == code), None)
    if centre is None:
        abort(404)
    roles = actor.roles_at(centre.id, now)
    role = next(r for r in ROLE_PRECEDENCE if r in roles)
    if role in ROLE_HOMES and ROLE_HOMES[role] in current_app.view_functions:
        return redirect(url_for(ROLE_HOMES[role], code=centre.code))
    today = centre_today(centre, now)
    context: dict[str, object] = {"centre": centre, "centres": centres, "role": role, "today": today}
    if actor.can(Perm.ALERTS_READ, centre.id, now):
        from server.alerts.operations import open_alerts

        context["alerts"] = open_alerts(centre.id, actor=actor, now=now)
    if actor.can(Perm.PRESENCE_READ, centre.id, now):
        from server.attendance.operations.presence import presence

        present = {p.room_id: p for p in presence(centre, actor=actor, now=now)}
        context["present"] = {room_id: (len(p.children), len(p.staff)) for room_id, p in present.items()}
        rows = _room_rows(centre, today)
        context["rooms"] = rows
        if actor.can(Perm.STAFF_READ, centre.id, now):
            from server.attendance.rooms.views import ratio_labels, room_cards

            context["room_cards"] = {card["room"].id: card for card in room_cards(centre, now)}  # type: ignore[attr-defined]
            context["ratio_labels"] = ratio_labels()
        context["enrolled_total"] = sum(int(r["enrolled"]) for r in rows)  # type: ignore[call-overload]
    if actor.can(Perm.STAFF_READ, centre.id, now):
        staff_roles = db.session.execute(
            select(Staff.role).where(Staff.centre_id == centre.id, Staff.left_on.is_(None))
        ).scalars()
        context["staff_by_role"] = sorted(Counter(staff_roles).items())
    if actor.can(Perm.FINDINGS_READ, centre.id, now):
        from server.inspections.operations import fresh_findings
        from server.inspections.sources import app_sources
        from server.inspections.views import severity_labels

        run, findings = fresh_findings(centre, sources=app_sources(), actor=actor, now=now)
        context["findings"], context["findings_run"] = findings, run
        context["severity_labels"] = severity_labels()
        context["findings_by_severity"] = Counter(f.severity for f in findings)
        context["findings_by_responsibility"] = [
            (r, sum(1 for f in findings if f.responsibility == r.value)) for r in Responsibility
        ]
    if role is Role.ADMIN and actor.can(Perm.STAFF_FILES_READ, centre.id, now):
        card = staff_files_card(centre, today, actor=actor, now=now)
        context["staff_files"], context["share_chart"] = card, {
            **card.chart(), "labels": {"day": str(_l("Date")), "share": str(_l("Certified share (%)")),
                                      "target": str(_l("Regional minimum"))}}
    if role is Role.ADMIN and actor.can(Perm.HEALTH_READ, centre.id, now):
        context["care_health"] = care_health_today(centre, today, now)
    if role is Role.ADMIN and actor.can(Perm.NOTICES_READ, centre.id, now):
        from server.notices.status import overdue_count

        context["notices_overdue"] = overdue_count(centre, now)  # notices to families past their deadline
    if role is Role.ADMIN and actor.can(Perm.INCIDENTS_READ, centre.id, now):
        from server.incidents.lines import waiting_counts

        context["incidents_waiting"] = waiting_counts(centre, now)  # 表9 reports missing a step (incidents)
    if role is not Role.INSPECTOR and actor.can(Perm.EMERGENCY_READ, centre.id, now):
        from server.emergencies.preparedness_summary import director_card, plans_to_read

        context["plans_to_read"] = plans_to_read(centre, actor=actor, now=now)  # the caller's own to-do
        if role is Role.ADMIN:
            context["preparedness_card"] = director_card(centre, actor=actor, now=now)  # drills, plans, fire, stock
    if role is Role.KITCHEN:
        context["kitchen_rooms"] = _kitchen_day(centre, today, actor=actor, now=now)
    if role is Role.SECURITY:
        context["who_is_in"] = _who_is_in(centre, actor=actor, now=now)
    if role is Role.GUARDIAN:
        context["children"] = list(db.session.execute(list_children(centre, actor=actor, now=now, on=today)).scalars())
    if role is Role.INSPECTOR:
        context["grants"] = [g for g in actor.grants if g.role is Role.INSPECTOR and g.active(now)]
    return render_template("centre/dashboard.html", **context)


@bp.get("/alerts/stream")
@login_required
def alerts_stream() -> Response:
    """Server-sent events (`text/event-stream`): an `alerts` event now and on every change of an open alert."""
    actor = current_actor()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    stream = alert_events(app, alert_centres(actor), app.extensions["tuoyu.streams"])
    return Response(stream, mimetype="text/event-stream", headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


@bp.get("/centres/<string:code>/alerts/panel")
@login_required
def alerts_panel(code: str) -> str:
    """The dashboard's alert list alone, re-rendered in place when the alerts stream says something changed."""
    from server.alerts.operations import open_alerts

    actor, now = current_actor(), utcnow()
    centre = ops.get_centre(code, actor=actor, now=now, perm=Perm.ALERTS_READ)
    return render_template("centre/alerts_panel.html", centre=centre,
                           alerts=open_alerts(centre.id, actor=actor, now=now))
