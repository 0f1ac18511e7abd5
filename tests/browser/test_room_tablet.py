"""A caregiver's morning on the room tablet (1280×800): 晨检 → a nap with its checks as the clock moves → a meal
with an allergy warning → a diaper → a dose with a witness; then the Wi-Fi drops, and what was typed reaches the
server exactly once. Screenshots are kept in `tmp_path`."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from decimal import Decimal

import httpx
import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import Page, Route, expect
from sqlalchemy import func, select

from devices.wire.protocol import Batch, Event, new_key
from server.attendance.models import Credential
from server.attendance.operations.credentials import issue_credential, set_pin
from server.auth.models import User
from server.care.medication.models import MedicationDose
from server.care.medication.requests import request_consent, sign_request
from server.care.models import CareEntry, CareNote, Nap, NapCheck, NapEnd
from server.centre.models import Centre
from server.database import db
from server.demo.seed import DEMO_PASSWORD
from server.fleet.models import DeviceKind
from server.fleet.operations import create_enrolment_code, enroll_device
from server.health.checks.models import HealthCheck
from server.health.checks.operations import record_quick_screen
from server.health.profile.operations import record_allergy
from server.people.models import Child, Staff
from tests.factories import SYSTEM, link, make_contact

WITNESS_PIN = "739146"


@pytest.fixture
def expected_console_errors(expected_console_errors: list[str]) -> list[str]:
    # Each the browser reports for a request the walk makes fail on purpose, by address and reason; nothing else.
    lost, aborted, refused = ("Failed to load resource: net::ERR_INTERNET_DISCONNECTED",
                              "Failed to load resource: net::ERR_FAILED",
                              "Failed to load resource: the server responded with a status of")
    return [
        *expected_console_errors,
        # Offline (and the answer dropped on the way back): the entries, the board, the shell's own polls.
        *(f"{path}: {lost}" for path in ("/care-entries", "/board", "/me/emergencies", "/alerts/stream")),
        *(f"{path}: Failed to load resource: net::ERR_NETWORK_CHANGED" for path in ("/me/emergencies",
                                                                                   "/alerts/stream")),
        f"/board: {aborted}",  # the board held back while the server catches an allergy it knows of...
        f"/care-entries: {refused} 409",  # ...and refuses the entry (the allergy warning)
        f"/care-entries: {aborted}",  # an entry that cannot go when the caregiver logs out
        f"/board: {refused} 401", f"/me/emergencies: {refused} 401",  # logged out, then the session gone
    ]


def _signature() -> bytes:
    image = Image.new("RGBA", (400, 150), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(30, 100), (120, 40), (200, 110), (300, 50), (370, 90)], fill=(0, 0, 0, 255), width=6)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _read(statement):  # type: ignore[no-untyped-def]
    """Rows the server's threads committed; the read's transaction ends at once (SQLite: no lock left held)."""
    db.session.rollback()
    try:
        return db.session.execute(statement).all()
    finally:
        db.session.rollback()


def _count(model, *where) -> int:  # type: ignore[no-untyped-def]
    return int(_read(select(func.count()).select_from(model).where(*where))[0][0])


def _morning(live_server: str, clock) -> dict:  # type: ignore[no-untyped-def]
    """The caregiver's room with four children checked in: one allergic to peanuts, one with a consent for today."""
    centre = db.session.execute(select(Centre).where(Centre.code == "demo")).scalar_one()
    user = db.session.execute(select(User).where(User.username == "caregiver")).scalar_one()
    me = db.session.execute(select(Staff).where(Staff.user_id == user.id)).scalar_one()
    kids = db.session.execute(select(Child).where(Child.room_id == me.home_room_id).order_by(Child.id).limit(4)
                              ).scalars().all()
    now, today = clock.now(), clock.now().date()
    record_allergy(kids[1], allergen="peanuts", severity="severe", recorded_on=today, actor=SYSTEM, now=now,
                   today=today)
    record_allergy(kids[0], allergen="milk", severity="moderate", recorded_on=today, actor=SYSTEM, now=now,
                   today=today)
    # A fever at the door for the child with the consent (the kiosk's quick screen, not yet completed).
    record_quick_screen(kids[3], temperature=Decimal("37.6"), hands_mouth_eyes_ok=True, device_id=None, at=now,
                        now=now)
    guardian = make_contact(centre, now, name="王爸爸")
    link(kids[3], guardian, now)
    # The request typed at drop-off, signed by the guardian on their phone (the system acting for them here).
    request = request_consent(kids[3], drug="布洛芬混悬液", dose="2.5", dose_unit="ml", route="口服",
                              times=["09:30", "15:00"], first_day=today, last_day=today + timedelta(days=2),
                              actor=SYSTEM, now=now)
    consent = sign_request(request, contact=guardian, signature_png=_signature(), actor=SYSTEM, now=now)
    witness = db.session.execute(select(Staff).where(Staff.centre_id == centre.id, Staff.id != me.id,
                                                     Staff.left_on.is_(None)).order_by(Staff.name, Staff.id)
                                 ).scalars().first()
    credential = db.session.execute(select(Credential).where(Credential.staff_id == witness.id)).scalars().first() \
        or issue_credential(centre, staff=witness, expires_on=date(2027, 9, 1), actor=SYSTEM, now=now)
    set_pin(credential, WITNESS_PIN, actor=SYSTEM, now=now)
    code, _ = create_enrolment_code(centre, kind=DeviceKind.KIOSK, name="门口", actor=SYSTEM, now=now)
    device, token = enroll_device(code, kind=DeviceKind.KIOSK, name=None, version=None, now=now)
    world = {"kids": [(k.id, k.name) for k in kids], "witness": witness.id, "consent": consent.id,
             "device": device.device_id, "me": me.id}
    db.session.commit()  # on SQLite the test's transaction would hold the lock the server needs
    event = Event(key=new_key(), device_id=world["device"], stream=new_key(), sequence=1, kind="attendance.check_in",
                  created_at=now, payload={"person_id": f"s{world['me']}", "children": [k for k, _ in world["kids"]],
                                           "method": "pin"})
    body = Batch(device_id=world["device"], sent_at=now, events=[event]).model_dump(mode="json")
    answer = httpx.post(f"{live_server}/api/v1/devices/events", json=body, headers={"Authorization": f"Bearer {token}"})
    assert [r["status"] for r in answer.json()["results"]] == ["accepted"]
    return world


