"""The screens: the tablet form with the body map, the lock through the form (409), signing and reviewing on the
detail page, the amend form, the office list's filters, and the guardian's page (own child only)."""

from __future__ import annotations

from sqlalchemy import select

from server.database import db
from server.incidents.models import IncidentAmendment, IncidentReport
from tests.server.incidents.conftest import REPORTER_PIN, WITNESS_PIN
from tests.sessions import csrf_token


def _form(world, token: str, **overrides):  # type: ignore[no-untyped-def]
    data = {"csrf_token": token, "child_id": str(world.child.id), "occurred_at": "2026-09-07T09:10",
            "room_id": str(world.room.id), "injury_type": "fall", "body_regions": ["left_knee_front", "face"],
            "cause": "绊倒", "first_aid": "冷敷", "treatment": "none", "witness_id": str(world.witness.id)}
    return {**data, **overrides}


def test_a_caregiver_files_a_report_with_the_body_map(session_client, world) -> None:  # type: ignore[no-untyped-def]
    page = session_client(world.caregiver)
    html = page.get(f"/centres/alpha/incidents/new?child_id={world.child.id}").get_data(as_text=True)
    assert 'data-region="left_knee_front"' in html and 'id="region-face"' in html
    sent = page.post("/centres/alpha/incidents", data=_form(world, csrf_token(html)))
    assert sent.status_code == 302
    row = db.session.execute(select(IncidentReport)).scalar_one()
    assert row.body_regions == ["left_knee_front", "face"]
    assert row.occurred_at.isoformat() == "2026-09-07T01:10:00+00:00"  # 09:10 in Shanghai


def test_problems_come_back_with_the_form_kept(session_client, world) -> None:  # type: ignore[no-untyped-def]
    page = session_client(world.caregiver)
    token = csrf_token(page.get("/centres/alpha/incidents/new").get_data(as_text=True))
    sent = page.post("/centres/alpha/incidents", data=_form(world, token, injury_type="", cause="跑步时摔倒"))
    html = sent.get_data(as_text=True)
    assert sent.status_code == 422 and "跑步时摔倒" in html and 'id="injury_type-problem"' in html


def test_sign_witness_and_review_on_the_detail_page(session_client, world) -> None:  # type: ignore[no-untyped-def]
    row = world.draft()
    page = session_client(world.caregiver)
    token = csrf_token(page.get(f"/incidents/{row.id}").get_data(as_text=True))
    assert page.post(f"/incidents/{row.id}/sign", data={"csrf_token": token, "role": "reporter",
                                                        "pin": REPORTER_PIN}).status_code == 302
    assert page.post(f"/incidents/{row.id}/sign", data={"csrf_token": token, "role": "witness",
                                                        "pin": WITNESS_PIN}).status_code == 302
    director = session_client(world.director)
    token = csrf_token(director.get(f"/incidents/{row.id}").get_data(as_text=True))
    assert director.post(f"/incidents/{row.id}/review", data={"csrf_token": token, "note": "已核实"}).status_code == 302
    html = director.get(f"/incidents/{row.id}").get_data(as_text=True)
    assert 'id="reviewed"' in html and 'id="witness-signed"' in html and 'id="locked"' in html


def test_a_wrong_witness_pin_is_shown_at_the_form(session_client, world) -> None:  # type: ignore[no-untyped-def]
    row = world.signed()
    page = session_client(world.caregiver)
    token = csrf_token(page.get(f"/incidents/{row.id}").get_data(as_text=True))
    sent = page.post(f"/incidents/{row.id}/sign", data={"csrf_token": token, "role": "witness", "pin": "111111"})
    assert sent.status_code == 422 and 'id="pin-problem"' in sent.get_data(as_text=True)


def test_a_locked_report_refuses_the_draft_form(session_client, world) -> None:  # type: ignore[no-untyped-def]
    row = world.signed()
    page = session_client(world.caregiver)
    assert page.get(f"/incidents/{row.id}/edit").status_code == 409
    token = csrf_token(page.get(f"/incidents/{row.id}").get_data(as_text=True))
    sent = page.post(f"/incidents/{row.id}/edit", data=_form(world, token, cause="改写"))
    assert sent.status_code == 409
    db.session.expire_all()
    assert db.session.get(IncidentReport, row.id).cause == "在活动区奔跑时绊倒"


def test_the_amend_form_keeps_a_correction(session_client, world) -> None:  # type: ignore[no-untyped-def]
    row = world.signed()
    page = session_client(world.caregiver)
    html = page.get(f"/incidents/{row.id}/amend?field=cause").get_data(as_text=True)
    sent = page.post(f"/incidents/{row.id}/amend", data={"csrf_token": csrf_token(html), "field": "cause",
                                                          "cause": "被玩具绊倒", "reason": "补充原因"})
    assert sent.status_code == 302
    assert db.session.execute(select(IncidentAmendment.new_value)).scalar_one() == "被玩具绊倒"
    detail = page.get(f"/incidents/{row.id}").get_data(as_text=True)
    assert 'id="amendments"' in detail and "被玩具绊倒" in detail


def test_the_office_list_puts_what_waits_first_and_filters(session_client, world) -> None:  # type: ignore[no-untyped-def]
    world.signed()
    world.reviewed()
    page = session_client(world.director)
    html = page.get("/centres/alpha/incidents?show=witness").get_data(as_text=True)
    assert html.count('data-stage="awaiting_witness" data-overdue') == 1
    assert 'data-stage="awaiting_acknowledgement" data-overdue' not in html


def test_the_guardian_reads_and_acknowledges_their_childs_report(session_client, world) -> None:  # type: ignore[no-untyped-def]
    row = world.reviewed()
    phone = session_client(world.parent)
    html = phone.get(f"/centres/alpha/family/children/{world.child.id}/incidents/{row.id}").get_data(as_text=True)
    assert "在活动区奔跑时绊倒" in html and 'class="region hurt"' in html
    sent = phone.post(f"/centres/alpha/family/children/{world.child.id}/incidents/{row.id}/acknowledge", data={"csrf_token": csrf_token(html)})
    assert sent.status_code == 302
    assert 'id="family-acknowledged"' in phone.get(f"/centres/alpha/family/children/{world.child.id}/incidents/{row.id}").get_data(as_text=True)


def test_another_family_and_an_unreviewed_report_are_404(session_client, world) -> None:  # type: ignore[no-untyped-def]
    reviewed, draft = world.reviewed(), world.draft()
    other = session_client(world.other_parent)
    assert other.get(f"/centres/alpha/family/children/{world.other_child.id}/incidents/{reviewed.id}").status_code == 404
    mother = session_client(world.parent)
    assert mother.get(f"/centres/alpha/family/children/{world.child.id}/incidents/{draft.id}").status_code == 404


def test_staff_do_not_use_the_family_page(session_client, world) -> None:  # type: ignore[no-untyped-def]
    row = world.reviewed()
    assert session_client(world.director).get(f"/centres/alpha/family/children/{world.child.id}/incidents/{row.id}").status_code == 403


def test_a_refused_review_keeps_the_typed_note(session_client, world) -> None:  # type: ignore[no-untyped-def]
    row = world.witnessed()
    director = session_client(world.director)
    token = csrf_token(director.get(f"/incidents/{row.id}").get_data(as_text=True))
    note = "已与家长电话沟通，" + "说明" * 1000  # over the 2000 characters a note may hold
    sent = director.post(f"/incidents/{row.id}/review", data={"csrf_token": token, "note": note})
    html = sent.get_data(as_text=True)
    assert sent.status_code == 422 and note in html and 'id="note-problem"' in html
