"""Parents' ratings: one anonymous questionnaire per family and month; aggregates only above the minimum."""

from __future__ import annotations

from sqlalchemy import inspect, select

from server.audit.models import AuditEntry
from server.auth.roles import Role
from server.database import db
from server.families.models import RatingResponse
from server.families.operations.ratings import respondent_key
from tests.factories import link, make_child, make_contact, make_login
from tests.server.families.conftest import ANSWERS
from tests.sessions import csrf_token


def _rate(client, world, who: str, answers: dict[str, object] | None = None, comment: str | None = None):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/centres/alpha/ratings", json={"answers": answers or ANSWERS, "comment": comment},
                       headers=world[who].headers)


def _summary(client, world, who: str = "director", query: str = ""):  # type: ignore[no-untyped-def]
    return client.get(f"/api/v1/centres/alpha/ratings/summary{query}", headers=world[who].headers)


def _more_families(world, clock, n: int) -> list[str]:  # type: ignore[no-untyped-def]
    """`n` more families of centre alpha, each a guardian with a child; their log-in names."""
    now, names = clock.now(), []
    for i in range(n):
        name = f"parent{i}"
        world[name] = make_login(name, now, [(world["alpha"], Role.GUARDIAN)])
        link(make_child(world["alpha"], now, room=world["moon"], name=f"孩子{i}"),
             make_contact(world["alpha"], now, name=f"家长{i}", user=world[name].user), now)
        names.append(name)
    db.session.commit()
    return names


def test_a_family_answers_once_a_month(client, world):
    first, second = _rate(client, world, "mother"), _rate(client, world, "mother")
    assert (first.status_code, second.status_code, second.get_json()["error"]["code"]) == (201, 409, "already_rated")


def test_two_parents_of_one_child_are_one_family(client, world):
    assert [_rate(client, world, who).status_code for who in ("mother", "father", "other_parent")] == [201, 409, 201]


def test_next_month_the_family_answers_again(client, world, clock):
    _rate(client, world, "mother")
    clock.advance(days=24)  # 2026-10-01 in Shanghai
    assert _rate(client, world, "mother").get_json() == {"month": "2026-10", "answered": True}


def test_a_response_stores_no_person_and_no_time(client, world):
    _rate(client, world, "mother", comment="老师很耐心")
    columns = {c["name"] for c in inspect(db.engine).get_columns("rating_response")}
    row = db.session.execute(select(RatingResponse)).scalar_one()
    assert columns == {"id", "centre_id", "month", "respondent_key", "answers", "comment"}
    assert (row.answers, row.comment, len(row.respondent_key)) == (ANSWERS, "老师很耐心", 64)


def test_the_audit_entry_of_a_response_names_nobody(client, world):
    _rate(client, world, "mother")
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "rating_response.submit")).scalar_one()
    assert (entry.actor_id, entry.actor_kind) == (None, "anonymous")


def test_the_respondent_key_is_keyed_by_the_apps_secret(app, client, world, first_of_month):
    _rate(client, world, "mother")
    kept = db.session.execute(select(RatingResponse.respondent_key)).scalar_one()
    family = (world["alpha"].id, world["kids"]["王小明"].id, first_of_month)
    assert (kept == respondent_key(app.config["SECRET_KEY"], *family), kept == respondent_key("another", *family)) == (
        True, False)


def test_every_item_needs_a_score_on_the_scale(client, world):
    response = _rate(client, world, "mother", {**ANSWERS, "food": 6, "hygiene": None, "music": 3})
    fields = sorted(p["field"] for p in response.get_json()["error"]["details"])
    assert (response.status_code, fields) == (422, ["answers.food", "answers.hygiene", "answers.music"])


def test_staff_are_nobodys_family(client, world):
    response = _rate(client, world, "director")
    assert (response.status_code, response.get_json()["error"]["code"]) == (422, "not_a_guardian")


def test_a_pick_up_only_adult_is_nobodys_family(client, world):
    assert _rate(client, world, "pickup_only").get_json()["error"]["code"] == "not_a_guardian"


