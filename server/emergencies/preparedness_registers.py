"""The pack registers 应急预案清单, 应急演练记录, 消防设施检查记录 and 防疫物资台账, and the evaluators' evidence.

They fill the pack's 应急管理 (emergency) and 消防安全 (fire safety) sections.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import or_, select

from compliance import CentreRecord, Column, InspectionArea, Period, RegisterSource, Responsibility
from compliance.evaluators.emergency_preparedness import (
    DrillActionRecord,
    DrillRecord,
    FireCertificateRecord,
    FireCheckRecord,
    IsolationRecord,
    PlanVersionRecord,
    PreparednessEvidence,
    SupplyLevelRecord,
)
from compliance.staffing.records import StaffMemberRecord
from server.centre.models import Centre
from server.centre.registers import centre_of, count_rows
from server.database import db
from server.emergencies.amended import amended_checks, amended_drills
from server.emergencies.corrections import WHEN, recorded_from
from server.emergencies.drills_models import Drill, DrillAction, DrillActionDone, DrillAmendment
from server.emergencies.fire_checks import certificates
from server.emergencies.fire_checks_models import FIRE_ITEM_LABELS, FireCheck, FireCheckAmendment, FireItem
from server.emergencies.plans_models import SCENARIO_LABELS, EmergencyPlan, PlanRead, PlanScenario, PlanVersion
from server.emergencies.preparedness import local_day, local_text, period_instants
from server.emergencies.supplies import isolation_room, minimum_of, movements, stock_levels
from server.emergencies.supplies_models import SUPPLY_CATALOGUE, SUPPLY_LABELS, SupplyMovement
from server.people.models import STAFF_ROLE_LABELS, Child, Staff, StaffRole


def _staff(centre_id: int) -> list[Staff]:
    return list(db.session.execute(select(Staff).where(Staff.centre_id == centre_id).order_by(Staff.id)).scalars())


def _versions(centre: Centre, end: datetime) -> list[tuple[PlanVersion, PlanScenario, datetime | None]]:
    """Every version published before `end`, with its scenario and when a later version superseded it."""
    rows = list(db.session.execute(select(PlanVersion, EmergencyPlan.scenario).join(
        EmergencyPlan, EmergencyPlan.id == PlanVersion.plan_id).where(
        PlanVersion.centre_id == centre.id, PlanVersion.published_at < end)
        .order_by(EmergencyPlan.scenario, PlanVersion.version_no)))
    out = []
    for n, (version, scenario) in enumerate(rows):
        following = rows[n + 1][0] if n + 1 < len(rows) and rows[n + 1][0].plan_id == version.plan_id else None
        out.append((version, scenario, following.published_at if following else None))
    return out


def _reads(centre_id: int, end: datetime) -> dict[int, dict[int, datetime]]:
    reads: dict[int, dict[int, datetime]] = {}
    for row in db.session.execute(select(PlanRead).where(PlanRead.centre_id == centre_id, PlanRead.read_at < end))\
            .scalars():
        reads.setdefault(row.version_id, {})[row.staff_id] = row.read_at
    return reads


def _plan_rows(record: CentreRecord, period: Period) -> Iterator[tuple[object, ...]]:
    centre = centre_of(record)
    _, end = period_instants(centre, period)
    staff = _staff(centre.id)
    reads = _reads(centre.id, end)
    for version, scenario, superseded in _versions(centre, end):
        published_on = local_day(centre, version.published_at)
        expected = [s for s in staff if s.hired_on <= period.end and (s.left_on is None or s.left_on >= published_on)]
        read = reads.get(version.id, {})
        unread = [s.name for s in expected if s.id not in read]
        roles = "、".join(STAFF_ROLE_LABELS[StaffRole(r)][0] for r in version.responsible_roles)
        yield (SCENARIO_LABELS[scenario][0], version.version_no, version.title, roles,
               local_text(centre, version.published_at), version.change_note or "",
               "已被取代" if superseded is not None else "现行", local_text(centre, superseded),
               len(expected), sum(1 for s in expected if s.id in read), "、".join(unread))


PLANS_REGISTER = RegisterSource(
    "应急预案清单",
    (Column("scenario", "预案类别", "scenario"), Column("version", "版本", "version"), Column("title", "标题", "title"),
     Column("responsible", "责任岗位", "responsible roles"), Column("published_at", "发布时间", "published"),
     Column("change_note", "修订说明", "what changed"), Column("status", "状态", "status"),
     Column("superseded_at", "被取代时间", "superseded"), Column("expected", "应阅读人数", "staff expected to read"),
     Column("read", "已确认阅读人数", "staff who confirmed"), Column("unread", "未确认人员", "not confirmed")),
    Responsibility.EMERGENCY, InspectionArea.OPERATIONS, _plan_rows, "Emergency plans, versions and read receipts",
    count=lambda r, p: count_rows(PlanVersion, r),
)


def _corrections(centre: Centre, amendments: list[DrillAmendment] | list[FireCheckAmendment]) -> str:
    """A record's amendments for the register: when, the field, before → after, why."""
    def shown(field: str, value: object) -> str:
        if field in WHEN and value:
            return local_text(centre, datetime.fromisoformat(str(value)))
        if isinstance(value, dict):
            return "合格" if value.get("is_ok") else f"故障：{value.get('note') or ''}"
        return "" if value is None else str(value)
    return "；".join(f"{local_text(centre, a.amended_at)} {a.field}：{shown(a.field, a.old_value)} → "
                    f"{shown(a.field, a.new_value)}（{a.reason}）" for a in amendments)


