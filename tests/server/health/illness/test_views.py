"""The 保健员's 表4 page: excluded today, the cases, the forms with per-field errors, sick absences offered."""

from __future__ import annotations

from sqlalchemy import func, select

from server.attendance.models import AbsenceReason
from server.attendance.operations.absences import record_absence
from server.audit.models import AccessEvent
from server.database import db
from server.health.illness.models import IllnessCase, ReturnCertificate
from tests.factories import SYSTEM
from tests.server.health.illness.conftest import TODAY, days, report
from tests.sessions import csrf_token

PAGE = "/centres/alpha/illness"


def _count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def _post(client, url: str, data: dict[str, object]):
    token = csrf_token(client.get(PAGE).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def test_the_page_shows_who_is_excluded_until_when_and_logs_the_read(session_client, world, clock):
    child = world["kids"][0]
    report(child, clock.now(), disease="水痘", onset=TODAY - days(3), excluded_until=TODAY + days(4))
    db.session.commit()
    before = _count(AccessEvent)
    html = session_client(world["health"]).get(PAGE).get_data(as_text=True)
    assert 'id="excluded-list"' in html and f'data-child="{child.id}"' in html
    assert "水痘" in html and (TODAY + days(4)).isoformat() in html and 'id="report-form"' in html
    assert _count(AccessEvent) == before + 1


def test_the_inspector_reads_without_forms_and_the_kitchen_is_refused(session_client, world, clock):
    report(world["kids"][0], clock.now())
    db.session.commit()
    html = session_client(world["inspector"]).get(PAGE).get_data(as_text=True)
    assert "手足口病" in html and 'id="report-form"' not in html and 'id="certificate-' not in html
    assert session_client(world["kitchen"]).get(PAGE).status_code == 403


def test_the_report_form_keeps_what_was_typed_and_shows_each_problem(session_client, world):
    client = session_client(world["health"])
    response = _post(client, f"{PAGE}/cases", {"child_id": "", "disease": "", "onset_on": "2026-13-01",
                                                "reported_on": "2026-09-07", "reported_to": "疾控中心",
                                                "infectious": "y", "excluded_from": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    for name in ("child_id", "onset_on"):
        assert f'id="report-{name}-problem"' in html, name
    assert 'value="疾控中心"' in html
    semantic = _post(client, f"{PAGE}/cases", {"child_id": str(world["kids"][0].id), "disease": "",
                                                "onset_on": "2026-09-07", "reported_on": "2026-09-07",
                                                "infectious": "y", "excluded_from": ""})
    html = semantic.get_data(as_text=True)
    assert semantic.status_code == 422
    assert 'id="report-disease-problem"' in html and 'id="report-excluded_from-problem"' in html
    assert _count(IllnessCase) == 0


def test_the_report_form_records_a_case(session_client, world):
    client = session_client(world["health"])
    response = _post(client, f"{PAGE}/cases", {"child_id": str(world["kids"][1].id), "disease": "手足口病",
                                                "onset_on": "2026-09-06", "reported_on": "2026-09-07",
                                                "reported_to": "疾控中心", "infectious": "y",
                                                "excluded_from": "2026-09-06", "excluded_until": "2026-09-14"})
    assert response.status_code == 302 and response.headers["Location"].endswith("#report")
    case = db.session.execute(select(IllnessCase)).scalar_one()
    assert (case.child_id, case.disease, case.infectious) == (world["kids"][1].id, "手足口病", True)


def test_the_certificate_form_ends_the_exclusion_and_shows_problems(session_client, world, clock):
    case = report(world["kids"][0], clock.now(), onset=TODAY - days(2))
    db.session.commit()
    client = session_client(world["health"])
    url = f"{PAGE}/cases/{case.id}/certificate"
    bad = _post(client, url, {"on": "", "issuer": ""})
    assert bad.status_code == 422 and f'id="certificate-{case.id}-on-problem"' in bad.get_data(as_text=True)
    empty_issuer = _post(client, url, {"on": TODAY.isoformat(), "issuer": " "})
    assert f'id="certificate-{case.id}-issuer-problem"' in empty_issuer.get_data(as_text=True)
    assert _count(ReturnCertificate) == 0
    done = _post(client, url, {"on": TODAY.isoformat(), "issuer": "儿童医院"})
    assert done.status_code == 302 and _count(ReturnCertificate) == 1
    again = _post(client, url, {"on": TODAY.isoformat(), "issuer": "儿童医院"})
    assert again.status_code == 409
    excluded = client.get(PAGE).get_data(as_text=True).split('id="excluded-list"')[1].split("</section>")[0]
    assert "data-case=" not in excluded


def test_a_caregiver_cannot_post_the_forms(session_client, world, clock):
    case = report(world["kids"][0], clock.now())
    db.session.commit()
    client = session_client(world["caregiver"])
    assert _post(client, f"{PAGE}/cases", {"child_id": str(world["kids"][1].id), "disease": "水痘",
                                            "onset_on": "2026-09-07", "reported_on": "2026-09-07",
                                            "infectious": "y", "excluded_from": "2026-09-07"}).status_code == 403
    assert _post(client, f"{PAGE}/cases/{case.id}/certificate", {"on": "2026-09-07",
                                                                  "issuer": "医院"}).status_code == 403


def test_a_sick_absence_today_is_offered_as_a_case_prefilled(session_client, world, clock):
    child = world["kids"][2]
    record_absence(child, on=TODAY, reason=AbsenceReason.SICK, disease="手足口病", actor=SYSTEM, now=clock.now(),
                   today=TODAY)
    db.session.commit()
    client = session_client(world["health"])
    html = client.get(PAGE).get_data(as_text=True)
    assert f'id="report-from-{child.id}"' in html
    prefilled = client.get(f"{PAGE}?child_id={child.id}&disease=手足口病").get_data(as_text=True)
    form = prefilled.split('id="report-form"')[1]
    assert f'<option value="{child.id}" selected' in form and 'value="手足口病"' in form
    assert f'name="excluded_from" id="report-excluded_from" value="{TODAY.isoformat()}"' in form
    assert 'id="report-infectious" checked' in " ".join(form.split())
