"""Who worked a project, on a phone (375x812, touch), as the coordinator sets it (issue 19, item 1): two of the
town's people with their shares on the project's people form; the project's page names them; one's ledger
lists the project at their share; the ranking drawn per person shows them. The live demo county is shared by
the session; this test works on the town's largest project signed this year."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.services import workdays
from tests.browser_fixtures import ARTIFACTS, _scalar, horizontal_overflow, sign_in

pytestmark = pytest.mark.browser

YEAR = workdays.today().year


def test_the_coordinator_names_two_people_and_sees_them_in_the_ledger_and_ranking(page, live_server):
    project_id = _scalar(
        live_server,
        "SELECT p.id FROM project p JOIN unit u ON u.id = p.responsible_unit_id "
        "WHERE u.short_name = :v AND p.introducing_unit_id = p.responsible_unit_id AND NOT p.is_confidential "
        f"AND p.signed_on >= '{YEAR}-01-01' ORDER BY p.contract_investment DESC, p.id LIMIT 1",
        "城关镇",
    )
    chen = _scalar(live_server, "SELECT id FROM cadre WHERE name = :v", "陈丽")
    wang = _scalar(live_server, "SELECT id FROM cadre WHERE name = :v", "王志刚")
    sign_in(page, "zsj_admin")

    page.goto(f"/projects/{project_id}")
    page.locator("#project-people").get_by_role("link", name="设定").tap()
    expect(page).to_have_url(re.compile(rf"/projects/{project_id}/people$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("经办人员")
    assert horizontal_overflow(page) == 0
    page.get_by_label("第 1 人").select_option(str(chen))
    page.get_by_label("份额（%）").first.fill("60")
    page.get_by_label("第 2 人").select_option(str(wang))
    page.get_by_label("份额（%）").nth(1).fill("30")
    page.get_by_role("button", name="保存").tap()
    # 60 + 30 is refused beside the rows, with what was typed kept
    expect(page.locator(".people-rows .field-error")).to_have_text("各人份额合计须为 100%")
    expect(page.get_by_label("份额（%）").nth(1)).to_have_value("30")
    page.get_by_label("份额（%）").nth(1).fill("40")
    page.get_by_role("button", name="保存").tap()
    expect(page).to_have_url(re.compile(rf"/projects/{project_id}$"))
    expect(page.locator("#project-people")).to_contain_text("陈丽 60.0%、王志刚 40.0%")
    assert horizontal_overflow(page) == 0

    # 陈丽's ledger lists the project at her share
    page.goto(f"/people/{chen}?year={YEAR}")
    row = page.locator("tr", has=page.locator(f'a[href="/projects/{project_id}"]'))
    expect(row).to_contain_text("60.0%")
    assert horizontal_overflow(page) == 0

    # and the ranking drawn per person shows her
    page.goto("/rankings")
    page.get_by_label("排名维度").select_option("person")
    page.get_by_label("单位类别").select_option("town")
    page.get_by_role("button", name="查看").tap()
    expect(page).to_have_url(re.compile(r"dimension=person"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("按个人")
    ranked = page.locator(f"#rank-person-{chen}")
    expect(ranked).to_contain_text("陈丽")
    expect(ranked.get_by_role("link", name="陈丽")).to_have_attribute("href", f"/people/{chen}?year={YEAR}")
    expect(page.locator("ol.top-ten")).to_contain_text("陈丽")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "people-ranking-per-person.png"), full_page=True)
    assert horizontal_overflow(page) == 0
