"""When: a notice's acknowledgement deadline, its reminders, and a guardian's quiet hours, from the rulebook.

`families.notice_acknowledgement` (compliance/rules/national.yaml) gives the deadline, the reminder interval
(daily for 30 days, then every 30 days: Famly's practice) and the default quiet hours; a centre may choose
within the rule's ranges (its rule policy), a guardian may set their own quiet hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from server.centre.models import Centre
from server.centre.rules import effective_rules
from server.centre.timezones import centre_zone
from server.notices.kinds import ACK_RULE, NoticeKind

DAY_MINUTES = 24 * 60


@dataclass(frozen=True)
class AckTiming:
    """A kind's deadline and reminder schedule as the rule in force when the notice was queued says."""

    deadline: timedelta
    remind_every: timedelta
    daily_for: timedelta  # reminders every `remind_every` for this long …
    then_every: timedelta  # … then one every `then_every`

    def deadline_at(self, queued_at: datetime) -> datetime:
        """When a notice queued at `queued_at` must be acknowledged by."""
        return queued_at + self.deadline

    @property
    def daily_count(self) -> int:
        """How many reminders the first phase holds (30 for daily over 30 days)."""
        return int(self.daily_for / self.remind_every)

    def due_at(self, queued_at: datetime, number: int) -> datetime:
        """When reminder `number` (1, 2, …) falls due."""
        if number <= self.daily_count:
            return queued_at + number * self.remind_every
        return queued_at + self.daily_for + (number - self.daily_count) * self.then_every

    def latest_due(self, queued_at: datetime, now: datetime) -> int:
        """The number of the latest reminder due by `now` (0: none yet)."""
        elapsed = now - queued_at
        if elapsed < self.remind_every:
            return 0
        number = min(int(elapsed / self.remind_every), self.daily_count)
        if elapsed >= self.daily_for + self.then_every:
            number = self.daily_count + int((elapsed - self.daily_for) / self.then_every)
        return number


def _day(centre: Centre, at: datetime) -> date:
    return at.astimezone(centre_zone(centre)).date()


def ack_timing(centre: Centre, kind: NoticeKind, queued_at: datetime) -> AckTiming | None:
    """The timing of a notice of `kind` queued then; None when it needs no acknowledgement or no rule is in force."""
    if not kind.needs_ack or kind.ack_rule is None:
        return None
    rule = effective_rules(centre, _day(centre, queued_at)).get(kind.ack_rule)
    if rule is None:
        return None
    return AckTiming(deadline=timedelta(hours=float(rule.value("deadline_hours"))),
                     remind_every=timedelta(hours=float(rule.value("remind_every_hours"))),
                     daily_for=timedelta(days=float(rule.value("daily_reminders_days"))),
                     then_every=timedelta(days=float(rule.value("then_every_days"))))


@dataclass(frozen=True)
class QuietHours:
    """A daily window in local minutes after midnight; it wraps past midnight when `start > end`."""

    start: int
    end: int

    def holds(self, local: datetime) -> bool:
        """Whether the local time `local` falls in the window."""
        minute = local.hour * 60 + local.minute
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= minute < self.end
        return minute >= self.start or minute < self.end

    def ends_after(self, at: datetime, zone: ZoneInfo) -> datetime:
        """The instant the window that holds at `at` ends (`at` itself when it does not hold)."""
        local = at.astimezone(zone)
        if not self.holds(local):
            return at
        day = local.date()
        if self.start > self.end and local.hour * 60 + local.minute >= self.start:
            day += timedelta(days=1)
        return datetime.combine(day, time(self.end // 60, self.end % 60), tzinfo=zone)

    @staticmethod
    def text(minutes: int) -> str:
        """1260 → "21:00"."""
        return f"{minutes // 60:02d}:{minutes % 60:02d}"


def default_quiet_hours(centre: Centre, at: datetime) -> QuietHours | None:
    """The centre's quiet hours (the rule's default or the centre's choice); None without the rule."""
    rule = effective_rules(centre, _day(centre, at)).get(ACK_RULE)
    if rule is None:
        return None
    return QuietHours(int(rule.value("quiet_start_min")) % DAY_MINUTES, int(rule.value("quiet_end_min")) % DAY_MINUTES)


def parse_clock(text: str) -> int | None:
    """"21:00" → 1260 minutes after midnight; None when it is not a time of day."""
    try:
        hours, minutes = (int(part) for part in text.strip().split(":"))
    except (ValueError, AttributeError):
        return None
    if not (0 <= hours < 24 and 0 <= minutes < 60):
        return None
    return hours * 60 + minutes
