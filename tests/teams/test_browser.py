"""Teams and letters on a phone (375 px), on the demo county: 城关镇's head opens the year's responsibility
letter, reads it on the screen and acknowledges it with one tap; the coordinator opens an industry team from
the teams' ranking and reads its leader, targets, month-by-month ledger and its figures by member unit."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_a4_pages import A4_MEDIABOX
from tests.browser_fixtures import horizontal_overflow, sign_in

pytestmark = pytest.mark.browser


def test_the_unit_head_acknowledges_the_years_letter_on_a_phone(page):
    sign_in(page, "chengguan")  # 李春燕, 城关镇's head
    page.goto("/letters")
    link = page.get_by_role("link", name="年目标责任书").first
    expect(link).to_be_visible()
    link.tap()
    expect(page.get_by_role("heading", name="年度招商引资目标责任书")).to_be_visible()
    expect(page.locator("article.a4")).to_contain_text("城关镇人民政府")
    expect(page.locator("article.a4")).to_contain_text("万元")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert horizontal_overflow(page) <= 0
    button = page.get_by_role("button", name="签收责任书")
    box = button.bounding_box()
    assert box is not None and box["height"] >= 44
    button.tap()
    page.wait_for_load_state()
    signed = page.locator("article.a4 .letter-sign")
    expect(signed).to_contain_text("李春燕")
    expect(page.get_by_role("button", name="签收责任书")).to_have_count(0)
    expect(page.locator("#l-history + ul")).to_contain_text("已签收")
    page.emulate_media(media="print")  # printed, the letter alone on A4 paper, without its buttons
    expect(page.get_by_role("button", name="打印")).to_be_hidden()
    assert A4_MEDIABOX.search(page.pdf(prefer_css_page_size=True))
    assert not page.console_errors, page.console_errors


def test_the_coordinator_reads_a_teams_ledger_on_a_phone(page):
    sign_in(page, "zsj_admin")
    page.goto("/teams")
    expect(page.get_by_role("heading", name="专业招商组")).to_be_visible()
    page.get_by_role("link", name="新材料产业招商组").tap()
    expect(page.get_by_role("heading", name="新材料产业招商组")).to_be_visible()
    expect(page.locator("dl.facts")).to_contain_text("刘国华")
    expect(page.locator("dl.facts")).to_contain_text("牵头")
    ledger = page.get_by_role("region", name="逐月台账（可左右滑动）")
    expect(ledger).to_contain_text("12月")
    expect(ledger).to_contain_text("全年合计")
    expect(page.get_by_role("heading", name="按成员单位")).to_be_visible()
    expect(page.get_by_role("heading", name="本组项目", exact=False)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert horizontal_overflow(page) <= 0
    assert not page.console_errors, page.console_errors