def _drill_rows(record: CentreRecord, period: Period) -> Iterator[tuple[object, ...]]:
    centre = centre_of(record)
    start, end = period_instants(centre, period)
    for amended in amended_drills(centre.id, start, end):
        line, v = amended.line, amended.values
        d = line.drill
        head = (d.id, local_text(centre, v["held_at"]), SCENARIO_LABELS[d.scenario][0],
                "、".join(s.name for s in line.participants), v["children_count"],
                "" if v["evacuation_s"] is None else v["evacuation_s"], v["duration_min"], v["problems"])
        tail = (local_text(centre, d.recorded_at), _corrections(centre, amended.amendments))
        if not line.actions:
            yield (*head, "", "", "", "", "", *tail)
        names = {s.id: s.name for s in _staff(centre.id)} if line.actions else {}
        for action, done in line.actions:
            in_time = "是" if done is not None and done.done_on <= action.due_on else (
                "否" if done is not None or action.due_on < period.end else "")
            yield (*head, action.action, names.get(action.owner_staff_id, ""), action.due_on.isoformat(),
                   done.done_on.isoformat() if done else "", in_time, *tail)


DRILLS_REGISTER = RegisterSource(
    "应急演练记录",
    (Column("drill", "演练编号", "drill"), Column("held_at", "演练时间", "held at"),
     Column("scenario", "演练类别", "scenario"), Column("participants", "参加人员", "staff taking part"),
     Column("children", "参加幼儿数", "children"), Column("evacuation_s", "疏散用时（秒）", "evacuation (s)"),
     Column("duration_min", "演练时长（分钟）", "duration (min)"), Column("problems", "发现问题", "problems found"),
     Column("action", "整改措施", "corrective action"), Column("owner", "责任人", "owner"),
     Column("due_on", "完成期限", "due"), Column("done_on", "完成日期", "done on"),
     Column("in_time", "是否按期完成", "done in time"), Column("recorded_at", "记录时间", "recorded at"),
     Column("amendments", "更正记录", "amendments")),
    Responsibility.EMERGENCY, InspectionArea.OPERATIONS, _drill_rows, "Emergency drills and corrective actions",
    count=lambda r, p: count_rows(Drill, r),
)


def _fire_rows(record: CentreRecord, period: Period) -> Iterator[tuple[object, ...]]:
    centre = centre_of(record)
    start, end = period_instants(centre, period)
    for amended in amended_checks(centre.id, start, end):
        line, v = amended.line, amended.values
        items = {item: v.get(f"items.{item.value}") for item in FireItem}
        results = {item: ("合格" if r["is_ok"] else f"故障：{r['note'] or ''}") for item, r in items.items() if r}
        faults = "；".join(f"{FIRE_ITEM_LABELS[item][0]}：{r['note'] or ''}" for item, r in items.items()
                          if r and not r["is_ok"])
        yield ("月度检查", local_text(centre, v["checked_at"]), line.check.checker_name,
               *(results.get(item, "") for item in FireItem), "", "", "合格" if not faults else "有故障",
               "；".join(x for x in (faults, v["note"] or "") if x), local_text(centre, line.check.recorded_at),
               _corrections(centre, amended.amendments))
    for cert in reversed(certificates(centre.id)):
        if cert.issued_on > period.end or cert.valid_until < period.start:
            continue
        yield ("年度消防安全检查合格证明", cert.issued_on.isoformat(), cert.issuer, *("" for _ in FireItem),
               cert.valid_until.isoformat(), cert.number or "", "有效" if cert.valid_until >= period.end else "已过期",
               "已存扫描件" if cert.file_sha256 else "", local_text(centre, cert.recorded_at), "")


FIRE_REGISTER = RegisterSource(
    "消防设施检查记录",
    (Column("kind", "记录类型", "kind"), Column("date", "检查/签发日期", "checked or issued"),
     Column("by", "检查人/签发单位", "checked by or issuer"),
     *(Column(item.value, FIRE_ITEM_LABELS[item][0], FIRE_ITEM_LABELS[item][1]) for item in FireItem),
     Column("valid_until", "有效期至", "valid until"), Column("number", "证书编号", "certificate number"),
     Column("result", "结论", "result"), Column("note", "问题与说明", "problems and notes"),
     Column("recorded_at", "记录时间", "recorded at"), Column("amendments", "更正记录", "amendments")),
    Responsibility.FIRE_SAFETY, InspectionArea.FIRE, _fire_rows,
    "Monthly fire-equipment checks and the yearly fire-safety certificate",
    count=lambda r, p: count_rows(FireCheck, r),
)


