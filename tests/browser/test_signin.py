"""Signing in on a phone, as a town clerk or the coordinating bureau would."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser_fixtures import DEMO_PASSWORD, horizontal_overflow, sign_in, submit_login

pytestmark = pytest.mark.browser

LOGIN_ERROR = "用户名或密码不正确"


def test_coordinator_signs_in_and_lands_on_the_overview(page, base_url):
    page.goto("/login")
    expect(page.get_by_role("heading", name="登录")).to_be_visible()

    submit_login(page, "zsj_admin", DEMO_PASSWORD)

    expect(page).to_have_url(base_url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("招商局 · 总览")
    page.get_by_text("菜单", exact=True).click()
    expect(page.get_by_text("陈志远 · 招商局（统筹）")).to_be_visible()


def test_wrong_password_shows_the_chinese_error_and_keeps_the_username(page, base_url):
    page.goto("/login")

    submit_login(page, "zsj_liu", "wrong-password-1")

    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("alert")).to_contain_text(LOGIN_ERROR)
    expect(page.get_by_label("用户名")).to_have_value("zsj_liu")
    expect(page.get_by_label("密码")).to_have_value("")

    # the person corrects the password on the same page and gets in
    submit_login(page, "zsj_liu", DEMO_PASSWORD)
    expect(page).to_have_url(base_url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("招商局 · 总览")


def test_five_failures_lock_the_account_even_for_the_right_password(page):
    page.goto("/login")
    for attempt in range(1, 6):
        submit_login(page, "taoyuan", f"Wrong@{attempt}x")
        expect(page.get_by_role("alert")).to_contain_text(LOGIN_ERROR)

    submit_login(page, "taoyuan", DEMO_PASSWORD)

    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("alert")).to_contain_text(LOGIN_ERROR)
    expect(page.get_by_label("用户名")).to_have_value("taoyuan")
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next=/$"))


def test_empty_form_says_what_is_missing(page):
    page.goto("/login")

    page.get_by_role("button", name="登录").click()

    expect(page.get_by_text("请输入用户名")).to_be_visible()
    expect(page.get_by_text("请输入密码")).to_be_visible()
    expect(page.get_by_label("用户名")).to_have_attribute("aria-invalid", "true")


@pytest.mark.parametrize("path", ["/login", "/", "/admin/units", "/admin/users", "/audit", "/admin/users/new"])
def test_pages_fit_a_375px_phone_without_sideways_scrolling(page, path):
    if path != "/login":
        sign_in(page, "zsj_admin")
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert horizontal_overflow(page) <= 0


def test_unit_staff_uses_the_menu_to_reach_my_account(page):
    sign_in(page, "chengguan")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^城关镇.* · 工作台$"))
    account_link = page.get_by_role("link", name="我的账户")
    expect(account_link).to_be_hidden()  # folded away on a phone until the menu is opened

    page.get_by_text("菜单", exact=True).click()
    expect(account_link).to_be_visible()
    account_link.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("我的账户")
    expect(page.get_by_text("chengguan", exact=True)).to_be_visible()
    expect(page.get_by_text("城关镇人民政府", exact=True)).to_be_visible()
    # unit staff do not see the coordinator's menu entries
    page.get_by_text("菜单", exact=True).click()
    expect(page.get_by_role("link", name="人员")).to_have_count(0)
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()


def test_menu_is_always_visible_on_a_desktop(desktop_page):
    page = desktop_page
    sign_in(page, "zsj_admin")

    for name in ("项目", "线索", "服务问题", "奖励", "考核", "管理", "我的账户"):
        expect(page.get_by_role("navigation", name="主菜单").get_by_role("link", name=name, exact=True)).to_be_visible()
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="管理", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("管理")
    page.get_by_role("link", name="人员").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("人员管理")


def test_signing_out_from_the_phone_menu_returns_to_the_sign_in_page(page):
    sign_in(page, "chengguan")

    page.get_by_text("菜单", exact=True).click()
    page.get_by_role("button", name="退出登录").click()

    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    page.goto("/account")
    expect(page).to_have_url(re.compile(r"/login\?next=/account$"))
