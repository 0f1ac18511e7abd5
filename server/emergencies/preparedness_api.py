"""JSON API of emergency preparedness: plans, drills, fire checks and certificates, isolation room and supplies.

Thin: parse, call the operation (which authorises and audits), serialise. Shapes: preparedness_schemas.py. The
corrections (amendments, cancelling a planned drill) are in corrections_api, on the same blueprint.
"""

from __future__ import annotations

from flask import Response

from server.apispec import responses, spec
from server.auth.session import current_actor
from server.centre.operations import get_centre
from server.clock import utcnow
from server.emergencies import corrections_api  # noqa: F401 (its routes join the blueprint)
from server.emergencies import drills as drill_ops
from server.emergencies import fire_checks as fire_ops
from server.emergencies import plans as plan_ops
from server.emergencies import supplies as supply_ops
from server.emergencies.preparedness_api_blueprint import TAGS, bp
from server.emergencies.preparedness_schemas import (
    ActionOut,
    CertificateIn,
    CertificateOut,
    DoneIn,
    DrillIn,
    DrillOut,
    DrillsOut,
    FireCheckIn,
    FireCheckOut,
    FireItemOut,
    FireOut,
    IsolationIn,
    IsolationOut,
    LibraryOut,
    MinimumIn,
    MovementIn,
    MovementOut,
    PlanLineOut,
    PublishIn,
    ReadOut,
    ScheduleIn,
    ScheduleOut,
    SuppliesOut,
    SupplyOut,
    VersionDetailOut,
    VersionOut,
)
from server.emergencies.preparedness_settings import preparedness_store

__all__ = ["bp"]


def _version_out(version) -> VersionOut:  # type: ignore[no-untyped-def]
    return VersionOut(id=version.id, plan_id=version.plan_id, version_no=version.version_no, title=version.title,
                      responsible_roles=version.responsible_roles, change_note=version.change_note,
                      has_file=version.file_sha256 is not None, published_at=version.published_at)


def _file(data: bytes, mimetype: str, name: str) -> Response:
    return Response(data, mimetype=mimetype, headers={
        "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff",
        "Content-Disposition": f"attachment; filename=\"{name}\""})


@bp.get("/centres/<string:code>/emergency-plans")
@spec.validate(resp=responses(HTTP_200=LibraryOut), tags=TAGS)
def plan_library(code: str):
    """Every scenario with its current plan version and its read receipts among the active staff."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    return LibraryOut(items=[PlanLineOut(
        scenario=line.scenario, version=_version_out(line.version) if line.version else None, versions=line.versions,
        read_count=len(line.readers), unread_staff_ids=[s.id for s in line.unread], read_by_me=line.read_by_me,
        due_at=line.due_at) for line in plan_ops.library(centre, actor=actor, now=now)])


@bp.post("/centres/<string:code>/emergency-plans")
@spec.validate(json=PublishIn, resp=responses(HTTP_201=VersionOut), tags=TAGS)
def publish_plan(code: str, json: PublishIn):
    """Publish a new version of the plan for a scenario (it supersedes the one before; both kept)."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    version = plan_ops.publish_version(centre, scenario=json.scenario.value, title=json.title, body=json.body,
                                       responsible_roles=[r.value for r in json.responsible_roles],
                                       change_note=json.change_note, actor=actor, now=now)
    return _version_out(version), 201


@bp.get("/emergency-plan-versions/<int:plan_version_id>")
@spec.validate(resp=responses(HTTP_200=VersionDetailOut), tags=TAGS)
def plan_version(plan_version_id: int):
    """One version of a plan: its text, whether it is current, who confirmed reading it."""
    actor, now = current_actor(), utcnow()
    version = plan_ops.get_version(plan_version_id, actor=actor, now=now)
    readers = {str(k): v for k, v in plan_ops.readers_of(version.id).items()}
    return VersionDetailOut(**_version_out(version).model_dump(), scenario=plan_ops.scenario_of(version),
                            body=version.body, is_current=plan_ops.is_current(version), readers=readers)


@bp.post("/emergency-plan-versions/<int:plan_version_id>/read")
@spec.validate(resp=responses(HTTP_201=ReadOut), tags=TAGS)
def confirm_plan_read(plan_version_id: int):
    """The caller confirms having read the current version of a plan (once)."""
    actor, now = current_actor(), utcnow()
    version = plan_ops.get_version(plan_version_id, actor=actor, now=now)
    return ReadOut.model_validate(plan_ops.confirm_read(version, actor=actor, now=now)), 201