def _supply_rows(record: CentreRecord, period: Period) -> Iterator[tuple[object, ...]]:
    centre = centre_of(record)
    start, end = period_instants(centre, period)
    room = isolation_room(centre.id, until=end)
    if room is not None:
        yield (local_text(centre, room.recorded_at), "隔离室", "有" if room.has_room else "无", "", "", "",
               "；".join(x for x in (room.location or "", f"最近检查 {room.checked_on.isoformat()}"
                                     if room.checked_on else "", room.note or "") if x))
    for move in movements(centre.id, since=start, until=end):
        unit = SUPPLY_CATALOGUE[move.kind].unit_zh
        yield (local_text(centre, move.recorded_at), SUPPLY_LABELS[move.kind][0], SUPPLY_LABELS[move.movement][0],
               f"{move.quantity}{unit}", f"{move.balance}{unit}", f"{minimum_of(centre.id, move.kind)}{unit}",
               move.note or "")


SUPPLIES_REGISTER = RegisterSource(
    "防疫物资台账",
    (Column("at", "时间", "time"), Column("item", "物资/设施", "supply or facility"),
     Column("movement", "类型", "movement"), Column("quantity", "数量", "quantity"),
     Column("balance", "结存", "stock after"), Column("minimum", "最低库存", "minimum stock"),
     Column("note", "备注", "note")),
    Responsibility.EMERGENCY, InspectionArea.HEALTH, _supply_rows,
    "Isolation room and epidemic-prevention supplies",
    count=lambda r, p: count_rows(SupplyMovement, r),
)


def preparedness_evidence(centre: Centre, period: Period) -> PreparednessEvidence | None:
    """Everything the preparedness evaluator reads, as it stood (as it was written down) at the period's end.

    None (not judged) only for a centre with no child enrolled in the period: one caring for children and recording
    no plan, drill, fire check or isolation room is judged, and its silence is what the findings say.
    Drills and checks count only once written: one typed after the period's end for a day inside it is left out.
    """
    _, end = period_instants(centre, period)
    if db.session.execute(select(Child.id).where(
            Child.centre_id == centre.id, Child.enrolled_on <= period.end,
            or_(Child.left_on.is_(None), Child.left_on >= period.start)).limit(1)).first() is None:
        return None
    reads = _reads(centre.id, end)
    versions = tuple(PlanVersionRecord(v.id, scenario.value, SCENARIO_LABELS[scenario][0], v.version_no,
                                       v.published_at, superseded, tuple(reads.get(v.id, {}).items()))
                     for v, scenario, superseded in _versions(centre, end))
    staff = tuple(StaffMemberRecord(s.id, s.name, s.role.value, s.hired_on, s.left_on) for s in _staff(centre.id))
    drills = tuple(DrillRecord(a.line.drill.id, local_day(centre, a.values["held_at"]), a.line.drill.scenario.value,
                               local_day(centre, recorded_from(a.line.drill.recorded_at, a.amendments)))
                   for a in amended_drills(centre.id, None, end, amended_before=end) if a.line.drill.recorded_at < end)
    actions = tuple(DrillActionRecord(a.id, a.drill_id, a.action, a.due_on, done.done_on if done else None)
                    for a, done in db.session.execute(select(DrillAction, DrillActionDone).outerjoin(
                        DrillActionDone, DrillActionDone.action_id == DrillAction.id).where(
                        DrillAction.centre_id == centre.id, DrillAction.created_at < end)))
    checks = tuple(FireCheckRecord(a.line.check.id, local_day(centre, a.values["checked_at"]), a.faults,
                                   local_day(centre, recorded_from(a.line.check.recorded_at, a.amendments)))
                   for a in amended_checks(centre.id, None, end, amended_before=end) if a.line.check.recorded_at < end)
    certs = tuple(FireCertificateRecord(c.id, c.issued_on, c.valid_until, c.issuer) for c in certificates(centre.id)
                  if c.recorded_at < end)
    room = isolation_room(centre.id, until=end)
    supplies = tuple(SupplyLevelRecord(line.kind.value, *SUPPLY_LABELS[line.kind], line.minimum, line.balance,
                                       line.below_since if line.below else None)
                     for line in stock_levels(centre.id, until=end))
    return PreparednessEvidence(
        staff=staff, plan_versions=versions, scenarios=tuple((s.value, SCENARIO_LABELS[s][0]) for s in PlanScenario),
        drills=drills, actions=actions, fire_checks=checks, certificates=certs,
        isolation=IsolationRecord(room.has_room, room.location or "", room.checked_on) if room else None,
        supplies=supplies)


REGISTERS = (PLANS_REGISTER, DRILLS_REGISTER, FIRE_REGISTER, SUPPLIES_REGISTER)
