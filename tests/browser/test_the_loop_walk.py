"""The whole loop of issue 19 on a phone (375 px), in Chromium against the demo county, as the people who do it:

1. the bureau splits 城关镇's annual target to two new sections and three of its people;
2. a person's ledger (干部招商台账) shows her leads and funds;
3. the supervisor's office records a dispatch meeting's decision, which becomes a supervised task;
4. the task goes overdue (its dates moved back, as the calendar would) and escalates; the town reports it done
   with a photo; the office reviews and closes it;
5. a lagging unit proposed for an interview is interviewed, and its promise is a task that is tracked;
6. the year's assessment of both units shows every score with its source: the targets' completion, the
   deduction for the late task and for the interview.
Every page on the way fits the screen, with buttons big enough to tap and no console errors."""

from __future__ import annotations

import io
import re
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser_fixtures import LiveServer, horizontal_overflow, sign_in

pytestmark = pytest.mark.browser

TAP = 44


def fits(page: Any) -> None:
    assert horizontal_overflow(page) == 0, page.url
    for button in page.locator("main button:visible, main .btn:visible").all():
        box = button.bounding_box()
        assert box is not None and box["height"] >= TAP, (page.url, button.inner_text(), box)
    assert not page.console_errors, page.console_errors


def _with_db(server: LiveServer, work: Any) -> Any:
    """Run `work(db)` in a session on the live server's database, as the system (the clock's own doings)."""
    from app.db import make_engine, make_session_factory, session_scope
    from app.principal import SYSTEM

    engine = make_engine(server.database_url)
    result = None
    try:
        for db in session_scope(make_session_factory(engine)):  # committed when the loop ends
            db.info["principal"] = SYSTEM
            result = work(db)
    finally:
        engine.dispose()
    return result


def _unit_id(server: LiveServer, name: str) -> int:
    from sqlalchemy import select

    from app.models.unit import Unit

    return _with_db(server, lambda db: db.execute(select(Unit.id).where(Unit.name == name)).scalar_one())


def _time_passes(server: LiveServer, task_id: int) -> None:
    """Thirty days go by: the task was assigned 30 days ago and fell due 16 days ago; the worker's
    escalation runs."""
    from app.models.task import SupervisedTask
    from app.services import tasks, workdays

    def move(db: Any) -> None:
        task = db.get(SupervisedTask, task_id)
        today = workdays.today()
        task.assigned_on, task.due_on = today - timedelta(days=30), today - timedelta(days=16)
        db.flush()
        tasks.escalate_overdue(db, today)

    _with_db(server, move)


def _photo(tmp_path: Path) -> Path:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (40, 120, 60)).save(buffer, "JPEG")
    path = tmp_path / "现场照片.jpg"
    path.write_bytes(buffer.getvalue())
    return path


