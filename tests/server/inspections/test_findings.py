"""Findings: evaluated from the records against the centre's rulebook, on demand and every night."""

from __future__ import annotations

from datetime import date

import pytest

from server.auth.actor import Actor
from server.auth.roles import Role
from server.centre.models import ClassType, FilingStatus
from server.centre.operations import update_centre
from server.database import db
from server.inspections.jobs import NIGHTLY_EVALUATION
from server.inspections.operations import current_findings
from server.people.operations import update_child
from server.scheduling.operations import run_once
from tests.factories import SYSTEM, make_centre, make_child, make_login, make_room
from tests.sessions import log_in


@pytest.fixture
def centre(app, clock):
    centre = make_centre("alpha", clock.now(), approved_places=2, inclusive_places=1)
    db.session.commit()
    return centre


def _rules(client, login, code="alpha"):
    client.post(f"/api/v1/centres/{code}/evaluations", headers=login.headers)
    body = client.get(f"/api/v1/centres/{code}/findings", headers=login.headers).get_json()
    return {f["rule_id"] for f in body["items"]}


def test_a_class_over_its_class_type_cap_is_a_finding(client, centre, clock):
    director = make_login("director", clock.now(), [(centre, Role.ADMIN)])
    make_room(centre, clock.now(), class_type=ClassType.TODDLER, capacity=16)
    assert "class_size.tuoxiaoban" in _rules(client, director)


def test_a_class_at_its_cap_is_no_finding(client, centre, clock):
    director = make_login("director", clock.now(), [(centre, Role.ADMIN)])
    make_room(centre, clock.now(), class_type=ClassType.TODDLER, capacity=15)
    assert "class_size.tuoxiaoban" not in _rules(client, director)


def test_a_fixed_problem_disappears_at_the_next_evaluation(client, centre, clock):
    director = make_login("director", clock.now(), [(centre, Role.ADMIN)])
    room = make_room(centre, clock.now(), class_type=ClassType.INFANT, capacity=11)
    first = _rules(client, director)
    client.patch(f"/api/v1/rooms/{room.id}", json={"capacity": 10}, headers=director.headers)
    assert ("class_size.ruerban" in first, "class_size.ruerban" in _rules(client, director)) == (True, False)


def test_enrolment_beyond_approved_places_is_a_finding(client, centre, clock):
    director = make_login("director", clock.now(), [(centre, Role.ADMIN)])
    for i in range(3):
        make_child(centre, clock.now(), name=f"孩子{i}")
    assert "capacity.approved_places" in _rules(client, director)


def test_a_child_without_guardian_consent_is_a_finding_naming_the_child(client, centre, clock):
    director = make_login("director", clock.now(), [(centre, Role.ADMIN)])
    child = make_child(centre, clock.now())
    client.post("/api/v1/centres/alpha/evaluations", headers=director.headers)
    items = client.get("/api/v1/centres/alpha/findings", headers=director.headers).get_json()["items"]
    consent = [f for f in items if f"child:{child.id}" in f["evidence"]]
    assert [f["rule_id"] for f in consent] == ["privacy.guardian_consent"]


def test_consent_recorded_clears_the_finding(client, centre, clock):
    director = make_login("director", clock.now(), [(centre, Role.ADMIN)])
    child = make_child(centre, clock.now())
    update_child(child, {"consent_on": date(2026, 9, 1)}, actor=SYSTEM, now=clock.now(), today=clock.now().date())
    db.session.commit()
    client.post("/api/v1/centres/alpha/evaluations", headers=director.headers)
    items = client.get("/api/v1/centres/alpha/findings", headers=director.headers).get_json()["items"]
    assert [f for f in items if f"child:{child.id}" in f["evidence"]] == []


def test_a_centre_without_filing_has_a_filing_finding(client, centre, clock):
    director = make_login("director", clock.now(), [(centre, Role.ADMIN)])
    update_centre(centre, {"filing_status": FilingStatus.NOT_FILED, "filed_on": None}, actor=SYSTEM, now=clock.now())
    db.session.commit()
    assert "registration.filing" in _rules(client, director)


def test_the_nightly_job_evaluates_every_centre_once(app, centre, clock):
    other = make_centre("beta", clock.now())
    make_room(other, clock.now(), class_type=ClassType.PRESCHOOL, capacity=21)
    db.session.commit()
    assert (run_once(NIGHTLY_EVALUATION, now=clock.now()), run_once(NIGHTLY_EVALUATION, now=clock.now())) == (True, False)
    rules = {f.rule_id for f in current_findings(other, actor=Actor.system(), now=clock.now())}
    assert "class_size.tuodaban" in rules


def test_an_inspector_reads_findings_but_cannot_trigger_an_evaluation(client, centre, clock):
    inspector = make_login("inspector", clock.now(), [(centre, Role.INSPECTOR)])
    reads = client.get("/api/v1/centres/alpha/findings", headers=inspector.headers).status_code
    runs = client.post("/api/v1/centres/alpha/evaluations", headers=inspector.headers).status_code
    assert (reads, runs) == (200, 403)


def test_a_guardian_cannot_read_findings(client, centre, clock):
    parent = make_login("parent", clock.now(), [(centre, Role.GUARDIAN)])
    assert client.get("/api/v1/centres/alpha/findings", headers=parent.headers).status_code == 403


def test_an_inspector_reads_a_register_on_screen_and_the_read_is_logged(app, client, centre, clock):
    from sqlalchemy import select

    from server.audit.models import AccessEvent
    from server.demo.seed import DEMO_PASSWORD

    make_child(centre, clock.now(), name="王小明")
    make_login("inspector", clock.now(), [(centre, Role.INSPECTOR)], password=DEMO_PASSWORD)
    log_in(client, "inspector", DEMO_PASSWORD)
    html = client.get("/centres/alpha/registers/幼儿花名册").get_data(as_text=True)
    logged = db.session.execute(select(AccessEvent).where(AccessEvent.object_type == "register")).scalar_one()
    assert ("王小明" in html, logged.object_id) == (True, "幼儿花名册")
