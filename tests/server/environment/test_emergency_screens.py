"""A panic press or a smoke alarm reaches every staff screen of the centre, and nobody else's."""

from __future__ import annotations

from server.auth.roles import Role
from tests.factories import make_centre, make_login


def test_staff_of_the_centre_see_the_open_emergency_until_it_is_resolved(site, client, clock):
    caregiver = make_login("carer", clock.now(), [(site.centre, Role.CAREGIVER)])
    parent = make_login("parent", clock.now(), [(site.centre, Role.GUARDIAN)])
    elsewhere = make_login("other", clock.now(), [(make_centre("beta", clock.now()), Role.ADMIN)])
    assert client.get("/api/v1/me/emergencies", headers=caregiver.headers).get_json() == {"items": []}
    event = site.event("safety.panic", {"input": "panic-1", "location": site.point, "state": "pressed",
                                        "label": "办公室 / Office"}, clock.now())
    site.post(client, event)
    items = client.get("/api/v1/me/emergencies", headers=caregiver.headers).get_json()["items"]
    assert [(i["kind"], i["centre"], i["acknowledged_at"]) for i in items] == [
        ("emergency.panic", "alpha 托育中心", None)]
    assert client.get("/api/v1/me/emergencies", headers=parent.headers).get_json() == {"items": []}
    assert client.get("/api/v1/me/emergencies", headers=elsewhere.headers).get_json() == {"items": []}
    client.post(f"/api/v1/alerts/{items[0]['id']}/resolve", headers=site.director.headers)
    assert client.get("/api/v1/me/emergencies", headers=caregiver.headers).get_json() == {"items": []}