def test_the_loop_from_targets_to_the_assessment_on_a_phone(
    new_page: Any, live_server: LiveServer, tmp_path: Path
) -> None:
    tag = uuid.uuid4().hex[:5]
    town_id = _unit_id(live_server, "城关镇人民政府")

    # 1. the bureau splits the town's target to two new sections and three people
    bureau = new_page()
    sign_in(bureau, "zsj_admin")
    bureau.goto(f"/units/{town_id}/people")
    fits(bureau)
    for name in (f"招商股{tag}", f"项目股{tag}"):
        bureau.get_by_label("名称").fill(name)
        bureau.get_by_role("button", name="新增科室").click()
        bureau.wait_for_load_state()
        expect(bureau.locator("main")).to_contain_text(name)
    section_form = bureau.get_by_role("form", name="分解到科室")
    for name, amount in ((f"招商股{tag}", "3000"), (f"项目股{tag}", "2000")):
        section_form.get_by_label("科室").select_option(label=name)
        section_form.get_by_label("指标").select_option("contract_investment")
        section_form.get_by_label("年度目标").fill(amount)
        section_form.get_by_role("button", name="保存分解").click()
        bureau.wait_for_load_state()
        section_form = bureau.get_by_role("form", name="分解到科室")
    person_form = bureau.get_by_role("form", name="分解到人员")
    people = [o for o in person_form.get_by_label("人员").locator("option").all() if o.get_attribute("value")]
    assert len(people) >= 3, "the demo town has three people to split to"
    for option in people[:3]:
        person_form.get_by_label("人员").select_option(option.get_attribute("value"))
        person_form.get_by_label("指标").select_option("contract_investment")
        person_form.get_by_label("年度目标").fill("800")
        person_form.get_by_role("button", name="保存分解").click()
        bureau.wait_for_load_state()
        person_form = bureau.get_by_role("form", name="分解到人员")
    split = bureau.locator("#p-split").locator("..")
    expect(split).to_contain_text("5,000.00")  # 3,000 + 2,000 to the sections
    expect(split).to_contain_text("2,400.00")  # 3 × 800 to the people
    fits(bureau)

    # 2. a person's ledger shows her leads and funds
    bureau.goto("/people")
    bureau.get_by_role("link", name="李春燕").first.click()
    bureau.wait_for_url(re.compile(r"/people/\d+\?year="))
    ledger = bureau.locator("main")
    expect(ledger).to_contain_text("年招商台账")
    expect(ledger).to_contain_text("线索")
    expect(ledger).to_contain_text("到位资金")
    fits(bureau)

    # 3. a dispatch meeting's decision becomes a task
    office = new_page()
    sign_in(office, "dcs_zhao")
    office.goto("/meetings/new")
    office.get_by_label("会议名称").fill(f"十二月招商引资调度会 {tag}")
    office.get_by_label("地点").fill("县政府三楼会议室")
    office.locator("#f-unit_ids").get_by_label("城关镇人民政府").check()
    office.get_by_role("button", name="安排会议").click()
    office.wait_for_url("**/meetings/*?created=1")
    office.get_by_role("button", name="会议已召开，冻结汇报材料").click()
    office.wait_for_selector("#decision-form")
    office.get_by_role("textbox", name="决定事项").fill(f"城关镇限期解决储能项目二期用地补偿 {tag}")
    office.get_by_label("责任单位").select_option(label="城关镇人民政府")
    office.get_by_label("办理时限（工作日）").fill("10")
    office.get_by_role("button", name="记录并交办").click()
    office.wait_for_url("**decided=1**")
    fits(office)
    office.locator("#decision-1").get_by_role("link", name="督办事项").click()
    office.wait_for_url(re.compile(r"/tasks/\d+$"))
    task_url = office.url
    task_id = int(task_url.rsplit("/", 1)[1])

    # 4. the task goes overdue and escalates; the town reports it done with a photo; the office closes it
    _time_passes(live_server, task_id)
    office.reload()
    expect(office.locator("main")).to_contain_text("已提请单位负责人")
    expect(office.locator("main")).to_contain_text("已逾期")
    town = new_page()
    sign_in(town, "chengguan")
    town.goto(task_url)
    town.get_by_label("说明").fill("两户补偿协议已签订，场地已移交施工单位")
    town.get_by_label("佐证材料（照片或 PDF）").set_input_files(str(_photo(tmp_path)))
    fits(town)
    town.get_by_role("button", name="办结，报请销号").click()
    town.wait_for_load_state()
    expect(town.locator("main")).to_contain_text("两户补偿协议已签订")
    expect(town.locator("main img")).to_have_count(1)
    office.reload()
    office.get_by_label("审核意见").fill("现场核实，同意销号")
    office.get_by_role("button", name="审核通过，销号").click()
    office.wait_for_load_state()
    expect(office.locator("main")).to_contain_text("已销号")
    fits(office)

    # 5. a lagging unit is proposed for an interview; its promise becomes a tracked task
    office.goto("/interviews")
    fits(office)
    proposal = office.get_by_role("link", name=re.compile("^记录约谈：")).first
    interviewed = proposal.get_attribute("aria-label").split("：", 1)[1]
    proposal.click()
    office.wait_for_url("**/interviews/new?unit_id=*")
    interviewed_id = int(office.url.rsplit("=", 1)[1])
    office.locator("#f-interviewer").fill("常务副县长 王建国")
    office.locator("#f-interviewee").fill("主要负责人 张明")
    office.locator("#f-findings").fill("三个月无新增签约项目，在谈项目跟进断档")
    office.locator("#f-promise_content").fill(f"一个月内带队外出招商一次并新增有效线索两条 {tag}")
    office.locator("#f-promise_due_days").fill("20")
    fits(office)
    office.get_by_role("button", name="记录约谈").click()
    office.wait_for_url("**/interviews/*?created=1")
    expect(office.locator("#promises")).to_contain_text(f"新增有效线索两条 {tag}")
    office.locator("#promise-1").get_by_role("link", name=re.compile("督办事项")).click()
    office.wait_for_url(re.compile(r"/tasks/\d+$"))
    expect(office.locator("main")).to_contain_text("约谈承诺")
    expect(office.locator("main")).to_contain_text(interviewed)
    fits(office)

    # 6. the year's assessment shows every score's source
    bureau.goto("/assessment")
    fits(bureau)
    bureau.get_by_role("link", name="城关镇人民政府").click()
    bureau.wait_for_url(f"**/units/{town_id}")
    expect(bureau.locator("#quantitative a").first).to_have_attribute("href", re.compile("^/metrics/records"))
    expect(bureau.locator("#deduction")).to_contain_text("督办事项逾期")
    fits(bureau)
    year = bureau.url.split("/assessment/", 1)[1].split("/", 1)[0]
    bureau.goto(f"/assessment/{year}/units/{interviewed_id}")
    deduction = bureau.locator("#deduction")
    expect(deduction).to_contain_text("被约谈")
    expect(deduction).to_contain_text(re.compile(r"承诺 \d+ 项：已兑现 \d+，逾期 \d+，办理中 [1-9]"))
    expect(deduction.get_by_role("link", name="被约谈（每次）")).to_have_attribute(
        "href", f"/interviews?unit_id={interviewed_id}"
    )
    fits(bureau)
