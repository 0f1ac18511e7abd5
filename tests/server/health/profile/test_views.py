"""The child's health page: what it shows, each form's bad input (per-field errors, nothing stored), access logged."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from server.attendance.models import AttendanceEvent, AttendanceKind
from server.audit.models import AccessEvent
from server.database import db
from server.health.profile import growth as growth_ops
from server.health.profile import operations as ops
from server.health.profile.models import Allergy, ChronicCondition, ConditionClosure, EntryExam, GrowthMeasurement
from tests.factories import SYSTEM
from tests.sessions import csrf_token

TODAY = date(2026, 9, 7)


def _page(world) -> str:  # type: ignore[no-untyped-def]
    return f"/centres/alpha/children/{world['child'].id}/health"


def _post(client, world, path: str, data: dict[str, object]):  # type: ignore[no-untyped-def]
    token = csrf_token(client.get(_page(world)).get_data(as_text=True))
    return client.post(_page(world) + path, data={**data, "csrf_token": token})


def _count(model: type) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_the_page_shows_the_profile_and_logs_the_read(session_client, world, clock) -> None:
    child, now = world["child"], clock.now()
    ops.record_allergy(child, allergen="peanuts", severity="severe", reaction="喉头水肿", recorded_on=TODAY,
                       actor=SYSTEM, now=now, today=TODAY)
    ops.record_condition(child, condition="营养性缺铁性贫血", found_on=TODAY, plan="补铁", managed_by="王",
                         actor=SYSTEM, now=now, today=TODAY)
    growth_ops.record_measurement(child, measured_on=TODAY - timedelta(days=6), height_cm="76.0", weight_kg="9.6",
                                  measured_by="王", actor=SYSTEM, now=now, today=TODAY)
    client = session_client(world["health"])
    page = client.get(_page(world))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "花生" in html and "营养性缺铁性贫血" in html and 'id="growth-data"' in html
    assert 'data-statuses="stunted' in html and "生长迟缓" in html
    assert 'id="exam-needed"' in html  # no entry exam on file
    assert _exam_needed(html) == "尚无入园健康检查记录。"
    assert "vendor/uPlot-1.6.32.iife.min.js" in html and "health/profile.js" in html
    logged = db.session.execute(select(func.count()).select_from(AccessEvent).where(
        AccessEvent.object_type == "child_health", AccessEvent.detail == "profile")).scalar_one()
    assert logged == 1


def _exam_needed(html: str) -> str:
    start = html.index('id="exam-needed">') + len('id="exam-needed">')
    return html[start:html.index("</p>", start)]


def _check_in(child, day: date) -> None:  # type: ignore[no-untyped-def]
    at = datetime(day.year, day.month, day.day, 0, 30, tzinfo=UTC)  # 08:30 in Shanghai
    db.session.add(AttendanceEvent(centre_id=child.centre_id, kind=AttendanceKind.CHECK_IN, child_id=child.id,
                                   method="manual", at=at, flags=[], recorded_at=at))
    db.session.flush()


def test_no_exam_on_file_says_so_whatever_the_days_present(session_client, world) -> None:
    child = world["child"]
    for day in (date(2026, 4, 30), date(2026, 5, 4), TODAY - timedelta(days=1)):
        _check_in(child, day)  # present on several days, one long absence among them
    html = session_client(world["health"]).get(_page(world)).get_data(as_text=True)
    assert _exam_needed(html) == "尚无入园健康检查记录。"
    assert "返园" not in html


def test_back_after_a_long_absence_says_since_when(session_client, world, clock) -> None:
    child = world["child"]
    ops.record_entry_exam(child, examined_on=date(2026, 2, 20), vaccination_checked=True, passed=True,
                          examined_by="区妇幼保健院", actor=SYSTEM, now=clock.now(), today=TODAY)
    _check_in(child, date(2026, 4, 30))
    html = session_client(world["health"]).get(_page(world)).get_data(as_text=True)
    assert _exam_needed(html) == "自 2026-04-30 起离园，2026-09-07 返园：需重新体检后方可入班。"


def test_the_child_page_links_to_health_only_for_health_readers(session_client, world) -> None:
    url = f"/centres/alpha/children/{world['child'].id}"
    assert 'id="child-health-link"' in session_client(world["caregiver"]).get(url).get_data(as_text=True)


def test_a_caregiver_reads_but_sees_no_forms(session_client, world) -> None:
    html = session_client(world["caregiver"]).get(_page(world)).get_data(as_text=True)
    assert 'id="allergy-form"' not in html and 'id="measurement-form"' not in html


def test_another_centre_sees_nothing(session_client, world) -> None:
    assert session_client(world["beta_director"]).get(_page(world)).status_code == 404


def test_the_allergy_form(session_client, world) -> None:
    client = session_client(world["health"])
    bad = _post(client, world, "/allergies", {"allergen": "", "severity": "", "recorded_on": "soon"})
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert 'id="allergy-recorded_on-problem"' in html
    assert _count(Allergy) == 0
    bad = _post(client, world, "/allergies", {"allergen": "durian", "severity": "severe"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'id="allergy-allergen-problem"' in html and 'id="allergy-severity-problem"' not in html
    done = _post(client, world, "/allergies", {"allergen": "milk", "severity": "moderate", "reaction": "腹泻"})
    assert done.status_code == 302
    assert [a.allergen for a in db.session.execute(select(Allergy)).scalars()] == ["milk"]
    row = db.session.execute(select(Allergy)).scalar_one()
    no_reason = _post(client, world, f"/allergies/{row.id}/end", {"ended_on": TODAY.isoformat(), "reason": ""})
    assert no_reason.status_code == 422 and f'id="end-{row.id}-reason-problem"' in no_reason.get_data(as_text=True)
    ended = _post(client, world, f"/allergies/{row.id}/end", {"ended_on": TODAY.isoformat(), "reason": "复查阴性"})
    assert ended.status_code == 302 and _count(Allergy) == 2
    assert ops.active_allergies([world["child"].id], TODAY) == {}


def test_the_condition_forms(session_client, world) -> None:
    client = session_client(world["health"])
    bad = _post(client, world, "/conditions", {"condition": "", "found_on": ""})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'id="condition-found_on-problem"' in html
    assert _count(ChronicCondition) == 0
    assert _post(client, world, "/conditions", {"condition": "龋齿", "found_on": "2026-09-01",
                                                "plan": "转诊口腔科"}).status_code == 302
    row = db.session.execute(select(ChronicCondition)).scalar_one()
    bad = _post(client, world, f"/conditions/{row.id}/close", {"closed_on": "2026-09-07", "outcome": ""})
    assert bad.status_code == 422 and f'id="close-{row.id}-outcome-problem"' in bad.get_data(as_text=True)
    assert _post(client, world, f"/conditions/{row.id}/close", {"closed_on": "2026-09-07",
                                                                "outcome": "已治疗"}).status_code == 302
    assert _count(ConditionClosure) == 1
    again = _post(client, world, f"/conditions/{row.id}/close", {"closed_on": "2026-09-07", "outcome": "x"})
    assert again.status_code == 409


def test_the_entry_exam_form(session_client, world) -> None:
    client = session_client(world["health"])
    bad = _post(client, world, "/entry-exams", {"examined_on": "2027-01-01", "examined_by": ""})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'id="exam-examined_on-problem"' in html and 'id="exam-examined_by-problem"' in html
    assert _count(EntryExam) == 0
    done = _post(client, world, "/entry-exams", {"examined_on": "2026-02-20", "examined_by": "区妇幼保健院",
                                                 "passed": "y"})
    assert done.status_code == 302
    html = client.get(_page(world)).get_data(as_text=True)
    assert 'id="exam-needed"' not in html and "state-bad\">" in html  # certificate not checked, in words


def test_the_measurement_form(session_client, world) -> None:
    client = session_client(world["health"])
    bad = _post(client, world, "/measurements", {"weight_kg": "abc", "measured_by": "王"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'id="m-weight_kg-problem"' in html
    assert 'value="abc"' in html  # what was typed is kept
    bad = _post(client, world, "/measurements", {"measured_by": "王"})
    assert bad.status_code == 422 and 'id="m-height_cm-problem"' in bad.get_data(as_text=True)
    assert _count(GrowthMeasurement) == 0
    done = _post(client, world, "/measurements", {"measured_on": "2026-09-01", "height_cm": "80.5",
                                                  "weight_kg": "10.8", "head_cm": "46", "recumbent": "lying",
                                                  "measured_by": "王保健员"})
    assert done.status_code == 302
    row = db.session.execute(select(GrowthMeasurement)).scalar_one()
    assert row.recumbent is True and str(row.height_cm) == "80.5"
    html = client.get(_page(world)).get_data(as_text=True)
    assert f'data-measurement="{row.id}"' in html


def test_writes_by_a_caregiver_are_refused(session_client, world) -> None:
    client = session_client(world["caregiver"])
    answer = _post(client, world, "/allergies", {"allergen": "milk", "severity": "mild"})
    assert answer.status_code == 403 and _count(Allergy) == 0
