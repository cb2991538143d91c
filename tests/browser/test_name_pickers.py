"""Forms that name an investor, a lead or a project are filled on a phone (375 px) by typing part of a name
and tapping a suggestion, never by typing a number: the first-report registry and a promotion event's
现场签约 projects."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, text

from tests.browser_fixtures import ARTIFACTS, LiveServer, horizontal_overflow, sign_in

pytestmark = pytest.mark.browser


def chengguan_project_name(server: LiveServer) -> str:
    engine = create_engine(server.database_url)
    try:
        with engine.connect() as conn:
            sql = (
                "SELECT p.name FROM project p JOIN user_account u ON u.unit_id = p.responsible_unit_id"
                " WHERE u.username = 'chengguan' AND p.is_confidential = false ORDER BY p.id LIMIT 1"
            )
            return str(conn.execute(text(sql)).scalar_one())
    finally:
        engine.dispose()


def test_a_clerk_adds_a_signed_project_to_an_event_by_typing_its_name(page, live_server):
    name = chengguan_project_name(live_server)
    event = f"智能制造专场推介会{uuid.uuid4().hex[:4]}"
    sign_in(page, "chengguan")
    page.goto("/activities")
    page.get_by_text("登记推介活动").tap()
    page.get_by_label("活动名称").fill(event)
    page.get_by_label("地点").fill("县会展中心")
    page.get_by_label("查找本单位项目").press_sequentially(name[:4], delay=30)
    suggestion = page.locator("#project-suggestions .suggestion", has_text=name).first
    expect(suggestion).to_be_visible()
    suggestion.tap()
    chip = page.locator("#event-projects label.chip", has_text=name)
    expect(chip).to_be_visible()
    expect(chip.get_by_role("checkbox")).to_be_checked()
    assert horizontal_overflow(page) == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "event-project-picked.png"), full_page=True)
    page.locator("form[action='/activities/event']").get_by_role("button", name="保存").tap()
    expect(page).to_have_url(re.compile(r"/activities$"))
    expect(page.locator("section", has_text="推介活动").last).to_contain_text(event)


def test_a_clerk_registers_a_large_project_picking_the_investor_by_name(page, live_server):
    tag = uuid.uuid4().hex[:5].upper()
    investor = f"湘南{tag}储能科技有限公司"
    sign_in(page, "chengguan")
    # the investor enters the catalogue with a small lead (below the registry's threshold)
    page.goto("/leads/new")
    page.get_by_label("客商名称").press_sequentially(investor, delay=10)
    page.get_by_label(f"新建客商：{investor}").check()
    page.get_by_label("招商渠道").select_option(label="以商招商")
    page.get_by_label("意向项目").fill("储能电池项目")
    page.get_by_label("意向投资（万元）").fill("800")
    page.get_by_role("button", name="提交线索").tap()
    expect(page).to_have_url(re.compile(r"/leads/\d+\?created=1$"))

    page.goto("/registry")
    page.get_by_text("登记大项目").first.tap()
    page.get_by_label("客商").press_sequentially(f"湘南{tag}", delay=30)
    suggestion = page.locator(".suggestion", has_text=investor)
    expect(suggestion).to_be_visible()
    suggestion.tap()
    expect(page.locator("#picked-investor")).to_contain_text(investor)
    lead = page.get_by_label("依据的线索")
    expect(lead.locator("option", has_text="储能电池项目")).to_have_count(1)
    lead.select_option(label=lead.locator("option", has_text="储能电池项目").inner_text())
    page.get_by_label("项目名称").fill("储能电池生产基地")
    page.get_by_label("意向投资（万元）").fill("150000")
    assert horizontal_overflow(page) == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "registry-investor-picked.png"), full_page=True)
    page.get_by_role("button", name="登记").tap()
    expect(page).to_have_url(re.compile(r"/registry$"))
    entry = page.locator("section.card", has_text="储能电池生产基地")
    expect(entry).to_contain_text(investor)
    expect(entry).to_contain_text("城关镇人民政府")
