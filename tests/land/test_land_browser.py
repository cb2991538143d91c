"""The land inventory on a phone (375 px), in Chromium: the coordinator adds a plot, matches it to a project's
land need, supplies it to the project, and releases it back to available with a reason. No sideways
scrolling; the buttons are touch-sized. Screenshots in test-artifacts/land-*.png."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser_fixtures import ARTIFACTS, PHONE, horizontal_overflow, sign_in

pytestmark = pytest.mark.browser
TAP = 44


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"land-{name}.png"), full_page=True)
    assert horizontal_overflow(page) <= 0, name


def big_enough(locator: Any) -> None:
    box = locator.bounding_box()
    assert box is not None and box["height"] >= TAP and box["x"] + box["width"] <= PHONE["width"], box


def test_a_plot_is_added_matched_taken_and_released_on_a_phone(page):
    sign_in(page, "zsj_admin")
    page.goto("/plots")
    expect(page.get_by_role("heading", level=1)).to_contain_text("载体资源")
    shot(page, "inventory")
    page.get_by_role("link", name="登记地块").tap()
    page.get_by_label("编号").fill("JK-PHONE-01")
    page.get_by_label("名称").fill("手机登记地块")
    page.get_by_label("所在园区").select_option(label="青山经济开发区管理委员会")
    page.get_by_label("面积（亩）").fill("44")
    big_enough(page.get_by_role("button", name="保存"))
    page.get_by_role("button", name="保存").tap()
    expect(page).to_have_url(re.compile(r"/plots/\d+\?saved=1"))
    plot_id = int(re.search(r"/plots/(\d+)", page.url).group(1))
    expect(page.get_by_role("heading", level=1)).to_contain_text("手机登记地块")
    shot(page, "plot")

    page.goto("/projects")
    project_link = page.locator("table.stack tbody a[href^='/projects/']").first
    project_id = int(re.search(r"/projects/(\d+)", project_link.get_attribute("href")).group(1))
    page.goto(f"/projects/{project_id}")
    page.get_by_role("link", name="匹配可供地块").tap()
    expect(page.get_by_role("heading", level=1)).to_contain_text("匹配地块")
    page.get_by_label("需用地（亩）").fill("44")
    page.get_by_label("园区").select_option(label="青山经济开发区管理委员会")
    page.get_by_role("button", name="匹配").tap()
    mine = page.locator(f"#match-{plot_id}")
    expect(mine).to_contain_text("面积正好")
    shot(page, "match")
    big_enough(mine.get_by_role("button", name="供给本项目"))
    mine.get_by_role("button", name="供给本项目").tap()
    expect(page).to_have_url(re.compile(rf"taken={plot_id}"))
    expect(page.locator(f"#match-{plot_id}")).to_have_count(0)  # taken: no longer offered

    page.goto(f"/plots/{plot_id}")
    expect(page.locator(".badge").first).to_have_text("供而未用")
    expect(page.locator("#taker a")).to_have_attribute("href", f"/projects/{project_id}")
    shot(page, "taken")
    page.get_by_label("收回原因").fill("项目调整选址，收回")
    big_enough(page.get_by_role("button", name="收回为可供"))
    page.get_by_role("button", name="收回为可供").tap()
    expect(page).to_have_url(re.compile(rf"/plots/{plot_id}\?saved=release"))
    expect(page.locator(".badge").first).to_have_text("可供")
    expect(page.locator("#taker")).to_contain_text("无")
    shot(page, "released")
