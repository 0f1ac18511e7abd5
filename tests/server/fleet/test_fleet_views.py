"""The office's device fleet page: health from the last heartbeat, enrolment codes shown once, revocation."""

from __future__ import annotations

from server.auth.roles import Role
from server.database import db
from server.fleet.models import Device, DeviceKind
from tests.factories import make_centre, make_login
from tests.server.fleet.enrolment import enrol
from tests.sessions import csrf_token

PAGE = "/centres/alpha/devices"


def _setup(app, clock):  # type: ignore[no-untyped-def]
    centre = make_centre("alpha", clock.now())
    agent = enrol(centre, "厨房传感器", clock.now(), DeviceKind.AGENT)
    agent.row().health = {"reported_at": clock.now().isoformat(), "uptime_s": 60, "outbox_pending": 3,
                          "outbox_dead": 1, "sensors": {"co2-1": {"status": "fault", "fault": "no_response"}}}
    db.session.commit()
    return centre, agent


def _as(session_client, centre, clock, role: Role):  # type: ignore[no-untyped-def]
    return session_client(make_login(f"user-{role.value}", clock.now(), [(centre, role)]))


def _post(client, url: str, data: dict[str, object]):  # type: ignore[no-untyped-def]
    return client.post(url, data={**data, "csrf_token": csrf_token(client.get(PAGE).get_data(as_text=True))})


def test_the_list_shows_each_sensor_and_the_outbox(app, session_client, clock):
    centre, _ = _setup(app, clock)
    html = _as(session_client, centre, clock, Role.ADMIN).get(PAGE).get_data(as_text=True)
    assert ('data-sensor="co2-1"' in html, 'data-status="fault"' in html, "no_response" in html,
            'data-pending="3" data-dead="1"' in html) == (True, True, True, True)


def test_an_inspector_reads_the_list_without_the_forms(app, session_client, clock):
    centre, _ = _setup(app, clock)
    response = _as(session_client, centre, clock, Role.INSPECTOR).get(PAGE)
    html = response.get_data(as_text=True)
    assert (response.status_code, "厨房传感器" in html, 'id="code-form"' in html) == (200, True, False)


def test_an_enrolment_code_is_shown_once_on_the_answer(app, session_client, clock):
    centre, _ = _setup(app, clock)
    director = _as(session_client, centre, clock, Role.ADMIN)
    answer = _post(director, f"{PAGE}/enrolment-codes", {"kind": "kiosk", "name": "大门", "valid_hours": "24"})
    assert ('id="enrolment-code"' in answer.get_data(as_text=True),
            'id="enrolment-code"' in director.get(PAGE).get_data(as_text=True)) == (True, False)


def test_a_code_without_a_name_keeps_what_was_typed(app, session_client, clock):
    centre, _ = _setup(app, clock)
    answer = _post(_as(session_client, centre, clock, Role.ADMIN), f"{PAGE}/enrolment-codes",
                   {"kind": "agent", "name": " ", "valid_hours": "48"})
    html = answer.get_data(as_text=True)
    assert (answer.status_code, 'id="name-problem"' in html, 'value="48"' in html) == (422, True, True)


def test_the_director_revokes_a_device(app, session_client, clock):
    centre, agent = _setup(app, clock)
    _post(_as(session_client, centre, clock, Role.ADMIN), f"{PAGE}/{agent.pk}/revoke", {})
    assert db.session.get(Device, agent.pk).revoked_at == clock.now()


def test_a_caregiver_cannot_revoke_a_device(app, session_client, clock):
    centre, agent = _setup(app, clock)
    caregiver = _as(session_client, centre, clock, Role.CAREGIVER)
    response = caregiver.post(f"{PAGE}/{agent.pk}/revoke",
                              data={"csrf_token": csrf_token(caregiver.get("/", follow_redirects=True).get_data(as_text=True))})
    assert (response.status_code, db.session.get(Device, agent.pk).revoked_at) == (403, None)