@bp.get("/emergency-plan-versions/<int:plan_version_id>/file")
@spec.validate(resp=responses("HTTP_200"), tags=TAGS)
def plan_version_file(plan_version_id: int):
    """The version's PDF, hash-checked."""
    actor, now = current_actor(), utcnow()
    version = plan_ops.get_version(plan_version_id, actor=actor, now=now)
    return _file(plan_ops.plan_file(version, preparedness_store()), "application/pdf", f"plan-{version.id}.pdf")


def _drill_out(line: drill_ops.DrillLine) -> DrillOut:
    d = line.drill
    return DrillOut(id=d.id, scenario=d.scenario, held_at=d.held_at, children_count=d.children_count,
                    evacuation_s=d.evacuation_s, duration_min=d.duration_min, problems=d.problems,
                    participant_ids=[s.id for s in line.participants],
                    actions=[ActionOut(id=a.id, action=a.action, owner_staff_id=a.owner_staff_id, due_on=a.due_on,
                                       done_on=done.done_on if done else None) for a, done in line.actions])


@bp.get("/centres/<string:code>/drills")
@spec.validate(resp=responses(HTTP_200=DrillsOut), tags=TAGS)
def list_drills(code: str):
    """Planned drills to come, and recorded drills with their corrective actions (newest first)."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    return DrillsOut(upcoming=[ScheduleOut.model_validate(s) for s in drill_ops.upcoming(centre, actor=actor, now=now)],
                     items=[_drill_out(line) for line in drill_ops.list_drills(centre, actor=actor, now=now)])


@bp.post("/centres/<string:code>/drill-schedule")
@spec.validate(json=ScheduleIn, resp=responses(HTTP_201=ScheduleOut), tags=TAGS)
def schedule_drill(code: str, json: ScheduleIn):
    """Plan a drill for a day."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    row = drill_ops.schedule_drill(centre, scenario=json.scenario.value, planned_on=json.planned_on, note=json.note,
                                   actor=actor, now=now)
    return ScheduleOut.model_validate(row), 201


@bp.post("/centres/<string:code>/drills")
@spec.validate(json=DrillIn, resp=responses(HTTP_201=DrillOut), tags=TAGS)
def record_drill(code: str, json: DrillIn):
    """Record a drill held; each participant gets an emergency-training entry in the staff record."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    drill = drill_ops.record_drill(centre, json.values(), actor=actor, now=now)
    line = next(line for line in drill_ops.drill_lines(centre.id) if line.drill.id == drill.id)
    return _drill_out(line), 201


@bp.post("/drill-actions/<int:drill_action_id>/done")
@spec.validate(json=DoneIn, resp=responses(HTTP_201=ActionOut), tags=TAGS)
def complete_drill_action(drill_action_id: int, json: DoneIn):
    """Mark a corrective action done (the director, or its owner)."""
    actor, now = current_actor(), utcnow()
    action = drill_ops.get_action(drill_action_id, actor=actor, now=now)
    done = drill_ops.complete_action(action, done_on=json.done_on, note=json.note, actor=actor, now=now)
    return ActionOut(id=action.id, action=action.action, owner_staff_id=action.owner_staff_id, due_on=action.due_on,
                     done_on=done.done_on), 201


def _check_out(line: fire_ops.CheckLine) -> FireCheckOut:
    c = line.check
    return FireCheckOut(id=c.id, checked_at=c.checked_at, checker_name=c.checker_name, note=c.note,
                        items=[FireItemOut.model_validate(i) for i in line.items])


def _certificate_out(cert) -> CertificateOut:  # type: ignore[no-untyped-def]
    return CertificateOut(id=cert.id, issued_on=cert.issued_on, valid_until=cert.valid_until, issuer=cert.issuer,
                          number=cert.number, has_file=cert.file_sha256 is not None)


@bp.get("/centres/<string:code>/fire-checks")
@spec.validate(resp=responses(HTTP_200=FireOut), tags=TAGS)
def fire_overview(code: str):
    """The monthly checks (newest first), whether this month's is done, and the certificates."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    checks = fire_ops.list_checks(centre, actor=actor, now=now)
    return FireOut(checked_this_month=fire_ops.fire_status(centre, now).checked_this_month,
                   checks=[_check_out(line) for line in checks],
                   certificates=[_certificate_out(c) for c in fire_ops.certificates(centre.id)])


