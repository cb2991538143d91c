"""In Chromium, against the demo county, on a phone (375 px) and a desktop (1280 px): the coordinator builds a
chain with five links (one under another), attaches a project in production to a link from the project's page,
and the chain's page shows that link no longer a gap, drawn by ECharts. Every page fits the screen, buttons are
big enough to tap, and the console stays clean (the Content-Security-Policy included). Screenshots in
test-artifacts/chains-*.png."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser_fixtures import ARTIFACTS, LiveServer, horizontal_overflow, sign_in

pytestmark = pytest.mark.browser
TAP = 44
LINKS = [("原材料", "upstream", None), ("铸锻件", "upstream", "原材料"), ("零部件", "midstream", None),
         ("整机", "midstream", None), ("售后服务", "downstream", None)]  # fmt: skip


def fits(page: Any, shot: str) -> None:
    assert horizontal_overflow(page) <= 0, page.url
    for button in page.locator("main button:visible, main .btn:visible").all():
        box = button.bounding_box()
        assert box is not None and box["height"] >= TAP, (page.url, button.inner_text(), box)
    assert not page.console_errors, page.console_errors
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"chains-{shot}.png"), full_page=True)


def _producing_project(server: LiveServer, skip: int) -> int:
    """A demo project in production, not confidential and on no chain's link."""
    from sqlalchemy import create_engine, text

    engine = create_engine(server.database_url)
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    text(
                        "SELECT id FROM project WHERE stage IN ('production', 'full_capacity') AND status = 'active'"
                        " AND NOT is_confidential AND id NOT IN (SELECT project_id FROM chain_link_project)"
                        " ORDER BY id LIMIT 1 OFFSET :skip"
                    ),
                    {"skip": skip},
                ).scalar_one()
            )
    finally:
        engine.dispose()


@pytest.mark.parametrize("kind", ["phone", "desktop"])
def test_the_coordinator_builds_a_chain_and_a_project_fills_a_gap(new_page, live_server, kind):
    page = new_page(kind)
    name = f"测试装备{'手机' if kind == 'phone' else '桌面'}链"
    sign_in(page, "zsj_admin")
    page.goto("/chains")
    expect(page.get_by_role("heading", level=1)).to_have_text("产业链")
    expect(page.locator("table.stack")).to_contain_text("新材料")
    fits(page, f"{kind}-list")
    page.get_by_role("link", name="新建产业链").click()
    page.get_by_label("产业链名称").fill(name)
    page.get_by_label("链长（县级领导）").select_option(label="王建国")
    page.get_by_label("链主企业名称（不在客商库时填写）").fill("青山重工集团")
    fits(page, f"{kind}-new")
    page.get_by_role("button", name="保存").click()
    expect(page).to_have_url(re.compile(r"/chains/\d+\?saved=1"))
    chain_id = int(re.search(r"/chains/(\d+)", page.url).group(1))
    for link, stage, parent in LINKS:
        if parent:
            page.get_by_role("link", name=f"在 {parent} 下新增环节").click()
        else:
            page.get_by_role("link", name="新增一级环节").first.click()
        page.get_by_label("环节名称").fill(link)
        page.get_by_label("上中下游").select_option(stage)
        if link == "整机":
            page.get_by_label("弱链门槛（本地企业少于此数为弱链）").fill("1")
        page.get_by_role("button", name="保存").click()
        expect(page).to_have_url(re.compile(rf"/chains/{chain_id}\?saved=link"))
    expect(page.locator("#gap-count")).to_have_text("缺链 5 个")
    expect(page.locator("#links")).to_contain_text("原材料 › 铸锻件")
    expect(page.locator("#chain-chart canvas")).to_have_count(1)
    fits(page, f"{kind}-gaps")

    project_id = _producing_project(live_server, 0 if kind == "phone" else 1)
    page.goto(f"/projects/{project_id}")
    section = page.locator("#chain-link")
    section.get_by_label("所属环节").select_option(label=f"{name} › 整机")
    section.get_by_role("button", name="保存环节").click()
    expect(page).to_have_url(re.compile(rf"/projects/{project_id}\?saved=chain"))
    expect(page.locator("#chain-link-now")).to_contain_text(f"{name}")
    fits(page, f"{kind}-project")

    page.goto(f"/chains/{chain_id}")
    expect(page.locator("#gap-count")).to_have_text("缺链 4 个")
    row = page.locator("#links tbody tr", has_text="整机")
    expect(row).to_have_class(re.compile(r"\blink-ok\b"))
    expect(row).to_contain_text("有企业")
    expect(page.locator("#projects")).to_contain_text("整机")
    expect(page.locator("#chain-chart canvas")).to_have_count(1)
    fits(page, f"{kind}-filled")
