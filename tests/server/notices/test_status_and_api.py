"""What the centre sees (sent, read, acknowledged, overdue) and the API: a guardian reads and acknowledges their own
children's notices only; acknowledging twice, or a notice that needs none, is a 409; others' are 404."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from server.database import db
from server.errors import Conflict, NotFound
from server.notices.jobs import drain_outbox
from server.notices.models import NoticeAcknowledgement, NoticeRead
from server.notices.operations import acknowledge, get_notice, mark_read, open_notice_for, queue_notice
from server.notices.status import NoticeStatus, centre_notices, notice_lines, overdue_count
from tests.factories import SYSTEM
from tests.server.notices.conftest import SUBJECT, guardian_actor


def _queue(world, now, kind="health_check.abnormal", child="child", detail=None):  # type: ignore[no-untyped-def]
    return queue_notice(centre_id=world["alpha"].id, child_id=world[child].id, kind=kind, subject=SUBJECT,
                        detail=detail or {}, actor=SYSTEM, now=now)


def _status(notice, now):  # type: ignore[no-untyped-def]
    return notice_lines([notice], now)[0].status


def test_a_notice_goes_queued_sent_read_acknowledged(world, clock):
    notice = _queue(world, clock.now())
    assert _status(notice, clock.now()) is NoticeStatus.QUEUED
    drain_outbox(clock.now())
    assert _status(notice, clock.now()) is NoticeStatus.SENT
    clock.advance(minutes=10)
    mark_read(notice, contact_id=world["baba"].id, actor=guardian_actor(world["baba_login"]), now=clock.now())
    assert _status(notice, clock.now()) is NoticeStatus.READ
    clock.advance(minutes=5)
    row = acknowledge(notice, contact_id=world["mama"].id, actor=guardian_actor(world["mama_login"]), now=clock.now())
    line = notice_lines([notice], clock.now())[0]
    assert (line.status, line.first_read_at, line.acknowledgement.id, line.acknowledged_by.value) == (
        NoticeStatus.ACKNOWLEDGED, clock.now() - timedelta(minutes=5), row.id, "mother")


def test_only_the_first_read_per_guardian_is_kept(world, clock):
    notice = _queue(world, clock.now())
    first = mark_read(notice, contact_id=world["mama"].id, actor=SYSTEM, now=clock.now())
    again = mark_read(notice, contact_id=world["mama"].id, actor=SYSTEM, now=clock.now() + timedelta(hours=1))
    assert again.id == first.id and db.session.execute(select(func.count()).select_from(NoticeRead)).scalar_one() == 1


def test_past_the_deadline_unacknowledged_is_overdue(world, clock):
    notice = _queue(world, clock.now())
    late = clock.now() + timedelta(hours=24)
    assert _status(notice, late - timedelta(seconds=1)) is NoticeStatus.QUEUED
    assert _status(notice, late) is NoticeStatus.OVERDUE and overdue_count(world["alpha"], late) == 1
    _queue(world, clock.now(), kind="message.new")  # needs no acknowledgement: never overdue
    assert overdue_count(world["alpha"], late + timedelta(days=9)) == 1


def test_acknowledging_twice_or_what_needs_none_is_a_conflict(world, clock):
    notice, message = _queue(world, clock.now()), _queue(world, clock.now(), kind="message.new")
    mama = guardian_actor(world["mama_login"])
    acknowledge(notice, contact_id=world["mama"].id, actor=mama, now=clock.now())
    with pytest.raises(Conflict) as twice:
        acknowledge(notice, contact_id=world["baba"].id, actor=guardian_actor(world["baba_login"]), now=clock.now())
    with pytest.raises(Conflict) as needless:
        acknowledge(message, contact_id=world["mama"].id, actor=mama, now=clock.now())
    assert (twice.value.code, needless.value.code) == ("already_acknowledged", "no_acknowledgement_needed")
    assert db.session.execute(select(func.count()).select_from(NoticeAcknowledgement)).scalar_one() == 1


def test_a_guardian_acknowledges_only_as_themselves_and_for_their_own_child(world, clock):
    notice = _queue(world, clock.now())
    with pytest.raises(NotFound):  # mama cannot acknowledge in baba's name
        acknowledge(notice, contact_id=world["baba"].id, actor=guardian_actor(world["mama_login"]), now=clock.now())
    with pytest.raises(NotFound):
        acknowledge(notice, contact_id=world["lima"].id, actor=guardian_actor(world["lima_login"]), now=clock.now())
    with pytest.raises(NotFound):
        get_notice(notice.id, actor=guardian_actor(world["lima_login"]), now=clock.now())


def test_another_domain_finds_the_notice_it_acknowledges_by_its_link(world, clock):
    link = {"endpoint": "medication.family_sign", "args": {"code": "alpha", "request_id": 7}}
    notice = _queue(world, clock.now(), kind="medication_consent.to_sign", detail={"link": link})
    assert open_notice_for(world["child"].id, "medication_consent.to_sign", {"request_id": 7}).id == notice.id
    assert open_notice_for(world["child"].id, "medication_consent.to_sign", {"request_id": 8}) is None
    acknowledge(notice, contact_id=world["mama"].id, actor=SYSTEM, now=clock.now())
    assert open_notice_for(world["child"].id, "medication_consent.to_sign", {"request_id": 7}) is None


def test_staff_see_the_centre_a_guardian_only_their_own(world, clock):
    own, other = _queue(world, clock.now()), _queue(world, clock.now(), child="other_child")
    staff = centre_notices(world["alpha"], actor=guardian_actor(world["caregiver"]), now=clock.now())
    mine = centre_notices(world["alpha"], actor=guardian_actor(world["lima_login"]), now=clock.now())
    assert ({line.notice.id for line in staff}, [line.notice.id for line in mine]) == ({own.id, other.id}, [other.id])
    with pytest.raises(NotFound):
        centre_notices(world["alpha"], actor=guardian_actor(world["lima_login"]), now=clock.now(),
                       child_id=world["child"].id)


# ---- the API ----------------------------------------------------------------------------------------------

def test_the_api_lists_filters_and_shows_a_notice(client, world, clock):
    notice = _queue(world, clock.now())
    _queue(world, clock.now(), child="other_child", kind="message.new")
    clock.advance(hours=25)
    headers = world["caregiver"].headers
    overdue = client.get("/api/v1/centres/alpha/notices?status=overdue", headers=headers).get_json()["items"]
    assert [(n["id"], n["status"], n["overdue"], n["needs_acknowledgement"]) for n in overdue] == [
        (notice.id, "overdue", True, True)]
    one = client.get(f"/api/v1/notices/{notice.id}", headers={**headers, "Accept-Language": "en"}).get_json()
    assert (one["subject"], one["kind"], one["channels"]) == (SUBJECT, "health_check.abnormal", ["portal"])
    zh = client.get(f"/api/v1/notices/{notice.id}", headers=headers).get_json()
    assert zh["subject"] == "孩子的健康检查发现异常"


def test_a_guardian_reads_and_acknowledges_through_the_api_once(client, world, clock):
    notice = _queue(world, clock.now())
    headers = world["mama_login"].headers
    read = client.post(f"/api/v1/notices/{notice.id}/read", headers=headers)
    assert (read.status_code, read.get_json()["status"]) == (200, "read")
    ack = client.post(f"/api/v1/notices/{notice.id}/acknowledge", headers=headers)
    assert (ack.status_code, ack.get_json()["contact_id"]) == (201, world["mama"].id)
    again = client.post(f"/api/v1/notices/{notice.id}/acknowledge", headers=world["baba_login"].headers)
    assert (again.status_code, again.get_json()["error"]["code"]) == (409, "already_acknowledged")


@pytest.mark.parametrize(("method", "path"), [("GET", ""), ("POST", "/read"), ("POST", "/acknowledge")])
def test_another_familys_notice_is_not_found(client, world, clock, method, path):
    notice = _queue(world, clock.now())
    answer = client.open(f"/api/v1/notices/{notice.id}{path}", method=method, headers=world["lima_login"].headers)
    assert (answer.status_code, answer.get_json()["error"]["code"]) == (404, "not_found")


def test_a_guardian_lists_only_their_own_and_not_another_childs(client, world, clock):
    _queue(world, clock.now())
    other = _queue(world, clock.now(), child="other_child")
    headers = world["lima_login"].headers
    items = client.get("/api/v1/centres/alpha/notices", headers=headers).get_json()["items"]
    assert [n["id"] for n in items] == [other.id]
    refused = client.get(f"/api/v1/centres/alpha/notices?child_id={world['child'].id}", headers=headers)
    assert refused.status_code == 404


def test_staff_cannot_acknowledge_and_are_nobodys_guardian(client, world, clock):
    notice = _queue(world, clock.now())
    carer = client.post(f"/api/v1/notices/{notice.id}/acknowledge", headers=world["caregiver"].headers)
    director = client.post(f"/api/v1/notices/{notice.id}/acknowledge", headers=world["director"].headers)
    read = client.post(f"/api/v1/notices/{notice.id}/read", headers=world["caregiver"].headers)
    assert (carer.status_code, director.status_code, director.get_json()["error"]["code"], read.status_code) == (
        403, 409, "not_a_guardian", 409)


def test_bad_input_is_a_4xx_in_the_error_shape(client, world, clock):
    answer = client.get("/api/v1/centres/alpha/notices?status=lost", headers=world["director"].headers)
    assert answer.status_code == 422 and answer.get_json()["error"]["field"] == "status"
