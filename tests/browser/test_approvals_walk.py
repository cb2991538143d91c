"""Issue 22 item 3's walk on a phone (375 px), in Chromium against the demo county:

1. a town's clerk moves a project to 正式签约 on the stage form: its approvals are generated from the
   catalogue (8, 立项/备案 ready, the others waiting);
2. the clerk records 立项/备案 受理 and 办结 with its document number: 用地预审、环评、安评、能评 become ready
   side by side (并联); 环评 and 安评 are submitted at once, 环评 with a 容缺 document and its deadline;
3. 能评, submitted long ago (set through the ORM), is overdue: the bureau sees it in /approvals?overdue=1 and
   turns it into a ticket (证照审批) routed to its department; the approval links to the ticket;
4. the prerequisites of 施工许可 granted (through the ORM), the clerk submits and grants 施工许可; the 开工 stage
   form offers its number ("引用审批事项：施工许可 文号…") and 开工 is recorded citing it.
Every page fits the screen, with buttons big enough to tap and no console errors.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from app.services import workdays
from tests.browser_fixtures import ARTIFACTS, LiveServer, horizontal_overflow, sign_in

pytestmark = pytest.mark.browser

TAP = 44
PERMIT = "青住建施许〔2026〕21号"


def fits(page: Any, shot: str) -> None:
    assert horizontal_overflow(page) == 0, page.url
    for button in page.locator("main button:visible, main .btn:visible").all():
        box = button.bounding_box()
        assert box is not None and box["height"] >= TAP, (page.url, button.inner_text(), box)
    assert not page.console_errors, page.console_errors
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"approvals-{shot}.png"), full_page=True)


def _with_db(server: LiveServer, work: Any) -> Any:
    from sqlalchemy.orm import Session

    from app.db import make_engine

    engine = make_engine(server.database_url)
    try:
        with Session(engine) as db:
            result = work(db)
            db.commit()
            return result
    finally:
        engine.dispose()


def _intent_project(server: LiveServer) -> tuple[int, str]:
    """A project of a demo town's clerk at 意向/框架协议 (its approvals not yet generated)."""

    def work(db: Any) -> tuple[int, str]:
        from sqlalchemy import select

        from app.models.project import Stage
        from app.models.unit import Unit
        from app.models.user import Role, User
        from tests.projects.factories import make_project

        clerk = db.execute(
            select(User).where(User.role == Role.unit_staff, User.is_active.is_(True)).order_by(User.id).limit(1)
        ).scalar_one()
        unit = db.get(Unit, clerk.unit_id)
        project = make_project(db, unit, stage=Stage.intent, name="年产五万吨硅基新材料项目")
        return project.id, clerk.username

    return _with_db(server, work)


def _ids(server: LiveServer, project_id: int) -> dict[str, int]:
    def work(db: Any) -> dict[str, int]:
        from sqlalchemy import select

        from app.models.approval import ApprovalKind, ProjectApproval

        rows = db.execute(
            select(ApprovalKind.code, ProjectApproval.id)
            .join(ProjectApproval, ProjectApproval.kind_id == ApprovalKind.id)
            .where(ProjectApproval.project_id == project_id)
        ).all()
        return {code: approval_id for code, approval_id in rows}

    return _with_db(server, work)


def _submitted_long_ago(server: LiveServer, approval_id: int) -> None:
    def work(db: Any) -> None:
        from app.models.approval import ProjectApproval
        from tests.approvals.factories import make_overdue

        row = db.get(ProjectApproval, approval_id)
        make_overdue(db, row, workdays.today() - timedelta(days=60))

    _with_db(server, work)


def _grant_permit_prerequisites(server: LiveServer, ids: dict[str, int]) -> None:
    def work(db: Any) -> None:
        from app.models.approval import ApprovalStatus, ProjectApproval
        from app.services import approvals

        for code in ("land_prereview", "planning", "fire", "eia"):
            row = db.get(ProjectApproval, ids[code])
            row.status = ApprovalStatus.granted
            row.granted_on = workdays.today()
            row.document_no = f"测试文号-{code}"
        db.flush()
        approvals._release_dependents(db, row.project_id)

    _with_db(server, work)


def _step(page: Any, approval_id: int, summary: str) -> Any:
    card = page.locator(f"#approval-{approval_id}")
    card.locator("summary", has_text=summary).first.click()
    return card


