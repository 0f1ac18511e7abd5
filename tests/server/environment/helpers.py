"""Builders for the environment tests: a centre with a room, a director and an enrolled sensor agent."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from devices.wire.protocol import Batch, Event, new_key
from server.auth.roles import Role
from server.scheduling.operations import run_once
from tests.factories import make_centre, make_login, make_room

STREAM = "5f0e2a4c-6b8d-4e1f-a3c5-7d9b1e3f5a7c"


@pytest.fixture
def site(app, client, clock):
    """Centre `alpha` with room 小月亮班, a director, and an enrolled agent."""
    now = clock.now()
    centre = make_centre("alpha", now)
    room = make_room(centre, now)
    director = make_login("director", now, [(centre, Role.ADMIN)])
    code = client.post("/api/v1/centres/alpha/devices/enrolment-codes", json={"kind": "agent", "name": "一楼监测"},
                       headers=director.headers).get_json()["code"]
    agent = client.post("/api/v1/devices/enroll", json={"code": code, "kind": "agent"}).get_json()
    return Site(centre=centre, room=room, director=director, agent=agent)


class Site:
    def __init__(self, centre, room, director, agent):
        self.centre, self.room, self.director, self.agent = centre, room, director, agent
        self.headers = {"Authorization": f"Bearer {agent['token']}"}
        self.sequence = 0

    @property
    def point(self) -> str:
        return f"room:{self.room.id}"

    def event(self, kind: str, payload: dict, at: datetime, stream: str = STREAM, sequence: int | None = None) -> Event:
        if sequence is None:
            self.sequence += 1
            sequence = self.sequence
        return Event(key=new_key(), device_id=self.agent["device_id"], stream=stream, sequence=sequence, kind=kind,
                     created_at=at, payload=payload)

    def reading(self, at: datetime, values: dict | None = None, *, location: str | None = None,
                sensor: str = "scd41-a", **extra) -> Event:
        payload = {"sensor": sensor, "model": "SCD41", "location": location or self.point,
                   "values": values if values is not None else {"co2_ppm": 650.0, "temperature_c": 24.5,
                                                                "humidity_pct": 50.0}, **extra}
        if extra.get("status") == "fault":
            payload.pop("values")
        return self.event("reading", payload, at)

    def post(self, client, *events: Event):
        body = Batch(device_id=self.agent["device_id"], sent_at=events[0].created_at,
                     events=list(events)).model_dump(mode="json")
        return client.post("/api/v1/devices/events", json=body, headers=self.headers)

    def co2_series(self, client, start: datetime, minutes: int, ppm: float, sensor: str = "scd41-a",
                   spread: float = 0.0):
        """CO2-only readings from `start`, sent in one batch: one a minute, all equal (what a stuck sensor sends);
        with a `spread`, two a minute at `ppm` ∓ `spread` (a live sensor: values move, each minute's mean is `ppm`)."""
        if spread:
            events = [self.reading(start + timedelta(minutes=i, seconds=30 * half), {"co2_ppm": ppm + sign * spread},
                                   sensor=sensor)
                      for i in range(minutes) for half, sign in ((0, -1), (1, 1))]
        else:
            events = [self.reading(start + timedelta(minutes=i), {"co2_ppm": ppm}, sensor=sensor)
                      for i in range(minutes)]
        for i in range(0, len(events), 500):
            response = self.post(client, *events[i:i + 500])
            assert response.status_code == 200, response.get_json()
        return events


def statuses(response) -> list[str]:
    return [r["status"] for r in response.get_json()["results"]]


def reasons(response) -> list[str | None]:
    return [r.get("reason") for r in response.get_json()["results"]]


def run_evaluation(app, now: datetime) -> None:
    from server.environment.jobs import ENVIRONMENT_EVALUATION

    assert run_once(ENVIRONMENT_EVALUATION, now=now)


class Scheduler:
    """The environment job as `tuoyu scheduler run` fires it: its own app context, the slot claim, one commit."""

    def __init__(self, app):
        from server.environment.jobs import ENVIRONMENT_EVALUATION
        from server.scheduling.runner import build_scheduler

        self.job = build_scheduler(app, [ENVIRONMENT_EVALUATION]).get_job(ENVIRONMENT_EVALUATION.id)

    def fire(self) -> None:
        """One firing at the app clock's `now`; fails unless it ran (claimed its minute and finished)."""
        from server.clock import utcnow
        from server.database import db
        from server.environment.jobs import ENVIRONMENT_EVALUATION
        from server.scheduling.models import JobRun

        db.session.commit()  # the test's own session holds no transaction (nor SQLite's write lock) meanwhile
        self.job.func()
        slot = utcnow().strftime(ENVIRONMENT_EVALUATION.slot_format)
        status = db.session.execute(select(JobRun.status).where(JobRun.job_id == ENVIRONMENT_EVALUATION.id,
                                                                JobRun.slot == slot)).scalar_one_or_none()
        assert status == "done", (slot, status)

