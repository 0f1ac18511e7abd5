"""JSON API of the family's day: the same content as the page, for a guardian's own child only."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import Blueprint
from flask_babel import lazy_pgettext
from pydantic import Field

from compliance.health import CheckKind
from server.apispec import Day, Schema, responses, spec
from server.auth.session import current_actor
from server.care.models import DiaperKind, ShareEaten
from server.centre.operations import centre_by_id
from server.centre.timezones import centre_today
from server.clock import utcnow
from server.errors import ProblemCollector
from server.family.day import ChildDay, DayItem, Person, Status, child_day
from server.family.scope import family_child
from server.health.checks.models import CheckStatus
from server.people.models import Relationship

bp = Blueprint("family_api", __name__, url_prefix="/api/v1")
TAGS = ["family"]


class FamilyDayQuery(Schema):
    on: Day | None = Field(None, description="the centre's local day (default today; never after today)")


class FamilyPersonOut(Schema):
    relationship: Relationship | None = Field(description="the contact's relationship to this child")
    name: str | None


class FamilyStatusOut(Schema):
    state: str = Field(description="in | left | absent | excluded | not_arrived | not_enrolled")
    at: datetime | None = Field(None, description="in: since (the last check-in); left: the check-out")
    by: FamilyPersonOut | None = Field(None, description="who brought (in) or collected (left); none: staff by hand")
    absence_reason: str | None = Field(None, description="sick | personal | other")
    excluded_from: date | None = None
    excluded_until: date | None = Field(None, description="the doctor's expected day; the exclusion ends with a "
                                                           "return certificate")


class FamilyMomentOut(Schema):
    kind: str = Field(description="arrival | departure | check | meal | bottle | water | diaper | toilet | nap | "
                                  "dose | note | observation | outdoor")
    at: datetime | None
    until: datetime | None = Field(None, description="a nap's end (none while asleep)")
    minutes: int | None = Field(None, description="a nap's length, or an outdoor spell's")
    by: FamilyPersonOut | None = None
    share_eaten: ShareEaten | None = None
    allergens: list[str] = Field(default_factory=list, description="allergen codes the meal or bottle named")
    allergy_acknowledged: bool = Field(False, description="the class was warned of the child's allergy and "
                                                          "confirmed the entry")
    ml: int | None = None
    diaper_kind: DiaperKind | None = None
    abnormal: bool = False
    abnormal_note: str | None = None
    note: str | None = None
    checks: int | None = Field(None, description="how many times the nap was checked (not the checks)")
    check_kind: CheckKind | None = None
    result: CheckStatus | None = None
    temperature: Decimal | None = Field(None, description="°C")
    signs_off: list[str] = Field(default_factory=list, description="hands_mouth_eyes | skin | spirits | asked | "
                                                                    "dangerous_objects")
    findings: str | None = None
    drug: str | None = None
    dose: Decimal | None = None
    dose_unit: str | None = None
    route: str | None = None
    body: str | None = Field(None, description="a note's or an observation's text")
    domain: str | None = Field(None, description="an observation's area of development")


class FamilyOutdoorOut(Schema):
    minutes: int
    required: int | None = Field(description="the rule's daily minimum for the class (none: not in force)")
    exemption: str | None = Field(description="why the class stayed in")


class FamilyDayOut(Schema):
    child_id: int
    name: str
    room: str | None
    day: date
    today: date
    enrolled: bool = Field(description="false before the child's enrolment or after leaving: nothing to show")
    enrolled_on: date
    previous_day: date | None
    next_day: date | None
    status: FamilyStatusOut
    outdoor: FamilyOutdoorOut | None
    items: list[FamilyMomentOut] = Field(description="the day's moments in time order (centre-local day)")


def _person(person: Person | None) -> FamilyPersonOut | None:
    return None if person is None else FamilyPersonOut(relationship=person.relationship, name=person.name)


def _status(status: Status) -> FamilyStatusOut:
    return FamilyStatusOut(state=status.state, at=status.at, by=_person(status.by),
                           absence_reason=str(status.absence_reason) if status.absence_reason else None,
                           excluded_from=status.excluded_from, excluded_until=status.excluded_until)


def _moment(item: DayItem) -> FamilyMomentOut:
    values = {name: getattr(item, name) for name in FamilyMomentOut.model_fields if name != "by"}
    values["allergens"], values["signs_off"] = list(item.allergens), list(item.signs_off)
    return FamilyMomentOut(**values, by=_person(item.by))


def day_out(shown: ChildDay) -> FamilyDayOut:
    outdoor = shown.outdoor
    return FamilyDayOut(
        child_id=shown.child.id, name=shown.child.name, room=shown.room.name if shown.room else None, day=shown.day,
        today=shown.today, enrolled=shown.enrolled, enrolled_on=shown.child.enrolled_on,
        previous_day=shown.previous_day, next_day=shown.next_day, status=_status(shown.status),
        outdoor=FamilyOutdoorOut(minutes=outdoor.minutes, required=outdoor.required, exemption=outdoor.exemption)
        if outdoor else None,
        items=[_moment(i) for i in shown.items])


@bp.get("/family/children/<int:child_id>/day")
@spec.validate(query=FamilyDayQuery, resp=responses(HTTP_200=FamilyDayOut), tags=TAGS)
def family_day(child_id: int, query: FamilyDayQuery):
    """A child's day for its family: arrival, checks, meals, naps, diapers, doses, notes, outdoor time, departure.

    Guardians only, their own children only (another family's child: 404; staff: 403). The reads of health
    data are logged.
    """
    actor, now = current_actor(), utcnow()
    child = family_child(child_id, actor=actor, now=now)
    centre = centre_by_id(child.centre_id)
    today = centre_today(centre, now)
    if query.on is not None and query.on > today:
        problems = ProblemCollector()
        problems.add("in_future", lazy_pgettext("family", "This day has not come yet"), "on")
        problems.raise_if_any()
    return day_out(child_day(centre, child, query.on or today, actor=actor, now=now))