def test_the_survey_says_whether_the_family_answered(client, world):
    before = client.get("/api/v1/centres/alpha/ratings/survey", headers=world["father"].headers).get_json()
    _rate(client, world, "mother")
    after = client.get("/api/v1/centres/alpha/ratings/survey", headers=world["father"].headers).get_json()
    assert (before["answered"], after["answered"], before["scale_max"], len(before["items"])) == (False, True, 5, 5)


def test_below_the_minimum_a_month_shows_nothing(client, world):
    _rate(client, world, "mother", comment="很好")
    _rate(client, world, "other_parent", comment="一般")
    month = _summary(client, world).get_json()["items"][0]
    assert month == {"month": "2026-09", "shown": False, "responses": 0, "comments": [],
                     "items": [{"item": key, "responses": 0, "mean": None, "counts": []} for key in ANSWERS]}


def test_at_the_minimum_a_month_shows_its_means_distribution_and_comments(client, world, clock):
    families = _more_families(world, clock, 1)
    _rate(client, world, "mother", comment="很好")
    _rate(client, world, "other_parent", {**ANSWERS, "food": 1})
    _rate(client, world, families[0], {**ANSWERS, "food": 5}, comment="饭菜不错")
    month = _summary(client, world, "inspector").get_json()["items"][0]
    food = next(i for i in month["items"] if i["item"] == "food")
    assert (month["shown"], month["responses"], sorted(month["comments"])) == (True, 3, ["很好", "饭菜不错"])
    assert food == {"item": "food", "responses": 3, "mean": "3.00", "counts": [1, 0, 1, 0, 1]}


def test_the_summary_is_for_those_who_read_feedback(client, world):
    assert [_summary(client, world, who).status_code for who in ("caregiver", "mother", "beta_director")] == [
        403, 403, 404]


def test_months_are_summarised_apart(client, world, clock):
    _rate(client, world, "mother")
    clock.advance(days=30)
    _rate(client, world, "mother")
    items = _summary(client, world, query="?from=2026-08&to=2026-10").get_json()["items"]
    assert [m["month"] for m in items] == ["2026-09", "2026-10"]


def test_the_survey_page_says_submitted_after_answering(session_client, world):
    page = session_client(world["mother"])
    before = page.get("/centres/alpha/family/survey").get_data(as_text=True)
    posted = page.post("/centres/alpha/family/survey", data={
        **{f"answers.{k}": str(v) for k, v in ANSWERS.items()}, "csrf_token": csrf_token(before)})
    after = page.get("/centres/alpha/family/survey").get_data(as_text=True)
    assert ('id="survey-form"' in before, posted.status_code, 'id="survey-done"' in after) == (True, 302, True)


def test_a_survey_form_missing_an_item_comes_back_with_the_choices_kept(session_client, world):
    page = session_client(world["mother"])
    token = csrf_token(page.get("/centres/alpha/family/survey").get_data(as_text=True))
    answer = page.post("/centres/alpha/family/survey", data={"answers.safety": "4", "csrf_token": token})
    html = answer.get_data(as_text=True)
    assert (answer.status_code, 'id="item-care-problem"' in html, 'value="4" checked' in html) == (422, True, True)


def test_the_feedback_page_shows_a_month_below_the_minimum_as_hidden(client, session_client, world):
    _rate(client, world, "mother", comment="只有我一家")
    html = session_client(world["director"]).get("/centres/alpha/feedback").get_data(as_text=True)
    assert ('data-shown="no"' in html, "只有我一家" in html) == (True, False)


def test_the_feedback_page_shows_a_month_at_the_minimum_with_its_comments(client, session_client, world, clock):
    families = _more_families(world, clock, 1)
    for who in ("mother", "other_parent", families[0]):
        _rate(client, world, who, comment=f"{who} 的意见")
    html = session_client(world["inspector"]).get("/centres/alpha/feedback").get_data(as_text=True)
    assert ('data-shown="yes"' in html, 'data-item="food"' in html, "mother 的意见" in html) == (True, True, True)
