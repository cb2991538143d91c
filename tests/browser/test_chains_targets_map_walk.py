"""Issue 21's whole walk in Chromium at 375 px and at 1280 px, against the demo county with no tile service:

1. the coordinator builds a chain with five links (all five gaps);
2. imports a 200-row target list (made here with openpyxl) whose rows sit on the chain's 整机 link, holding a
   firm of the investor catalogue and a row repeating another's credit code, and sees the report;
3. assigns the first target to 城关镇's clerk, who logs a visit that showed interest and turns it into a lead;
4. a producing project is put on the 整机 link: the chain page shows that gap filled, and the funnel the lead;
5. the map, filtered by the new chain, shows that project, with no tile and no request beyond the site.
Every page fits the screen, with buttons big enough to tap and no console errors."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser_fixtures import ARTIFACTS, LiveServer, horizontal_overflow, sign_in
from tests.target_companies.factories import valid_code, workbook

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
    page.screenshot(path=str(ARTIFACTS / f"chain-walk-{shot}.png"), full_page=True)


def _producing_project(server: LiveServer, skip: int) -> tuple[int, str]:
    """A public demo project in production, placed on the map and on no chain's link: (id, name)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(server.database_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                text(
                    "SELECT id, name FROM project WHERE stage IN ('production', 'full_capacity')"
                    " AND status = 'active' AND NOT is_confidential AND latitude IS NOT NULL"
                    " AND id NOT IN (SELECT project_id FROM chain_link_project) ORDER BY id DESC LIMIT 1 OFFSET :skip"
                ),
                {"skip": skip},
            ).one()
    finally:
        engine.dispose()
    return int(row[0]), str(row[1])


def _rows(chain: str, base: int) -> list[list[str]]:
    """200 rows on the chain's 整机 link: 198 new firms, one of the investor catalogue, one repeating row 2's code."""
    on_link = f"{chain}/整机"
    rows = [
        [f"整机目标企业{base + i}有限公司", valid_code(base + i), "装备制造", "常州", "", on_link] for i in range(198)
    ]
    rows.append(["深圳市华芯微电子有限公司", "", "电子信息", "深圳", "", on_link])  # in the investor catalogue
    rows.append([f"整机目标企业{base}股份有限公司", valid_code(base), "", "", "", on_link])  # row 2's code again
    return rows


