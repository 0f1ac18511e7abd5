"""The environment page of a centre: room cards, open alerts (acknowledge here), 24-h and 7-day charts."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from werkzeug.wrappers import Response

from server.alerts import operations as alert_ops
from server.auth.actor import authorise
from server.auth.roles import Perm
from server.auth.session import current_actor, refuse_form
from server.centre.operations import get_centre
from server.centre.timezones import centre_zone
from server.clock import utcnow
from server.environment.charts import line_chart
from server.environment.operations import queries as ops
from server.environment.operations.alerting import quantity_label
from server.environment.operations.queries import CHART_RANGES, environment_alerts
from server.environment.settings import app_settings
from server.errors import Forbidden
from server.i18n import is_chinese

bp = Blueprint("environment", __name__)
STEPS = {"24h": timedelta(minutes=1), "7d": timedelta(hours=1)}  # one chart point a minute / an hour
CHART_TITLES = {"24h": _l("%(quantity)s, 24 h"), "7d": _l("%(quantity)s, 7 days")}


@bp.get("/centres/<string:code>/environment")
@login_required
def environment_page(code: str) -> str:
    """Cards for every room and fridge, the open alerts, and the charts of one point (`?point=`)."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    cards = ops.room_cards(centre, settings=app_settings(), actor=actor, now=now)
    chosen = request.args.get("point") or next((c.point for c in cards if c.values), cards[0].point if cards else "")
    card = next((c for c in cards if c.point == chosen), None)
    if chosen and card is None:
        abort(404)
    charts = []
    for latest in card.values if card else []:
        zh, en, unit = quantity_label(latest.quantity)
        lower, upper = latest.lower, latest.upper  # the card worked out today's band already
        for name, (span, _model) in CHART_RANGES.items():
            points = ops.chart_series(centre, chosen, latest.quantity, name, actor=actor, now=now)
            step = STEPS[name]
            title = str(CHART_TITLES[name]) % {"quantity": zh if is_chinese() else en}
            charts.append({"quantity": latest.quantity, "range": name,
                           "svg": line_chart(points, start=now - span, end=now, step=step, lower=lower, upper=upper,
                                             title=title, unit=unit, zone=centre_zone(centre))})
    can_acknowledge = actor.can(Perm.ALERTS_MANAGE, centre.id, now)
    return render_template("environment/page.html", centre=centre, cards=cards, card=card, charts=charts,
                           alerts=environment_alerts(centre.id), zone=centre_zone(centre),
                           can_acknowledge=can_acknowledge, validity=ops.validity(centre, now),
                           any_insufficient=any(v.state == "insufficient_data" for c in cards for v in c.values))


@bp.post("/centres/<string:code>/environment/alerts/<int:alert_id>/acknowledge")
@login_required
def acknowledge(code: str, alert_id: int) -> Response:
    """Take an alert on from the environment page (who and when are kept)."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    alert = alert_ops.get_alert(alert_id, actor=actor, now=now)
    if alert.centre_id != centre.id:
        abort(404)
    back = url_for("environment.environment_page", code=centre.code, point=request.form.get("point") or None)
    try:
        authorise(actor, Perm.ENVIRONMENT_READ, centre.id, now)
        alert_ops.acknowledge(alert, actor=actor, now=now)
    except Forbidden as exc:
        return refuse_form(exc, back=back)  # type: ignore[return-value]
    return redirect(back)
