"""The performance pages at province scale, in Chromium: /rates shows the three figures first and lists a
rate's projects only when its section is opened (htmx, 50 at a time, paged in place; without JavaScript a
real link opens the same list as a page of its own); /targets shows how many units are warned on each
metric, filters by unit kind, tier, unit, metric and warning, and pages its rows 50 at a time; a unit's
staff see their own unit's rows only."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser_fixtures import ARTIFACTS, PHONE, horizontal_overflow, sign_in

pytestmark = pytest.mark.browser

TAP = 44


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"performance-paging-{name}.png"), full_page=True)


def count_of(text: str) -> int:
    match = re.search(r"（(\d+)）", text)
    assert match, text
    return int(match.group(1))


def test_on_a_phone_a_rate_lists_its_projects_when_opened_50_at_a_time(page):
    sign_in(page, "zsj_admin")
    page.goto("/rates")
    start = page.get_by_role("region", name=re.compile("项目开工率"))
    expect(start.get_by_role("heading")).to_have_text(re.compile(r"项目开工率：\d+\.\d%"))
    assert page.locator(".drill-list li").count() == 0  # no project listed before a section is opened

    summary = start.locator("summary", has_text="计入分子")
    box = summary.bounding_box()
    assert box is not None and box["height"] >= TAP and box["x"] + box["width"] <= PHONE["width"], box
    listed = count_of(summary.inner_text())
    assert listed > 50, "the demo county should have more than one page of started projects"
    numerator = start.locator("p.small").first.inner_text().split("/")[0].strip()
    assert int(numerator) == listed  # the numerator counts exactly the projects listed under it

    summary.tap()
    body = start.locator("#rate-start-above")
    expect(body.get_by_text(f"共 {listed} 个项目，第 1–50 个")).to_be_visible()
    expect(body.locator(".drill-list li")).to_have_count(50)
    first_page = body.locator(".drill-list li").all_inner_texts()
    assert horizontal_overflow(page) <= 0
    shot(page, "rates-opened-phone")

    body.get_by_role("link", name="下一页").tap()
    expect(body.get_by_text(f"共 {listed} 个项目，第 51–{listed} 个")).to_be_visible()
    second_page = body.locator(".drill-list li").all_inner_texts()
    assert len(first_page) + len(second_page) == listed  # the pages add up to the count
    expect(page).to_have_url(re.compile(r"/rates$"))  # paged in place
    body.get_by_role("link", name="上一页").tap()
    expect(body.locator(".drill-list li")).to_have_count(50)
    assert body.locator(".drill-list li").all_inner_texts() == first_page

    below = start.locator("summary", has_text="只在分母")
    below.tap()
    below_count = count_of(below.inner_text())
    expect(start.locator("#rate-start-below").get_by_text(f"共 {below_count} 个项目")).to_be_visible()
    project = start.locator("#rate-start-below .drill-list a").first
    name = project.inner_text()
    project.tap()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    assert not page.console_errors, page.console_errors


@pytest.fixture
def no_script_page(browser: Any, base_url: str) -> Iterator[Any]:
    """A desktop browser without JavaScript: plain links and forms only."""
    context = browser.new_context(
        base_url=base_url, viewport={"width": 1280, "height": 800}, locale="zh-CN", java_script_enabled=False
    )
    page = context.new_page()
    sign_in(page, "zsj_admin")
    yield page
    shot(page, "no-script")
    context.close()


def test_without_javascript_an_opened_rate_links_to_its_list_as_a_page(no_script_page):
    page = no_script_page
    page.goto("/rates")
    start = page.get_by_role("region", name=re.compile("项目开工率"))
    summary = start.locator("summary", has_text="计入分子")
    listed = count_of(summary.inner_text())
    summary.click()
    start.get_by_role("link", name=f"查看这 {listed} 个项目").click()

    expect(page).to_have_url(re.compile(r"/rates/projects\?rate=start&side=above&start=\d{4}-01-01&end=[\d-]+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("项目开工率：计入分子的项目")
    expect(page.get_by_text(f"共 {listed} 个项目，第 1–50 个")).to_be_visible()
    expect(page.locator(".drill-list li")).to_have_count(50)
    page.get_by_role("link", name="下一页").click()
    expect(page).to_have_url(re.compile(r"&offset=50$"))
    expect(page.locator(".drill-list li")).to_have_count(listed - 50)
    page.get_by_role("link", name="← 三率").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("三率")


def test_on_a_desktop_the_targets_show_the_warnings_first_and_open_to_the_units(desktop_page):
    page = desktop_page
    sign_in(page, "zsj_admin")
    page.goto("/targets")
    summary = page.get_by_role("region", name="各指标提示")
    expect(summary).to_be_visible()
    total = int(re.search(r"共 (\d+) 条", page.locator("#t-count").inner_text()).group(1))  # type: ignore[union-attr]
    assert total > 50, "the demo county should have more than one page of standings"
    expect(page.locator("table[aria-describedby=t-count] tbody tr")).to_have_count(50)
    units = sum(int(t) for t in summary.locator("tbody tr td:nth-child(2)").all_inner_texts())
    assert units == total  # each row is one unit on one metric

    red = summary.locator('a.count[href*="warning=red"]').first  # a metric's red cards
    how_many = int(red.inner_text())
    metric = red.locator("xpath=ancestor::tr").locator("td").first.inner_text()
    red.click()
    expect(page).to_have_url(re.compile(r"/targets\?year=\d+&metric=\w+&warning=red$"))
    expect(page.locator("#t-count")).to_have_text(re.compile(rf"^共 {how_many} 条.* · {re.escape(metric)} · 红牌$"))
    rows = page.locator("table[aria-describedby=t-count] tbody tr")
    expect(rows).to_have_count(min(how_many, 50))
    for index in range(rows.count()):
        expect(rows.nth(index).locator("td[data-label=提示]")).to_contain_text("红牌")
        expect(rows.nth(index).locator("td[data-label=指标]")).to_have_text(  # the metric and its unit
            re.compile(rf"^{re.escape(metric)}（.+）$")
        )
    shot(page, "targets-red-desktop")

    page.goto("/targets")
    page.get_by_label("单位类别").select_option(label="乡镇")
    page.get_by_role("button", name="筛选").click()
    expect(page).to_have_url(re.compile(r"kind=town"))
    towns = page.locator("table[aria-describedby=t-count] tbody td[data-label=单位]").all_inner_texts()
    assert towns and all("镇" in t or "乡" in t for t in towns), towns
    assert not page.console_errors, page.console_errors


def test_the_targets_pages_add_up_on_a_phone(page):
    sign_in(page, "zsj_admin")
    page.goto("/targets")
    total = int(re.search(r"共 (\d+) 条", page.locator("#t-count").inner_text()).group(1))  # type: ignore[union-attr]
    seen = 0
    while True:
        rows = page.locator("table[aria-describedby=t-count] tbody tr")
        seen += rows.count()
        assert horizontal_overflow(page) <= 0
        following = page.get_by_role("link", name="下一页")
        if not following.count():
            break
        box = following.bounding_box()
        assert box is not None and box["height"] >= TAP, box
        following.tap()
        expect(page.locator("#t-count")).to_contain_text(f"第 {seen + 1}–")  # the next page has come
    assert seen == total


def test_a_units_staff_see_only_their_units_targets(page):
    sign_in(page, "chengguan")
    page.goto("/targets?kind=department&unit_id=1")
    expect(page.get_by_role("region", name="各指标提示")).to_have_count(0)
    expect(page.get_by_label("单位类别")).to_have_count(0)
    units = set(page.locator("table[aria-describedby=t-count] tbody td[data-label=单位]").all_inner_texts())
    assert len(units) == 1 and "城关" in units.pop()
    assert horizontal_overflow(page) <= 0
    assert not page.console_errors, page.console_errors
