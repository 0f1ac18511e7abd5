from server.auth.roles import Role
from tests.factories import make_centre, make_login


def test_healthz_answers_ok(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_director_lists_own_centre(app, client, clock):
    centre = make_centre("alpha", clock.now())
    director = make_login("dir", clock.now(), [(centre, Role.ADMIN)])
    body = client.get("/api/v1/centres", headers=director.headers).get_json()
    assert [c["code"] for c in body["items"]] == ["alpha"]
