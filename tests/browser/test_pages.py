"""Everyday pages on a phone: finding a person, enrolling an authenticator, the menu."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser_fixtures import horizontal_overflow, sign_in, unit_id_of

pytestmark = pytest.mark.browser


def test_coordinator_finds_a_person_by_typing_part_of_a_name(page):
    sign_in(page, "zsj_admin")
    page.goto("/admin/users")
    expect(page.get_by_text(re.compile(r"共 \d+ 人"))).to_be_visible()

    page.get_by_label("查找").fill("chengguan")  # the list narrows while typing, no button needed

    expect(page.get_by_text("共 1 人")).to_be_visible()
    expect(page.get_by_role("link", name="李春燕")).to_be_visible()
    expect(page.get_by_role("link", name="陈志远")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/admin/users\?q=chengguan"))
    assert horizontal_overflow(page) <= 0


def test_authenticator_qr_code_is_whole_on_a_phone(page):
    sign_in(page, "hekou")
    page.goto("/account/2fa")

    qr = page.locator(".qr svg")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375, box
    assert box["width"] >= 200, "too small to scan"
    # nothing of the code is cut off or hidden behind a scroll bar
    sizes = page.locator(".qr").evaluate("el => [el.scrollWidth, el.clientWidth, el.scrollHeight, el.clientHeight]")
    assert sizes[0] <= sizes[1], sizes
    expect(page.get_by_label("6 位验证码")).to_be_visible()
    assert horizontal_overflow(page) <= 0


def test_phone_menu_closes_when_tapping_elsewhere(page):
    sign_in(page, "chengguan")
    menu_link = page.get_by_role("link", name="我的账户")

    page.get_by_text("菜单", exact=True).click()
    expect(menu_link).to_be_visible()
    page.locator("main").click(position={"x": 20, "y": 300})  # a tap on an empty part of the page

    expect(menu_link).to_be_hidden()


def test_unit_staff_opening_an_admin_page_is_told_in_chinese(page):
    sign_in(page, "chengguan")

    response = page.goto("/admin/users")

    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("没有权限")
    page.get_by_role("link", name="返回首页").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^城关镇.* · 工作台$"))


def test_town_clerk_updates_the_contact_details_and_sees_them_in_the_history(page, live_server):
    unit_id = unit_id_of(live_server, "qingshi")
    sign_in(page, "qingshi")
    page.get_by_text("菜单", exact=True).click()
    page.get_by_role("link", name="本单位联系方式").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("青石镇人民政府 · 联系方式")

    page.get_by_label("负责人").fill("张国栋")
    page.get_by_label("联系电话").fill("0731-88886666")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(lambda url: "/contact" not in url)

    page.goto(f"/units/{unit_id}/contact")
    expect(page.get_by_label("负责人")).to_have_value("张国栋")
    history = page.get_by_role("region", name="修改记录")
    latest = history.get_by_role("listitem").first
    expect(latest).to_contain_text("修改")
    expect(latest).to_contain_text("张国栋")  # who made the change, by name
    expect(latest).to_contain_text("负责人：张国栋")
    expect(latest).to_contain_text("联系电话：")
    expect(latest).to_contain_text("0731-88886666")
    expect(history).not_to_contain_text("version")
    assert horizontal_overflow(page) <= 0


def test_a_refused_policy_on_a_phone_marks_the_fields_and_stays_inside_the_screen(page):
    sign_in(page, "zsj_admin")
    page.goto("/awards/policies")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375  # the parameters wrap in their card

    form = page.locator('form[action="/awards/policies"]')
    form.get_by_label("政策名称").fill("落户奖励政策")
    form.get_by_label("规则类型").select_option("per_funds")
    form.get_by_label("申报期限（天，可空）").fill("三十")
    form.get_by_role("button", name="保存").click()

    window = form.get_by_label("申报期限（天，可空）")
    expect(window).to_have_value("三十")
    expect(page.locator("#e-claim_window_days")).to_have_text("申报期限须为天数")
    red = page.evaluate("() => getComputedStyle(document.querySelector('#e-claim_window_days')).color")
    assert window.evaluate("e => getComputedStyle(e).borderColor") == red  # a typed field marked as the message
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
