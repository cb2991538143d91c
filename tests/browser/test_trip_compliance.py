"""The month's outbound-trip list (每月外出招商达标) on a phone, in Chromium: the coordinator opens it from the
performance tabs, sees each unit as a card with its trips, its state and each section's, filters the units
that missed last month, and exempts an office (the form's error beside its field first); a town's staff
see their own card only, with their sections. No sideways scrolling at 375 px, touch targets of 44 px."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from app.services import workdays
from tests.browser_fixtures import ARTIFACTS, PHONE, horizontal_overflow, sign_in

pytestmark = pytest.mark.browser

TAP = 44


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"trip-compliance-{name}.png"), full_page=True)


def big_enough(locator: Any) -> None:
    box = locator.bounding_box()
    assert box is not None and box["height"] >= TAP and box["x"] + box["width"] <= PHONE["width"], box


def test_the_coordinator_reads_last_months_trips_and_exempts_an_office_on_a_phone(page):
    sign_in(page, "zsj_admin")
    page.goto("/activities")
    page.get_by_role("link", name="外出招商达标").first.tap()
    expect(page.get_by_role("heading", level=1)).to_contain_text("外出招商达标")
    today = workdays.today()
    last = today.replace(day=1) - timedelta(days=1) if today.month > 1 else None
    if last is not None:  # last month of this year: the units that missed it
        page.get_by_label("月份").select_option(str(last.month))
        page.get_by_label("范围").select_option("missed")
        big_enough(page.get_by_role("button", name="查看"))
        page.get_by_role("button", name="查看").tap()
        expect(page).to_have_url(re.compile(rf"month={last.month}.*only=missed"))
        cards = page.locator("table.stack tbody tr").all_inner_texts()
        assert cards and all("未达标" in card for card in cards)  # the unit, or one of its sections
    assert horizontal_overflow(page) <= 0
    shot(page, "missed-phone")

    page.goto("/activities/compliance")
    town = page.locator("tr", has_text="城关镇").first
    expect(town).to_contain_text("经济发展办（科室）")
    form = page.locator("form[action='/activities/compliance/minimum']")
    culture = form.locator("option", has_text="青山县文化和旅游局").get_attribute("value")
    form.get_by_label("单位").select_option(culture)
    form.get_by_label("每月至少外出次数").fill("两次")
    big_enough(form.get_by_role("button", name="保存"))
    form.get_by_role("button", name="保存").tap()
    expect(page.locator("#e-minimum")).to_contain_text("0–100 的整数")
    expect(page.locator("#f-minimum")).to_have_value("两次")
    page.locator("#f-minimum").fill("0")
    page.locator("form[action='/activities/compliance/minimum']").get_by_role("button", name="保存").tap()
    expect(page.get_by_text("青山县文化和旅游局：免于考核")).to_be_visible()
    expect(page.locator("tr", has_text="县文旅局").first).to_contain_text("免于考核")
    assert horizontal_overflow(page) <= 0
    shot(page, "exempt-phone")
    assert not [e for e in page.console_errors if "status of 422" not in e], page.console_errors  # the refused form's


def test_a_towns_staff_see_their_own_card_with_their_sections_on_a_phone(page):
    sign_in(page, "chengguan")
    page.goto("/activities/compliance")
    cards = page.locator("table.stack tbody tr")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("城关镇")
    for section in ("经济发展办", "财政所", "农业综合服务站", "城西社区"):
        expect(cards.first).to_contain_text(section)
    expect(page.get_by_label("范围")).to_have_count(0)  # one unit: nothing to filter
    expect(page.locator("form[action='/activities/compliance/minimum']")).to_have_count(0)
    assert horizontal_overflow(page) <= 0
    shot(page, "town-phone")
    assert not page.console_errors, page.console_errors
