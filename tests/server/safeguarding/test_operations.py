"""A concern's record: the managers of the staff involved as they were, steps with their times, corrections as
rows of their own, nothing after the closing step, validation problems reported together."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from server.audit.models import AuditEntry
from server.database import db
from server.errors import Conflict, NotFound, ValidationFailed
from server.people.employment import set_line_manager
from server.people.models import StaffRole
from server.safeguarding.models import Concern, ConcernAmendment
from server.safeguarding.operations import add_step, amend_concern, concern_view, get_concern, raise_concern
from tests.factories import SYSTEM, make_staff
from tests.server.safeguarding.conftest import ACCOUNT, actor_of, raise_one


def test_the_staff_involved_keep_their_managers_on_the_day_noticed(world, clock):
    now = clock.now()
    concern = raise_one(world, now)
    # A later change of manager does not rewrite what was captured.
    other = make_staff(world["alpha"], now, name="孙主任", role=StaffRole.DIRECTOR)
    set_line_manager(world["teacher"], other, effective_on=date(2026, 9, 8), actor=SYSTEM, now=now)
    view = concern_view(concern, now + timedelta(days=2))
    assert [(i.name, [m["name"] for m in i.managers]) for i in view.involved] == [("李老师", ["赵园长"])]


def test_raising_is_one_audit_entry(world, clock):
    before = db.session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    raise_one(world, clock.now())
    actions = db.session.execute(select(AuditEntry.action).order_by(AuditEntry.id.desc()).limit(1)).scalar_one()
    after = db.session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    assert (after - before, actions) == (1, "safeguarding.raise")


def test_problems_are_reported_together(world, clock):
    with pytest.raises(ValidationFailed) as caught:
        raise_concern(world["alpha"], child_id=None, category="bad", noticed_at=clock.now() + timedelta(days=1),
                      account="", staff_ids=[999999], actor=actor_of(world["raiser"]), now=clock.now())
    assert sorted(p.field for p in caught.value.problems) == ["account", "category", "child_id", "noticed_at",
                                                               "staff_ids"]


def test_a_child_of_another_centre_is_refused(world, clock):
    from tests.factories import make_child

    other = make_child(world["beta"], clock.now(), name="钱小丽")
    with pytest.raises(ValidationFailed):
        raise_concern(world["alpha"], child_id=other.id, category="abuse", noticed_at=clock.now(), account="x",
                      actor=actor_of(world["raiser"]), now=clock.now())


def test_a_correction_is_a_row_and_the_concern_as_raised_stays(world, clock):
    now = clock.now()
    concern = raise_one(world, now)
    lead = actor_of(world["lead"])
    amend_concern(concern, field="account", value="罚站约十五分钟（非二十分钟）", reason="当事同事更正时长", actor=lead,
                  now=now + timedelta(hours=1))
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Concern, concern.id)
    view = concern_view(stored, now + timedelta(hours=2))
    rows = db.session.execute(select(ConcernAmendment.reason)).scalars().all()
    assert (stored.account, view.account, rows) == (ACCOUNT, "罚站约十五分钟（非二十分钟）", ["当事同事更正时长"])


def test_a_correction_needs_a_reason(world, clock):
    concern = raise_one(world, clock.now())
    with pytest.raises(ValidationFailed) as caught:
        amend_concern(concern, field="category", value="abuse", reason=" ", actor=actor_of(world["director"]),
                      now=clock.now())
    assert [p.field for p in caught.value.problems] == ["reason"]


def test_nothing_is_recorded_after_the_closing_step(world, clock):
    now = clock.now()
    concern = raise_one(world, now)
    director = actor_of(world["director"])
    add_step(concern, kind="closed", done_at=now, done_by="赵园长", detail="已处理完毕", actor=director, now=now)
    with pytest.raises(Conflict):
        add_step(concern, kind="note", done_at=now, done_by="赵园长", detail="补记", actor=director, now=now)


def test_each_step_asks_what_it_needs(world, clock):
    concern = raise_one(world, clock.now())
    with pytest.raises(ValidationFailed) as caught:
        add_step(concern, kind="authority_report", done_at=None, done_by="", actor=actor_of(world["lead"]),
                 now=clock.now())
    assert sorted(p.field for p in caught.value.problems) == ["agency", "done_at", "done_by"]


def test_a_suspension_names_the_member_of_staff(world, clock):
    concern = raise_one(world, clock.now())
    with pytest.raises(ValidationFailed) as caught:
        add_step(concern, kind="staff_suspended", done_at=clock.now(), done_by="赵园长",
                 actor=actor_of(world["director"]), now=clock.now())
    assert [p.field for p in caught.value.problems] == ["staff_id"]


def test_a_revoked_lead_loses_the_concerns_at_once(world, clock):
    from server.safeguarding.designations import list_designations, revoke_designation

    concern = raise_one(world, clock.now())
    lead = actor_of(world["lead"])
    get_concern(concern.id, actor=lead, now=clock.now())
    line = next(x for x in list_designations(world["alpha"], actor=actor_of(world["director"]), now=clock.now())
                if x.designation.user_id == world["lead"].user.id)
    revoke_designation(world["alpha"], line.designation.id, actor=actor_of(world["director"]), now=clock.now())
    clock.advance(minutes=1)
    with pytest.raises(NotFound):
        get_concern(concern.id, actor=lead, now=clock.now())


def test_only_the_director_names_leads(world, clock):
    from server.safeguarding.designations import designate_lead

    with pytest.raises(NotFound):
        designate_lead(world["alpha"], user_id=world["caregiver"].user.id, actor=actor_of(world["lead"]),
                       now=clock.now())


def test_the_deadline_is_counted_from_when_the_concern_was_noticed_not_recorded(world, clock):
    now = clock.now()
    concern = raise_one(world, now, hours_before=5)  # written down five hours after it was seen
    view = concern_view(concern, now)
    assert (view.report_due, view.report_overdue(now + timedelta(hours=18)),
            view.report_overdue(now + timedelta(hours=20))) == (now + timedelta(hours=19), False, True)
