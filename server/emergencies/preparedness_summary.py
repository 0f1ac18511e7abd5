"""What the home screens show of preparedness: the director's card and each member of staff's plans to read.

The dashboard (a floor above) calls these; they read, never write.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from server.auth.actor import Actor
from server.centre.models import Centre
from server.centre.timezones import centre_today
from server.emergencies.drills import drill_lines, open_actions, upcoming
from server.emergencies.fire_checks import FireStatus, fire_status
from server.emergencies.plans import library, my_unread, scenario_of
from server.emergencies.plans_models import PlanScenario, PlanVersion
from server.emergencies.preparedness import local_day
from server.emergencies.supplies import stock_levels
from server.emergencies.supplies_models import SupplyKind


@dataclass(frozen=True)
class PreparednessCard:
    """The director's card: the next drill, plans not read by everyone, fire safety, supplies below minimum."""

    next_drill_on: date | None
    next_drill_scenario: PlanScenario | None
    last_drill_on: date | None
    plans_missing: int  # scenarios without a published plan
    unread: int  # (current version, member of staff) pairs still unread
    unread_overdue: int  # of which past the reading deadline
    actions_overdue: int  # drill corrective actions past due
    fire: FireStatus
    supplies_below: tuple[SupplyKind, ...]


def director_card(centre: Centre, *, actor: Actor, now: datetime) -> PreparednessCard:
    """The figures of the director's preparedness card (the caller holds EMERGENCY_READ)."""
    today = centre_today(centre, now)
    lines = library(centre, actor=actor, now=now)
    planned = upcoming(centre, actor=actor, now=now)
    held = drill_lines(centre.id, until=now)
    return PreparednessCard(
        next_drill_on=planned[0].planned_on if planned else None,
        next_drill_scenario=planned[0].scenario if planned else None,
        last_drill_on=local_day(centre, held[0].drill.held_at) if held else None,
        plans_missing=sum(1 for line in lines if line.version is None),
        unread=sum(len(line.unread) for line in lines),
        unread_overdue=sum(len(line.late) for line in lines),
        actions_overdue=sum(1 for a in open_actions(centre.id) if a.due_on < today),
        fire=fire_status(centre, now),
        supplies_below=tuple(line.kind for line in stock_levels(centre.id) if line.below))


def plans_to_read(centre: Centre, *, actor: Actor, now: datetime) -> list[tuple[PlanVersion, PlanScenario]]:
    """The caller's to-do: current plan versions they have not confirmed reading, with their scenario."""
    return [(v, scenario_of(v)) for v in my_unread(centre, actor=actor, now=now)]
