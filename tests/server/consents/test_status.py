"""Consents through the operations: the latest decision of any guardian is in force from its instant, at once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from server.audit.models import AuditEntry
from server.database import db
from server.errors import Conflict, ValidationFailed
from server.people.consent_models import ConsentChoice, ConsentPurpose, ConsentState
from server.people.consents import (
    consent_statuses,
    current_documents,
    data_processing_consented,
    decide,
    photos_allowed,
    publish_version,
    record_paper,
)
from server.people.models import Child, Photo
from server.people.operations import record_consent, set_child_photo, update_child
from tests.factories import SYSTEM, make_child
from tests.server.consents.conftest import png

PHOTOS, DATA = ConsentPurpose.PHOTOS, ConsentPurpose.DATA_PROCESSING
GIVEN, WITHDRAWN = ConsentChoice.GIVEN, ConsentChoice.WITHDRAWN


@pytest.fixture
def clock_start() -> datetime:
    return datetime(2026, 9, 7, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


def _sign(family, login, clock, purpose=PHOTOS, version=1):  # type: ignore[no-untyped-def]
    contact = family.mother if login is family.mother_login else family.father
    return decide(family.child, purpose=purpose, version=version, decision=GIVEN, signed_name=contact.name,
                  actor=family.actor(login), now=clock.now())


def _withdraw(family, login, clock, purpose=PHOTOS, version=1):  # type: ignore[no-untyped-def]
    return decide(family.child, purpose=purpose, version=version, decision=WITHDRAWN, signed_name=None,
                  actor=family.actor(login), now=clock.now())


def test_a_withdrawal_refuses_a_photo_a_second_later_and_the_earlier_photo_stands(family, director, clock):
    _sign(family, family.mother_login, clock)
    clock.advance(minutes=59)  # 09:59
    earlier = set_child_photo(family.child, png(), "image/png", actor=SYSTEM, now=clock.now())
    clock.advance(minutes=1)  # 10:00
    withdrawn_at = clock.now()
    _withdraw(family, family.mother_login, clock)
    clock.advance(seconds=1)  # 10:00:01
    with pytest.raises(ValidationFailed) as refused:
        set_child_photo(family.child, png(), "image/png", actor=SYSTEM, now=clock.now())
    assert ([p.code for p in refused.value.problems], db.session.get(Photo, earlier.id) is not None,
            photos_allowed(family.child.id, withdrawn_at - timedelta(minutes=1)),
            photos_allowed(family.child.id, withdrawn_at)) == (["photo_consent_missing"], True, True, False)


def test_no_photo_without_any_photos_consent(family, clock):
    with pytest.raises(ValidationFailed) as refused:
        set_child_photo(family.child, png(), "image/png", actor=SYSTEM, now=clock.now())
    assert refused.value.problems[0].code == "photo_consent_missing"


def test_the_latest_decision_of_either_guardian_wins(family, clock):
    times = []
    for login, act in ((family.mother_login, _sign), (family.father_login, _withdraw),
                       (family.mother_login, _sign)):
        act(family, login, clock)
        times.append(clock.now())
        clock.advance(hours=1)
    assert [photos_allowed(family.child.id, t) for t in times] == [True, False, True]


def test_the_past_keeps_its_answers_after_a_withdrawal(family, clock):
    _sign(family, family.mother_login, clock)
    signed = clock.now()
    clock.advance(days=3)
    _withdraw(family, family.father_login, clock)
    assert (photos_allowed(family.child.id, signed), photos_allowed(family.child.id, clock.now()),
            photos_allowed(family.child.id, signed - timedelta(seconds=1))) == (True, False, False)


def test_declining_without_ever_consenting_is_a_refusal(family, clock):
    _withdraw(family, family.mother_login, clock)
    status = consent_statuses([family.child.id], clock.now())[family.child.id][PHOTOS]
    assert (status.state, status.in_force, status.to_sign) == (ConsentState.REFUSED, False, False)


def test_withdrawing_twice_is_a_conflict(family, clock):
    _sign(family, family.mother_login, clock)
    _withdraw(family, family.mother_login, clock)
    with pytest.raises(Conflict) as twice:
        _withdraw(family, family.father_login, clock)
    assert twice.value.code == "already_withdrawn"


def test_signing_needs_the_name_on_file(family, clock):
    with pytest.raises(ValidationFailed) as wrong:
        decide(family.child, purpose=PHOTOS, version=1, decision=GIVEN, signed_name="别人",
               actor=family.actor(family.mother_login), now=clock.now())
    assert [(p.code, p.field) for p in wrong.value.problems] == [("name_mismatch", "signed_name")]


def test_a_pick_up_adult_who_is_not_a_guardian_cannot_decide(family, clock):
    with pytest.raises(ValidationFailed) as refused:
        decide(family.child, purpose=PHOTOS, version=1, decision=GIVEN, signed_name=family.grandma.name,
               actor=family.actor(family.grandma_login), now=clock.now())
    assert refused.value.problems[0].code == "not_guardian"


def _record(sent: list[dict]):  # type: ignore[no-untyped-def]
    def notify(**kwargs):  # type: ignore[no-untyped-def]
        sent.append(kwargs)
    return notify


def test_a_consent_under_an_older_version_stays_in_force_with_a_new_version_to_sign(family, centre, clock):
    _sign(family, family.mother_login, clock)
    clock.advance(days=1)
    publish_version(centre, PHOTOS, text_zh="新版照片同意书", text_en="New photo text", notify=_record([]),
                    actor=SYSTEM, now=clock.now())
    status = consent_statuses([family.child.id], clock.now())[family.child.id][PHOTOS]
    with pytest.raises(Conflict) as stale:
        _sign(family, family.father_login, clock, version=1)
    _sign(family, family.father_login, clock, version=2)
    after = consent_statuses([family.child.id], clock.now())[family.child.id][PHOTOS]
    assert ((status.in_force, status.version, status.current_version, status.new_version_to_sign), stale.value.code,
            (after.version, after.new_version_to_sign)) == ((True, 1, 2, True), "stale_version", (2, False))


def test_publishing_asks_each_enrolled_child_once_through_the_hand_down(family, centre, clock):
    other = make_child(centre, clock.now(), name="李小红")
    gone = make_child(centre, clock.now(), name="赵小刚")
    update_child(gone, {"left_on": date(2026, 9, 1)}, actor=SYSTEM, now=clock.now(), today=date(2026, 9, 7))
    sent: list[dict] = []
    row = publish_version(centre, DATA, text_zh="新版", text_en="New", notify=_record(sent), actor=SYSTEM,
                          now=clock.now())
    assert ([(n["child_id"], n["kind"], n["detail"]) for n in sent], row.version) == (
        [(c.id, "consent.to_sign", {"purpose": "data_processing", "version": 2,
                                    "link": {"endpoint": "consents.family_consents",
                                             "args": {"code": "alpha", "purpose": "data_processing"}}})
         for c in (family.child, other)], 2)


def test_publishing_the_same_text_again_is_refused(centre, clock):
    text = current_documents(centre, clock.now())[PHOTOS]
    with pytest.raises(ValidationFailed) as same:
        publish_version(centre, PHOTOS, text_zh=text.text_zh, text_en=text.text_en, notify=_record([]),
                        actor=SYSTEM, now=clock.now())
    assert same.value.problems[0].code == "unchanged"


def test_the_default_text_names_the_centre_and_the_rulebook_retention(centre, clock):
    text = current_documents(centre, clock.now())[PHOTOS]
    assert (text.version, text.id, "alpha 托育中心" in text.text_zh, "30天" in text.text_zh,
            "30 days" in text.text_en) == (1, None, True, True, True)


def test_the_office_paper_consent_is_a_paper_decision_and_keeps_the_date_in_step(family, clock):
    record_consent(family.child, family.mother, on=date(2026, 9, 1), actor=SYSTEM, now=clock.now(),
                   today=date(2026, 9, 7))
    status = consent_statuses([family.child.id], clock.now())[family.child.id][DATA]
    child = db.session.get(Child, family.child.id)
    assert (status.state, status.latest.method.value, status.version, child.consent_on,
            child.consent_by_contact_id) == (ConsentState.GIVEN, "paper", 1, date(2026, 9, 1), family.mother.id)


def test_a_data_processing_withdrawal_clears_the_date_and_is_audited(family, clock):
    record_consent(family.child, family.mother, on=date(2026, 9, 1), actor=SYSTEM, now=clock.now(),
                   today=date(2026, 9, 7))
    clock.advance(hours=1)
    _withdraw(family, family.father_login, clock, purpose=DATA)
    child = db.session.get(Child, family.child.id)
    actions = db.session.execute(select(AuditEntry.action).order_by(AuditEntry.id.desc()).limit(2)).scalars().all()
    assert (child.consent_on, data_processing_consented(child.id, clock.now()), actions) == (
        None, False, ["child.update", "consent_decision.record"])


def test_a_paper_withdrawal_of_photos_dated_today_follows_this_mornings_consent(family, clock):
    _sign(family, family.mother_login, clock)
    clock.advance(hours=2)
    record_paper(family.child, family.father, purpose=PHOTOS, decision=WITHDRAWN, on=date(2026, 9, 7),
                 actor=SYSTEM, now=clock.now())
    assert photos_allowed(family.child.id, clock.now()) is False


def test_a_date_kept_before_versions_still_counts_as_a_consent(family, clock):
    update_child(family.child, {"consent_on": date(2026, 3, 1)}, actor=SYSTEM, now=clock.now(), today=date(2026, 9, 7))
    status = consent_statuses([family.child.id], clock.now())[family.child.id][DATA]
    assert (data_processing_consented(family.child.id, clock.now()), status.legacy_on, status.to_sign) == (
        True, date(2026, 3, 1), True)


def test_statuses_of_many_children_at_once(family, centre, clock):
    other = make_child(centre, clock.now(), name="李小红")
    _sign(family, family.mother_login, clock)
    statuses = consent_statuses([family.child.id, other.id], clock.now())
    assert {(i, p.value): s.state.value for i, by in statuses.items() for p, s in by.items()} == {
        (family.child.id, "photos"): "given", (family.child.id, "data_processing"): "none",
        (other.id, "photos"): "none", (other.id, "data_processing"): "none"}
