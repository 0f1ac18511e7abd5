"""The screens: a caregiver raises a concern by the form and sees only its number; the director records steps and a
correction, names a lead and adds the scope to an inspector's grant; a failed form keeps what was typed."""

from __future__ import annotations

from sqlalchemy import select

from server.database import db
from server.safeguarding.models import Concern, ConcernAmendment, Designation, InspectorScope, Step
from tests.server.safeguarding.conftest import ACCOUNT, grant_of, raise_one
from tests.sessions import csrf_token


def _post(client, path: str, data: dict):  # type: ignore[no-untyped-def]
    token = csrf_token(client.get("/centres/alpha/safeguarding/raise").get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token}, follow_redirects=True)


def test_a_caregiver_raises_a_concern_and_sees_its_number_only(session_as, world, clock):
    client = session_as("raiser")
    page = _post(client, "/centres/alpha/safeguarding/raise", {
        "child_id": str(world["child"].id), "noticed_at": "2026-09-07T08:50", "category": "corporal_punishment",
        "account": ACCOUNT, "immediate_actions": "带回教室安抚", "staff_ids": str(world["teacher"].id)})
    html = page.get_data(as_text=True)
    row = db.session.execute(select(Concern)).scalar_one()
    assert (page.status_code, f"SG-{row.id}" in html, html.count(ACCOUNT)) == (200, True, 0)


def test_a_failed_form_keeps_what_was_typed(session_as, world, clock):
    page = _post(session_as("raiser"), "/centres/alpha/safeguarding/raise", {
        "child_id": "", "noticed_at": "2026-09-07T08:50", "category": "neglect", "account": "无人换尿布"})
    assert (page.status_code, "无人换尿布" in page.get_data(as_text=True)) == (422, True)


def test_the_director_records_a_step_with_its_time_and_a_correction(session_as, world, clock):
    concern = raise_one(world, clock.now())
    client = session_as("director")
    base = f"/centres/alpha/safeguarding/concerns/{concern.id}"
    step = _post(client, f"{base}/steps", {"kind": "police_report", "done_at": "2026-09-07T09:20", "done_by": "赵园长",
                                           "reference": "110-0907"})
    fix = _post(client, f"{base}/amendments", {"field": "account", "value": "罚站约十五分钟", "reason": "更正时长"})
    stored = db.session.execute(select(Step.done_at, Step.agency)).one()
    assert (step.status_code, fix.status_code, stored.done_at.isoformat(), stored.agency.value,
            db.session.execute(select(ConcernAmendment.value)).scalar_one()) == (
        200, 200, "2026-09-07T01:20:00+00:00", "police", "罚站约十五分钟")


def test_the_director_names_a_lead_and_scopes_a_grant(session_as, world, clock):
    client = session_as("director")
    named = _post(client, "/centres/alpha/safeguarding/designations", {"user_id": str(world["caregiver"].user.id)})
    grant = grant_of(world["inspector"], world["alpha"])
    scoped = _post(client, f"/centres/alpha/safeguarding/inspector-grants/{grant.id}", {})
    leads = db.session.execute(select(Designation.user_id)).scalars().all()
    assert (named.status_code, scoped.status_code, world["caregiver"].user.id in leads,
            db.session.execute(select(InspectorScope.membership_id).where(
                InspectorScope.membership_id == grant.id)).scalar_one()) == (200, 200, True, grant.id)


def test_a_lead_may_not_open_the_designations(session_as, world, clock):
    assert session_as("lead").get("/centres/alpha/safeguarding/designations").status_code == 404
