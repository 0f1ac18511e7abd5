"""The 表9 workflow through the operations: drafts, the lock at the reporter's signature, the order of the steps,
amendments, who was on duty."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from server.audit.models import AuditEntry
from server.database import db
from server.errors import Conflict, ValidationFailed
from server.incidents.lines import report_lines
from server.incidents.models import IncidentAmendment, ReportStage, Treatment
from server.incidents.operations.amendments import amend_report
from server.incidents.operations.reports import create_draft, update_draft
from server.incidents.operations.signing import review_report, sign_as_reporter, sign_as_witness
from server.staff.operations.roster import assign_shift
from tests.factories import SYSTEM
from tests.server.incidents.conftest import REPORTER_PIN, WITNESS_PIN, actor_of


def _codes(exc: pytest.ExceptionInfo) -> set[str]:  # type: ignore[type-arg]
    return {p.code for p in exc.value.problems}


def test_a_draft_keeps_the_fields_and_is_audited(world) -> None:  # type: ignore[no-untyped-def]
    row = world.draft()
    assert row.body_regions == ["left_knee_front", "right_hand_front"]
    assert row.treatment is Treatment.NONE
    actions = set(db.session.execute(db.select(AuditEntry.action)).scalars())
    assert "incident_report.create" in actions


def test_a_draft_needs_the_time_and_the_type(world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed) as exc:
        create_draft(world.child, values={"cause": "摔倒"}, actor=actor_of(world.caregiver), now=world.now)
    assert _codes(exc) == {"required"}
    assert {p.field for p in exc.value.problems} == {"occurred_at", "injury_type"}


def test_unknown_types_regions_and_future_times_are_refused_at_once(world) -> None:  # type: ignore[no-untyped-def]
    values = world.values(injury_type="bruise", body_regions=["tail"], occurred_at=world.now + timedelta(hours=1))
    with pytest.raises(ValidationFailed) as exc:
        create_draft(world.child, values=values, actor=actor_of(world.caregiver), now=world.now)
    assert _codes(exc) == {"bad_choice", "unknown_region", "in_future"}


def test_a_draft_changes_until_it_is_signed(world) -> None:  # type: ignore[no-untyped-def]
    row = world.draft()
    update_draft(row, values={"cause": "在楼梯上滑倒"}, actor=actor_of(world.caregiver), now=world.now)
    assert row.cause == "在楼梯上滑倒"


def test_the_reporters_signature_locks_the_record(world) -> None:  # type: ignore[no-untyped-def]
    row = world.signed()
    with pytest.raises(Conflict) as exc:
        update_draft(row, values={"cause": "改写"}, actor=actor_of(world.director), now=world.now)
    assert exc.value.code == "record_locked"
    db.session.rollback()
    assert row.cause == "在活动区奔跑时绊倒"


def test_the_reporter_signs_a_complete_report_only(world) -> None:  # type: ignore[no-untyped-def]
    row = world.draft(cause=None, witness_id=None, room_id=None)
    with pytest.raises(ValidationFailed) as exc:
        sign_as_reporter(row, signer=world.reporter, pin=REPORTER_PIN, actor=actor_of(world.caregiver), now=world.now)
    assert {p.field for p in exc.value.problems} == {"cause", "witness_id", "place"}


def test_the_reporter_is_the_member_of_staff_logged_in(world) -> None:  # type: ignore[no-untyped-def]
    row = world.draft()
    with pytest.raises(ValidationFailed) as exc:
        sign_as_reporter(row, signer=world.witness, pin=WITNESS_PIN, actor=actor_of(world.caregiver), now=world.now)
    assert _codes(exc) == {"signer_not_you"}


def test_a_wrong_pin_signs_nothing(world) -> None:  # type: ignore[no-untyped-def]
    row = world.draft()
    with pytest.raises(ValidationFailed) as exc:
        sign_as_reporter(row, signer=world.reporter, pin="000000", actor=actor_of(world.caregiver), now=world.now)
    assert _codes(exc) == {"wrong_pin"}


def test_the_reporter_may_sign_with_their_password(world) -> None:  # type: ignore[no-untyped-def]
    from tests.sessions import PASSWORD

    row = world.draft()
    sig = sign_as_reporter(row, signer=world.reporter, password=PASSWORD, actor=actor_of(world.caregiver),
                           now=world.now)
    assert sig.signed_with.value == "password"


def test_the_witness_signs_after_the_reporter_only(world) -> None:  # type: ignore[no-untyped-def]
    row = world.draft()
    with pytest.raises(Conflict) as exc:
        sign_as_witness(row, signer=world.witness, pin=WITNESS_PIN, actor=actor_of(world.caregiver), now=world.now)
    assert exc.value.code == "not_signed_by_reporter"


def test_only_the_named_witness_signs_as_witness(world) -> None:  # type: ignore[no-untyped-def]
    row = world.signed()
    with pytest.raises(ValidationFailed) as exc:
        sign_as_witness(row, signer=world.reporter, pin=REPORTER_PIN, actor=actor_of(world.caregiver), now=world.now)
    assert _codes(exc) == {"not_the_witness"}


def test_the_witness_cannot_be_the_reporter(world) -> None:  # type: ignore[no-untyped-def]
    row = world.draft(witness_id=world.reporter.id)
    with pytest.raises(ValidationFailed) as exc:
        sign_as_reporter(row, signer=world.reporter, pin=REPORTER_PIN, actor=actor_of(world.caregiver), now=world.now)
    assert _codes(exc) == {"witness_is_reporter"}


def test_the_review_comes_after_both_signatures(world) -> None:  # type: ignore[no-untyped-def]
    row = world.signed()
    with pytest.raises(Conflict) as exc:
        review_report(row, note="", actor=actor_of(world.director), now=world.now)
    assert exc.value.code == "awaiting_witness"


def test_the_review_notifies_the_guardians_urgently(world) -> None:  # type: ignore[no-untyped-def]
    from server.notices.models import GuardianNotice

    row = world.reviewed()
    notice = db.session.execute(db.select(GuardianNotice)).scalar_one()
    assert (notice.kind, notice.child_id) == ("incident.report", world.child.id)
    assert "cause" not in notice.detail and notice.detail["link"]["args"]["report_id"] == row.id
    line = report_lines(world.centre, [row], world.now)[0]
    assert line.stage is ReportStage.AWAITING_ACKNOWLEDGEMENT


def test_a_caregiver_cannot_review(world) -> None:  # type: ignore[no-untyped-def]
    from server.auth.actor import AccessRefused

    row = world.witnessed()
    with pytest.raises(AccessRefused):
        review_report(row, note="", actor=actor_of(world.caregiver), now=world.now)


def test_an_amendment_keeps_the_original_and_shows_the_new_value(world) -> None:  # type: ignore[no-untyped-def]
    row = world.signed()
    amend_report(row, field="cause", value="在活动区被玩具绊倒", reason="见证人补充", actor=actor_of(world.witness_login),
                 now=world.now)
    amend_report(row, field="body_regions", value=["left_knee_front"], reason="右手无伤",
                 actor=actor_of(world.caregiver), now=world.now)
    line = report_lines(world.centre, [row], world.now)[0]
    assert row.cause == "在活动区奔跑时绊倒"
    assert line.values["cause"] == "在活动区被玩具绊倒" and line.values["body_regions"] == ["left_knee_front"]
    first = db.session.execute(db.select(IncidentAmendment).order_by(IncidentAmendment.id)).scalars().first()
    assert (first.old_value, first.new_value, first.report_id) == ("在活动区奔跑时绊倒", "在活动区被玩具绊倒", row.id)


def test_a_draft_is_not_amended(world) -> None:  # type: ignore[no-untyped-def]
    row = world.draft()
    with pytest.raises(Conflict) as exc:
        amend_report(row, field="cause", value="x", reason="y", actor=actor_of(world.caregiver), now=world.now)
    assert exc.value.code == "not_locked"


def test_an_amendment_needs_a_reason_and_an_amendable_field(world) -> None:  # type: ignore[no-untyped-def]
    row = world.signed()
    with pytest.raises(ValidationFailed) as exc:
        amend_report(row, field="witness_id", value=world.reporter.id, reason="", actor=actor_of(world.caregiver),
                     now=world.now)
    assert _codes(exc) == {"required", "not_amendable"}


def test_the_roster_and_room_staff_are_captured(world) -> None:  # type: ignore[no-untyped-def]
    assign_shift(world.centre, staff_id=world.reporter.id, room_id=world.room.id, day=world.now.date(),
                 starts=time(8, 0), ends=time(17, 0), actor=SYSTEM, now=world.now)
    db.session.commit()
    row = world.signed()
    assert [r["name"] for r in row.on_duty["roster"]] == ["张老师"]
    assert row.on_duty["room"] == "小太阳班"


def test_the_audit_keeps_who_was_on_duty_as_captured(world) -> None:  # type: ignore[no-untyped-def]
    """The draft's entry and the reporter's signature (which freezes the roster) both hold the on_duty snapshot."""
    from sqlalchemy import select

    from server.audit.operations import digest, snapshot
    from server.incidents.models import IncidentSignature
    from server.incidents.operations.reports import REPORT_FIELDS
    from server.incidents.operations.signing import SIGNATURE_FIELDS

    assign_shift(world.centre, staff_id=world.reporter.id, room_id=world.room.id, day=world.now.date(),
                 starts=time(8, 0), ends=time(17, 0), actor=SYSTEM, now=world.now)
    db.session.commit()
    row = world.draft()
    created = db.session.execute(select(AuditEntry).where(AuditEntry.action == "incident_report.create",
                                                          AuditEntry.object_id == str(row.id))).scalar_one()
    assert "on_duty" in REPORT_FIELDS and created.after_digest == digest(snapshot(row, REPORT_FIELDS))
    sign_as_reporter(row, signer=world.reporter, pin=REPORTER_PIN, actor=actor_of(world.caregiver), now=world.now)
    db.session.commit()
    assert [r["name"] for r in row.on_duty["roster"]] == ["张老师"]
    signature = db.session.execute(select(AuditEntry).where(AuditEntry.action == "incident_signature.reporter"))\
        .scalar_one()
    signed = db.session.execute(select(IncidentSignature).where(IncidentSignature.report_id == row.id)).scalar_one()
    assert signature.after_digest == digest({**snapshot(signed, SIGNATURE_FIELDS), "on_duty": row.on_duty})
