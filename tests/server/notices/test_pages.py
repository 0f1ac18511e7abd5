"""The pages: the family's inbox, a notice (opening = read, "我已知晓"), their settings; the centre's notices with
overdue in red; the director's channels, the URL's secret never shown; the dashboard's overdue card."""

from __future__ import annotations

from sqlalchemy import select

from server.audit.models import AuditEntry
from server.database import db
from server.notices.jobs import drain_outbox
from server.notices.models import NoticeAcknowledgement, NoticeAddress, NoticeChannel, NoticePreference, NoticeRead
from server.notices.operations import queue_notice
from tests.factories import SYSTEM
from tests.server.notices.conftest import SUBJECT, push_channel
from tests.sessions import page_csrf

SECRET = "S3cretPassw0rd"


def _queue(world, now, kind="health_check.abnormal", child="child", detail=None):  # type: ignore[no-untyped-def]
    return queue_notice(centre_id=world["alpha"].id, child_id=world[child].id, kind=kind, subject=SUBJECT,
                        detail=detail or {}, actor=SYSTEM, now=now)


def test_the_inbox_shows_the_guardians_notices_to_acknowledge_first(session_client, world, clock):
    waiting = _queue(world, clock.now())
    clock.advance(minutes=5)
    message = _queue(world, clock.now(), kind="message.new")
    _queue(world, clock.now(), child="other_child")
    page = session_client(world["mama_login"]).get("/centres/alpha/family/notices").get_data(as_text=True)
    assert page.index(f'data-notice="{waiting.id}"') < page.index(f'data-notice="{message.id}"')
    assert page.count('class="notice-item"') == 2 and 'id="inbox-badge"' in page and "孩子的健康检查发现异常" in page


def test_opening_a_notice_marks_it_read_and_the_guardian_acknowledges_it(session_client, world, clock):
    link = {"endpoint": "notices_pages.family_settings", "args": {"code": "alpha"}}
    notice = _queue(world, clock.now(), detail={"link": link})
    client = session_client(world["mama_login"])
    page = client.get(f"/centres/alpha/family/notices/{notice.id}").get_data(as_text=True)
    assert 'id="acknowledge-button"' in page and "我已知晓" in page and 'href="/centres/alpha/family/settings"' in page
    read = db.session.execute(select(NoticeRead)).scalar_one()
    assert (read.contact_id, read.at) == (world["mama"].id, clock.now())
    token = page_csrf(client, f"/centres/alpha/family/notices/{notice.id}")
    answer = client.post(f"/centres/alpha/family/notices/{notice.id}/acknowledge", data={"csrf_token": token})
    assert answer.status_code == 302
    assert db.session.execute(select(NoticeAcknowledgement.contact_id)).scalar_one() == world["mama"].id
    after = client.get(f"/centres/alpha/family/notices/{notice.id}").get_data(as_text=True)
    assert 'id="notice-acknowledged"' in after and 'id="acknowledge-button"' not in after
    twice = client.post(f"/centres/alpha/family/notices/{notice.id}/acknowledge", data={"csrf_token": token})
    assert twice.status_code == 409


def test_the_exclusion_notice_shows_its_body_in_the_readers_language(session_client, world, clock):
    detail = {"body": "Because of %(disease)s, your child stays at home from %(start)s. Your child may come back "
                      "with a certificate from a medical institution that they have recovered.",
              "params": {"disease": "手足口病", "start": "2026-09-07"}}
    notice = _queue(world, clock.now(), kind="exclusion", detail=detail)
    client = session_client(world["mama_login"])
    page = client.get(f"/centres/alpha/family/notices/{notice.id}").get_data(as_text=True)
    assert "因手足口病，您的孩子自2026-09-07起居家隔离。痊愈后凭医疗卫生机构出具的证明返园。" in page


def test_another_familys_notice_page_is_not_found(session_client, world, clock):
    notice = _queue(world, clock.now())
    client = session_client(world["lima_login"])
    assert client.get(f"/centres/alpha/family/notices/{notice.id}").status_code == 404
    token = page_csrf(client, "/centres/alpha/family/notices")
    answer = client.post(f"/centres/alpha/family/notices/{notice.id}/acknowledge", data={"csrf_token": token})
    assert answer.status_code == 404
    assert db.session.execute(select(NoticeRead)).first() is None


