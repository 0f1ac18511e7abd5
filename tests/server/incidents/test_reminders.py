"""The guardian's acknowledgement of a reviewed report, and its reminders with the injected clock, hour by hour:
daily (families.notice_acknowledgement) until the guardian acknowledges on the family page."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from server.database import db
from server.incidents.lines import report_lines
from server.incidents.models import ReportStage
from server.incidents.operations.family import acknowledge_report, family_report
from server.notices.jobs import REMINDERS
from server.notices.models import NoticeReminder
from server.scheduling.operations import run_once
from tests.server.incidents.conftest import actor_of


def _reminders() -> list[int]:
    return list(db.session.execute(select(NoticeReminder.number).order_by(NoticeReminder.number)).scalars())


def test_reminders_daily_until_the_guardian_acknowledges(world, clock) -> None:  # type: ignore[no-untyped-def]
    row = world.reviewed()
    clock.advance(minutes=35)  # reviewed 09:30; the hourly job runs at :05
    for _ in range(24 * 2 + 1):
        run_once(REMINDERS, now=clock.now())
        db.session.commit()
        clock.advance(hours=1)
    assert _reminders() == [1, 2]
    report, review = family_report(row.id, actor=actor_of(world.parent), now=clock.now())
    acknowledge_report(report, review, actor=actor_of(world.parent), now=clock.now())
    db.session.commit()
    for _ in range(24 * 3):
        run_once(REMINDERS, now=clock.now())
        db.session.commit()
        clock.advance(hours=1)
    assert _reminders() == [1, 2]
    assert report_lines(world.centre, [row], clock.now())[0].stage is ReportStage.ACKNOWLEDGED


def test_an_unacknowledged_report_is_overdue_after_the_notifiers_deadline(world, clock) -> None:  # type: ignore[no-untyped-def]
    row = world.reviewed()
    assert not report_lines(world.centre, [row], clock.now() + timedelta(hours=23))[0].overdue
    assert report_lines(world.centre, [row], clock.now() + timedelta(hours=25))[0].overdue