def _log_in(page: Page, base: str, who: str = "caregiver") -> None:
    page.goto(f"{base}/login")
    page.get_by_label("用户名").fill(who)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()


def _open(page: Page, child_id: int):  # type: ignore[no-untyped-def]
    page.locator(f'.child-card[data-child="{child_id}"]').click()
    expect(page.locator("#child-dialog")).to_be_visible()
    return page.locator("#child-dialog")


def _tap(page: Page, name: str) -> None:
    page.locator("#dialog-actions").get_by_role("button", name=name, exact=True).click()


def _refresh(page: Page, clock, minutes: float) -> None:  # type: ignore[no-untyped-def]
    clock.advance(minutes=minutes)
    with page.expect_response(lambda r: "/board" in r.url):
        page.locator("#refresh-button").click()


def test_a_caregivers_morning_on_the_room_tablet(page: Page, live_server, clock, tmp_path):
    world = _morning(live_server, clock)
    (checked, nut, sleeper, medicated) = [k for k, _ in world["kids"]]
    names = dict(world["kids"])
    _log_in(page, live_server)
    page.locator('.role-nav a[data-nav="tablet.my_room"]').click()  # "我的班级": straight to her room's tablet
    expect(page.locator(".child-card")).to_have_count(4)
    expect(page.locator("#pending-count")).to_have_text("全部已上传")
    expect(page.locator(f'.child-card[data-child="{nut}"] .badge-allergy')).to_have_text("花生")
    expect(page.locator(f'.child-card[data-child="{checked}"]')).to_contain_text("待晨检")
    fever = page.locator(f'.child-card[data-child="{medicated}"] .badge-screen')
    expect(fever).to_have_text("门口初筛 37.6 °C：请保健员查看")
    expect(page.locator("#todo-cards .todo-card").first).to_have_attribute("data-child", str(medicated))
    expect(page.locator("#todo-cards .todo-card").first).to_have_attribute("data-todo", "screen")
    expect(page.locator("#todo-cards .todo-card").first).to_have_text(f"{names[medicated]} 门口初筛 37.6 °C：请保健员查看")
    by_name = [str(k) for k, _ in sorted(world["kids"], key=lambda kid: (kid[1], kid[0]))]
    assert page.locator(".child-card").evaluate_all("cards => cards.map(c => c.dataset.child)") == by_name
    page.screenshot(path=str(tmp_path / "01-room.png"), full_page=True)

    # 晨检 through the health check form, then back to the room.
    _open(page, checked)
    page.locator("#dialog-actions").get_by_role("button", name="晨检", exact=True).click()
    page.locator('#hands_mouth_eyes_ok label.good').click()
    for sign in ("skin_ok", "spirits_ok", "asked_ok", "dangerous_objects_found"):
        page.locator(f"#{sign} label.good").click()
    page.locator('button[data-preset="36.5"]').click()
    page.screenshot(path=str(tmp_path / "02-morning-check.png"), full_page=True)
    with page.expect_navigation():
        page.locator("#save-check").click()
    assert _count(HealthCheck, HealthCheck.child_id == checked) == 1
    page.locator('.role-nav a[data-nav="tablet.my_room"]').click()
    expect(page.locator(f'.child-card[data-child="{checked}"]')).not_to_contain_text("待晨检")

    # A nap: the check comes due (announced), a stomach position needs its action at once, then it runs overdue.
    _open(page, sleeper)
    _tap(page, "入睡")
    page.locator("#dialog-close").click()
    expect(page.locator("#pending-count")).to_have_text("全部已上传")
    _refresh(page, clock, 9)
    card = page.locator(f'.child-card[data-child="{sleeper}"]')
    expect(card).to_have_attribute("data-nap", "due")
    expect(card.locator(".nap-timer")).to_have_text("该午睡巡查了")
    expect(page.locator("#announce")).to_have_text(f"{names[sleeper]}：该午睡巡查了")
    # Due now: also in the "现在要做" strip above the cards, which stay in name order.
    expect(page.locator(f'#todo-cards .todo-card[data-child="{sleeper}"]')).to_have_attribute("data-todo", "due")
    assert page.locator(".child-card").evaluate_all("cards => cards.map(c => c.dataset.child)") == by_name
    page.screenshot(path=str(tmp_path / "03-nap-check-due.png"), full_page=True)
    _open(page, sleeper)
    _tap(page, "午睡巡查")
    form = page.locator("#dialog-form")
    form.get_by_text("俯卧", exact=True).click()
    form.locator('fieldset[data-field="breathing"]').get_by_text("正常", exact=True).click()
    form.locator('fieldset[data-field="colour"]').get_by_text("正常", exact=True).click()
    expect(form.locator(".action-help")).to_be_visible()
    form.get_by_role("button", name="记录").click()
    expect(form.locator(".form-problem")).to_contain_text("必须当场填写处理措施")
    form.locator('textarea[name="action"]').fill("已调整为仰卧，呼吸面色正常")
    page.screenshot(path=str(tmp_path / "04-stomach-needs-action.png"), full_page=True)
    form.get_by_role("button", name="记录").click()
    page.locator("#dialog-close").click()
    expect(page.locator("#pending-count")).to_have_text("全部已上传")
    _refresh(page, clock, 12)
    expect(card).to_have_attribute("data-nap", "overdue")
    expect(card.locator(".nap-timer")).to_have_text(re.compile(r"^午睡巡查已超时 [1-9]\d* 分钟$"))
    expect(page.locator("#announce")).to_have_text(re.compile(rf"^{names[sleeper]}：午睡巡查已超时 [1-9]\d* 分钟$"))
    expect(page.locator(f'#todo-cards .todo-card[data-child="{sleeper}"]')).to_have_attribute("data-todo", "overdue")
    page.screenshot(path=str(tmp_path / "05-nap-check-overdue.png"), full_page=True)
    _open(page, sleeper)
    _tap(page, "仰卧·呼吸正常·面色正常")  # the usual check in one tap
    expect(page.locator("#dialog-result")).to_have_text("已记录")  # said once the server has it
    _tap(page, "起床")
    page.locator("#dialog-close").click()
    expect(page.locator("#pending-count")).to_have_text("全部已上传")
    [(nap_id,)] = _read(select(Nap.id).where(Nap.child_id == sleeper))
    assert (_count(NapCheck, NapCheck.nap_id == nap_id), _count(NapEnd, NapEnd.nap_id == nap_id)) == (2, 1)
    assert _read(select(NapCheck.action).where(NapCheck.nap_id == nap_id, NapCheck.position == "stomach")) == [
        ("已调整为仰卧，呼吸面色正常",)]
    assert _read(select(NapCheck.position, NapCheck.breathing_ok, NapCheck.colour_ok).where(
        NapCheck.nap_id == nap_id, NapCheck.position != "stomach")) == [("back", True, True)]

    # A bottle is milk: the milk group is ticked already, so the milk-allergic child's bottle warns.
    _open(page, checked)
    _tap(page, "喂奶")
    milk = form.locator('fieldset[data-field="allergens"] input[value="milk"]')
    expect(milk).to_be_checked()
    expect(form.get_by_label("其他毫升数")).to_be_visible()
    form.get_by_text("120", exact=True).click()
    form.get_by_role("button", name="记录").click()
    expect(form.locator(".allergy-warning")).to_contain_text(f"{names[checked]} 对以下过敏：乳及乳制品")
    form.get_by_role("button", name="已知晓过敏，仍然记录").click()
    expect(page.locator("#dialog-result")).to_have_text("已记录")
    page.locator("#dialog-close").click()
    assert _read(select(CareEntry.ml, CareEntry.allergen_codes, CareEntry.allergy_acknowledged).where(
        CareEntry.child_id == checked, CareEntry.kind == "bottle")) == [(120, ["milk"], True)]

    # A double tap records once.
    _open(page, nut)
    page.locator("#dialog-actions").get_by_role("button", name="饮水", exact=True).dblclick()
    page.locator("#dialog-close").click()
    expect(page.locator("#pending-count")).to_have_text("全部已上传")
    assert _count(CareEntry, CareEntry.child_id == nut, CareEntry.kind == "water") == 1

    # A meal with peanuts for the child allergic to them: warned, confirmed, recorded as acknowledged.
    _open(page, nut)
    _tap(page, "进餐")
    form.get_by_text("一半", exact=True).click()
    form.locator('fieldset[data-field="allergens"]').get_by_text("花生", exact=True).click()
    form.get_by_role("button", name="记录").click()
    warning = form.locator(".allergy-warning")
    expect(warning).to_contain_text("过敏提醒")
    expect(warning).to_contain_text(f"{names[nut]} 对以下过敏：花生")
    page.screenshot(path=str(tmp_path / "06-allergy-warning.png"), full_page=True)
    assert _count(CareEntry, CareEntry.child_id == nut, CareEntry.kind == "meal") == 0  # nothing before the confirmation
    form.get_by_role("button", name="已知晓过敏，仍然记录").click()
    page.locator("#dialog-close").click()
    expect(page.locator("#pending-count")).to_have_text("全部已上传")
    assert _read(select(CareEntry.kind, CareEntry.share_eaten, CareEntry.allergen_codes, CareEntry.allergy_acknowledged)
                 .where(CareEntry.child_id == nut, CareEntry.kind == "meal")) == [("meal", "half", ["peanuts"], True)]

    # A diaper.
    _open(page, nut)
    _tap(page, "换尿布")
    form.get_by_text("小便", exact=True).click()
    form.get_by_role("button", name="记录").click()
    page.locator("#dialog-close").click()
    expect(page.locator("#pending-count")).to_have_text("全部已上传")
    _refresh(page, clock, 1)
    expect(page.locator(f'.child-card[data-child="{nut}"] [data-line="diaper"]')).to_be_visible()
    expect(page.locator(f'.child-card[data-child="{nut}"] [data-line="diaper"]')).to_contain_text("小便")
    expect(page.locator(f'.child-card[data-child="{nut}"] [data-line="meal"]')).to_contain_text("一半")

    # "记录": a note about the day (shared with the family), then a development observation kept internal.
    _open(page, nut)
    _tap(page, "记录")
    form.locator('textarea[name="body"]').fill("今天很开心，和小朋友一起搭积木。")
    form.get_by_role("button", name="记录").click()
    expect(page.locator("#dialog-result")).to_have_text("已记录")
    expect(page.locator("#dialog-notes")).to_contain_text("今天很开心，和小朋友一起搭积木。")
    _tap(page, "记录")
    form.get_by_text("发展观察", exact=True).click()
    form.locator('fieldset[data-field="domain"]').get_by_text("语言", exact=True).click()
    form.locator('textarea[name="body"]').fill("第一次说出“谢谢”。")
    form.get_by_text("分享给家长", exact=True).click()  # untick: an internal note
    page.screenshot(path=str(tmp_path / "06b-observation.png"), full_page=True)
    form.get_by_role("button", name="记录").click()
    expect(page.locator("#dialog-notes li")).to_have_count(2)
    expect(page.locator('#dialog-notes li[data-shared="no"]')).to_contain_text("语言")
    page.locator("#dialog-close").click()
    expect(page.locator("#pending-count")).to_have_text("全部已上传")
    assert _read(select(CareNote.kind, CareNote.domain, CareNote.shared_with_family).where(CareNote.child_id == nut)
                 .order_by(CareNote.id)) == [("note", None, True), ("observation", "language", False)]

    # Medication: the dose due shows on the card; the dose form takes a colleague's name and PIN as witness.
    expect(page.locator(f'.child-card[data-child="{medicated}"] .badge-dose').first).to_have_text("09:30 服药：布洛芬混悬液")
    _open(page, medicated)
    page.locator("#dialog-actions").get_by_role("button", name="喂药 · 布洛芬混悬液").click()
    page.locator(f'#witness-{world["witness"]}').check()
    page.locator("#witness_pin").fill(WITNESS_PIN)
    page.screenshot(path=str(tmp_path / "07-dose-with-witness.png"), full_page=True)
    with page.expect_navigation():
        page.locator("#dose-submit").click()
    assert _count(MedicationDose, MedicationDose.child_id == medicated) == 1
    page.locator('.role-nav a[data-nav="tablet.my_room"]').click()
    expect(page.locator(f'.child-card[data-child="{medicated}"] .badge-done')).to_have_text("09:30 服药：布洛芬混悬液 · 已服")

    # Offline: the entry waits on the tablet ("1 条待上传"), survives a reload without the network (the service
    # worker keeps the screen), and goes once the network is back. The server's clock has moved on since the page
    # was loaded: an entry made after the offline reload carries the server's time of the last board fetch's gap.
    expect(page.locator('html[data-offline-ready="1"]')).to_have_count(1)
    _refresh(page, clock, 45)
    page.context.set_offline(True)
    _open(page, medicated)
    _tap(page, "饮水")
    page.locator("#dialog-close").click()
    expect(page.locator("#pending-count")).to_have_text("1 条待上传")
    expect(page.locator(f'.child-card[data-child="{medicated}"] .card-pending')).to_have_text("1 条待上传")
    expect(page.locator("#offline-note")).to_be_visible()
    # A nap started offline and its first check: the check waits for the nap's id, then goes after it.
    _open(page, sleeper)
    _tap(page, "入睡")
    _tap(page, "午睡巡查")
    form.get_by_text("侧卧", exact=True).click()
    form.locator('fieldset[data-field="breathing"]').get_by_text("正常", exact=True).click()
    form.locator('fieldset[data-field="colour"]').get_by_text("正常", exact=True).click()
    form.get_by_role("button", name="记录").click()
    expect(page.locator("#dialog-result")).to_have_text("已保存在平板上，联网后上传")
    page.locator("#dialog-close").click()
    expect(page.locator("#pending-count")).to_have_text("3 条待上传")
    page.locator("#pending-button").click()
    expect(page.locator("#pending-items li")).to_have_count(3)
    expect(page.locator("#pending-items li").first).to_contain_text(names[medicated])
    expect(page.locator("#pending-items li").last).to_contain_text("等待入睡记录先上传")
    page.screenshot(path=str(tmp_path / "08-offline-waiting.png"), full_page=True)
    page.reload()
    expect(page.locator("#pending-count")).to_have_text("3 条待上传")
    expect(page.locator(".child-card")).to_have_count(4)
    expect(page.locator("#offline-note")).to_be_visible()
    # The kept copy holds no health data: no allergy badge, and no board in the saved page.
    expect(page.locator(".badge-allergy")).to_have_count(0)
    assert page.locator("#tablet-board").count() == 0
    page.screenshot(path=str(tmp_path / "09-offline-reloaded.png"), full_page=True)
    # Made after the offline reload: stamped with the server's time (the gap measured at the last board fetch).
    _open(page, checked)
    _tap(page, "饮水")
    page.locator("#dialog-close").click()
    expect(page.locator("#pending-count")).to_have_text("4 条待上传")
    page.context.set_offline(False)  # `online`: what waits is sent
    expect(page.locator("#pending-count")).to_have_text("全部已上传", timeout=20_000)
    [(late_water_at,)] = _read(select(CareEntry.at).where(CareEntry.child_id == checked, CareEntry.kind == "water"))
    assert abs((late_water_at - clock.now()).total_seconds()) < 120, (late_water_at, clock.now())
    water = (CareEntry.child_id == medicated, CareEntry.kind == "water")
    assert _count(CareEntry, *water) == 1
    [(water_at,)] = _read(select(CareEntry.at).where(*water))
    assert abs((water_at - clock.now()).total_seconds()) < 120  # not the time the page was saved (45 min before)
    naps = _read(select(Nap.id).where(Nap.child_id == sleeper).order_by(Nap.id))
    assert len(naps) == 2 and _count(NapCheck, NapCheck.nap_id == naps[-1][0], NapCheck.position == "side") == 1
    kept_ids = "Object.keys(localStorage).filter(k => k.startsWith('tuoyu-tablet-outbox:'))" \
               ".map(k => JSON.parse(localStorage.getItem(k)).ids)"
    assert page.evaluate(kept_ids) == [{}]  # the nap's id was needed only until its check went

    # The Wi-Fi drops mid-request: the server stored the entry, its answer never arrives; the retry is a replay.
    dropped: list[int] = []

    def drop_the_answer(route: Route) -> None:
        if not dropped:
            dropped.append(route.fetch().status)  # reaches the server, which stores it...
            route.abort("internetdisconnected")  # ...and the tablet never hears back
        else:
            route.continue_()

    page.route("**/care-entries", drop_the_answer)
    _open(page, medicated)
    with page.expect_event("requestfailed"):
        _tap(page, "饮水")
    expect(page.locator("#dialog-result")).to_have_text("已保存，正在上传…")  # not "已记录": no answer came
    page.locator("#dialog-close").click()
    expect(page.locator("#pending-count")).to_have_text("1 条待上传")
    assert dropped == [201] and _count(CareEntry, *water) == 2
    page.screenshot(path=str(tmp_path / "10-answer-lost.png"), full_page=True)
    page.reload()  # kept on the tablet across a reload, and sent again on page load with the same key
    expect(page.locator("#pending-count")).to_have_text("全部已上传")
    assert _count(CareEntry, *water) == 2  # the retry was answered from the kept answer: stored once
    page.screenshot(path=str(tmp_path / "11-delivered-once.png"), full_page=True)
    page.unroute("**/care-entries")

    # A refusal that sending again cannot change stays on the tablet, with the server's reason, to be fixed: an
    # allergy recorded after the board was drawn is caught by the server (409), and confirmed from the list.
    page.route("**/board", lambda route: route.abort())  # the board on the screen stays the one drawn before
    today = clock.now().date()
    record_allergy(db.session.get(Child, checked), allergen="eggs", severity="moderate", recorded_on=today,
                   actor=SYSTEM, now=clock.now(), today=today)
    db.session.commit()
    _open(page, checked)
    _tap(page, "进餐")
    form.get_by_text("全部", exact=True).click()
    form.locator('fieldset[data-field="allergens"]').get_by_text("蛋类", exact=True).click()
    form.get_by_role("button", name="记录").click()
    page.locator("#dialog-close").click()
    expect(page.locator("#pending-count")).to_have_text("1 条待上传")
    # A final refusal says so at the top, with the child and the reason, and opens the list to fix it.
    expect(page.locator("#refused-banner")).to_contain_text(f"{names[checked]}：未被接受")
    expect(page.locator("#pending-list")).to_be_visible()
    refused = page.locator('#pending-items li[data-status="failed"]')
    expect(refused).to_contain_text("过敏")
    page.screenshot(path=str(tmp_path / "12-refused-kept.png"), full_page=True)
    assert _count(CareEntry, CareEntry.child_id == checked, CareEntry.kind == "meal") == 0
    refused.get_by_role("button", name="已知晓过敏，仍然记录").click()
    expect(page.locator("#pending-count")).to_have_text("全部已上传")
    expect(page.locator("#refused-banner")).to_be_hidden()
    assert _read(select(CareEntry.allergen_codes, CareEntry.allergy_acknowledged)
                 .where(CareEntry.child_id == checked, CareEntry.kind == "meal")) == [(["eggs"], True)]
    page.unroute("**/board")

    # Outdoors: start when the class goes out, end when it comes back; the room's minutes against the rule.
    page.locator("#outdoor-button").click()
    expect(page.locator("#outdoor-button")).to_have_text("结束户外活动")
    _refresh(page, clock, 30)
    page.locator("#outdoor-button").click()
    expect(page.locator("#pending-count")).to_have_text("全部已上传")
    _refresh(page, clock, 1)
    expect(page.locator("#outdoor-today")).to_have_text("今日户外 30 分钟（要求 120 分钟）")
    page.screenshot(path=str(tmp_path / "13-outdoors.png"), full_page=True)

    # Logging out with an entry that cannot go: it is tried first, then the caregiver is asked. Logging out leaves
    # no copy of the room screen on the tablet, and the entry waits under her name, without the child's name.
    room_url = page.url
    me = page.evaluate("JSON.parse(document.getElementById('tablet-config').textContent).user")
    page.route("**/care-entries", lambda route: route.abort("failed"))
    _open(page, nut)
    with page.expect_event("requestfailed"):
        _tap(page, "饮水")
    page.locator("#dialog-close").click()
    expect(page.locator("#pending-count")).to_have_text("1 条待上传")
    assert page.evaluate("caches.keys().then(k => k.filter(n => n.startsWith('tuoyu-tablet-')).length)") == 1
    asked: list[str] = []

    def answer(dialog) -> None:  # type: ignore[no-untyped-def]
        asked.append(dialog.message)
        dialog.accept()

    page.once("dialog", answer)
    with page.expect_event("requestfailed"):  # the flush before leaving
        page.get_by_role("button", name="退出").click()
    expect(page.get_by_label("用户名")).to_be_visible()
    assert len(asked) == 1 and asked[0].startswith("还有 1 条未上传"), asked
    assert page.evaluate("caches.keys().then(k => k.filter(n => n.startsWith('tuoyu-tablet-')).length)") == 0
    kept = page.evaluate(f"localStorage.getItem('tuoyu-tablet-outbox:{me}')")
    assert '"entries":[{' in kept and not any(name in kept for name in names.values())
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('tuoyu-tablet-board:')).length") == 0
    page.unroute("**/care-entries")

    # The 保健员 on the same tablet sees that the caregiver's entries wait here (a count, no child's name).
    _log_in(page, live_server, "health")
    page.goto(room_url)
    expect(page.locator("#others-pending")).to_have_text("本平板上还有 陈老师 的 1 条待上传")
    expect(page.locator(".child-card")).to_have_count(4)
    # Her session ends (cookie gone): the next board fetch says so instead of counting down as if all were well.
    page.context.clear_cookies()
    page.locator("#refresh-button").click()
    expect(page.locator("#session-banner")).to_be_visible()
    expect(page.locator("#session-banner")).to_contain_text("登录已过期")
    page.screenshot(path=str(tmp_path / "14-session-ended.png"), full_page=True)


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """The walk is about the browser: it runs once, on SQLite (the server tests run these routes on both)."""
    return sqlite_url
