"""表4 cases: validation, exclusion until a return certificate, corrections, audit, the attendance evidence."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from compliance import Period
from server.attendance.models import AbsenceReason
from server.attendance.operations.absences import record_absence
from server.audit.models import AuditEntry
from server.database import db
from server.errors import Conflict, ValidationFailed
from server.health.illness.models import IllnessCase, ReturnCertificate
from server.health.illness.operations import (
    amend_case,
    excluded_children,
    exclusion_of,
    record_return_certificate,
    report_case,
)
from server.inspections.sources import app_sources
from tests.factories import SYSTEM
from tests.server.health.illness.conftest import TODAY, days, report


def _count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_a_case_refuses_every_problem_at_once_and_stores_nothing(world, clock):
    with pytest.raises(ValidationFailed) as refused:
        report_case(world["kids"][0], disease="  ", onset_on=TODAY + days(1), reported_on=TODAY + days(2),
                    reported_to="疾控" * 100, excluded_from=None, excluded_until=TODAY, actor=SYSTEM, now=clock.now())
    assert sorted((p.code, p.field) for p in refused.value.problems) == [
        ("exclusion_required", "excluded_from"),
        ("in_future", "onset_on"), ("in_future", "reported_on"), ("required", "disease"),
        ("too_long", "reported_to")]
    assert _count(IllnessCase) == 0


@pytest.mark.parametrize(("changes", "problem"), [
    ({"reported_on": TODAY - days(3)}, ("before_onset", "reported_on")),
    ({"excluded_from": TODAY - days(3)}, ("before_onset", "excluded_from")),
    ({"excluded_until": TODAY - days(2)}, ("before_exclusion", "excluded_until")),
    ({"excluded_from": TODAY + days(2)}, ("in_future", "excluded_from")),
    ({"onset_on": TODAY - days(400), "reported_on": TODAY, "excluded_from": TODAY}, ("onset_too_old", "onset_on")),
    ({"disease": "病" * 81}, ("too_long", "disease")),
])
def test_each_bad_value_is_refused(world, clock, changes, problem):
    values = {"disease": "水痘", "onset_on": TODAY - days(2), "reported_on": TODAY, "excluded_from": TODAY - days(2),
              "excluded_until": None, **changes}
    with pytest.raises(ValidationFailed) as refused:
        report_case(world["kids"][0], **values, actor=SYSTEM, now=clock.now())
    assert problem in [(p.code, p.field) for p in refused.value.problems]
    assert _count(IllnessCase) == 0


def test_a_case_records_the_class_at_onset_and_is_audited(world, clock):
    case = report(world["kids"][0], clock.now(), disease=" 手足口病 ")
    assert (case.class_id, case.disease, case.recorded_at) == (world["moon"].id, "手足口病", clock.now())
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "illness_case.report")).scalar_one()
    assert (entry.object_type, entry.object_id) == ("illness_case", str(case.id))


def test_a_non_infectious_case_needs_no_exclusion(world, clock):
    case = report(world["kids"][0], clock.now(), disease="支气管炎", infectious=False)
    assert case.excluded_from is None and exclusion_of(world["kids"][0].id, TODAY) is None


def test_the_exclusion_lasts_until_the_return_certificate_not_the_expected_day(world, clock):
    child = world["kids"][0]
    case = report(child, clock.now(), disease="水痘", onset=TODAY - days(10), excluded_until=TODAY - days(3))
    # the doctor's expected day has passed: still excluded until a certificate is recorded
    assert exclusion_of(child.id, TODAY).id == case.id
    assert set(excluded_children(world["alpha"].id, TODAY)) == {child.id}
    assert exclusion_of(child.id, TODAY - days(11)) is None  # before the exclusion
    record_return_certificate(case, on=TODAY, issuer="重庆市儿童医院", actor=SYSTEM, now=clock.now())
    assert exclusion_of(child.id, TODAY) is None  # back on the certificate's day
    assert exclusion_of(child.id, TODAY - days(1)).id == case.id
    assert excluded_children(world["alpha"].id, TODAY) == {}
    assert db.session.execute(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "illness_case.return_certificate")).scalar_one() == 1


def test_a_certificate_is_refused_twice_without_exclusion_and_with_bad_values(world, clock):
    now = clock.now()
    case = report(world["kids"][0], now, onset=TODAY - days(3))
    with pytest.raises(ValidationFailed) as refused:
        record_return_certificate(case, on=TODAY + days(1), issuer=" ", actor=SYSTEM, now=now)
    assert sorted(p.code for p in refused.value.problems) == ["in_future", "required"]
    with pytest.raises(ValidationFailed) as early:
        record_return_certificate(case, on=TODAY - days(4), issuer="医院", actor=SYSTEM, now=now)
    assert [p.code for p in early.value.problems] == ["before_exclusion"]
    record_return_certificate(case, on=TODAY, issuer="医院", actor=SYSTEM, now=now)
    with pytest.raises(Conflict) as twice:
        record_return_certificate(case, on=TODAY, issuer="医院", actor=SYSTEM, now=now)
    assert twice.value.code == "already_certified"
    mild = report(world["kids"][1], now, disease="湿疹", infectious=False)
    with pytest.raises(Conflict) as none:
        record_return_certificate(mild, on=TODAY, issuer="医院", actor=SYSTEM, now=now)
    assert none.value.code == "not_excluded"
    assert _count(ReturnCertificate) == 1


def test_a_correction_is_a_new_row_and_the_certificate_follows_the_case(world, clock):
    now, child = clock.now(), world["kids"][0]
    case = report(child, now, disease="水痘", onset=TODAY - days(5))
    fixed = amend_case(case, {"disease": "手足口病", "excluded_from": TODAY - days(4)}, reason="诊断更正",
                       actor=SYSTEM, now=now)
    assert (fixed.amends_id, fixed.reason, fixed.class_id) == (case.id, "诊断更正", case.class_id)
    assert db.session.get(IllnessCase, case.id).disease == "水痘"  # the original stays as it was
    assert exclusion_of(child.id, TODAY).id == fixed.id
    with pytest.raises(Conflict) as again:
        amend_case(case, {"disease": "流感"}, reason="再改", actor=SYSTEM, now=now)
    assert again.value.code == "already_amended"
    with pytest.raises(ValidationFailed) as no_reason:
        amend_case(fixed, {"disease": "流感"}, reason=" ", actor=SYSTEM, now=now)
    assert [(p.code, p.field) for p in no_reason.value.problems] == [("required", "reason")]
    # recorded against any row of the case, the certificate ends the case's exclusion
    certificate = record_return_certificate(fixed, on=TODAY, issuer="医院", actor=SYSTEM, now=now)
    assert certificate.case_id == case.id and exclusion_of(child.id, TODAY) is None


def test_the_attendance_evidence_carries_the_disease_of_a_sick_absence(world, clock):
    child = world["kids"][1]
    record_absence(child, on=TODAY, reason=AbsenceReason.SICK, disease="手足口病", actor=SYSTEM, now=clock.now(),
                   today=TODAY)
    records = app_sources().evidence["attendance"](world["alpha"], Period(TODAY, TODAY))
    mine = [r for r in records if r.child_id == child.id]
    assert [(r.absence_reason, r.disease, r.present) for r in mine] == [("sick", "手足口病", False)]
    assert isinstance(records, list)


def test_excluded_children_never_load_the_certified_history(world, clock):
    """On every kiosk batch, roster build and dashboard load: SQL narrows to the children possibly excluded."""
    from tests.server.health.loaded import rows_loaded

    now, (ming, hong, hua), dong = clock.now(), world["kids"], world["other"]
    old = report(hong, now, disease="水痘", onset=TODAY - days(150))
    record_return_certificate(old, on=TODAY - days(140), issuer="医院", actor=SYSTEM, now=now)
    corrected = report(hua, now, disease="流感", onset=TODAY - days(120))
    fixed = amend_case(corrected, {"disease": "甲型流感"}, reason="诊断更正", actor=SYSTEM, now=now)
    record_return_certificate(fixed, on=TODAY - days(110), issuer="医院", actor=SYSTEM, now=now)
    mild = report(dong, now, disease="支气管炎", onset=TODAY - days(30), infectious=False)
    earlier = report(ming, now, disease="手足口病", onset=TODAY - days(90))
    record_return_certificate(earlier, on=TODAY - days(80), issuer="医院", actor=SYSTEM, now=now)
    current = report(ming, now, disease="疱疹性咽峡炎", onset=TODAY - days(2))
    with rows_loaded(IllnessCase) as loaded:
        found = {child_id: case.id for child_id, case in excluded_children(world["alpha"].id, TODAY).items()}
    assert found == {ming.id: current.id}
    assert loaded.isdisjoint({old.id, corrected.id, fixed.id, mild.id})
    assert loaded <= {earlier.id, current.id}  # the excluded child's own cases, judged by the library
    # the days before: the older cases held, as before
    assert set(excluded_children(world["alpha"].id, TODAY - days(115))) == {hua.id}
    assert set(excluded_children(world["alpha"].id, TODAY - days(145))) == {hong.id}
    assert excluded_children(world["alpha"].id, TODAY - days(60)) == {}
