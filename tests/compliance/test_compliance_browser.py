"""On a phone (375 px), against the demo county: a project's missed commitment opens a compliance case from the
project's page; the decision recovers a paid award (a clawback through the awards' own service) and takes
back the plot the project holds, which then shows as available in /plots. Every page fits the screen, with
buttons big enough to tap and no console errors. Screenshots in test-artifacts/compliance-*.png."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from app.services import workdays
from tests.browser_fixtures import ARTIFACTS, LiveServer, horizontal_overflow, sign_in

pytestmark = pytest.mark.browser
TAP = 44


def fits(page: Any, shot: str) -> None:
    assert horizontal_overflow(page) <= 0, page.url
    for button in page.locator("main button:visible, main .btn:visible").all():
        box = button.bounding_box()
        assert box is not None and box["height"] >= TAP, (page.url, button.inner_text(), box)
    assert not page.console_errors, page.console_errors
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"compliance-{shot}.png"), full_page=True)


def _breach(server: LiveServer) -> tuple[int, int, int, int, str]:
    """A demo project with a missed commitment in no open case, given a paid award and a plot it holds:
    (project id, commitment id, award id, plot id, plot code)."""
    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session

    from app.models.agreement import InvestmentAgreement
    from app.models.project import Project
    from app.models.user import Role
    from app.principal import Principal
    from app.services import compliance
    from tests.compliance.factories import make_paid_award
    from tests.land.factories import make_park, make_plot

    engine = create_engine(server.database_url)
    reader = Principal(role=Role.coordinator, unit_id=None, label="测试")
    try:
        with Session(engine) as db:
            candidates = db.execute(
                select(Project)
                .join(InvestmentAgreement, InvestmentAgreement.project_id == Project.id)
                .where(Project.is_confidential.is_(False))
                .order_by(Project.id)
            ).scalars()
            for project in candidates:
                _p, rows, missed = compliance.project_section(db, reader, project.id)
                if missed and not rows:
                    award = make_paid_award(db, project, 120000)
                    from app.models.land import PlotStatus

                    plot = make_plot(db, make_park(db, name="手机测试园区"), project_id=project.id,
                                     status=PlotStatus.supplied_unused, code="SJ-CC-01")  # fmt: skip
                    db.commit()
                    return project.id, missed[0].commitment.id, award.id, plot.id, plot.code
    finally:
        engine.dispose()
    raise AssertionError("no demo project with a missed commitment outside a case")


def test_a_missed_commitment_opens_a_case_that_recovers_an_award_and_takes_back_a_plot(page, live_server):
    project_id, commitment_id, award_id, plot_id, plot_code = _breach(live_server)
    due = (workdays.today() + timedelta(days=45)).isoformat()
    sign_in(page, "zsj_admin")
    page.goto(f"/projects/{project_id}")
    section = page.locator("#compliance")
    open_link = section.locator(f"a[href*='commitment_id={commitment_id}']")
    expect(open_link).to_be_visible()
    fits(page, "project")
    open_link.tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("违约处置立案")
    expect(page.locator(f"#f-cm-{commitment_id}")).to_be_checked()
    page.get_by_label("核查人员", exact=True).fill("县税务局征管股")
    page.get_by_label("核查结论").fill("上年度税收、产值均未达到投资协议约定，企业未说明正当理由。")
    fits(page, "open")
    page.get_by_role("button", name="立案").tap()
    expect(page).to_have_url(re.compile(r"/compliance-cases/\d+\?saved=opened"))
    case_id = int(re.search(r"/compliance-cases/(\d+)", page.url).group(1))
    expect(page.locator("#case-status")).to_have_text("核查中")
    fits(page, "opened")

    # the decision: recover the award (the awards' clawback), then take the plot back
    page.locator("#measures summary", has_text="决定处置措施").tap()
    page.locator("#f-kind").select_option("recover")
    page.locator("#f-due_on").fill(due)
    page.locator("#f-award_id").select_option(str(award_id))
    page.locator("#f-amount").fill("120000")
    fits(page, "decide")
    page.get_by_role("button", name="决定并交办").tap()
    expect(page).to_have_url(re.compile(rf"/compliance-cases/{case_id}\?saved=measure"))
    expect(page.locator("#measures")).to_contain_text("追回 120,000.00 元")
    expect(page.locator("#case-status")).to_have_text("处置中")

    page.locator("#measures summary", has_text="决定处置措施").tap()
    page.locator("#f-kind").select_option("take_land")
    page.locator("#f-due_on").fill(due)
    page.locator("#f-plot_id").select_option(str(plot_id))
    page.get_by_role("button", name="决定并交办").tap()
    expect(page).to_have_url(re.compile(rf"/compliance-cases/{case_id}\?saved=measure"))
    expect(page.locator("#measures")).to_contain_text("现为“可供”")
    expect(page.locator("#measures")).to_contain_text("督办事项")
    fits(page, "decided")

    # the plot is back in the inventory as available
    page.goto(f"/plots?status=available&q={plot_code}")
    row = page.locator("table.stack tbody tr", has_text=plot_code)
    expect(row).to_contain_text("可供")
    fits(page, "plots")
    # and the award's page shows the clawback decided
    page.goto(f"/awards/{award_id}")
    expect(page.locator("main")).to_contain_text(f"违约处置案件 #{case_id}")
    fits(page, "award")
