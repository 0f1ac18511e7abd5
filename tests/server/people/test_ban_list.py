"""The 禁入名单 and the pre-hire gate: a banned person is not hired, and the refusal stays on the audit chain."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from server.audit.models import AccessEvent, AuditEntry, chain_for
from server.audit.operations import verify_chain
from server.auth.roles import Role
from server.database import db
from server.errors import Conflict, ValidationFailed
from server.people.ban_list import BanState, add_ban, ban_entries, lift_ban
from server.people.models import Staff, StaffRole
from server.people.operations import create_staff
from server.people.staff_models import BannedPerson, BanSource
from tests.factories import SYSTEM, make_centre, make_login

TODAY = date(2026, 9, 7)  # T0 in Shanghai
BANNED_ID = "11010519491231002X"  # GB 11643's own example
OTHER_ID = "110101198003070017"


@pytest.fixture
def centre(app, clock):
    centre = make_centre("alpha", clock.now())
    db.session.commit()
    return centre


def _ban(centre, clock, **overrides):
    values = {"name": "刘某", "id_number": BANNED_ID, "reason": "猥亵儿童罪，终身禁止从事密切接触未成年人的工作",
              "source": BanSource.COURT, "decided_on": date(2025, 6, 1), "is_lifetime": True, **overrides}
    ban = add_ban(centre, **values, actor=SYSTEM, now=clock.now(), today=TODAY)
    db.session.commit()
    return ban


def _hire(centre, clock, name="刘某", id_number=BANNED_ID):
    return create_staff(centre, name=name, role=StaffRole.CAREGIVER, hired_on=TODAY, id_number=id_number,
                        actor=SYSTEM, now=clock.now())


def _staff_count() -> int:
    return db.session.execute(select(func.count()).select_from(Staff)).scalar_one()


def test_a_person_on_the_ban_list_is_not_hired(centre, clock):
    _ban(centre, clock)
    with pytest.raises(ValidationFailed) as refused:
        _hire(centre, clock)
    db.session.rollback()
    assert (refused.value.code, refused.value.field, _staff_count()) == ("banned_person", "id_number", 0)


def test_the_ban_matches_the_identity_number_whatever_the_name_and_case(centre, clock):
    _ban(centre, clock)
    with pytest.raises(ValidationFailed) as refused:
        _hire(centre, clock, name="刘某某", id_number=BANNED_ID.lower())
    assert refused.value.code == "banned_person"


def test_the_refusal_is_on_the_audit_chain_though_the_hire_is_rolled_back(centre, clock):
    ban = _ban(centre, clock)
    with pytest.raises(ValidationFailed):
        _hire(centre, clock)
    db.session.rollback()  # what the failed request does after the refusal
    entries = db.session.execute(select(AuditEntry).where(AuditEntry.action == "staff.hire_refused")).scalars().all()
    assert [(e.object_type, e.object_id, e.centre_id) for e in entries] == [("banned_person", str(ban.id), centre.id)]
    assert verify_chain(chain_for(centre.id)).ok


def test_a_name_on_the_list_without_an_identity_number_asks_for_it(centre, clock):
    _ban(centre, clock)
    with pytest.raises(ValidationFailed) as refused:
        _hire(centre, clock, id_number=None)
    assert (refused.value.code, refused.value.field) == ("id_number_required_for_ban_check", "id_number")


def test_the_same_name_with_another_identity_number_is_hired(centre, clock):
    _ban(centre, clock)
    assert _hire(centre, clock, id_number=OTHER_ID).id_number == OTHER_ID


def test_a_lifted_ban_no_longer_bars_the_hire(centre, clock):
    ban = _ban(centre, clock)
    lift_ban(ban, reason="二审改判无罪", source=BanSource.COURT, decided_on=date(2026, 8, 1), actor=SYSTEM,
             now=clock.now(), today=TODAY)
    assert _hire(centre, clock).name == "刘某"


def test_a_ban_for_a_term_ends_after_its_last_day(centre, clock):
    _ban(centre, clock, is_lifetime=False, until=date(2026, 9, 6))
    assert _hire(centre, clock).id is not None


def test_a_ban_for_a_term_holds_on_its_last_day(centre, clock):
    _ban(centre, clock, is_lifetime=False, until=TODAY)
    with pytest.raises(ValidationFailed):
        _hire(centre, clock)


def test_another_centres_ban_list_does_not_apply(centre, clock):
    beta = make_centre("beta", clock.now())
    _ban(beta, clock)
    assert _hire(centre, clock).id is not None


def test_a_lifting_is_a_new_row_and_the_ban_is_unchanged(centre, clock):
    ban = _ban(centre, clock)
    lifting = lift_ban(ban, reason="撤销", source=BanSource.AUTHORITY, decided_on=date(2026, 9, 1), actor=SYSTEM,
                       now=clock.now(), today=TODAY)
    entry, = ban_entries(centre.id, TODAY)
    assert (entry.ban.id, entry.ban.is_lifetime, entry.lifting.id, entry.state) == (
        ban.id, True, lifting.id, BanState.LIFTED)
    assert db.session.execute(select(func.count()).select_from(BannedPerson)).scalar_one() == 2


def test_a_ban_is_lifted_once(centre, clock):
    ban = _ban(centre, clock)
    lift_ban(ban, reason="撤销", source=BanSource.COURT, decided_on=TODAY, actor=SYSTEM, now=clock.now(), today=TODAY)
    with pytest.raises(Conflict) as refused:
        lift_ban(ban, reason="再撤销", source=BanSource.COURT, decided_on=TODAY, actor=SYSTEM, now=clock.now(),
                 today=TODAY)
    assert refused.value.code == "already_lifted"


def test_every_problem_of_a_bad_ban_is_reported_at_once(centre, clock):
    with pytest.raises(ValidationFailed) as refused:
        add_ban(centre, name=" ", id_number="110105194912310021", reason="", source=BanSource.POLICE,
                decided_on=date(2026, 9, 8), is_lifetime=True, until=date(2027, 1, 1), actor=SYSTEM,
                now=clock.now(), today=TODAY)
    assert [p.code for p in refused.value.problems] == [
        "required", "bad_id_number_check_digit", "required", "decided_in_future", "lifetime_with_end"]


def test_a_ban_for_a_term_needs_its_last_day(centre, clock):
    with pytest.raises(ValidationFailed) as refused:
        _ban(centre, clock, is_lifetime=False)
    assert refused.value.code == "ban_without_end"


# --- through the API -------------------------------------------------------------------------------------


def test_the_api_refuses_a_banned_hire_in_the_error_shape_and_keeps_the_refusal(client, centre, clock):
    _ban(centre, clock)
    director = make_login("director", clock.now(), [(centre, Role.ADMIN)])
    response = client.post("/api/v1/centres/alpha/staff", headers=director.headers, json={
        "name": "刘某", "role": "caregiver", "hired_on": "2026-09-07", "id_number": BANNED_ID})
    error = response.get_json()["error"]
    assert (response.status_code, error["code"], error["message"]) == (422, "banned_person", "此人在禁入名单中，不得聘用")
    refusals = db.session.execute(select(AuditEntry.actor_id).where(AuditEntry.action == "staff.hire_refused")).all()
    assert (refusals, _staff_count()) == ([(director.user.id,)], 0)


def test_the_director_adds_lists_and_lifts_bans_with_numbers_masked(client, centre, clock):
    director = make_login("director", clock.now(), [(centre, Role.ADMIN)])
    added = client.post("/api/v1/centres/alpha/banned-persons", headers=director.headers, json={
        "name": "刘某", "id_number": BANNED_ID, "reason": "通报", "source": "police", "decided_on": "2026-01-01",
        "is_lifetime": True})
    assert added.status_code == 201
    lifted = client.post(f"/api/v1/banned-persons/{added.get_json()['id']}/lifting", headers=director.headers,
                         json={"reason": "撤销通报", "source": "police", "decided_on": "2026-09-01"})
    listed = client.get("/api/v1/centres/alpha/banned-persons", headers=director.headers)
    item, = listed.get_json()["items"]
    assert (lifted.status_code, item["state"], item["ban"]["id_number_masked"], item["lifting"]["id"]) == (
        201, "lifted", "1101**********002X", lifted.get_json()["id"])
    assert BANNED_ID not in listed.get_data(as_text=True)
    reads = db.session.execute(select(AccessEvent.object_type).where(AccessEvent.user_id == director.user.id)).all()
    assert reads == [("ban_list",)]


def test_a_caregiver_cannot_read_the_ban_list(client, centre, clock):
    carer = make_login("carer", clock.now(), [(centre, Role.CAREGIVER)])
    assert client.get("/api/v1/centres/alpha/banned-persons", headers=carer.headers).status_code == 403
