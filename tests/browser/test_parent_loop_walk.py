"""The parent loop walked in a real browser (issue #16): three people on their own devices, by the screens alone.

1. The issue's walk. The director, at her desk, opens a log-in for a father and reads him the one-time password;
   she publishes a new version of the photo consent. The caregiver, on the room's 10-inch tablet, types a
   medication request from the bottle's label. The father, on his phone (390×844, touch), logs in, chooses his
   own password, lands on the family home (what waits for him, his child's card), reads the day (the arrival,
   the abnormal 晨检, the meal, the nap, all made before through the real operations), acknowledges the 晨检's
   notice (the staff's notices page then shows it acknowledged, by 父亲), signs the new photo consent, signs the
   medication request with a finger on the pad, answers this month's questionnaire and writes to the class; the
   caregiver replies on the tablet and the father sees the reply.
2. The director at her desk: a complaint (made by the demo mother on her phone) answered and closed, the feedback
   page with one questionnaire (below the minimum: nothing shown), and the notices page filtered to overdue.

Every phone page is checked for sideways scroll; every device fails the test on a console error, an uncaught
exception or a CSP violation. Screenshots are kept in `tmp_path`, as the other walks keep theirs.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select

from server.auth.models import User
from server.care.medication.models import MedicationConsent
from server.database import db
from server.families.models import Message
from server.notices.models import GuardianNotice, NoticeAcknowledgement
from server.people.consent_models import ConsentDecision
from tests.browser.parent_loop import (
    DESKTOP,
    PHONE,
    SKIN_FINDINGS,
    TABLET,
    Cast,
    family_of_the_class,
    finger_signature,
    local,
    log_in,
    morning,
    move_to,
    new_device,
    sideways_scroll,
)

pytestmark = pytest.mark.browser
CODE = "demo"
NEW_PASSWORD = "lin-baba-2026"
MEDICATION_REQUEST = "喂药委托申请"
ABNORMAL_CHECK = "孩子的健康检查发现异常"
NEXT_DAY = date(2026, 9, 8)
COMPLAINT = "周一的午饭太咸了，孩子回家一直喝水。"
ANSWER = "谢谢您告诉我们。厨房已核对食谱，今后少放盐，园长会每天试吃。"
ITEMS = ("safety", "care", "food", "communication", "hygiene")


@pytest.fixture
def clock_start() -> datetime:
    """The demo centre is set up at 07:30 on the Monday, before anyone arrives."""
    return local(7, 30)


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """The walks are about the browser: they run once, on SQLite (the server tests run these routes on both)."""
    return sqlite_url


class Walk:
    """What the walk found wrong on the way (sideways scroll, the devices' console errors), asserted at its end so
    that one walk reports every screen at fault, not only the first."""

    def __init__(self, browser: Browser, tmp_path: Path) -> None:
        self.browser, self.tmp_path = browser, tmp_path
        self.watched: list[list[str]] = []
        self.wide: list[str] = []
        self.contexts: list[BrowserContext] = []

    def device(self, viewport: dict[str, int], *, phone: bool = False) -> Page:
        context, page = new_device(self.browser, viewport, self.watched, phone=phone)
        self.contexts.append(context)
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()
        self.contexts.clear()

    def shot(self, page: Page, name: str) -> None:
        page.screenshot(path=str(self.tmp_path / f"parent-loop-{name}.png"), full_page=True)

    def phone(self, page: Page, name: str | None = None) -> None:
        """A phone screen: no sideways scroll (noted), and its screenshot."""
        problem = sideways_scroll(page)
        if problem and problem not in self.wide:
            self.wide.append(problem)
        if name:
            self.shot(page, name)

    def assert_clean(self) -> None:
        reported = [problem for problems in self.watched for problem in problems]
        assert not reported and not self.wide, (
            "the pages reported errors:\n" + "\n".join(reported) + "\nphone pages scroll sideways:\n"
            + "\n".join(self.wide))


def _director_opens_the_log_in(page: Page, live_server: str, cast: Cast, walk: Walk) -> tuple[str, str]:
    """The child's page → the father's "open a family log-in" → the slip to hand over (username, password)."""
    log_in(page, live_server, "director")
    page.goto(f"{live_server}/centres/{CODE}/children/{cast.child_id}")
    page.locator(f'a.family-login-link[href$="/contacts/{cast.father_id}/log-in"]').click()
    expect(page.locator("#account-state")).to_have_class("state-warn")  # no log-in yet
    expect(page.locator("#open-form")).to_be_visible()
    page.locator("#open-form button[type=submit]").click()  # the username: his phone number, by default
    expect(page.locator("#hand-over")).to_be_visible()
    username = page.locator("#hand-over-username").inner_text().strip()
    password = page.locator("#hand-over-password").inner_text().strip()
    assert username == cast.father_phone and len(password) == 10
    expect(page.locator("#account-state")).to_contain_text(username)
    walk.shot(page, "01-director-hands-over")
    return username, password


def _director_publishes_photo_consent_v2(page: Page, live_server: str, walk: Walk) -> None:
    page.goto(f"{live_server}/centres/{CODE}/consents")
    section = page.locator("#text-photos")
    section.locator("details.publish summary").click()
    text = section.locator("textarea[name=text_zh]")
    text.fill(text.input_value() + "\n\n第二版：家园联系群中的照片仅限本班家长查看。")
    section.locator("details.publish button[type=submit]").click()
    expect(page.locator("#text-photos h2")).to_contain_text("2")
    walk.shot(page, "02-director-publishes-photo-consent")


def _caregiver_asks_for_medication(page: Page, live_server: str, cast: Cast, walk: Walk) -> None:
    log_in(page, live_server, "caregiver")
    expect(page.locator("#home-link")).to_be_visible()
    page.goto(f"{live_server}/medication/children/{cast.child_id}/request")
    expect(page.locator("#request-title")).to_have_text(MEDICATION_REQUEST)
    page.locator("#drug").fill("布洛芬混悬液")
    page.locator("#dose").fill("2.5")
    page.locator("#dose_unit").fill("ml")
    page.locator("#route").fill("口服")
    page.locator("#time-1").fill("16:00")
    walk.shot(page, "03-caregiver-types-the-request")
    page.locator("#request-submit").click()
    expect(page.locator(".flash")).to_be_visible()
    walk.shot(page, "04-caregiver-request-sent")


@pytest.fixture
def walk(browser: Browser, live_server: str, tmp_path: Path) -> Iterator[Walk]:
    """The walk's devices, closed before the live server stops (their open event streams end with them)."""
    walk = Walk(browser, tmp_path)
    yield walk
    walk.close()
    db.session.rollback()  # on SQLite a transaction holds the write lock: the server's last polls wait on it


def test_a_parent_walks_the_loop_on_a_phone(walk: Walk, live_server: str, clock):
    cast = family_of_the_class()
    morning(cast, clock)
    move_to(clock, 15, 0)
    office, tablet, phone = walk.device(DESKTOP), walk.device(TABLET), walk.device(PHONE, phone=True)

    # The director opens the father's log-in and publishes version 2 of the photo consent.
    username, one_time = _director_opens_the_log_in(office, live_server, cast, walk)
    _director_publishes_photo_consent_v2(office, live_server, walk)
    # The caregiver types a medication request on the room tablet.
    _caregiver_asks_for_medication(tablet, live_server, cast, walk)

    # The father logs in with the slip and chooses his own password.
    log_in(phone, live_server, username, one_time)
    expect(phone.locator("#password-forced")).to_be_visible()
    walk.phone(phone, "05-phone-choose-password")
    phone.locator("#current_password").fill(one_time)
    phone.locator("#new_password").fill(NEW_PASSWORD)
    phone.locator("#confirm_password").fill(NEW_PASSWORD)
    phone.locator("#password-submit").click()

    # The family home: what waits for him, and his child's card with the day's highlights.
    expect(phone.locator("#family-home")).to_be_visible()
    assert phone.url.endswith(f"/centres/{CODE}/family")
    todos = {key: phone.locator(f'[data-todo="{key}"]') for key in ("notices", "medication", "consents", "survey")}
    expect(todos["notices"]).to_have_attribute("data-count", "1")  # the 晨检 (the others are signed elsewhere)
    expect(todos["medication"]).to_have_attribute("data-count", "1")
    expect(todos["consents"]).to_have_attribute("data-count", "1")  # the photos' version 2
    expect(todos["survey"]).to_be_visible()
    card = phone.locator(f'article.child-card[data-child="{cast.child_id}"]')
    expect(card.locator(".child-name")).to_have_text(cast.child_name)
    expect(card.locator(".room")).to_have_text(cast.room_name)
    expect(card.locator(".family-status")).to_have_attribute("data-state", "in")
    expect(card.locator(".family-status")).to_contain_text(f"08:10 由 母亲 {cast.mother_name} 送来")
    expect(card.locator('[data-highlight="morning_check"]')).to_contain_text("36.8")
    expect(card.locator('[data-highlight="meal"]')).to_contain_text("10:00")
    expect(card.locator('[data-highlight="nap"]')).to_contain_text("12:00")
    expect(card.locator('[data-highlight="nap"]')).to_contain_text("14:00")
    walk.phone(phone, "06-phone-family-home")

    # Today's day, moment by moment.
    card.locator(f'[data-day-link="{cast.child_id}"]').click()
    expect(phone.locator("#family-day")).to_have_attribute("data-day", "2026-09-07")
    timeline = phone.locator("#timeline")
    expect(timeline.locator('[data-kind="arrival"]')).to_contain_text("08:10")
    expect(timeline.locator('[data-kind="arrival"]')).to_contain_text(f"母亲 {cast.mother_name}")
    check = timeline.locator('[data-kind="check"]')
    expect(check).to_contain_text("08:15")
    expect(check).to_contain_text("36.8")
    expect(check.locator(".attention")).to_contain_text("皮肤")
    expect(check).to_contain_text(SKIN_FINDINGS)
    expect(timeline.locator('[data-kind="meal"]')).to_contain_text("10:00")
    expect(timeline.locator('[data-kind="meal"]')).to_contain_text("上午加餐：香蕉和酸奶")
    nap = timeline.locator('[data-kind="nap"]')
    expect(nap).to_contain_text("12:00")
    expect(nap).to_contain_text("14:00")
    expect(nap).to_contain_text("120")
    expect(nap).to_contain_text("2")  # checked twice
    walk.phone(phone, "07-phone-the-day")

    # The 晨检's notice: opened, then acknowledged.
    phone.goto(f"{live_server}/centres/{CODE}/family")
    todos["notices"].click()
    # The inbox counts the notices that ask to sign too (the home counts those where the signing is).
    expect(phone.locator("#inbox-badge")).to_have_text("3")
    expect(phone.locator('#notice-list li[data-waiting="yes"]')).to_have_count(3)
    check_notice = phone.locator('#notice-list li[data-waiting="yes"]').filter(has_text=ABNORMAL_CHECK)
    expect(check_notice).to_have_count(1)
    walk.phone(phone, "08-phone-inbox")
    check_notice.locator("a").click()
    expect(phone.locator("#notice-subject")).to_have_text(ABNORMAL_CHECK)
    expect(phone.locator("#notice-child")).to_have_text(cast.child_name)
    button = phone.locator("#acknowledge-button")
    box = button.bounding_box()
    assert box is not None and box["height"] >= 48
    walk.phone(phone, "09-phone-notice")
    button.click()
    expect(phone.locator("#notice-acknowledged")).to_be_visible()
    walk.phone(phone, "10-phone-notice-acknowledged")
    # … and the staff's notices page says so, by whom (a relationship, never a name).
    office.goto(f"{live_server}/centres/{CODE}/notices?status=acknowledged")
    row = office.locator("#notice-table tbody tr[data-status=acknowledged]")
    expect(row).to_have_count(1)
    expect(row.locator("td.name")).to_have_text(cast.child_name)
    expect(row).to_contain_text("15:00")
    expect(row).to_contain_text("父亲")
    walk.shot(office, "11-director-notice-acknowledged")

    # The photo consent's version 2, signed with his name.
    phone.goto(f"{live_server}/centres/{CODE}/family")
    todos["consents"].click()
    photos = phone.locator(f"#consent-{cast.child_id}-photos")
    expect(photos.locator(".new-version")).to_be_visible()
    photos.locator("input[name=has_read]").check()
    photos.locator("input[name=signed_name]").fill(cast.father_name)
    walk.phone(phone, "12-phone-consent-to-sign")
    photos.locator("button.sign-button").click()
    photos = phone.locator(f"#consent-{cast.child_id}-photos")
    expect(photos).to_have_attribute("data-state", "given")
    expect(photos.locator(".new-version")).to_have_count(0)
    expect(photos.locator(".sign-button")).to_have_count(0)
    walk.phone(phone, "13-phone-consent-signed")

    # The caregiver's medication request, signed with a finger.
    phone.goto(f"{live_server}/centres/{CODE}/family")
    todos["medication"].click()
    to_sign = phone.locator(f'section.family-child[data-child="{cast.child_id}"] a.family-to-sign')
    expect(to_sign).to_have_count(1)
    to_sign.click()
    expect(phone.locator("#request-drug")).to_have_text("布洛芬混悬液")
    expect(phone.locator("#request-card")).to_have_attribute("data-state", "waiting")
    finger_signature(phone)
    walk.phone(phone, "14-phone-medication-signed-on-the-pad")
    phone.locator("#sign-submit").click()
    expect(phone.locator(".flash")).to_have_text("已签字：委托即时生效")
    mine = phone.locator(f'section.family-child[data-child="{cast.child_id}"]')
    expect(mine.locator("a.family-to-sign")).to_have_count(0)
    expect(mine.locator("article[data-consent]")).to_contain_text("布洛芬混悬液")
    walk.phone(phone, "15-phone-medication-in-force")

    # This month's questionnaire.
    phone.goto(f"{live_server}/centres/{CODE}/family")
    todos["survey"].click()
    for item, score in zip(ITEMS, (5, 4, 4, 5, 3), strict=True):
        phone.locator(f'#item-{item} input[value="{score}"]').check(force=True)
    phone.locator("#comment").fill("老师很用心。")
    walk.phone(phone, "16-phone-survey")
    phone.locator("#submit-survey").click()
    expect(phone.locator("#survey-done")).to_be_visible()
    walk.phone(phone, "17-phone-survey-done")

    # A message to the class; the caregiver replies on the tablet; the father sees the reply.
    phone.goto(f"{live_server}/centres/{CODE}/family/children/{cast.child_id}/messages")
    phone.locator("#body").fill("孩子今天皮肤有点红疹，麻烦多留意，谢谢老师。")
    phone.locator("#send").click()
    expect(phone.locator('#chat li[data-side="family"]')).to_have_count(1)
    walk.phone(phone, "18-phone-message-sent")
    tablet.goto(f"{live_server}/centres/{CODE}/children/{cast.child_id}/messages")
    expect(tablet.locator('#chat li[data-side="family"]')).to_contain_text("麻烦多留意")
    tablet.locator("#body").fill("好的，午睡后又看过，红疹没有增多，我们会继续观察。")
    tablet.locator("#send").click()
    expect(tablet.locator('#chat li[data-side="staff"]')).to_have_count(1)
    walk.shot(tablet, "19-tablet-caregiver-replies")
    phone.reload()
    reply = phone.locator('#chat li[data-side="staff"]')
    expect(reply).to_have_count(1)
    expect(reply).to_contain_text("红疹没有增多")
    walk.phone(phone, "20-phone-reply")

    # Every phone page of the loop: no sideways scroll.
    for path in ("family", "family/notices", "family/consents", "family/medication", "family/survey",
                 "family/complaints", "family/settings", f"family/children/{cast.child_id}/day"):
        phone.goto(f"{live_server}/centres/{CODE}/{path}")
        walk.phone(phone)
    walk.close()

    db.session.rollback()  # see what the live server committed
    father = db.session.execute(select(User).where(User.username == username)).scalar_one()
    assert not father.must_change_password
    # Three acknowledgements, all his: the 晨检's by 我已知晓, the consent's and the request's by signing them.
    assert sorted(db.session.execute(
        select(GuardianNotice.kind, NoticeAcknowledgement.contact_id)
        .join(NoticeAcknowledgement, NoticeAcknowledgement.notice_id == GuardianNotice.id)).all()) == [
        ("consent.to_sign", cast.father_id), ("health_check.abnormal", cast.father_id),
        ("medication_consent.to_sign", cast.father_id)]
    assert [(d.contact_id, d.decision.value) for d in db.session.execute(
        select(ConsentDecision).where(ConsentDecision.child_id == cast.child_id,
                                      ConsentDecision.contact_id == cast.father_id)).scalars()] == [
        (cast.father_id, "given")]
    assert db.session.execute(select(MedicationConsent.child_id)).scalars().all() == [cast.child_id]
    assert [m.side.value for m in db.session.execute(
        select(Message).where(Message.child_id == cast.child_id).order_by(Message.id)).scalars()
    ] == ["family", "staff"]
    walk.assert_clean()


def test_the_director_answers_a_complaint_and_finds_the_overdue_notices(walk: Walk, live_server: str, clock):
    cast = family_of_the_class()
    morning(cast, clock)  # the 晨检 with a rash queues a notice to acknowledge within 24 h: nobody does
    move_to(clock, 10, 0, day=NEXT_DAY)
    office, phone = walk.device(DESKTOP), walk.device(PHONE, phone=True)

    # The demo mother, on her phone: a complaint, and this month's questionnaire (one family: below the minimum).
    log_in(phone, live_server, "parent")
    expect(phone.locator("#family-home")).to_be_visible()
    phone.goto(f"{live_server}/centres/{CODE}/family/complaints")
    phone.locator("#category").select_option("food")
    phone.locator("#text").fill(COMPLAINT)
    phone.locator("#send-complaint").click()
    mine = phone.locator("#my-complaints article.complaint-card")
    expect(mine).to_have_count(1)
    expect(mine).to_have_attribute("data-status", "received")
    walk.phone(phone, "21-phone-complaint-sent")
    phone.goto(f"{live_server}/centres/{CODE}/family/survey")
    for item in ITEMS:
        phone.locator(f'#item-{item} input[value="4"]').check(force=True)
    phone.locator("#comment").fill("希望多一些户外活动。")
    phone.locator("#submit-survey").click()
    expect(phone.locator("#survey-done")).to_be_visible()

    # The director: the feedback page, the complaint answered, then closed.
    log_in(office, live_server, "director")
    office.goto(f"{live_server}/centres/{CODE}/feedback")
    row = office.locator("#complaints tbody tr[data-complaint]")
    expect(row).to_have_count(1)
    expect(row).to_have_attribute("data-status", "received")
    expect(row).to_contain_text("09-10 10:00")  # the answer is due within 2 days
    month = office.locator('article.rating-month[data-month="2026-09"]')
    expect(month).to_have_attribute("data-shown", "no")
    expect(month).to_contain_text("问卷太少，不予显示")
    expect(month.locator("table.ratings")).to_have_count(0)
    expect(office.locator("ul.comments")).to_have_count(0)  # not even the comment
    expect(office.locator("body")).not_to_contain_text("希望多一些户外活动")
    walk.shot(office, "22-director-feedback")
    row.locator("a.small-button").click()
    expect(office.locator("#step-received")).to_contain_text(COMPLAINT)
    office.locator("#text").fill(ANSWER)
    office.locator("#send-answer").click()
    expect(office.locator(".flash")).to_have_text("答复已发送给家长")
    expect(office.locator("#step-answered")).to_contain_text(ANSWER)
    expect(office.locator("#step-answered")).to_contain_text("2026-09-08 10:00")
    office.locator("#outcome").fill("已与家长电话沟通，调整了午餐的配菜。")
    office.locator("#close-complaint").click()
    expect(office.locator(".flash")).to_have_text("投诉已办结")
    expect(office.locator(".status")).to_have_attribute("data-status", "closed")
    expect(office.locator("#step-closed")).to_contain_text("调整了午餐的配菜")
    expect(office.locator("#answer-form, #close-form")).to_have_count(0)
    walk.shot(office, "23-director-complaint-closed")
    # The family sees the answer and the outcome.
    phone.goto(f"{live_server}/centres/{CODE}/family/complaints")
    expect(mine).to_have_attribute("data-status", "closed")
    expect(mine.locator(".answer")).to_contain_text(ANSWER)
    walk.phone(phone, "24-phone-complaint-answered")

    # The notices page, filtered to overdue: the 晨检's notice, unacknowledged past its 24 h.
    office.goto(f"{live_server}/centres/{CODE}/notices")
    office.locator("#filter-overdue").click()
    expect(office.locator("#filter-overdue")).to_have_attribute("aria-current", "page")
    overdue = office.locator("#notice-table tbody tr[data-notice]")
    expect(overdue).to_have_count(1)
    expect(overdue).to_have_attribute("data-status", "overdue")
    expect(overdue).to_have_class("notice-overdue")
    expect(overdue.locator("td.name")).to_have_text(cast.child_name)
    expect(overdue).to_contain_text("已超时")
    expect(overdue).to_contain_text("09-08 08:15")  # the deadline, 24 h after it was queued
    walk.shot(office, "25-director-notices-overdue")
    office.locator("#filter-acknowledged").click()
    expect(office.locator("#notice-table tbody tr[data-notice]")).to_have_count(0)
    walk.close()
    walk.assert_clean()
