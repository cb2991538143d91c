"""Issue 20's whole walk on a phone (375 px), in Chromium against the demo county, as the people who do it:

1. a town's clerk enters a project's investment agreement with two commitments (annual output and annual tax
   by the end of the year before last);
2. the clerk enters two years of results with their certificates; the bureau confirms both in its queue;
3. the bureau sets that year's 亩均 scheme in its form, sees the project classified (D, worked by hand below)
   and publishes the year, which freezes it;
4. the bureau supplies the project a plot from the land match;
5. the missed tax commitment opens a compliance case on the project's page; the decision recovers the
   project's paid award (the awards' own clawback) and takes the plot back, which /plots then lists as
   available again.
Every page on the way fits the screen, with buttons big enough to tap and no console errors. The paid award
is seeded (its own flow is walked by the awards' tests). Screenshots in test-artifacts/after-production-*.png.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from app.services import workdays
from tests.browser_fixtures import ARTIFACTS, LiveServer, horizontal_overflow, sign_in

pytestmark = pytest.mark.browser

TAP = 44

# The scheme the bureau types, and the project's figures for the evaluated year, worked by hand:
# 亩均税收 150 ÷ 50 = 3.00 万元/亩 → 3 ÷ 10 × 100 = 30 分 × 40% = 12.00
# 亩均产值 5,200 ÷ 50 = 104.00 万元/亩 → 104 ÷ 200 × 100 = 52 分 × 30% = 15.60
# 单位能耗产出 5,200 ÷ 2,600 = 2.00 万元/吨标煤 → 2 ÷ 5 × 100 = 40 分 × 20% = 8.00
# 研发占比: not given → 0 分.  Total 35.60 < 40 (C's line) → D 类.
SCHEME = {
    "weight_tax_per_mu": "40", "weight_output_per_mu": "30", "weight_output_per_energy": "20",
    "weight_rd_share": "10", "benchmark_tax_per_mu": "10", "benchmark_output_per_mu": "200",
    "benchmark_output_per_energy": "5", "benchmark_rd_share": "3", "band_a": "80", "band_b": "60", "band_c": "40",
}  # fmt: skip


def fits(page: Any, shot: str) -> None:
    assert horizontal_overflow(page) == 0, page.url
    for button in page.locator("main button:visible, main .btn:visible").all():
        box = button.bounding_box()
        assert box is not None and box["height"] >= TAP, (page.url, button.inner_text(), box)
    assert not page.console_errors, page.console_errors
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"after-production-{shot}.png"), full_page=True)


def _project_with_paid_award(server: LiveServer, since: date) -> tuple[int, str, str, int]:
    """A project of a demo town with a clerk, in production since `since` (the demo's own went into
    production this year), given a paid award of 120,000 元: (id, name, the clerk, the award's id)."""
    from decimal import Decimal

    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from app.db import make_engine
    from app.models.project import Stage
    from app.models.unit import Unit
    from app.models.user import Role, User
    from tests.compliance.factories import make_paid_award
    from tests.projects.factories import make_project

    engine = make_engine(server.database_url)
    try:
        with Session(engine) as db:
            clerk = db.execute(
                select(User).where(User.role == Role.unit_staff, User.is_active.is_(True)).order_by(User.id).limit(1)
            ).scalar_one()
            unit = db.get(Unit, clerk.unit_id)
            assert unit is not None
            project = make_project(
                db, unit, stage=Stage.production, reached=since, name="年产十万吨新型墙体材料项目",
                contract_investment=Decimal(15000),
            )  # fmt: skip
            award = make_paid_award(db, project, 120000)
            db.commit()
            return project.id, project.name, clerk.username, award.id
    finally:
        engine.dispose()


def test_agreement_results_per_mu_and_a_broken_contract_on_a_phone(new_page, live_server):
    year = workdays.today().year - 2  # the evaluated year: the demo has published last year's already
    project_id, name, clerk_name, award_id = _project_with_paid_award(live_server, date(year - 1, 3, 1))
    due = f"{year}-12-31"

    # 1. the agreement and its commitments, by the town's clerk
    clerk = new_page("phone")
    sign_in(clerk, clerk_name)
    clerk.goto(f"/projects/{project_id}")
    clerk.locator("#agreement").get_by_role("link", name="录入协议").click()
    clerk.get_by_label("签订日期").fill(f"{year - 2}-03-18")
    clerk.get_by_label("协议各方").fill("甲方：青山县人民政府；乙方：测试投资方")
    clerk.get_by_label("协议编号").fill(f"QSXZS-{year - 2}-066")
    fits(clerk, "01-agreement")
    clerk.get_by_role("button", name="保存协议").click()
    expect(clerk.locator("#agreement")).to_contain_text(f"QSXZS-{year - 2}-066")
    for kind, figure in (("年产值（万元）", "5000"), ("年税收（万元）", "300")):
        clerk.locator("#agreement").get_by_role("link", name="添加承诺").click()
        clerk.get_by_label("承诺类别").select_option(label=kind)
        clerk.get_by_label("承诺数值").fill(figure)
        clerk.get_by_label("约定日期").fill(due)
        if figure == "300":
            fits(clerk, "02-commitment")
        clerk.get_by_role("button", name="保存").click()
        expect(clerk.locator("#agreement")).to_contain_text(f"{int(figure):,}.00 万元")
    expect(clerk.locator("#agreement .commitments li")).to_have_count(2)

    # 2. two years of results, each with its certificate, then the bureau's confirmation
    clerk.locator("#agreement").get_by_role("link", name="投产后实绩").click()
    for y, output, tax, energy in ((year - 1, "4100", "120", "2300"), (year, "5200", "150", "2600")):
        clerk.get_by_label("年度").fill(str(y))
        clerk.get_by_label("产值（万元）").fill(output)
        clerk.get_by_label("上缴税金（万元）").fill(tax)
        clerk.get_by_label("吸纳就业（人）").fill("180")
        clerk.get_by_label("综合能耗（吨标准煤）").fill(energy)
        clerk.get_by_label("实际用地（亩）").fill("50")
        clerk.get_by_label("证明编号").fill(f"({y + 1})青税证 00{y % 100}")
        clerk.get_by_role("button", name="提交").click()
        expect(clerk.locator("#results-table")).to_contain_text(f"{int(output):,}.00")
    expect(clerk.locator("#results-table")).to_contain_text("待确认")
    fits(clerk, "03-results")

    bureau = new_page("phone")
    sign_in(bureau, "zsj_admin")
    bureau.goto("/results/pending")
    rows = bureau.locator("tr", has_text=name)
    expect(rows).to_have_count(2)
    fits(bureau, "04-queue")
    for left in (1, 0):
        rows.first.get_by_label("已核对证明，数据无误").check()
        rows.first.get_by_role("button", name="确认").click()
        expect(bureau.locator("tr", has_text=name)).to_have_count(left)

    clerk.goto(f"/projects/{project_id}")
    commitments = clerk.locator("#agreement .commitments li")
    expect(commitments.filter(has_text="年产值")).to_contain_text("达标")
    expect(commitments.filter(has_text="年税收")).to_contain_text("未达标")
    fits(clerk, "05-judged")

    # 3. the year's 亩均 scheme, the project's classification, publishing
    bureau.goto(f"/per-mu/{year}/scheme")
    for key, value in SCHEME.items():
        bureau.locator(f"#f-{key}").fill(value)
    fits(bureau, "06-scheme")
    bureau.get_by_role("button", name="保存方案").click()
    expect(bureau).to_have_url(re.compile(rf"/per-mu\?year={year}&saved=1"))
    row = bureau.locator(f"#project-{project_id}")
    expect(row).to_contain_text("3.00 万元/亩")
    expect(row).to_contain_text("104.00 万元/亩")
    expect(row).to_contain_text("2.00 万元/吨标煤")
    expect(row).to_contain_text("35.60")
    expect(row).to_contain_text("D 类")
    expect(bureau.locator("#status")).to_contain_text("未发布")
    fits(bureau, "07-preview")
    bureau.get_by_role("button", name=f"发布 {year} 年度亩均评价").click()
    expect(bureau).to_have_url(re.compile(rf"/per-mu\?year={year}&published=1"))
    expect(bureau.locator("#status")).to_contain_text("已发布")
    expect(bureau.locator(f"#project-{project_id}")).to_contain_text("D 类")
    expect(bureau.locator("#publish-form")).to_have_count(0)
    fits(bureau, "08-published")
    clerk.goto(f"/projects/{project_id}")
    expect(clerk.locator(f"#per-mu-{year}")).to_contain_text("D 类 · 35.60 分")
    expect(clerk.locator(f"#per-mu-{year}")).not_to_contain_text("预览")

    # 4. the bureau supplies the project a plot from the land match
    bureau.goto(f"/projects/{project_id}/land-match")
    match = bureau.locator("#results li.ticket").first
    plot_href = match.locator("a[href^='/plots/']").first.get_attribute("href")
    assert plot_href is not None
    plot_id = int(plot_href.rsplit("/", 1)[1])
    plot_code = match.locator("a[href^='/plots/']").first.inner_text().split(" ", 1)[0]
    fits(bureau, "09-land-match")
    match.get_by_role("button", name="供给本项目").click()
    expect(bureau).to_have_url(re.compile(rf"taken={plot_id}"))
    bureau.goto(f"/plots/{plot_id}")
    expect(bureau.locator("main")).to_contain_text(name)

    # the award was conditional on the tax commitment: the bureau records that on the award's page
    bureau.goto(f"/awards/{award_id}")
    bureau.get_by_label("所附条件：承诺事项").select_option(label=f"年税收不低于 300.00 万元（{due} 前）（未达标）")
    fits(bureau, "10-award-condition")
    bureau.get_by_role("button", name="保存条件").click()
    expect(bureau.locator("#condition-now")).to_contain_text("未达标")

    # 5. the missed tax commitment opens a compliance case; recover the award, take the plot back
    bureau.goto(f"/projects/{project_id}")
    open_link = bureau.locator("#compliance a[href*='commitment_id=']")
    expect(open_link).to_have_count(1)  # the tax commitment alone is missed
    fits(bureau, "11-project")
    open_link.tap()
    expect(bureau.get_by_role("heading", level=1)).to_have_text("违约处置立案")
    bureau.get_by_label("核查人员", exact=True).fill("县税务局征管股")
    bureau.get_by_label("核查结论").fill(f"{year} 年度上缴税金 150 万元，未达到投资协议约定的 300 万元。")
    fits(bureau, "12-open")
    bureau.get_by_role("button", name="立案").tap()
    expect(bureau).to_have_url(re.compile(r"/compliance-cases/\d+\?saved=opened"))
    case_id = int(re.search(r"/compliance-cases/(\d+)", bureau.url).group(1))  # type: ignore[union-attr]
    expect(bureau.locator("#case-status")).to_have_text("核查中")

    measure_due = (workdays.today() + timedelta(days=45)).isoformat()
    bureau.locator("#measures summary", has_text="决定处置措施").tap()
    bureau.locator("#f-kind").select_option("recover")
    bureau.locator("#f-due_on").fill(measure_due)
    expect(bureau.locator(f"#f-award_id option[value='{award_id}']")).to_contain_text("以本案所涉承诺为条件")
    bureau.locator("#f-award_id").select_option(str(award_id))
    bureau.locator("#f-amount").fill("120000")
    fits(bureau, "13-recover")
    bureau.get_by_role("button", name="决定并交办").tap()
    expect(bureau.locator("#measures")).to_contain_text("追回 120,000.00 元")
    expect(bureau.locator("#case-status")).to_have_text("处置中")

    bureau.locator("#measures summary", has_text="决定处置措施").tap()
    bureau.locator("#f-kind").select_option("take_land")
    bureau.locator("#f-due_on").fill(measure_due)
    bureau.locator("#f-plot_id").select_option(str(plot_id))
    bureau.get_by_role("button", name="决定并交办").tap()
    expect(bureau.locator("#measures")).to_contain_text("现为“可供”")
    fits(bureau, "14-decided")

    # the plot is back in the inventory as available; the award shows the clawback; the project the case
    bureau.goto(f"/plots?status=available&q={plot_code}")
    expect(bureau.locator("table.stack tbody tr", has_text=plot_code)).to_contain_text("可供")
    fits(bureau, "15-plots")
    bureau.goto(f"/awards/{award_id}")
    expect(bureau.locator("main")).to_contain_text(f"违约处置案件 #{case_id}")
    clerk.goto(f"/projects/{project_id}")
    expect(clerk.locator("#compliance")).to_contain_text("处置中")
    fits(clerk, "16-project-case")
