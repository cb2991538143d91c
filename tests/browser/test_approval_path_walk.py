"""Issue 22's walk on a phone (375 px), in Chromium against the demo county, one project's whole path:

1. the bureau names the departments that pre-review industrial projects (发改局, 自然资源局);
2. project A: 发改局 vetoes it on its environmental assessment (recorded by the bureau on its behalf),
   自然资源局 passes it; the clerk records the signing approval, and the stage form refuses 正式签约 with the
   veto's reason beside it;
3. project B: both departments pass it; its level is computed from its intensity as 领导小组 (260 万元/亩
   against the default floor 300 with 20 % tolerance: 260 ≥ 240, worked by hand), a lower approval is refused,
   the approval at that level is recorded, and it is signed: its approvals are generated from the catalogue;
4. the clerk records 立项/备案 受理 and 办结: 用地预审、环评、安评、能评 become ready side by side (并联); 环评
   and 安评 are submitted at once, 环评 with a 容缺 document and its deadline;
5. 能评, submitted long ago (set through the ORM), is overdue: the bureau sees it in /approvals?overdue=1 and
   turns it into a ticket (证照审批) routed to its department; the approval links to the ticket;
6. the prerequisites of 施工许可 granted (through the ORM), the clerk submits and grants 施工许可; the 开工 stage
   form offers its number ("引用审批事项：施工许可 文号…") and 开工 is recorded citing it.
Every page on the way fits the screen with buttons big enough to tap and no console errors (but the refused
form's 422).
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
ENV, LAND = "青山县发展和改革局", "青山县自然资源局"
PERMIT = "青住建施许〔2026〕21号"


def fits(page: Any, shot: str) -> None:
    assert horizontal_overflow(page) == 0, page.url
    for button in page.locator("main button:visible, main .btn:visible").all():
        box = button.bounding_box()
        assert box is not None and box["height"] >= TAP, (page.url, button.inner_text(), box)
    # a refused form answers 422, which Chromium logs as a failed load: the only error allowed
    assert not [e for e in page.console_errors if "status of 422" not in e], page.console_errors
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"approval-path-{shot}.png"), full_page=True)


def _two_projects(server: LiveServer) -> tuple[int, int, str]:
    """Two industrial projects at 意向 of a demo town with a clerk: A (400 万元/亩) and B (260 万元/亩)."""
    from decimal import Decimal

    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from app.db import make_engine
    from app.models.project import Category, Stage
    from app.models.unit import Unit
    from app.models.user import Role, User
    from tests.projects.factories import make_project

    engine = make_engine(server.database_url)
    try:
        with Session(engine) as db:
            clerk = db.execute(
                select(User).where(User.role == Role.unit_staff, User.is_active.is_(True)).order_by(User.id).limit(1)
            ).scalar_one()
            unit = db.get(Unit, clerk.unit_id)
            assert unit is not None
            since = workdays.today() - timedelta(days=40)
            made = [
                make_project(
                    db,
                    unit,
                    stage=Stage.intent,
                    reached=since,
                    name=name,
                    category=Category.industrial,
                    contract_investment=Decimal(20000),
                    land_area_mu=Decimal(50),
                    intensity_commitment=Decimal(intensity),
                    plot_ratio=Decimal("1.2"),
                )
                for name, intensity in (("年产五万吨电镀件项目", 400), ("智能装备制造项目", 260))
            ]
            db.commit()
            return made[0].id, made[1].id, clerk.username
    finally:
        engine.dispose()


def sign_attempt(clerk: Any, project_id: int, contract_no: str) -> None:
    clerk.goto(f"/projects/{project_id}/stage")
    clerk.get_by_label("到达阶段").select_option(label="正式签约")
    clerk.get_by_label("合同（协议）编号").fill(contract_no)
    clerk.get_by_role("button", name="保存").click()


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


def test_a_veto_stops_one_project_and_another_goes_from_pre_review_to_a_start_citing_its_permit(new_page, live_server):
    a, b, clerk_name = _two_projects(live_server)
    yesterday = (workdays.today() - timedelta(days=1)).isoformat()

    # 1. the bureau names the departments for industrial projects
    bureau = new_page("phone")
    sign_in(bureau, "zsj_admin")
    bureau.goto("/admin/prereview-departments?category=industrial")
    boxes = bureau.locator("#departments-form input[type=checkbox]")
    for index in range(boxes.count()):
        boxes.nth(index).uncheck()
    bureau.get_by_label(ENV, exact=True).check()
    bureau.get_by_label(LAND, exact=True).check()
    fits(bureau, "01-departments")
    bureau.get_by_role("button", name="保存").click()
    expect(bureau.locator("#category-industrial")).to_contain_text(f"{ENV}、{LAND}")

    # 2. project A: an environmental veto, then the signing is refused with the reason
    bureau.goto(f"/projects/{a}/prereview")
    bureau.locator("#f-unit_id").select_option(label=ENV)
    bureau.locator("#f-verdict").select_option(label="否决")
    bureau.get_by_label("否决理由（负面清单，否决时必选）").select_option(label="环评、安评不达标")
    bureau.get_by_label("意见说明（否决时必填）").fill("环评未通过：电镀废水不能达标排放")
    fits(bureau, "02-veto")
    bureau.get_by_role("button", name="登记意见").click()
    bureau.locator("#f-unit_id").select_option(label=LAND)
    bureau.locator("#f-verdict").select_option(label="同意")
    bureau.get_by_role("button", name="登记意见").click()
    expect(bureau.locator("#prereview-result")).to_have_text("预审否决")
    expect(bureau.locator("#sign-blocked")).to_contain_text("环评安评不过关的项目不能签约")

    clerk = new_page("phone")
    sign_in(clerk, clerk_name)
    clerk.goto(f"/projects/{a}/prereview")
    expect(clerk.locator("#required-level")).to_have_text("县委县政府主要领导同意")
    clerk.get_by_label("审批人（领导或领导小组）").fill("县委县政府主要领导")
    clerk.get_by_label("审批日期").fill(yesterday)
    clerk.get_by_label("会议纪要或文件编号").fill("县政府专题会议纪要〔2026〕41 号")
    clerk.get_by_role("button", name="登记签约审批").click()
    expect(clerk.locator("#approval-recorded")).to_contain_text("县政府专题会议纪要〔2026〕41 号")
    sign_attempt(clerk, a, "HT-2026-0411")
    expect(clerk.locator("#e-prereview")).to_contain_text("预审否决（环评、安评不达标）")
    expect(clerk.get_by_label("合同（协议）编号")).to_have_value("HT-2026-0411")
    fits(clerk, "03-refused")
    clerk.goto(f"/projects/{a}")
    expect(clerk.locator("#prereview")).to_contain_text("环评未通过：电镀废水不能达标排放")
    expect(clerk.locator("main")).not_to_contain_text("当前阶段：正式签约")

    # 3. project B: both pass; the level follows its intensity; approved at that level, then signed
    bureau.goto(f"/projects/{b}/prereview")
    for department in (ENV, LAND):
        bureau.locator("#f-unit_id").select_option(label=department)
        bureau.locator("#f-verdict").select_option(label="同意")
        bureau.get_by_role("button", name="登记意见").click()
    expect(bureau.locator("#prereview-result")).to_have_text("预审通过")

    clerk.goto(f"/projects/{b}/prereview")
    expect(clerk.locator("#required-level")).to_have_text("领导小组研究")
    expect(clerk.locator("#level-reasons")).to_contain_text("承诺投资强度 260 万元/亩低于标准 300 万元/亩，在 20% 以内")
    clerk.locator("#f-level").select_option(label="县委县政府主要领导同意")
    clerk.get_by_label("审批人（领导或领导小组）").fill("县委县政府主要领导")
    clerk.get_by_label("审批日期").fill(yesterday)
    clerk.get_by_label("会议纪要或文件编号").fill("县政府专题会议纪要〔2026〕42 号")
    clerk.get_by_role("button", name="登记签约审批").click()
    expect(clerk.locator("#e-level")).to_contain_text("审批层级不足：本项目须报领导小组研究")
    clerk.locator("#f-level").select_option(label="领导小组研究")
    clerk.get_by_label("审批人（领导或领导小组）").fill("县招商引资工作领导小组")
    clerk.get_by_role("button", name="登记签约审批").click()
    expect(clerk.locator("#approval-recorded")).to_contain_text("领导小组研究")
    expect(clerk.locator("#may-sign")).to_be_visible()
    fits(clerk, "04-approved")
    sign_attempt(clerk, b, "HT-2026-0412")
    expect(clerk).to_have_url(f"{live_server.url}/projects/{b}?saved=stage")
    expect(clerk.locator("main")).to_contain_text("正式签约")
    expect(clerk.locator("#prereview")).to_contain_text("已审批：领导小组研究")
    fits(clerk, "05-signed")
    ids = _ids(live_server, b)
    assert len(ids) == 8  # generated on signing: every kind of the catalogue applies to an industrial project
    section = clerk.locator("#approvals")
    expect(clerk.locator(f"#approval-{ids['filing']}")).to_contain_text("可申报")
    expect(clerk.locator(f"#approval-{ids['eia']}")).to_contain_text("待前置审批")

    # 4. 立项/备案 received and granted; the four after it run in parallel
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
    fits(clerk, "07-parallel")

    # 5. 能评 overdue, escalated to a ticket by the bureau
    _submitted_long_ago(live_server, ids["energy"])
    bureau.goto("/approvals?overdue=1")
    expect(bureau.locator(f"#approval-row-{ids['energy']}")).to_contain_text("超期")
    fits(bureau, "08-overdue-list")
    bureau.locator(f"#approval-row-{ids['energy']}").get_by_role("link", name="能评").click()
    _step(bureau, ids["energy"], "超期：转问题工单")
    bureau.get_by_role("button", name="转为问题工单（证照审批）").click()
    bureau.wait_for_url(f"**/projects/{b}?saved=approval**")
    ticket_link = bureau.locator(f"#approval-{ids['energy']} a[href^='/tickets/']")
    expect(ticket_link).to_have_count(1)
    fits(bureau, "09-escalated")
    ticket_link.click()
    expect(bureau.locator("main")).to_contain_text("审批事项超期：能评")

    # 6. the construction permit granted, 开工 citing it
    _grant_permit_prerequisites(live_server, ids)
    clerk.goto(f"/projects/{b}")
    card = _step(clerk, ids["construction"], "受理")
    card.get_by_role("button", name="登记受理").click()
    clerk.wait_for_url("**saved=approval**")
    card = _step(clerk, ids["construction"], "办结")
    card.get_by_label("批准文号").fill(PERMIT)
    card.get_by_role("button", name="登记办结").click()
    clerk.wait_for_url("**saved=approval**")
    expect(clerk.locator("#permit-cited")).to_contain_text(PERMIT)
    clerk.goto(f"/projects/{b}/stage")
    clerk.get_by_label("到达阶段").select_option("landed")
    clerk.get_by_role("button", name="保存").click()
    clerk.wait_for_url(f"**/projects/{b}?saved=stage")
    clerk.goto(f"/projects/{b}/stage")
    expect(clerk.locator("#cited-permit")).to_contain_text(f"引用审批事项：施工许可 文号 {PERMIT}")
    expect(clerk.get_by_label("施工许可证号")).to_have_value(PERMIT)
    expect(clerk.get_by_label("到达阶段")).to_have_value("started")
    fits(clerk, "10-start-cites-permit")
    clerk.get_by_role("button", name="保存").click()
    clerk.wait_for_url(f"**/projects/{b}?saved=stage")
    expect(clerk.locator("ol.timeline").last).to_contain_text(f"许可证 {PERMIT}")
    expect(clerk.locator("h1 + p .badge").first).to_have_text("开工")
    fits(clerk, "11-started")
