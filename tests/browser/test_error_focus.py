"""A refused form on a phone (375x812) brings its first error to where the thumb is: the page scrolls to
the first invalid field, which takes the focus, clear of the sticky save button. With htmx (the lead
form), after a full page post (the stage form) and with JavaScript off (the server marks the field
autofocus)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser_fixtures import DEMO_PASSWORD, PHONE, LiveServer, horizontal_overflow, sign_in

pytestmark = pytest.mark.browser


def chengguan_project(server: LiveServer) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(server.database_url)
    try:
        with engine.connect() as conn:
            sql = (
                "SELECT p.id FROM project p JOIN user_account u ON u.unit_id = p.responsible_unit_id"
                " WHERE u.username = 'chengguan' AND p.status = 'active' ORDER BY p.id LIMIT 1"
            )
            return int(conn.execute(text(sql)).scalar_one())
    finally:
        engine.dispose()


def assert_focused_in_sight(page: Any, field_id: str) -> None:
    """The field has the focus, lies wholly inside the screen and is not under the sticky save button."""
    page.wait_for_function("id => document.activeElement && document.activeElement.id === id", arg=field_id)
    page.wait_for_timeout(100)  # the scroll has been made synchronously; let layout settle
    box = page.locator(f"#{field_id}").bounding_box()
    assert box is not None
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], box
    save = page.locator(".sticky-submit").bounding_box()
    assert save is not None and box["y"] + box["height"] <= save["y"], (box, save)


def fill_lead_without_channel(page: Any, *, scripted: bool = True) -> str:
    """Enter a lead for a new investor with no channel chosen and submit it; with JavaScript the new
    investor is confirmed as the name is typed (the lookup offers the box), without it after the refusal."""
    page.goto("/leads/new")
    name = f"湘南{uuid.uuid4().hex[:6].upper()}光电科技有限公司"
    page.get_by_label("客商名称").fill(name)
    if scripted:
        page.get_by_label(f"新建客商：{name}").check()
    page.get_by_label("意向投资（万元）").fill("5000")
    page.get_by_label("线索内容").fill("有意在园区租用标准厂房，年内落地。")
    page.get_by_label("联系电话").fill("1390" + str(uuid.uuid4().int)[:7])
    page.mouse.wheel(0, 3000)  # the clerk has scrolled down to the save button
    page.get_by_role("button", name="提交线索").tap()
    return name


def test_a_refused_lead_on_a_phone_scrolls_to_the_missing_channel_and_focuses_it(page):
    sign_in(page, "chengguan")
    fill_lead_without_channel(page)

    expect(page.locator("#e-channel")).to_be_visible()
    assert_focused_in_sight(page, "f-channel")
    assert horizontal_overflow(page) <= 0
    assert not [e for e in page.console_errors if "status of 422" not in e], page.console_errors


def test_a_refused_stage_change_on_a_phone_scrolls_to_the_date_and_focuses_it(page, live_server):
    project = chengguan_project(live_server)
    sign_in(page, "chengguan")
    page.goto(f"/projects/{project}/stage")
    page.get_by_label("日期").fill("2001-01-01")  # before the project's current stage began
    page.get_by_label("原因（退回、暂停、终止必填）").fill("补充材料")
    page.mouse.wheel(0, 3000)
    page.get_by_role("button", name="保存").tap()

    expect(page.locator("#e-happened_on")).to_be_visible()
    assert_focused_in_sight(page, "f-happened_on")
    assert not [e for e in page.console_errors if "status of 422" not in e], page.console_errors


@pytest.fixture
def no_script_page(browser: Any, base_url: str) -> Iterator[Any]:
    context = browser.new_context(
        base_url=base_url,
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        java_script_enabled=False,
    )
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_without_javascript_the_refused_field_is_focused_and_in_sight(no_script_page, live_server):
    page = no_script_page
    page.goto("/login")
    page.get_by_label("用户名").fill("chengguan")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/login" not in url)

    name = fill_lead_without_channel(page, scripted=False)
    # asked first about the name (not in the catalogue), the first field on the form
    expect(page.locator("#e-investor_name")).to_contain_text("确认新建客商")
    assert_focused_in_sight(page, "f-investor_name")
    page.get_by_label(f"新建客商：{name}").check()
    page.mouse.wheel(0, 3000)
    page.get_by_role("button", name="提交线索").tap()
    expect(page.locator("#e-channel")).to_be_visible()
    assert page.locator("#f-channel").get_attribute("autofocus") is not None
    assert_focused_in_sight(page, "f-channel")

    page.goto(f"/projects/{chengguan_project(live_server)}/stage")
    page.get_by_label("日期").fill("2001-01-01")
    page.mouse.wheel(0, 3000)
    page.get_by_role("button", name="保存").tap()
    expect(page.locator("#e-happened_on")).to_be_visible()
    assert_focused_in_sight(page, "f-happened_on")


def test_sign_in_keeps_working(page):
    sign_in(page, "chengguan")  # a refused-form helper must not trip the ordinary path
    expect(page.get_by_role("heading", level=1)).to_be_visible()
