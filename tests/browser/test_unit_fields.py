"""Choosing units by typing where a select of every unit stood, in Chromium: the ticket's route form (the
handling unit, and helper units added as chips), the unit of /rates and the unit of a target on
/targets; on a phone and on a desktop, by tap and by keyboard, and without JavaScript, where the server
takes the names typed or says which units they could mean."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser_fixtures import ARTIFACTS, PHONE, LiveServer, horizontal_overflow, sign_in, unit_id_named

pytestmark = pytest.mark.browser

TAP = 44


def reported_ticket(server: LiveServer) -> tuple[int, str]:
    """A new ticket of 城关镇, waiting to be routed (each test its own: the live server is shared)."""
    from sqlalchemy import select

    from app.db import make_engine, make_session_factory, session_scope
    from app.models.ticket import Priority, Ticket, TicketCategory, TicketStatus
    from app.models.unit import Unit
    from app.principal import SYSTEM

    title = f"进场道路被电杆挡住 {uuid.uuid4().hex[:6]}"
    engine = make_engine(server.database_url)
    try:
        for db in session_scope(make_session_factory(engine)):
            db.info["principal"] = SYSTEM
            town = db.execute(select(Unit).where(Unit.name == "城关镇人民政府")).scalar_one()
            utilities = db.execute(select(TicketCategory).where(TicketCategory.code == "utilities")).scalar_one()
            ticket = Ticket(
                title=title,
                description="厂区门口一根 10kV 电杆挡住进场道路。",
                category_id=utilities.id,
                priority=Priority.normal,
                reporter_unit_id=town.id,
                status=TicketStatus.reported,
            )
            db.add(ticket)
            db.flush()
            ticket_id = ticket.id
    finally:
        engine.dispose()
    return ticket_id, title


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"unit-fields-{name}.png"), caret="initial")


def handling_units(page: Any) -> Any:
    return page.locator("dt", has_text="办理单位").locator("xpath=following-sibling::dd[1]")


def test_on_a_desktop_the_keyboard_routes_a_ticket_to_a_unit_and_two_helpers(desktop_page, live_server):
    page = desktop_page
    ticket_id, _title = reported_ticket(live_server)
    industry = unit_id_named(live_server, "青山县工业和信息化局")
    sign_in(page, "zsj_admin")
    page.goto(f"/tickets/{ticket_id}")
    assert page.locator("form select, form input[type=checkbox]").count() == 0  # no list of every unit

    handling = page.get_by_role("combobox", name="牵头办理单位")
    handling.focus()
    page.keyboard.type("工业", delay=40)
    option = page.get_by_role("listbox", name="匹配的单位").get_by_role(
        "option", name=re.compile("青山县工业和信息化局")
    )
    expect(option).to_be_visible()
    expect(handling).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("ArrowDown")
    expect(handling).to_have_attribute("aria-activedescendant", f"f-handling-opt-{industry}")
    page.keyboard.press("Enter")  # takes the option, does not send the form
    expect(handling).to_have_value("青山县工业和信息化局")
    expect(page.locator("#f-handling-value")).to_have_value(str(industry))
    expect(handling).to_have_attribute("aria-expanded", "false")
    expect(page).to_have_url(re.compile(rf"/tickets/{ticket_id}$"))

    helpers = page.get_by_role("combobox", name="添加协办单位")
    helpers.focus()
    page.keyboard.type("商务局", delay=40)
    expect(page.get_by_role("option", name=re.compile("青山县商务局"))).to_be_visible()
    page.keyboard.press("Enter")  # the one unit offered: taken, as a chip; the box is empty for the next
    chosen = page.get_by_role("list", name="已选的协办单位")
    expect(chosen.get_by_role("checkbox", name="青山县商务局")).to_be_checked()
    expect(helpers).to_have_value("")
    expect(helpers).to_be_focused()
    expect(page.locator("#f-helpers-status")).to_have_text("已添加 青山县商务局，共选 1 个")

    page.keyboard.type("招商局", delay=40)
    expect(page.get_by_role("option")).to_have_count(3)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(chosen.get_by_role("checkbox", name="青山经济开发区招商局")).to_be_checked()
    page.keyboard.type("城关", delay=40)
    expect(page.get_by_role("option")).to_have_count(1)
    page.keyboard.press("Enter")
    expect(chosen.get_by_role("checkbox")).to_have_count(3)
    shot(page, "desktop-chips")
    chosen.get_by_role("checkbox", name="城关镇人民政府").uncheck()  # changed one's mind: left out

    page.get_by_role("button", name="交办", exact=True).click()

    expect(page.get_by_text(re.compile(r"剩 10 个工作日"))).to_be_visible()
    expect(handling_units(page)).to_have_text(
        "青山县工业和信息化局（牵头）、青山县商务局（协办）、青山经济开发区招商局（协办）"
    )
    assert not page.console_errors, page.console_errors


def test_on_a_phone_units_are_tapped_and_the_chips_fit(page, live_server):
    ticket_id, _title = reported_ticket(live_server)
    sign_in(page, "zsj_admin")
    page.goto(f"/tickets/{ticket_id}")

    page.get_by_role("combobox", name="牵头办理单位").press_sequentially("河口", delay=40)
    option = page.get_by_role("option", name=re.compile("河口镇人民政府"))
    box = option.bounding_box()
    assert box is not None and box["height"] >= TAP and box["x"] + box["width"] <= PHONE["width"], box
    option.tap()
    expect(page.get_by_role("combobox", name="牵头办理单位")).to_have_value("河口镇人民政府")

    helpers = page.get_by_role("combobox", name="添加协办单位")
    for typed, name in (("自然资源", "青山县自然资源局"), ("住房", "青山县住房和城乡建设局")):
        helpers.press_sequentially(typed, delay=40)
        page.get_by_role("option", name=re.compile(name)).tap()
    chips = page.locator("label.chip")
    expect(chips).to_have_count(2)
    for index in range(2):
        chip = chips.nth(index).bounding_box()
        assert chip is not None and chip["height"] >= TAP and chip["x"] + chip["width"] <= PHONE["width"], chip
    assert horizontal_overflow(page) <= 0
    shot(page, "phone-chips")

    page.get_by_role("button", name="交办", exact=True).click()

    expect(handling_units(page)).to_have_text(
        "河口镇人民政府（牵头）、青山县自然资源局（协办）、青山县住房和城乡建设局（协办）"
    )
    assert horizontal_overflow(page) <= 0
    assert not page.console_errors, page.console_errors


@pytest.fixture
def no_script_page(browser: Any, base_url: str) -> Iterator[Any]:
    """A phone without JavaScript (as with scripts blocked): plain forms only."""
    context = browser.new_context(
        base_url=base_url, viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN", java_script_enabled=False
    )
    page = context.new_page()
    sign_in(page, "zsj_admin")
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "unit-fields-no-script-phone.png"), full_page=True)
    context.close()


def test_without_javascript_names_typed_route_the_ticket_or_are_explained(no_script_page, live_server):
    page = no_script_page
    ticket_id, _title = reported_ticket(live_server)
    page.goto(f"/tickets/{ticket_id}")

    page.get_by_label("牵头办理单位").fill("镇人民政府")  # four towns
    page.get_by_label("添加协办单位").fill("县商务局、没有这个单位、经开区")
    page.get_by_role("button", name="交办", exact=True).click()

    handling_error = page.locator("#f-handling-error")
    expect(handling_error).to_contain_text("有 4 个单位的名称含“镇人民政府”，请选择其中一个")
    expect(page.get_by_label("牵头办理单位")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-helpers-error")).to_contain_text("没有名称含“没有这个单位”的单位")
    expect(page.get_by_label("添加协办单位")).to_have_value("没有这个单位")  # what is left to correct
    chosen = page.get_by_role("list", name="已选的协办单位")
    expect(chosen.get_by_role("checkbox", name="青山县商务局")).to_be_checked()  # by its short name
    expect(chosen.get_by_role("checkbox", name="青山经济开发区管理委员会")).to_be_checked()
    expect(handling_units(page)).to_have_text("待交办")
    river = page.get_by_role("radio", name=re.compile("河口镇人民政府"))
    box = page.locator("label", has=river).bounding_box()
    assert box is not None and box["height"] >= TAP, box
    assert horizontal_overflow(page) <= 0
    shot(page, "no-script-explained")

    river.check()
    page.get_by_label("添加协办单位").fill("")
    page.get_by_role("button", name="交办", exact=True).click()

    expect(handling_units(page)).to_have_text(
        "河口镇人民政府（牵头）、青山县商务局（协办）、青山经济开发区管理委员会（协办）"
    )


def test_rates_take_a_unit_typed_on_a_phone(page, live_server):
    hill = unit_id_named(live_server, "青石镇人民政府")
    sign_in(page, "zsj_admin")
    page.goto("/rates")
    field = page.get_by_role("combobox", name="单位")
    field.press_sequentially("青石", delay=40)
    page.get_by_role("option", name=re.compile("青石镇人民政府")).tap()
    expect(field).to_have_value("青石镇人民政府")
    assert horizontal_overflow(page) <= 0
    page.get_by_role("button", name="计算").click()

    expect(page).to_have_url(re.compile(rf"/rates\?.*unit_id={hill}(&|$)"))
    expect(page.get_by_role("combobox", name="单位")).to_have_value("青石镇人民政府")
    expect(page.get_by_role("heading", name=re.compile("合同履约率"))).to_be_visible()

    page.get_by_role("combobox", name="单位").fill("")  # every unit again: the form's blank unit is no error
    page.get_by_role("button", name="计算").click()
    expect(page.get_by_role("heading", name=re.compile("合同履约率"))).to_be_visible()
    expect(page.get_by_role("combobox", name="单位")).to_have_value("")
    assert not page.console_errors, page.console_errors


def test_a_target_for_one_unit_is_set_by_choosing_it(desktop_page, live_server):
    page = desktop_page
    sign_in(page, "zsj_admin")
    page.goto("/targets")
    scope = page.get_by_label("适用")
    expect(scope.locator("option", has_text="单个单位")).to_have_count(1)  # not one per unit
    setting = page.locator("form", has_text="设定目标")
    setting.get_by_label("指标").select_option(label="新开工项目（个）")
    page.get_by_role("combobox", name="单个单位").press_sequentially("卫生健康", delay=40)
    page.get_by_role("option", name=re.compile("青山县卫生健康委员会")).click()
    expect(scope).to_have_value("unit")  # the scope follows the unit chosen
    page.get_by_label("年度目标").fill("3")
    shot(page, "desktop-target")
    setting.get_by_role("button", name="保存").click()

    health = unit_id_named(live_server, "青山县卫生健康委员会")
    expect(page).to_have_url(re.compile(rf"/targets\?year=\d+&unit_id={health}$"))  # the unit's rows
    row = page.locator("tr", has_text="县卫健委").filter(has_text="新开工项目")
    expect(row.locator("td[data-label=目标]")).to_have_text("3")  # a count, without decimals
    assert not page.console_errors, page.console_errors
