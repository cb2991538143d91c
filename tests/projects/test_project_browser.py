"""On a phone: the unit's clerk reports a month's progress with a site photo, from the board to the timeline."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.services import workdays

# the live demo county and headless Chromium of the browser tests (skipped with the reason when Chromium is
# missing, failing instead under CI=true)
from tests.browser_fixtures import horizontal_overflow, sign_in
from tests.projects.factories import jpeg_with_exif

pytestmark = pytest.mark.browser


def test_a_clerk_reports_progress_with_a_photo_from_the_phone(page):
    sign_in(page, "chengguan")
    todo = page.locator("section", has=page.get_by_role("heading", name="本月待办"))
    item = todo.locator("li.todo-progress").first
    expect(item).to_be_visible()
    name = item.get_by_role("link").first.inner_text()

    item.get_by_role("link", name=name, exact=True).click()  # the project, from the board
    expect(page).to_have_url(re.compile(r"/projects/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    project_url = page.url

    page.get_by_role("link", name="登记进度").click()
    expect(page).to_have_url(project_url + "/progress")
    assert horizontal_overflow(page) <= 0
    page.get_by_label("现场照片").set_input_files(
        files=[{"name": "IMG_20260305.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_exif((2000, 1500))}]
    )
    investment = page.get_by_label("累计完成投资（万元）")
    current = float(investment.input_value() or 0)
    investment.fill(f"{current + 55:.2f}")
    page.get_by_label("形象进度").fill("厂房钢结构吊装完成")
    page.get_by_role("button", name="保存进度").click()

    expect(page).to_have_url(project_url + "?saved=progress")
    expect(page.get_by_role("status").filter(has_text="已保存")).to_be_visible()
    latest = page.get_by_role("region", name="时间线").locator("ol > li").first  # the project's own list
    expect(latest).to_contain_text("厂房钢结构吊装完成")
    expect(latest).to_contain_text(f"累计完成投资 {current + 55:,.2f} 万元")
    photo = latest.get_by_role("img", name=f"现场照片 {workdays.today().isoformat()}")
    expect(photo).to_be_visible()
    photo.scroll_into_view_if_needed()
    # served to its own unit, and resized on the server (the wait is the browser's: decode() settles once loaded)
    assert photo.evaluate("img => img.decode().then(() => img.naturalWidth)") == 1600
    box = photo.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375
    assert horizontal_overflow(page) <= 0
    assert not page.console_errors, page.console_errors

    page.get_by_role("link", name="招商引资工作平台").click()  # back to the board
    expect(todo.get_by_role("heading", name="本月待办")).to_be_visible()
    expect(todo.locator("li.todo-progress").get_by_role("link", name=name, exact=True)).to_have_count(0)
