"""Entering a lead on a phone (375x812, touch), as a town clerk does between two visits.

Drives Debian's headless Chromium against the live demo county (see tests/browser/conftest.py,
whose fixtures tests/leads/conftest.py reuses). Every test uses an investor name of its own, because the live
server is shared by the whole session.
"""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from app.services import workdays
from tests.browser_fixtures import horizontal_overflow, sign_in

pytestmark = pytest.mark.browser

TAP = 44  # px: the smallest target a thumb hits reliably


def unique_name() -> str:
    return f"湘南{uuid.uuid4().hex[:6].upper()}新材料科技有限公司"


def unique_phone() -> str:
    return "1370" + str(uuid.uuid4().int)[:7]


def assert_thumb_sized(locator) -> None:
    box = locator.bounding_box()
    assert box is not None and box["height"] >= TAP, box


def enter_new_investor_lead(page, name: str, phone: str) -> None:
    """Fill in the entry form for an investor not yet in the catalogue and submit it."""
    page.goto("/leads")
    page.get_by_role("link", name="报送线索").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("报送招商线索")

    page.get_by_label("客商名称").press_sequentially(name, delay=20)
    page.get_by_label(f"新建客商：{name}").check()  # offered while typing: the name is not in the catalogue
    page.get_by_label("招商渠道").select_option(label="敲门招商")
    page.get_by_label("意向投资（万元）").fill("8000")
    page.get_by_label("联系电话").fill(phone)
    page.get_by_role("button", name="提交线索").tap()


def test_a_town_clerk_enters_a_lead_for_a_new_investor_on_a_phone(page, base_url):
    name = unique_name()
    sign_in(page, "chengguan")

    enter_new_investor_lead(page, name, unique_phone())

    expect(page).to_have_url(re.compile(r"/leads/\d+\?created=1$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.get_by_text("线索已报送，等待招商局认定。")).to_be_visible()
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("城关镇人民政府")
    expect(facts).to_contain_text("敲门招商")
    expect(facts).to_contain_text("8,000.00 万元")
    expect(facts).to_contain_text(workdays.today().isoformat())
    assert horizontal_overflow(page) <= 0
    assert page.console_errors == []

    # the new lead heads the unit's own list
    page.goto("/leads")
    first = page.locator("tbody tr").first
    expect(first).to_contain_text(name)
    expect(first).to_contain_text("待认定")


def test_the_entry_form_fits_the_phone_and_is_thumb_sized(page):
    sign_in(page, "chengguan")
    page.goto("/leads/new")

    assert horizontal_overflow(page) <= 0
    for locator in (
        page.get_by_label("客商名称"),
        page.get_by_label("招商渠道"),
        page.get_by_label("意向投资（万元）"),
        page.get_by_label("获得日期"),
        page.get_by_role("button", name="提交线索"),
    ):
        assert_thumb_sized(locator)
    # the submit button stays within the thumb's reach while the form scrolls
    page.get_by_label("联系人").scroll_into_view_if_needed()
    box = page.get_by_role("button", name="提交线索").bounding_box()
    assert box is not None and box["y"] + box["height"] <= 812


def test_a_second_unit_picks_the_investor_from_suggestions_and_is_warned_before_saving(new_page):
    name = unique_name()
    first = new_page()
    sign_in(first, "chengguan")
    enter_new_investor_lead(first, name, unique_phone())
    expect(first).to_have_url(re.compile(r"/leads/\d+\?created=1$"))
    first_lead = first.url

    page = new_page()
    sign_in(page, "qingshi")
    page.goto("/leads/new")
    part = name[2:8]  # what a clerk remembers: the distinctive middle of the name
    field = page.get_by_label("客商名称")
    # a person types, pauses (the catalogue is looked up), then types on: the lookup keeps up
    with page.expect_response(lambda r: "/leads/new/lookup" in r.url):
        field.press_sequentially(part[:2], delay=30)
    with page.expect_response(lambda r: "/leads/new/lookup" in r.url):
        field.press_sequentially(part[2:], delay=30)

    suggestion = page.get_by_role("link", name=re.compile(re.escape(name)))
    expect(suggestion).to_be_visible()
    assert_thumb_sized(suggestion)
    suggestion.tap()

    picked = page.locator("#picked-investor")
    expect(picked).to_contain_text(name)
    expect(picked.get_by_role("status")).to_contain_text(f"城关镇人民政府（{workdays.today().isoformat()}）")
    page.get_by_label("招商渠道").select_option(label="以商招商")
    page.get_by_role("button", name="提交线索").tap()

    warning = page.locator("#duplicate-warning")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("疑似重复")
    expect(warning).to_contain_text(f"城关镇人民政府 · {workdays.today().isoformat()} · {name}")
    expect(page).to_have_url(re.compile(r"/leads/new$"))  # nothing saved yet
    assert horizontal_overflow(page) <= 0
    acknowledge = page.get_by_label("我已核实，仍要提交")
    assert_thumb_sized(page.locator("label[for=f-ack]"))
    expect(page.get_by_label("招商渠道")).to_have_value("business")  # what was chosen is kept

    acknowledge.tap()
    page.get_by_role("button", name="提交线索").tap()

    expect(page).to_have_url(re.compile(r"/leads/\d+\?created=1$"))
    assert page.url != first_lead
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.locator("dl.facts")).to_contain_text("青石镇人民政府")
    # the warning is answered 409 by design; Chromium notes that status, and nothing else went wrong
    assert [e for e in page.console_errors if "status of 409" not in e] == []


def test_typing_a_known_name_warns_while_typing(new_page):
    name = unique_name()
    first = new_page()
    sign_in(first, "chengguan")
    enter_new_investor_lead(first, name, unique_phone())
    expect(first).to_have_url(re.compile(r"/leads/\d+\?created=1$"))

    page = new_page()
    sign_in(page, "qingshi")
    page.goto("/leads/new")
    # the full name written differently: place in brackets, another legal form
    variant = name.removeprefix("湘南").replace("有限公司", "（湖南）股份有限公司")
    page.get_by_label("客商名称").fill("湘南" + variant)

    notice = page.locator("#lookup").get_by_role("status")
    expect(notice).to_contain_text("疑似已有单位报过该客商")
    expect(notice).to_contain_text("城关镇人民政府")
    assert horizontal_overflow(page) <= 0
