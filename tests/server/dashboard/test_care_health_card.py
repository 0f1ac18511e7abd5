"""The director's dashboard counts today's 晨检, follow-ups, exclusions, naps and doses (the 保健员 lands on the queue)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from server.auth.roles import Role
from server.care.operations.naps import start_nap
from server.database import db
from server.health.illness.operations import report_case
from tests.factories import SYSTEM, make_login
from tests.server.health.checks.conftest import full_check

TODAY = date(2026, 9, 7)


def _card(session_client, world, clock, role: Role) -> str:  # type: ignore[no-untyped-def]
    html = session_client(make_login(f"who-{role.value}", clock.now(), [(world["alpha"], role)])).get("/")
    page = html.get_data(as_text=True)
    return page.split('id="care-health-card"')[1].split("</section>")[0] if 'id="care-health-card"' in page else ""


def _number(card: str, element_id: str) -> str:
    return card.split(f'id="{element_id}">')[1].split("<")[0].strip()


def test_the_card_counts_what_the_morning_holds(session_client, world, clock):
    now, kids = clock.now(), world["kids"]
    full_check(kids["王小明"], now)
    full_check(kids["李小红"], now, temperature=Decimal("38.2"))  # fever: abnormal, a follow-up opens
    report_case(kids["赵小军"], disease="手足口病", infectious=True, onset_on=TODAY - timedelta(days=1),
                reported_on=TODAY, excluded_from=TODAY - timedelta(days=1), actor=SYSTEM, now=now)
    start_nap(kids["张小华"], at=now - timedelta(minutes=25), actor=SYSTEM, now=now)  # no check for 25 min
    db.session.commit()
    card = _card(session_client, world, clock, Role.ADMIN)
    assert _number(card, "morning-done") == "2 / 3"
    assert (_number(card, "morning-waiting"), _number(card, "morning-abnormal")) == ("1", "1")
    assert _number(card, "follow-ups-open") == "1"
    assert _number(card, "excluded-today") == "1"
    assert (_number(card, "asleep-now"), _number(card, "patrol-overdue")) == ("1", "1")
    assert "手足口病" not in card and "王小明" not in card  # counts only: names and diseases stay on their pages


def test_the_kitchen_and_the_guard_do_not_see_it(session_client, world, clock):
    assert _card(session_client, world, clock, Role.KITCHEN) == ""
    assert _card(session_client, world, clock, Role.SECURITY) == ""


def test_the_kitchen_reads_the_structured_allergies_of_the_health_profile(session_client, world, clock):
    from server.health.profile.operations import record_allergy

    record_allergy(world["kids"]["张小华"], allergen="peanuts", severity="severe", recorded_on=TODAY,
                   actor=SYSTEM, now=clock.now(), today=TODAY)
    record_allergy(world["kids"]["赵小军"], allergen="penicillins", severity="severe", recorded_on=TODAY,
                   actor=SYSTEM, now=clock.now(), today=TODAY)
    db.session.commit()
    login = make_login("cook-2", clock.now(), [(world["alpha"], Role.KITCHEN)])
    kitchen = session_client(login).get("/").get_data(as_text=True).split('id="kitchen-day"')[1]
    assert "张小华 · <strong" in kitchen and "花生" in kitchen
    assert "青霉素" not in kitchen  # a drug allergy is health data: the kitchen reads food allergies only
