"""In Chromium, against the demo county, on a phone (375 px): the coordinator assigns a 代办员 on a project's page;
the 代办员 (李代办 of the 代办窗口) opens the queue, finds an overdue approval first and records a hand-over of its
papers; the department's staff (徐明亮 of 县自然资源局) see that approval with the 代办员 as the contact and without
the investor's; the service report shows the figures worked by hand in tests/agency/test_service_report.py
(fourth quarter of 2025, over the National Day holiday and the make-up Saturday of 11 October). Every page fits
the screen, buttons are big enough to tap, the console stays clean. Screenshots in test-artifacts/agency-*.png."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser_fixtures import ARTIFACTS, LiveServer, horizontal_overflow, sign_in

pytestmark = pytest.mark.browser
TAP = 44
D = date


def fits(page: Any, shot: str) -> None:
    assert horizontal_overflow(page) <= 0, page.url
    for button in page.locator("main button:visible, main .btn:visible").all():
        box = button.bounding_box()
        assert box is not None and box["height"] >= TAP, (page.url, button.inner_text(), box)
    assert not page.console_errors, page.console_errors
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"agency-{shot}.png"), full_page=True)


def _with_session(server: LiveServer, work: Any) -> Any:
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from app.principal import SYSTEM

    engine = create_engine(server.database_url)
    try:
        with Session(engine) as db:
            db.info["principal"] = SYSTEM
            result = work(db)
            db.commit()
            return result
    finally:
        engine.dispose()


def _unassigned_project(db: Any) -> int:
    from sqlalchemy import select

    from app.models.approval import ProjectAgent
    from app.models.project import Project

    return int(
        db.execute(
            select(Project.id)
            .where(Project.is_confidential.is_(False), Project.id.notin_(select(ProjectAgent.project_id)))
            .order_by(Project.id)
        )
        .scalars()
        .first()
    )


def _hand_worked(db: Any) -> None:
    """tests/agency/test_service_report.py's approvals A1–A4 and A7, on demo projects that have no approvals,
    at 县发改局 (环保局 there) and 县自然资源局, and the 2025 calendar's exceptions they run over."""
    from sqlalchemy import select

    from app.models.approval import ApprovalStatus, ProjectApproval
    from app.models.project import Project
    from app.models.ticket import CalendarDay
    from app.models.unit import Unit

    for day in (D(2025, 10, 1), D(2025, 10, 2), D(2025, 10, 3)):
        db.merge(CalendarDay(day=day, is_workday=False, name="国庆节"))
    db.merge(CalendarDay(day=D(2025, 10, 11), is_workday=True, name="国庆节调休上班"))
    units = {u.short_name: u.id for u in db.execute(select(Unit)).scalars()}
    free = list(db.execute(select(Project.id).where(Project.id.notin_(select(ProjectApproval.project_id)))
                           .order_by(Project.id.desc()).limit(5)).scalars())  # fmt: skip
    rows = [
        (4, units["县发改局"], D(2025, 9, 29), D(2025, 10, 9), D(2025, 10, 10)),
        (4, units["县发改局"], D(2025, 10, 9), D(2025, 10, 13), D(2025, 10, 10)),
        (3, units["县自然资源局"], D(2025, 10, 10), D(2025, 10, 24), D(2025, 10, 24)),
        (3, units["县发改局"], D(2025, 11, 3), D(2025, 11, 5), D(2025, 11, 10)),
        (4, units["县发改局"], None, D(2025, 10, 20), None),
    ]
    for project_id, (kind_id, unit_id, submitted, granted, due) in zip(free, rows, strict=True):
        db.add(ProjectApproval(project_id=project_id, kind_id=kind_id, department_unit_id=unit_id,
                               status=ApprovalStatus.granted, submitted_on=submitted, granted_on=granted,
                               due_on=due))  # fmt: skip


def _contacts(db: Any) -> set[str]:
    """The investors' contact names and phones of the 代办员's projects."""
    from sqlalchemy import select

    from app.models.approval import ProjectAgent
    from app.models.investor import Investor
    from app.models.project import Project

    rows = db.execute(
        select(Investor.contact_name, Investor.contact_phone)
        .join(Project, Project.investor_id == Investor.id)
        .where(Project.id.in_(select(ProjectAgent.project_id)))
    ).all()
    return {value for row in rows for value in row if value}


def test_the_agency_window_on_a_phone(new_page, live_server):
    project_id = _with_session(live_server, _unassigned_project)
    _with_session(live_server, _hand_worked)
    # the coordinator assigns the 代办员 on the project's page
    page = new_page("phone")
    sign_in(page, "zsj_admin")
    page.goto(f"/projects/{project_id}")
    section = page.locator("#project-agent")
    expect(section.get_by_label("代办员")).to_be_visible()
    section.get_by_label("代办员").select_option(label="李代办（青山县政务服务中心代办窗口）")
    section.get_by_role("button", name="保存代办员").click()
    expect(page.locator("#project-agent-now")).to_contain_text("李代办")
    fits(page, "assigned")
    # the 代办员's queue: an overdue approval first; a hand-over recorded on it
    agent = new_page("phone")
    sign_in(agent, "daiban_li")
    agent.goto("/agency")
    expect(agent.get_by_role("heading", level=1)).to_have_text("我的代办")
    first = agent.locator("#agency-queue tbody tr").first
    expect(first.locator(".badge.bad")).to_have_text("超时")
    fits(agent, "queue")
    kind = first.locator("td[data-label=审批事项]").inner_text()
    first.get_by_role("link", name="登记交接").click()
    expect(agent).to_have_url(re.compile(r"/agency/approvals/\d+"))
    approval_id = int(re.search(r"/agency/approvals/(\d+)", agent.url).group(1))
    agent.get_by_label("交接方向").select_option(label="递交部门")
    agent.get_by_label("交接的材料").fill("补正后的申请材料一套（浏览器）")
    fits(agent, "handover-form")
    agent.get_by_role("button", name="登记交接").click()
    expect(agent.locator("#handover-list")).to_contain_text("补正后的申请材料一套（浏览器）")
    fits(agent, "handover-saved")
    # the department: the approval with the 代办员 as the contact, never the investor's
    department = new_page("phone")
    sign_in(department, "zrj_xu")
    department.goto("/agency/department")
    row = department.locator(f"#approval-{approval_id}")
    expect(row).to_contain_text(kind)
    expect(row).to_contain_text("李代办")
    expect(row).to_contain_text("补正后的申请材料一套（浏览器）")
    fits(department, "department")
    contacts = _with_session(live_server, _contacts)
    assert contacts
    for path in ("/agency/department", f"/agency/approvals/{approval_id}"):
        department.goto(path)
        content = department.content()
        assert not [c for c in contacts if c in content], path
    expect(department.locator("#approval-agent")).to_contain_text("李代办")
    # the report: the hand-worked figures
    page.goto("/reports/approval-service?year=2025&quarter=4")
    totals = page.locator("#approval-service-total")
    expect(totals).to_contain_text("4")
    expect(totals).to_contain_text("5.3")
    expect(totals).to_contain_text("75.0%")
    by_department = page.locator("#by-department tr", has_text="青山县发展和改革局")
    expect(by_department).to_contain_text("3.3")
    expect(by_department).to_contain_text("66.7%")
    fits(page, "report")
    page.goto("/")
    expect(page.locator("#approval-service-card")).to_be_visible()
