"""The director records a fire drill and publishes the fire plan by the screens alone; the caregiver sees the plan
to read on her room tablet and confirms it. Tablet-sized (1280×800); screenshots are kept in `tmp_path`.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from server.demo.seed import DEMO_PASSWORD


def _log_in(page: Page, base: str, who: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("用户名").fill(who)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#home-link")).to_be_visible()


def test_the_director_records_a_drill_and_a_caregiver_confirms_the_plan(page: Page, live_server, tmp_path):
    _log_in(page, live_server, "director")
    page.locator('.role-nav a[data-nav="preparedness.plans"]').click()
    expect(page.locator("#plans-title")).to_have_text("应急预案")
    expect(page.locator("#plan-fire [data-state=missing]")).to_have_text("尚未发布预案")

    page.locator("#tab-drills").click()
    page.locator("#record-drill").click()
    page.locator("#children_count").fill("22")
    page.locator("#evacuation_min").fill("2")
    page.locator("#evacuation_sec").fill("40")
    page.locator("input[name=participant_ids]").nth(0).check()
    page.locator("input[name=participant_ids]").nth(1).check()
    page.locator("#problems").fill("小月亮班出口处停放推车")
    page.locator("#a0").fill("清理出口通道")
    page.locator("#o0").select_option(index=1)
    page.locator("#d0").fill("2026-09-14")
    page.screenshot(path=str(tmp_path / "drill-form-tablet.png"), full_page=True)
    page.locator("#save-drill").click()
    drill = page.locator("article[data-drill]").first
    expect(drill).to_contain_text("疏散用时 2 分 40 秒")
    expect(drill.locator("tr[data-action]")).to_have_attribute("data-state", "open")
    page.screenshot(path=str(tmp_path / "drills-tablet.png"), full_page=True)

    page.locator("#tab-plans").click()
    page.locator("#publish-fire").click()
    page.locator("#title").fill("火灾应急预案")
    page.locator("#role-caregiver").check()
    page.locator("#body").fill("一、发现火情立即报警；二、带领幼儿按疏散路线撤离；三、清点人数。")
    page.locator("#publish").click()
    expect(page.locator("#version-title")).to_contain_text("火灾应急预案")
    expect(page.locator("#receipts tr[data-state=unread]").first).to_be_visible()
    page.locator("#home-link").click()
    expect(page.locator("#preparedness-card")).to_be_visible()
    page.screenshot(path=str(tmp_path / "dashboard-preparedness-tablet.png"), full_page=True)

    page.context.clear_cookies()
    _log_in(page, live_server, "caregiver")
    page.locator('.role-nav a[data-nav="preparedness.plans"]').click()
    expect(page.locator("#plan-fire [data-state=unread]")).to_be_visible()
    page.locator("#open-fire").click()
    page.locator("#confirm-read").click()
    expect(page.locator("#read-done")).to_have_text("您已阅读")
    page.screenshot(path=str(tmp_path / "plan-read-tablet.png"), full_page=True)
