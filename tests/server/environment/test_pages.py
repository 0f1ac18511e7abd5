"""The environment page and API: cards, charts with the limit band, acknowledging, least access."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from server.alerts.models import Alert
from server.auth.roles import Role
from server.database import db
from tests.factories import make_centre, make_login
from tests.server.environment.helpers import run_evaluation
from tests.sessions import log_in, page_csrf


def test_the_api_gives_each_room_its_latest_values_and_limits(site, client, clock):
    site.post(client, site.reading(clock.now() - timedelta(seconds=10)))
    [card] = client.get("/api/v1/centres/alpha/environment", headers=site.director.headers).get_json()["items"]
    values = {v["quantity"]: (v["value"], v["lower"], v["upper"]) for v in card["values"]}
    assert card["state"] == "insufficient_data"  # one reading makes no valid window mean: not OK, not exceeded
    assert values["co2_ppm"] == (650.0, None, 1000.0)
    assert values["temperature_c"] == (24.5, 22.0, 28.0)  # September: the summer rule


def test_the_chart_api_gives_minute_means_and_the_band(site, client, clock):
    site.co2_series(client, clock.now() - timedelta(minutes=10), 10, 700.0)
    chart = client.get(f"/api/v1/centres/alpha/environment/chart?point={site.point}&quantity=co2_ppm&range=24h",
                       headers=site.director.headers).get_json()
    assert (len(chart["points"]), chart["upper"], chart["points"][0]["mean"]) == (10, 1000.0, 700.0)


def test_a_bad_chart_range_is_a_clear_422(site, client):
    response = client.get("/api/v1/centres/alpha/environment/chart?range=1y", headers=site.director.headers)
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "range"


def test_a_guardian_may_not_read_the_environment(site, client, clock):
    parent = make_login("parent", clock.now(), [(site.centre, Role.GUARDIAN)])
    assert client.get("/api/v1/centres/alpha/environment", headers=parent.headers).status_code == 403


def test_a_director_of_another_centre_gets_404(site, client, clock):
    other = make_login("other", clock.now(), [(make_centre("beta", clock.now()), Role.ADMIN)])
    assert client.get("/api/v1/centres/alpha/environment", headers=other.headers).status_code == 404


def test_the_page_shows_cards_alerts_and_svg_charts_with_the_limit_band(app, site, client, clock):
    site.co2_series(client, clock.now() - timedelta(minutes=70), 70, 1300.0, spread=1.0)
    run_evaluation(app, clock.now())
    log_in(client, "director")
    html = client.get("/centres/alpha/environment").get_data(as_text=True)
    assert "环境监测" in html and "环境监测 / Environment" not in html
    assert 'data-state="exceeded"' in html
    assert html.count('class="env-chart"') == 2  # CO2, 24 h and 7 days
    assert 'class="limit-band"' in html and "二氧化碳" in html


def test_staff_acknowledge_an_alert_from_the_page(app, site, client, clock):
    site.co2_series(client, clock.now() - timedelta(minutes=70), 70, 1300.0, spread=1.0)
    run_evaluation(app, clock.now())
    alert = db.session.execute(select(Alert)).scalar_one()
    log_in(client, "director")
    token = page_csrf(client, "/centres/alpha/environment")
    response = client.post(f"/centres/alpha/environment/alerts/{alert.id}/acknowledge", data={"csrf_token": token})
    assert response.status_code == 302
    db.session.refresh(alert)
    assert (alert.acknowledged_by_id, alert.acknowledged_at) == (site.director.user.id, clock.now())
