"""A dispatch meeting on a phone (375 px), in Chromium against the demo county: the supervision office schedules it
for 城关镇, records it held, records a decision, and sees the supervised task it became, on the task's page and in
the town's list of tasks; the pages fit the screen and their buttons are big enough to tap."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser_fixtures import horizontal_overflow, sign_in

pytestmark = pytest.mark.browser

TAP = 44


def fits(page: Any) -> None:
    assert horizontal_overflow(page) == 0, page.url
    for button in page.locator("main button:visible, main .btn:visible").all():
        box = button.bounding_box()
        assert box is not None and box["height"] >= TAP, (page.url, button.inner_text(), box)
    assert not page.console_errors, page.console_errors


def test_a_dispatch_meeting_decision_becomes_a_task_on_a_phone(page: Any, new_page: Any) -> None:
    tag = uuid.uuid4().hex[:6]
    sign_in(page, "dcs_zhao")
    page.goto("/meetings")
    fits(page)
    page.get_by_role("link", name="安排会议").click()
    page.wait_for_url("**/meetings/new")
    page.get_by_label("会议名称").fill(f"手机端调度会 {tag}")
    page.get_by_label("地点").fill("县政府三楼会议室")
    page.locator("#f-unit_ids").get_by_label("城关镇人民政府").check()
    fits(page)
    page.get_by_role("button", name="安排会议").click()
    page.wait_for_url("**/meetings/*?created=1")
    expect(page.locator(".notice")).to_contain_text("会议已安排")
    expect(page.locator(".materials")).to_contain_text("城关镇人民政府")
    fits(page)

    page.get_by_role("button", name="会议已召开，冻结汇报材料").click()
    page.wait_for_selector("#decision-form")
    expect(page.locator("main")).to_contain_text("已召开")
    page.get_by_role("textbox", name="决定事项").fill(f"城关镇限期完成项目二期用地补偿协议签订 {tag}")
    page.get_by_label("责任单位").select_option(label="城关镇人民政府")
    page.get_by_label("办理时限（工作日）").fill("10")
    fits(page)
    page.get_by_role("button", name="记录并交办").click()
    page.wait_for_url("**decided=1**")
    decision = page.locator("#decision-1")
    expect(decision).to_contain_text(f"用地补偿协议签订 {tag}")
    expect(decision).to_contain_text("待办理")
    fits(page)

    decision.get_by_role("link", name="督办事项").click()
    page.wait_for_url("**/tasks/*")
    expect(page.locator("h1")).to_contain_text(f"用地补偿协议签订 {tag}")
    expect(page.locator("main")).to_contain_text("会议决定")
    fits(page)
    page.get_by_role("link", name="会议记录").click()
    page.wait_for_url("**/meetings/*")
    expect(page.locator("h1")).to_contain_text(f"手机端调度会 {tag}")

    town = new_page()  # the town's clerk, on her phone: the task is in her list
    sign_in(town, "chengguan")
    town.goto("/tasks")
    expect(town.locator("#results")).to_contain_text(f"用地补偿协议签订 {tag}")
    fits(town)