def test_a_guardian_saves_their_settings_and_bad_input_comes_back_as_typed(session_client, world, clock, receiver):
    channel = push_channel(world, receiver, clock.now())
    db.session.commit()
    client = session_client(world["mama_login"])
    token = page_csrf(client, "/centres/alpha/family/settings")
    bad = client.post("/centres/alpha/family/settings", data={
        "csrf_token": token, "language": "en", "quiet_start": "25:00", "quiet_end": "",
        f"address_{channel.id}": "mama@example.cn"})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'id="quiet_start-problem"' in page and 'value="mama@example.cn"' in page
    good = client.post("/centres/alpha/family/settings", data={
        "csrf_token": token, "language": "en", "quiet_start": "22:00", "quiet_end": "06:30",
        f"address_{channel.id}": "mama@example.cn"})
    assert good.status_code == 302
    pref = db.session.execute(select(NoticePreference)).scalar_one()
    address = db.session.execute(select(NoticeAddress)).scalar_one()
    assert (pref.contact_id, pref.language, pref.quiet_start_min, pref.quiet_end_min, address.address) == (
        world["mama"].id, "en", 22 * 60, 6 * 60 + 30, "mama@example.cn")


def test_the_centres_page_shows_status_and_the_overdue_in_red(session_client, world, clock, receiver):
    notice = _queue(world, clock.now())
    acked = _queue(world, clock.now(), child="other_child")
    drain_outbox(clock.now())
    from server.notices.operations import acknowledge

    acknowledge(acked, contact_id=world["lima"].id, actor=SYSTEM, now=clock.now())
    clock.advance(hours=25)
    db.session.commit()
    client = session_client(world["caregiver"])
    page = client.get("/centres/alpha/notices").get_data(as_text=True)
    assert f'data-notice="{notice.id}" data-status="overdue" class="notice-overdue"' in page
    assert f'data-notice="{acked.id}" data-status="acknowledged"' in page and "家长端" in page
    only = client.get("/centres/alpha/notices?status=overdue").get_data(as_text=True)
    assert f'data-notice="{notice.id}"' in only and f'data-notice="{acked.id}"' not in only


def test_the_centres_page_is_for_staff_only(session_client, world, clock):
    assert session_client(world["mama_login"]).get("/centres/alpha/notices").status_code == 403
    assert session_client(world["kitchen"]).get("/centres/alpha/notices").status_code == 403


def test_the_director_adds_a_channel_whose_secret_is_never_shown_or_audited(session_client, world, clock):
    client = session_client(world["director"])
    token = page_csrf(client, "/centres/alpha/settings/notifications")
    url = f"mailto://tuoyu:{SECRET}@smtp.example.cn?to={{address}}"
    refused = client.post("/centres/alpha/settings/notifications",
                          data={"csrf_token": token, "name": "邮件", "url": url.replace("{address}", "x@y.cn")})
    assert refused.status_code == 422 and SECRET not in refused.get_data(as_text=True)
    added = client.post("/centres/alpha/settings/notifications", data={"csrf_token": token, "name": "邮件", "url": url})
    assert added.status_code == 302
    page = client.get("/centres/alpha/settings/notifications").get_data(as_text=True)
    assert "mailto://smtp.example.cn/…" in page and SECRET not in page and "tuoyu:" not in page
    channel = db.session.execute(select(NoticeChannel)).scalar_one()
    assert SECRET not in channel.url_sealed and channel.url_masked == "mailto://smtp.example.cn/…"
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "notice_channel.add")).scalar_one()
    assert entry.object_id == str(channel.id) and SECRET not in str(entry.after_digest)


def test_the_director_sends_a_test_and_sees_the_result(session_client, world, clock, receiver):
    channel = push_channel(world, receiver, clock.now())
    db.session.commit()
    client = session_client(world["director"])
    token = page_csrf(client, "/centres/alpha/settings/notifications")
    ok = client.post(f"/centres/alpha/settings/notifications/{channel.id}/test",
                     data={"csrf_token": token, "address": "director"})
    assert f'id="test-result-{channel.id}"' in ok.get_data(as_text=True) and receiver.delivered[0][0] == "/hook/director"
    receiver.plan = [500]
    failed = client.post(f"/centres/alpha/settings/notifications/{channel.id}/test",
                         data={"csrf_token": token, "address": "director"}).get_data(as_text=True)
    assert "测试失败" in failed and str(receiver.server.port) not in failed.split("test-result")[1][:300]


def test_the_directors_dashboard_counts_overdue_notices(session_client, world, clock):
    _queue(world, clock.now())
    clock.advance(hours=25)
    db.session.commit()
    page = session_client(world["director"]).get("/?centre=alpha").get_data(as_text=True)
    assert 'id="notices-overdue">1</span>' in page and "条逾期未确认" in page


def test_disabling_a_channel_keeps_it_on_record(session_client, world, clock, receiver):
    channel = push_channel(world, receiver, clock.now())
    db.session.commit()
    client = session_client(world["director"])
    token = page_csrf(client, "/centres/alpha/settings/notifications")
    assert client.post(f"/centres/alpha/settings/notifications/{channel.id}/disable",
                       data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert (channel.is_active, channel.disabled_at) == (False, clock.now())

