"""The unit field of the list filters, in Chromium: typing part of a unit's name offers the units that
match, taken by a tap or by the keyboard, on a phone and on a desktop; and the same form without
JavaScript, where the server takes the name typed or says which units it could mean."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser_fixtures import ARTIFACTS, PHONE, horizontal_overflow, sign_in, unit_id_named

pytestmark = pytest.mark.browser

TAP = 44


def shot(page: Any, name: str) -> None:
    """A screenshot of a moment worth looking at (the fixture keeps only every page's last state). The caret
    stays as it is: hiding it leaves an empty style attribute on the focused field, which htmx's settling
    copies onto the swapped-in field, and the CSP (rightly) reports."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"unit-search-{name}.png"), caret="initial")


def test_on_a_phone_a_coordinator_taps_a_suggested_unit_to_filter_projects(page, live_server):
    commerce = unit_id_named(live_server, "青山县商务局")
    sign_in(page, "zsj_admin")
    page.goto("/projects")
    total = page.get_by_text(re.compile(r"^共 \d+ 个项目$")).inner_text()
    field = page.get_by_role("combobox", name="单位")
    expect(field).to_have_attribute("aria-expanded", "false")

    field.press_sequentially("商务", delay=40)

    option = page.get_by_role("option", name=re.compile("青山县商务局"))
    expect(option).to_be_visible()
    expect(field).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("status").filter(has_text="找到 1 个单位")).to_have_count(1)
    box = option.bounding_box()
    assert box is not None and box["height"] >= TAP and box["x"] >= 0 and box["x"] + box["width"] <= 375, box
    assert horizontal_overflow(page) <= 0
    shot(page, "phone-suggestions")

    option.tap()

    # (the form's two selects without a blank choice are sent too, as before)
    expect(page).to_have_url(re.compile(rf"/projects\?unit_id={commerce}(&|$)"))
    expect(field).to_have_value("青山县商务局")
    expect(field).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("listbox")).to_be_hidden()
    expect(page.get_by_text(re.compile(r"^共 \d+ 个项目$"))).not_to_have_text(total)
    expect(page.locator(f"#results a[href^='/projects.xlsx?unit_id={commerce}&']")).to_have_count(1)
    assert page.locator("#results").count() == 1  # replaced, never nested
    assert horizontal_overflow(page) <= 0
    assert not page.console_errors, page.console_errors  # no CSP violation either

    field.fill("")  # emptied: every unit again

    expect(page).not_to_have_url(re.compile(r"unit_id"))
    expect(page.get_by_text(re.compile(r"^共 \d+ 个项目$"))).to_have_text(total)


def test_on_a_desktop_the_keyboard_alone_picks_a_unit(desktop_page, live_server):
    page = desktop_page
    zone_bureau = unit_id_named(live_server, "青山经济开发区招商局")
    sign_in(page, "zsj_admin")
    page.goto("/leads")
    field = page.get_by_label("单位", exact=True)
    field.focus()

    page.keyboard.type("招商局", delay=40)
    listbox = page.get_by_role("listbox", name="匹配的单位")
    expect(listbox.get_by_role("option")).to_have_count(3)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")

    active = page.locator("[role=option][aria-selected=true]")
    expect(active).to_have_count(1)
    expect(active).to_contain_text("青山经济开发区招商局")
    expect(field).to_have_attribute("aria-activedescendant", f"f-unit-opt-{zone_bureau}")
    shot(page, "desktop-keyboard")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")  # past the first: round to the last
    expect(active).to_contain_text("青山高新技术产业园招商局")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(rf"/leads\?unit_id={zone_bureau}$"))
    expect(field).to_have_value("青山经济开发区招商局")
    expect(field).to_be_focused()
    expect(listbox).to_be_hidden()

    page.keyboard.press("Backspace")  # edited: suggestions again; Escape closes them and keeps the text
    expect(page.get_by_role("option").first).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("listbox")).to_be_hidden()
    expect(field).to_have_value("青山经济开发区招商")
    assert not page.console_errors, page.console_errors


def test_a_name_typed_and_sent_without_picking_is_taken_or_explained(desktop_page, live_server):
    page = desktop_page
    river = unit_id_named(live_server, "河口镇人民政府")
    sign_in(page, "zsj_admin")
    page.goto("/projects?stage=signed")
    field = page.get_by_role("combobox", name="单位")

    field.fill("镇")
    expect(page.get_by_role("option").nth(1)).to_be_visible()
    field.press("Enter")  # no option taken: sent as typed, the field says it names several units and offers them

    alert = page.locator("#f-unit-error")
    expect(alert).to_contain_text("个单位的名称含“镇”，请选择其中一个")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_be_focused()
    expect(page.get_by_text(re.compile(r"（未按单位筛选）"))).to_be_visible()
    shot(page, "desktop-several")

    field.fill("河口")
    field.press("Enter")  # one unit: taken (by the server, or from the list if it came first)

    expect(page).to_have_url(re.compile(rf"/projects\?unit_id={river}&stage=signed(&|$)"))
    expect(field).to_have_value("河口镇人民政府")
    expect(alert).to_have_count(0)
    assert not page.console_errors, page.console_errors


@pytest.fixture
def no_script_page(browser: Any, base_url: str, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A phone without JavaScript (as with scripts blocked): plain forms and links only."""
    context = browser.new_context(
        base_url=base_url, viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN", java_script_enabled=False
    )
    page = context.new_page()
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "unit-search-no-script-phone.png"), full_page=True)
    context.close()


def test_without_javascript_the_typed_name_is_resolved_by_the_server(no_script_page, live_server):
    page = no_script_page
    peach = unit_id_named(live_server, "桃源镇人民政府")
    hill = unit_id_named(live_server, "青石镇人民政府")
    page.goto("/login")
    page.get_by_label("用户名").fill("zsj_admin")
    page.get_by_label("密码").fill("Demo@2026")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(f"/projects?unit_id={hill}")
    field = page.get_by_label("单位", exact=True)
    expect(field).to_have_value("青石镇人民政府")  # the chosen unit by its name

    field.fill("镇人民政府")
    field.press("Enter")

    expect(page.locator("#f-unit-error")).to_contain_text("请选择其中一个")
    link = page.get_by_role("link", name="桃源镇人民政府")
    box = link.bounding_box()
    assert box is not None and box["height"] >= TAP, box
    link.click()

    expect(page).to_have_url(re.compile(rf"unit_id={peach}$"))
    expect(field).to_have_value("桃源镇人民政府")

    field.fill("青石")  # edited after a unit was chosen: the text wins
    field.press("Enter")
    expect(field).to_have_value("青石镇人民政府")
    expect(page.locator("#f-unit-value")).to_have_value(str(hill))
    assert horizontal_overflow(page) <= 0


def test_the_people_list_finds_a_unit_too(page):
    sign_in(page, "zsj_admin")
    page.goto("/admin/users")

    page.get_by_role("combobox", name="单位").press_sequentially("城关", delay=40)
    page.get_by_role("option", name=re.compile("城关镇人民政府")).tap()

    expect(page.get_by_text("共 1 人")).to_be_visible()
    expect(page.get_by_role("link", name="李春燕")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/admin/users\?unit_id=\d+$"))
    assert horizontal_overflow(page) <= 0
    assert not page.console_errors, page.console_errors


def test_unit_staff_have_no_unit_field(page):
    sign_in(page, "chengguan")
    page.goto("/projects")
    expect(page.get_by_role("heading", level=1)).to_have_text("项目")
    expect(page.get_by_role("combobox", name="单位")).to_have_count(0)