@bp.post("/centres/<string:code>/fire-checks")
@spec.validate(json=FireCheckIn, resp=responses(HTTP_201=FireCheckOut), tags=TAGS)
def record_fire_check(code: str, json: FireCheckIn):
    """Record the monthly walk of the fire-equipment checklist (every item: ok, or a fault with a note)."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    results = {item.value: fire_ops.ItemResult(r.is_ok, r.note) for item, r in json.items.items()}
    check = fire_ops.record_check(centre, results=results, checked_at=json.checked_at, note=json.note, actor=actor,
                                  now=now)
    return _check_out(next(line for line in fire_ops.check_lines(centre.id) if line.check.id == check.id)), 201


@bp.post("/centres/<string:code>/fire-certificates")
@spec.validate(json=CertificateIn, resp=responses(HTTP_201=CertificateOut), tags=TAGS)
def record_fire_certificate(code: str, json: CertificateIn):
    """Record the yearly fire-safety inspection certificate (its scan: the office page)."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    cert = fire_ops.record_certificate(centre, issued_on=json.issued_on, valid_until=json.valid_until,
                                       issuer=json.issuer, number=json.number, actor=actor, now=now)
    return _certificate_out(cert), 201


@bp.get("/fire-certificates/<int:fire_certificate_id>/file")
@spec.validate(resp=responses("HTTP_200"), tags=TAGS)
def fire_certificate_file(fire_certificate_id: int):
    """The certificate's scan, hash-checked."""
    actor, now = current_actor(), utcnow()
    cert = fire_ops.get_certificate(fire_certificate_id, actor=actor, now=now)
    data = fire_ops.certificate_file(cert, preparedness_store())
    extension = {"application/pdf": "pdf", "image/png": "png"}.get(cert.file_type or "", "jpg")
    return _file(data, cert.file_type or "application/octet-stream", f"fire-certificate-{cert.id}.{extension}")


@bp.get("/centres/<string:code>/supplies")
@spec.validate(resp=responses(HTTP_200=SuppliesOut), tags=TAGS)
def list_supplies(code: str):
    """The isolation room and every epidemic-prevention supply with its stock and minimum."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    lines = supply_ops.list_supplies(centre, actor=actor, now=now)
    room = supply_ops.isolation_room(centre.id)
    return SuppliesOut(isolation_room=IsolationOut.model_validate(room) if room else None,
                       items=[SupplyOut(kind=line.kind, minimum=line.minimum, balance=line.balance, below=line.below,
                                        below_since=line.below_since) for line in lines])


@bp.post("/centres/<string:code>/supplies/movements")
@spec.validate(json=MovementIn, resp=responses(HTTP_201=MovementOut), tags=TAGS)
def record_supply_movement(code: str, json: MovementIn):
    """Stock received, used or counted; the minimum-stock alert is raised or resolved with it."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    row = supply_ops.record_movement(centre, kind=json.kind.value, movement=json.movement.value,
                                     quantity=json.quantity, note=json.note, actor=actor, now=now)
    return MovementOut.model_validate(row), 201


@bp.post("/centres/<string:code>/supplies/minimums")
@spec.validate(json=MinimumIn, resp=responses(HTTP_201=SupplyOut), tags=TAGS)
def set_supply_minimum(code: str, json: MinimumIn):
    """Change a supply's minimum stock."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    supply_ops.set_minimum(centre, kind=json.kind.value, minimum=json.minimum, actor=actor, now=now)
    line = supply_ops.supply_line(centre.id, json.kind)
    return SupplyOut(kind=line.kind, minimum=line.minimum, balance=line.balance, below=line.below,
                     below_since=line.below_since), 201


@bp.post("/centres/<string:code>/isolation-room")
@spec.validate(json=IsolationIn, resp=responses(HTTP_201=IsolationOut), tags=TAGS)
def record_isolation_room(code: str, json: IsolationIn):
    """Record whether the centre has an isolation room, where, and when it was last checked."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    row = supply_ops.record_isolation_room(centre, has_room=json.has_room, location=json.location,
                                           checked_on=json.checked_on, note=json.note, actor=actor, now=now)
    return IsolationOut.model_validate(row), 201
