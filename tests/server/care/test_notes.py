"""Notes and development observations: written on the tablet, corrected by a new note, shared with the family or
kept internal, stored once when the tablet's queue sends them again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from server.audit.models import AuditEntry
from server.auth.roles import Role
from server.care.models import CareNote
from server.care.notes import amend_note, shared_notes, write_note
from server.database import db
from server.errors import Conflict
from tests.factories import SYSTEM, link, make_contact, make_login
from tests.server.care.conftest import TODAY


def _count() -> int:
    return db.session.execute(select(func.count()).select_from(CareNote)).scalar_one()


def _url(world, child="child") -> str:  # type: ignore[no-untyped-def]
    return f"/api/v1/children/{world[child].id}/care-notes"


@pytest.fixture
def parent(care_world, clock):  # type: ignore[no-untyped-def]
    """The child's mother, logged in on her phone (a guardian of the child, not of the sister)."""
    login = make_login("parent", clock.now(), [(care_world["alpha"], Role.GUARDIAN)])
    link(care_world["child"], make_contact(care_world["alpha"], clock.now(), user=login.user), clock.now())
    db.session.commit()
    return login


def test_a_note_is_written_shared_by_default_and_audited(client, care_world, clock):
    response = client.post(_url(care_world), json={"text": "今天很开心，和小朋友一起搭积木。"},
                           headers=care_world["caregiver"].headers)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["kind"], body["domain"], body["shared_with_family"], body["day"], body["at"]) == (
        "note", None, True, TODAY.isoformat(), clock.now().isoformat().replace("+00:00", "Z"))
    assert "care_note.write" in set(db.session.execute(select(AuditEntry.action)).scalars())


def test_an_observation_names_its_area_of_development(client, care_world):
    ok = client.post(_url(care_world), json={"kind": "observation", "domain": "motor", "text": "能独自走十步。"},
                     headers=care_world["caregiver"].headers)
    assert (ok.status_code, ok.get_json()["domain"]) == (201, "motor")


@pytest.mark.parametrize(("body", "code", "field"), [
    ({"kind": "observation", "text": "会说两个字的词。"}, "required", "domain"),
    ({"kind": "observation", "domain": "singing", "text": "会唱歌。"}, "unknown_domain", "domain"),
    ({"kind": "note", "domain": "motor", "text": "跑得很快。"}, "not_for_kind", "domain"),
    ({"text": "   "}, "invalid_string_too_short", "text"),  # the schema strips blanks
    ({"text": "很开心", "at": "2026-08-01T01:00:00Z"}, "too_old", "at"),
    ({"text": "很开心", "at": "2026-09-07T03:00:00Z"}, "in_future", "at"),
])
def test_bad_notes_are_refused_field_by_field(client, care_world, body, code, field):
    response = client.post(_url(care_world), json=body, headers=care_world["caregiver"].headers)
    assert response.status_code == 422, response.get_json()
    assert (code, field) in {(p["code"], p["field"]) for p in response.get_json()["error"]["details"]}
    assert _count() == 0


def test_a_body_longer_than_a_thousand_characters_is_refused(client, care_world):
    response = client.post(_url(care_world), json={"text": "好" * 1001}, headers=care_world["caregiver"].headers)
    assert (response.status_code, _count()) == (422, 0)


def test_the_tablet_s_queue_sending_a_note_again_stores_it_once(client, care_world, clock):
    written_at = clock.now()
    clock.advance(hours=2)  # the tablet was offline; the note goes with its own time and key
    headers = {**care_world["caregiver"].headers, "Idempotency-Key": "note-0001"}
    body = {"text": "午睡前哭了一会儿，抱抱后睡着了。", "at": written_at.isoformat()}
    first, again = (client.post(_url(care_world), json=body, headers=headers) for _ in range(2))
    assert (first.status_code, again.status_code, again.headers.get("Idempotent-Replayed")) == (201, 201, "true")
    assert (_count(), first.get_json()["id"] == again.get_json()["id"]) == (1, True)
    assert db.session.execute(select(CareNote.at)).scalar_one() == written_at


