"""The director's "today" card: 晨检, follow-ups, exclusions, naps and medication, as counts.

Counts only, no names and no disease: the card is a pointer to the pages that hold the records (the 晨检
queue, the 表4 page, the room tablets), where each read of health data is authorised and logged.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from server.care.board import child_states
from server.care.medication.due import doses_due
from server.centre.models import Centre
from server.health.checks.operations import morning_status, present_children
from server.health.checks.queries import open_follow_up_lines
from server.health.illness.operations import excluded_children


@dataclass(frozen=True)
class CareHealthToday:
    present: int
    morning_done: int  # normal or abnormal, completed by the 保健员
    morning_abnormal: int
    morning_waiting: int  # a kiosk screen to complete, or nothing yet
    follow_ups_open: int
    excluded: int
    asleep: int
    patrol_overdue: int
    doses_given: int
    doses_due: int  # consented times of today not yet given


def care_health_today(centre: Centre, today: date, now: datetime) -> CareHealthToday:
    present = list(present_children(centre.id, today))
    status = Counter(morning_status(present, today).values())
    states = child_states(present, now).values()
    doses = [d for due in doses_due(present, now).values() for d in due]
    return CareHealthToday(
        present=len(present), morning_done=status["done"] + status["abnormal"], morning_abnormal=status["abnormal"],
        morning_waiting=status["screened"] + status["missing"], follow_ups_open=len(open_follow_up_lines(centre.id)),
        excluded=len(excluded_children(centre.id, today)), asleep=sum(1 for s in states if s.asleep_since),
        patrol_overdue=sum(1 for s in states if s.check_overdue), doses_given=sum(1 for d in doses if d.given),
        doses_due=sum(1 for d in doses if not d.given))