def test_approvals_after_signing_on_a_phone(new_page, live_server):
    project_id, clerk_name = _intent_project(live_server)
    clerk = new_page("phone")
    sign_in(clerk, clerk_name)

    # 1. signing generates the approvals
    clerk.goto(f"/projects/{project_id}/stage")
    clerk.get_by_label("到达阶段").select_option("signed")
    clerk.get_by_label("合同（协议）编号").fill("QSXZS-2026-088")
    clerk.get_by_role("button", name="保存").click()
    clerk.wait_for_url(f"**/projects/{project_id}?saved=stage")
    section = clerk.locator("#approvals")
    expect(section).to_contain_text("立项/备案")
    ids = _ids(live_server, project_id)
    assert len(ids) == 8
    expect(clerk.locator(f"#approval-{ids['filing']}")).to_contain_text("可申报")
    expect(clerk.locator(f"#approval-{ids['eia']}")).to_contain_text("待前置审批")
    fits(clerk, "01-generated")

    # 2. 立项/备案 received and granted; the four after it run in parallel
    card = _step(clerk, ids["filing"], "受理")
    card.get_by_role("button", name="登记受理").click()
    clerk.wait_for_url("**saved=approval**")
    card = _step(clerk, ids["filing"], "办结")
    card.get_by_label("批准文号").fill("青发改备〔2026〕88号")
    card.get_by_role("button", name="登记办结").click()
    clerk.wait_for_url("**saved=approval**")
    expect(clerk.locator(f"#approval-{ids['filing']}")).to_contain_text("青发改备〔2026〕88号")
    expect(section).to_contain_text("并联 4 项")
    for code in ("eia", "safety"):
        card = _step(clerk, ids[code], "受理")
        card.get_by_role("button", name="登记受理").click()
        clerk.wait_for_url("**saved=approval**")
    for code in ("eia", "safety"):
        expect(clerk.locator(f"#approval-{ids[code]}")).to_contain_text("已受理")
    deadline = (workdays.today() + timedelta(days=10)).isoformat()
    card = _step(clerk, ids["eia"], "容缺受理材料")
    card.get_by_label("容缺材料").fill("环境影响评价公众参与说明")
    card.get_by_label("补正期限").fill(deadline)
    card.get_by_role("button", name="登记容缺材料").click()
    clerk.wait_for_url("**saved=approval**")
    expect(clerk.locator(f"#approval-{ids['eia']}")).to_contain_text(
        f"容缺：环境影响评价公众参与说明 · 期限 {deadline}"
    )
    fits(clerk, "02-parallel")

    # 3. 能评 overdue, escalated to a ticket by the bureau
    _submitted_long_ago(live_server, ids["energy"])
    bureau = new_page("phone")
    sign_in(bureau, "zsj_admin")
    bureau.goto("/approvals?overdue=1")
    expect(bureau.locator(f"#approval-row-{ids['energy']}")).to_contain_text("超期")
    fits(bureau, "03-overdue-list")
    bureau.locator(f"#approval-row-{ids['energy']}").get_by_role("link", name="能评").click()
    _step(bureau, ids["energy"], "超期：转问题工单")
    bureau.get_by_role("button", name="转为问题工单（证照审批）").click()
    bureau.wait_for_url(f"**/projects/{project_id}?saved=approval**")
    ticket_link = bureau.locator(f"#approval-{ids['energy']} a[href^='/tickets/']")
    expect(ticket_link).to_have_count(1)
    fits(bureau, "04-escalated")
    ticket_link.click()
    expect(bureau.locator("main")).to_contain_text("审批事项超期：能评")

    # 4. the construction permit granted, 开工 citing it
    _grant_permit_prerequisites(live_server, ids)
    clerk.goto(f"/projects/{project_id}")
    card = _step(clerk, ids["construction"], "受理")
    card.get_by_role("button", name="登记受理").click()
    clerk.wait_for_url("**saved=approval**")
    card = _step(clerk, ids["construction"], "办结")
    card.get_by_label("批准文号").fill(PERMIT)
    card.get_by_role("button", name="登记办结").click()
    clerk.wait_for_url("**saved=approval**")
    expect(clerk.locator("#permit-cited")).to_contain_text(PERMIT)
    clerk.goto(f"/projects/{project_id}/stage")
    clerk.get_by_label("到达阶段").select_option("landed")
    clerk.get_by_role("button", name="保存").click()
    clerk.wait_for_url(f"**/projects/{project_id}?saved=stage")
    clerk.goto(f"/projects/{project_id}/stage")
    expect(clerk.locator("#cited-permit")).to_contain_text(f"引用审批事项：施工许可 文号 {PERMIT}")
    expect(clerk.get_by_label("施工许可证号")).to_have_value(PERMIT)
    expect(clerk.get_by_label("到达阶段")).to_have_value("started")
    fits(clerk, "05-start-cites-permit")
    clerk.get_by_role("button", name="保存").click()
    clerk.wait_for_url(f"**/projects/{project_id}?saved=stage")
    expect(clerk.locator("ol.timeline").last).to_contain_text(f"许可证 {PERMIT}")
    expect(clerk.locator("h1 + p .badge").first).to_have_text("开工")
    fits(clerk, "06-started")