def test_a_correction_replaces_the_note_and_the_original_stays_on_record(client, care_world, clock):
    note = write_note(care_world["child"], body="吃了半碗饭。", actor=SYSTEM, now=clock.now())
    db.session.commit()
    fixed = client.post(f"/api/v1/care-notes/{note.id}/amend", json={"reason": "记错了", "text": "吃了一碗饭。"},
                        headers=care_world["caregiver"].headers)
    assert (fixed.status_code, fixed.get_json()["amends_id"], fixed.get_json()["text"]) == (201, note.id, "吃了一碗饭。")
    listed = client.get(_url(care_world), headers=care_world["caregiver"].headers).get_json()["items"]
    assert [n["text"] for n in listed] == ["吃了一碗饭。"] and _count() == 2
    twice = client.post(f"/api/v1/care-notes/{note.id}/amend", json={"reason": "再改", "text": "吃了两碗饭。"},
                        headers=care_world["caregiver"].headers)
    assert (twice.status_code, twice.get_json()["error"]["code"]) == (409, "already_amended")


def test_a_correction_without_a_reason_is_refused(care_world, clock):
    note = write_note(care_world["child"], body="很开心。", actor=SYSTEM, now=clock.now())
    with pytest.raises(Exception) as refused:
        amend_note(note, {"body": "很高兴。"}, reason=" ", actor=SYSTEM, now=clock.now())
    assert [p.code for p in refused.value.problems] == ["required"]  # type: ignore[attr-defined]


def test_the_family_reads_the_shared_notes_only(client, care_world, clock, parent):
    child, now = care_world["child"], clock.now()
    shared = write_note(child, body="今天很开心。", actor=SYSTEM, now=now)
    write_note(child, body="与另一名幼儿有抓咬，已观察。", shared_with_family=False, actor=SYSTEM, now=now)
    observed = write_note(child, kind="observation", domain="social_emotional", body="主动把玩具分给小朋友。",
                          actor=SYSTEM, now=now + timedelta(minutes=1))
    db.session.commit()
    staff = client.get(_url(care_world), headers=care_world["caregiver"].headers).get_json()["items"]
    family = client.get(_url(care_world), headers=parent.headers).get_json()["items"]
    assert (len(staff), [n["id"] for n in family]) == (3, [shared.id, observed.id])
    assert [n.id for n in shared_notes(child.id, TODAY)] == [shared.id, observed.id]
    assert shared_notes(child.id, TODAY + timedelta(days=1)) == []


def test_a_correction_can_take_a_note_back_from_the_family(care_world, clock):
    note = write_note(care_world["child"], body="尿布疹，已涂护臀膏。", actor=SYSTEM, now=clock.now())
    hidden = amend_note(note, {"shared_with_family": False}, reason="应由保健员告知家长", actor=SYSTEM, now=clock.now())
    assert (hidden.body, shared_notes(care_world["child"].id, TODAY)) == ("尿布疹，已涂护臀膏。", [])
    with pytest.raises(Conflict):
        amend_note(note, {"body": "x"}, reason="再改", actor=SYSTEM, now=clock.now())


def test_a_guardian_writes_no_note_and_reads_no_other_child_s(client, care_world, parent):
    write = client.post(_url(care_world), json={"text": "家长写的"}, headers=parent.headers)
    sister = client.get(_url(care_world, "sister"), headers=parent.headers)
    other_centre = client.get(_url(care_world, "beta_child"), headers=care_world["caregiver"].headers)
    assert (write.status_code, sister.status_code, other_centre.status_code, _count()) == (403, 404, 404, 0)


def test_a_guardian_cannot_read_a_whole_class_s_naps_or_outdoor_time(client, care_world, parent):
    room = care_world["room"].id
    naps = client.get(f"/api/v1/rooms/{room}/naps", headers=parent.headers)
    outdoor = client.get(f"/api/v1/rooms/{room}/outdoor", headers=parent.headers)
    staff = client.get(f"/api/v1/rooms/{room}/naps", headers=care_world["caregiver"].headers)
    assert (naps.status_code, outdoor.status_code, staff.status_code) == (403, 403, 200)


def test_the_development_domains_are_data_with_their_citation(tmp_path):
    from compliance.care.development import DevelopmentDomainsError, development_domains, load_domains

    domains = development_domains()
    assert [(d.code, d.zh) for d in domains.values()] == [
        ("motor", "动作"), ("language", "语言"), ("cognition", "认知"), ("social_emotional", "情感与社会性")]
    assert {d.source.confidence for d in domains.values()} == {"S"}
    assert all("待核对" in d.source.article for d in domains.values())
    broken = tmp_path / "domains.yaml"
    broken.write_text("kind: development_domains\ncitations: {}\ndomains:\n  Motor: {zh: 动作, en: Motor, cite: x}\n",
                      encoding="utf-8")
    with pytest.raises(DevelopmentDomainsError):
        load_domains(broken)
