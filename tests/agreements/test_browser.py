"""On a phone (375 px), against the demo county: a town's clerk enters a project's investment agreement and
one commitment, then the firm's result for the year with its certificate number; the bureau confirms it in
its queue; the project's page then shows the commitment met and the project 达产. Every page fits the
screen, with buttons big enough to tap and no console errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from app.services import workdays
from tests.browser_fixtures import ARTIFACTS, LiveServer, horizontal_overflow, sign_in

pytestmark = pytest.mark.browser

TAP = 44


def fits(page: Any, shot: str) -> None:
    assert horizontal_overflow(page) == 0, page.url
    for button in page.locator("main button:visible, main .btn:visible").all():
        box = button.bounding_box()
        assert box is not None and box["height"] >= TAP, (page.url, button.inner_text(), box)
    assert not page.console_errors, page.console_errors
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(Path(ARTIFACTS) / f"agreements-{shot}.png"), full_page=True)


def _project(server: LiveServer) -> tuple[int, str, str]:
    """A project in production without an agreement, of a unit with a clerk: (id, name, the clerk)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(server.database_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                text(
                    "SELECT p.id, p.name, u.username FROM project p JOIN user_account u"
                    " ON u.unit_id = p.responsible_unit_id AND u.role = 'unit_staff'"
                    " WHERE p.stage IN ('production', 'full_capacity') AND p.status = 'active'"
                    " AND p.is_confidential = false AND p.id NOT IN (SELECT project_id FROM investment_agreement)"
                    " ORDER BY p.id LIMIT 1"
                )
            ).one()
    finally:
        engine.dispose()
    return int(row[0]), str(row[1]), str(row[2])


def test_an_agreement_a_result_and_its_confirmation_on_a_phone(new_page, live_server):
    project_id, name, clerk_name = _project(live_server)
    year = workdays.today().year
    clerk = new_page("phone")
    sign_in(clerk, clerk_name)
    clerk.goto(f"/projects/{project_id}")
    section = clerk.locator("#agreement")
    expect(section).to_contain_text("尚未录入投资协议")
    section.get_by_role("link", name="录入协议").click()
    expect(clerk.get_by_role("heading", level=1)).to_have_text("录入投资协议")
    fits(clerk, "1-agreement-form")
    clerk.get_by_label("签订日期").fill(f"{year - 1}-03-18")
    clerk.get_by_label("协议各方").fill("甲方：青山县人民政府；乙方：测试投资方")
    clerk.get_by_label("协议编号").fill(f"QSXZS-{year - 1}-088")
    clerk.get_by_role("button", name="保存协议").click()
    expect(clerk.locator("#agreement")).to_contain_text(f"QSXZS-{year - 1}-088")

    clerk.locator("#agreement").get_by_role("link", name="添加承诺").click()
    fits(clerk, "2-commitment-form")
    clerk.get_by_label("承诺类别").select_option(label="年产值（万元）")
    clerk.get_by_label("承诺数值").fill("5000")
    clerk.get_by_role("button", name="保存").click()
    commitment = clerk.locator("#agreement .commitments li").first
    expect(commitment).to_contain_text("暂无结果")
    expect(commitment).to_contain_text("年产值不低于 5,000.00 万元")
    fits(clerk, "3-project-section")

    clerk.locator("#agreement").get_by_role("link", name="投产后实绩").click()
    expect(clerk.get_by_role("heading", level=1)).to_have_text("投产后实绩")
    clerk.get_by_label("年度").fill(str(year))
    clerk.get_by_label("产值（万元）").fill("5200")
    clerk.get_by_label("上缴税金（万元）").fill("260")
    clerk.get_by_label("证明编号").fill(f"({year})青统报 0088")
    clerk.get_by_role("button", name="提交").click()
    expect(clerk.locator("#results-table")).to_contain_text("待确认")
    fits(clerk, "4-results")

    bureau = new_page("phone")
    sign_in(bureau, "zsj_admin")
    bureau.goto("/results/pending")
    row = bureau.locator("tr", has_text=name)
    expect(row).to_contain_text("5,200.00 万元")
    fits(bureau, "5-queue")
    row.get_by_label("已核对证明，数据无误").check()
    row.get_by_role("button", name="确认").click()
    expect(bureau.locator("tr", has_text=name)).to_have_count(0)

    clerk.goto(f"/projects/{project_id}")
    commitment = clerk.locator("#agreement .commitments li").first
    expect(commitment).to_contain_text("达标")
    expect(commitment).to_contain_text(f"{year} 年已确认产值 5,200.00")
    expect(clerk.locator("#capacity-flag")).to_have_text("达产")
    fits(clerk, "6-met")
