"""The coordinator on a phone (375 px): a new ticket shows on the home page's 待交办 card and in the
menu's count; the card opens the queue of tickets waiting to be routed, the ticket is opened and
routed to a unit. And the funds queue: 确认 waits until 已核对凭证 is ticked."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_unit_fields import reported_ticket
from tests.browser_fixtures import ARTIFACTS, horizontal_overflow, sign_in

pytestmark = pytest.mark.browser


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"coordinator-{name}.png"), full_page=True)


def test_the_coordinator_sees_a_new_ticket_on_the_home_card_and_routes_it(page, live_server):
    ticket_id, title = reported_ticket(live_server)
    sign_in(page, "zsj_admin")
    page.goto("/")

    card = page.locator("#tickets-to-route")
    expect(card).to_be_visible()
    value = card.locator(".value").inner_text()
    assert value.endswith("件"), value  # the count carries its unit
    waiting = int(value.removesuffix("件"))
    assert waiting >= 1
    expect(card).to_contain_text("待交办")
    page.get_by_text("菜单", exact=True).tap()
    expect(
        page.get_by_role("navigation", name="主菜单").get_by_role("link", name="服务问题", exact=True)
    ).to_contain_text(str(waiting))
    page.keyboard.press("Escape")
    assert horizontal_overflow(page) == 0
    shot(page, "home")

    card.tap()
    expect(page).to_have_url(re.compile(r"/tickets\?box=new$"))
    page.get_by_role("link", name=title).tap()
    expect(page).to_have_url(re.compile(rf"/tickets/{ticket_id}$"))

    page.get_by_role("combobox", name="牵头办理单位").press_sequentially("河口", delay=40)
    page.get_by_role("option", name=re.compile("河口镇人民政府")).tap()
    page.get_by_role("button", name="交办", exact=True).tap()
    expect(page.get_by_text(re.compile(r"剩 \d+ 个工作日"))).to_be_visible()
    expect(page.locator("dt", has_text="办理单位").locator("xpath=following-sibling::dd[1]")).to_contain_text(
        "河口镇人民政府"
    )
    shot(page, "routed")

    page.goto("/")
    expect(page.locator("#tickets-to-route .value")).to_have_text(f"{waiting - 1}件")
    assert not page.console_errors, page.console_errors


def test_confirming_funds_takes_a_tick_then_a_tap(page, live_server):
    sign_in(page, "zsj_admin")
    page.goto("/funds/pending")
    expect(page.locator("#funds-summary")).to_contain_text("万元")
    row = page.locator("tr[id^=funds-]").filter(has=page.locator("button[data-needs-check]")).first
    expect(row).to_be_visible()
    confirm = row.locator("button[data-needs-check]")
    expect(confirm).to_be_disabled()  # a stray tap does nothing
    expect(confirm).to_contain_text(re.compile(r"确认 [\d,.]+ 万(美)?元"))
    row.get_by_label(re.compile("已核对凭证")).check()
    expect(confirm).to_be_enabled()
    box = confirm.bounding_box()
    assert box is not None and box["height"] >= 44
    assert horizontal_overflow(page) == 0
    shot(page, "funds")
    row_id = row.get_attribute("id")
    confirm.tap()
    expect(page).to_have_url(re.compile(r"/funds/pending"))
    expect(page.locator(f"#{row_id}")).to_have_count(0)
    assert not page.console_errors, page.console_errors