@pytest.mark.parametrize("kind", ["phone", "desktop"])
def test_a_chain_its_targets_a_lead_a_gap_filled_and_the_map(new_page, live_server, base_url, kind):
    phone = kind == "phone"
    chain = f"走查{'手机' if phone else '桌面'}装备链"
    listed = f"{chain}目标名单"
    base = 700_000 if phone else 800_000
    first = f"整机目标企业{base}有限公司"
    page = new_page(kind)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    sign_in(page, "zsj_admin")

    # 1. the chain and its five links
    page.goto("/chains/new")
    page.get_by_label("产业链名称").fill(chain)
    page.get_by_label("链长（县级领导）").select_option(label="王建国")
    page.get_by_role("button", name="保存").click()
    expect(page).to_have_url(re.compile(r"/chains/\d+\?saved=1"))
    chain_id = int(re.search(r"/chains/(\d+)", page.url).group(1))  # type: ignore[union-attr]
    for link, stage, parent in LINKS:
        if parent:
            page.get_by_role("link", name=f"在 {parent} 下新增环节").click()
        else:
            page.get_by_role("link", name="新增一级环节").first.click()
        page.get_by_label("环节名称").fill(link)
        page.get_by_label("上中下游").select_option(stage)
        page.get_by_role("button", name="保存").click()
        expect(page).to_have_url(re.compile(rf"/chains/{chain_id}\?saved=link"))
    expect(page.locator("#gap-count")).to_have_text("缺链 5 个")
    fits(page, f"{kind}-1-chain")

    # 2. the 200-row list, its duplicates reported
    page.goto("/target-lists/import")
    page.get_by_label("名单名称").fill(listed)
    page.get_by_label("类别").select_option("listed")
    page.locator("#f-workbook").set_input_files(
        files=[{"name": "名单.xlsx", "mimeType": "application/octet-stream", "buffer": workbook(_rows(chain, base))}]
    )
    page.get_by_role("button", name="校验并导入").click()
    expect(page.locator("#import-report")).to_be_visible()
    added = int(page.locator("#n-added").inner_text())  # those linked to the catalogue's investor among them
    linked = int(page.locator("#n-linked").inner_text())
    skipped = int(page.locator("#n-skipped").inner_text())
    # the catalogue's firm is added and linked, unless the walk at the other width imported it already
    assert (added, linked, skipped) in ((199, 1, 1), (198, 0, 2))
    expect(page.locator("#skipped")).to_contain_text("与第 2 行信用代码相同")
    expect(page.locator("#import-report")).to_contain_text("深圳市华芯微电子有限公司")
    fits(page, f"{kind}-2-report")

    # 3. assigned to 城关镇's clerk, who visits and turns the interest into a lead
    page.get_by_role("link", name="分配这份名单的企业").click()
    page.get_by_label(f"选择 {first}").check()
    page.get_by_label("分配给单位").select_option(label="城关镇人民政府")
    page.get_by_label("负责人员").select_option(label="城关镇人民政府 · 李春燕")
    page.get_by_role("button", name="分配").click()
    expect(page.locator("main .notice")).to_contain_text("已分配 1 家")

    clerk = new_page(kind)
    sign_in(clerk, "chengguan")
    clerk.goto("/target-companies")
    clerk.get_by_role("link", name=first).click()
    clerk.get_by_label("方式").select_option("visit")
    clerk.get_by_label("结果").fill("登门拜访，对方有意在经开区建设整机装配线")
    clerk.get_by_label("对方有投资意向").check()
    clerk.get_by_role("button", name="保存").click()
    expect(clerk.locator("#target-status")).to_have_text("有意向")
    clerk.get_by_label("拟投资项目名称").fill(f"{chain}整机装配项目")
    clerk.get_by_label("意向投资额（万元）").fill("30000")
    clerk.get_by_role("button", name="转为线索").click()
    expect(clerk.locator("#target-status")).to_have_text("已转线索")
    clerk.locator("#lead-link").click()
    expect(clerk).to_have_url(re.compile(r"/leads/\d+"))
    expect(clerk.locator("#from-target")).to_contain_text(first)
    fits(clerk, f"{kind}-3-lead")

    # 4. a producing project on 整机: the gap filled; the funnel counts the lead on the chain
    project_id, project_name = _producing_project(live_server, 0 if phone else 1)
    page.goto(f"/projects/{project_id}")
    section = page.locator("#chain-link")
    section.get_by_label("所属环节").select_option(label=f"{chain} › 整机")
    section.get_by_role("button", name="保存环节").click()
    expect(page).to_have_url(re.compile(rf"/projects/{project_id}\?saved=chain"))
    page.goto(f"/chains/{chain_id}")
    expect(page.locator("#gap-count")).to_have_text("缺链 4 个")
    row = page.locator("#links tbody tr", has_text="整机")
    expect(row).to_have_class("link-weak")  # one local firm now, fewer than the link's threshold of 2: weak, no gap
    expect(row.locator("td[data-label='线索']")).to_have_text("1")  # the target's lead, on its link
    expect(page.locator("#chain-chart canvas")).to_have_count(1)
    fits(page, f"{kind}-4-gap-filled")
    page.goto("/target-companies/funnel")
    expect(page.locator("#funnel-list tr", has_text=listed).locator("td[data-label='线索']")).to_have_text("1")

    # 5. the map, filtered by the chain: that project, no tile, nothing fetched beyond the site
    page.goto("/map")
    page.get_by_label("产业链").select_option(chain)
    page.get_by_role("button", name="筛选").click()
    expect(page).to_have_url(re.compile(r"/map\?.*chain="))
    point = page.locator("#map .map-pt.kind-project")
    expect(point).to_have_count(1)
    expect(point).to_have_attribute("aria-label", project_name)
    assert page.locator("#map .leaflet-tile").count() == 0
    fits(page, f"{kind}-5-map")
    origin = urlsplit(base_url).netloc
    outside = [u for u in requests if urlsplit(u).scheme in ("http", "https") and urlsplit(u).netloc != origin]
    assert outside == []
