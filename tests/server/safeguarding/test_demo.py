"""The demo's safeguarding story: the 保健员 is the lead, one concern of 变相体罚 handled in five steps, its report
to the authorities 30 hours after recording, which the rule finds late."""

from __future__ import annotations

from datetime import timedelta

from compliance import Period, evaluate
from server.auth.roles import Role
from server.centre.rules import effective_rules
from server.centre.timezones import centre_today
from server.database import db
from server.demo.safeguarding import seed_safeguarding
from server.inspections.sources import app_sources, compliance_inputs
from server.safeguarding.models import Concern, Designation, Step
from tests.factories import make_centre, make_child, make_login, make_room, make_staff


def test_the_demo_concern_is_found_reported_late(app, clock):
    now = clock.now()
    centre = make_centre("demo", now - timedelta(days=30))
    room = make_room(centre, now - timedelta(days=30), name="小太阳班")
    make_child(centre, now - timedelta(days=30), room=room, name="林小雨")
    make_staff(centre, now - timedelta(days=30), name="何老师", room=room)
    for username, role in (("director", Role.ADMIN), ("health", Role.HEALTH), ("caregiver", Role.CAREGIVER)):
        make_login(username, now - timedelta(days=30), [(centre, role)])
    today = centre_today(centre, now)
    seed_safeguarding(centre, setup_at=now - timedelta(days=30), today=today)
    db.session.commit()
    steps = db.session.query(Step.kind).order_by(Step.done_at).all()
    period = Period(today - timedelta(days=29), today)
    findings = [f for f in evaluate(compliance_inputs(centre, period, app_sources(), now),
                                    effective_rules(centre, today), period)
                if f.rule_id == "safeguarding.mandatory_report"]
    assert (db.session.query(Concern).count(), db.session.query(Designation).count(),
            [s.kind.value for s in steps], [f.severity.value for f in findings]) == (
        1, 1, ["internal_review", "guardian_informed", "authority_report", "staff_retrained", "closed"], ["warning"])
