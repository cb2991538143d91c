"""Small things a person notices on a phone (375x812): the 记录当前位置 button only where the browser can
locate, clear of the sticky save button; the lead-quota reminder without the units that owe no leads."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_error_focus import chengguan_project
from tests.browser_fixtures import sign_in

pytestmark = pytest.mark.browser


def test_the_locate_button_is_shown_where_the_browser_can_locate_and_not_under_the_save_button(page, live_server):
    sign_in(page, "chengguan")  # 127.0.0.1 is a secure context, as HTTPS is
    page.goto(f"/projects/{chengguan_project(live_server)}/progress")
    button = page.get_by_role("button", name="记录当前位置")
    expect(button).to_be_visible()

    # brought into view from above, as the keyboard's Tab does: it stops clear of the sticky 保存进度
    page.evaluate("window.scrollTo(0, 0)")
    button.evaluate("b => b.scrollIntoView({block: 'nearest'})")
    box, save = button.bounding_box(), page.get_by_role("button", name="保存进度").bounding_box()
    assert box is not None and save is not None
    assert box["y"] + box["height"] <= save["y"], (box, save)
    centre = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).id", [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2]
    )
    assert centre == "geo-button"


def test_the_locate_button_is_hidden_where_the_browser_may_not_locate(page, live_server):
    page.add_init_script("Object.defineProperty(window, 'isSecureContext', {value: false})")  # plain http
    sign_in(page, "chengguan")
    page.goto(f"/projects/{chengguan_project(live_server)}/progress")
    expect(page.get_by_role("button", name="保存进度")).to_be_visible()
    expect(page.get_by_role("button", name="记录当前位置")).to_be_hidden()


def test_the_lead_quota_reminder_leaves_out_the_units_that_owe_no_leads(page):
    sign_in(page, "zsj_admin")
    reminder = page.locator("section", has=page.get_by_role("heading", name="线索任务未完成的单位"))
    expect(reminder).to_be_visible()
    text = reminder.inner_text()
    for exempt in ("青山县：", "县招商局", "县政府办", "县督查室"):
        assert exempt not in text, text


def _ticket_handled_by_the_coordinator(server) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(server.database_url)
    try:
        with engine.connect() as conn:
            sql = "SELECT min(ticket_id) FROM ticket_event WHERE actor_label = '陈志远(zsj_admin)'"
            return int(conn.execute(text(sql)).scalar_one())
    finally:
        engine.dispose()


def test_people_are_shown_by_name_not_by_login(page, live_server):
    sign_in(page, "zsj_admin")
    page.goto(f"/tickets/{_ticket_handled_by_the_coordinator(live_server)}")
    body = page.locator("main").inner_text()
    assert "陈志远" in body
    assert "zsj_admin" not in body, body


def test_figures_on_the_phone_cards_carry_their_labels(page):
    sign_in(page, "chengguan")
    funnel = page.locator("ol.funnel li").first
    expect(funnel).to_contain_text("个")  # the stage funnel counts projects

    page.goto("/projects")
    card = page.locator("table.stack tbody tr").first
    expect(card.locator("td[data-label=合同投资]")).to_contain_text("万元")
    expect(card.locator("td[data-label=已到位]")).to_contain_text("万元")
    expect(card.locator("td[data-label=阶段]")).to_contain_text("在本阶段")

    page.goto("/leads")
    expect(page.locator("table.stack tbody tr").first.locator("td[data-label=意向投资]")).to_contain_text("万元")


def test_on_a_desktop_the_unit_stays_in_the_column_header(desktop_page):
    sign_in(desktop_page, "chengguan")
    desktop_page.goto("/projects")
    expect(desktop_page.locator("thead")).to_contain_text("合同投资（万元）")
    cell = desktop_page.locator("tbody tr").first.locator("td[data-label=合同投资]")
    assert "万元" not in cell.inner_text()
