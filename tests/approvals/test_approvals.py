"""Approvals after signing (审批事项) through the API and the pages: generated on signing (never twice, by
category, waiting behind prerequisites), parallel ones submitted at once, due dates over a holiday and a
make-up workday worked by hand, 容缺 documents and their deadline, overdue and escalation to a ticket and
to a task, stale versions (409), refusals changing nothing, invalid input both ways, the catalogue, the
ledger import, and 开工 citing the construction permit. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from sqlalchemy import event, func, select

from app.models.approval import (
    ApprovalDeferredDocument,
    ApprovalKind,
    ApprovalKindPrerequisite,
    ApprovalStatus,
    ProjectApproval,
)
from app.models.project import Category, Project, ProjectAnomaly, Stage
from app.models.setting import AppSetting
from app.models.task import SupervisedTask
from app.models.ticket import CalendarDay, Ticket, TicketCategory
from app.models.user import Role
from app.principal import Principal
from app.schemas.projects import ProjectCreate
from app.scopes import TokenRole
from app.services import approvals, projects, workdays
from tests.approvals.factories import (
    approval_of,
    assign_departments,
    kind_by_code,
    make_department,
    make_overdue,
    signed_project,
)
from tests.factories import bearer, make_token, make_unit, make_user
from tests.projects.factories import make_investor, make_project
from tests.projects.helpers import api_stage, gate_fields, pass_gate, post_form

TODAY = workdays.today()
CODES = ["filing", "land_prereview", "planning", "eia", "safety", "energy", "fire", "construction"]


@pytest.fixture
def world(db):
    town = make_unit(db, name="城关镇人民政府")
    other = make_unit(db, name="青石镇人民政府")
    bureau = make_unit(db, name="县招商局")
    department = make_department(db, name="县行政审批局")
    assign_departments(db, department)
    users = {
        "town": make_user(db, town),
        "other": make_user(db, other),
        "department": make_user(db, department),
        "coordinator": make_user(db, bureau, Role.coordinator),
    }
    tokens = {
        "town": make_token(db, town),
        "other": make_token(db, other),
        "department": make_token(db, department),
        "bureau": make_token(db, bureau, role=TokenRole.coordinator),
        "reader": make_token(db, None, read_only=True),
    }
    project = make_project(db, town, stage=Stage.intent, category=Category.industrial)
    db.commit()
    return {"town": town, "other": other, "department": department, "users": users, "tokens": tokens,
            "project": project}  # fmt: skip


def api(client, world, who, method, path, **kw):
    return client.request(method, f"/api/v1{path}", headers=bearer(world["tokens"][who]), **kw)


def statuses(db, project) -> dict[str, str]:
    db.expire_all()
    stmt = (
        select(ApprovalKind.code, ProjectApproval.status)
        .join(ApprovalKind, ApprovalKind.id == ProjectApproval.kind_id)
        .where(ProjectApproval.project_id == project.id)
    )
    return {code: status.value for code, status in db.execute(stmt)}


def sign(client, db, world, project) -> None:
    """Through the API's stage move, once the project has passed the pre-review gate (its opinions and the
    signing approval written as in tests/projects/helpers.pass_gate)."""
    pass_gate(db, project.id)
    headers = bearer(world["tokens"]["town"])
    r = api_stage(client, headers, project.id, action="forward", to_stage="signed", contract_no="HT-2026-001")
    assert r.status_code == 200, r.text


def act(client, world, who, approval_id, action, **body):
    if "version" not in body:
        body["version"] = api(client, world, "bureau", "GET", f"/approvals/{approval_id}").json()["version"]
    return api(client, world, who, "POST", f"/approvals/{approval_id}/{action}", json=body)


# --- generation -------------------------------------------------------------------------------------


def test_signing_generates_the_approvals_once_waiting_behind_their_prerequisites(client, db, world):
    project = world["project"]
    sign(client, db, world, project)
    assert statuses(db, project) == {
        "filing": "ready",
        "land_prereview": "waiting",
        "planning": "waiting",
        "eia": "waiting",
        "safety": "waiting",
        "energy": "waiting",
        "fire": "waiting",
        "construction": "waiting",
    }
    row = approval_of(db, project, "eia")
    assert (row.department_unit_id, row.time_limit_days) == (world["department"].id, 30)
    # the coordinator's button generates nothing twice
    r = api(client, world, "bureau", "POST", f"/projects/{project.id}/approvals/generate")
    assert r.json() == {"project_id": project.id, "created": 0}
    assert db.execute(select(func.count()).select_from(ProjectApproval).where(
        ProjectApproval.project_id == project.id)).scalar_one() == 8  # fmt: skip


def test_generation_follows_the_category_and_the_active_kinds(client, db, world):
    kind_by_code(db, "energy").categories = "agriculture"  # 能评 only for agricultural projects here
    kind_by_code(db, "fire").is_active = False
    db.commit()
    project = world["project"]
    sign(client, db, world, project)
    assert set(statuses(db, project)) == set(CODES) - {"energy", "fire"}
    # 施工许可 still waits for 规划 and 环评 (its inactive prerequisite 消防 is not among them)
    assert statuses(db, project)["construction"] == "waiting"


def test_the_coordinator_generates_for_a_project_signed_before(client, db, world):
    old = make_project(db, world["town"], stage=Stage.landed)
    early = make_project(db, world["town"], stage=Stage.negotiating)
    db.commit()
    assert api(client, world, "town", "POST", f"/projects/{old.id}/approvals/generate").status_code == 403
    r = api(client, world, "bureau", "POST", f"/projects/{old.id}/approvals/generate")
    assert r.json() == {"project_id": old.id, "created": 8}
    r = api(client, world, "bureau", "POST", f"/projects/{early.id}/approvals/generate")
    assert r.status_code == 422 and statuses(db, early) == {}


def test_the_page_button_generates(client, db, world, signed_in):
    old = make_project(db, world["town"], stage=Stage.signed)
    browser = signed_in(world["users"]["coordinator"])
    r = post_form(browser, f"/projects/{old.id}/approvals/generate", {})
    assert r.status_code == 303 and "generated=8" in r.headers["location"]
    page = browser.get(f"/projects/{old.id}").text
    assert "审批事项" in page and "并联 4 项" in page and "立项/备案" in page


def test_the_ledger_import_generates_for_rows_at_signing_or_landing_only_in_bulk(db, world, connection):
    """Rows imported at 正式签约 or 落户注册 get their approvals, rows at 开工 none; the reads do not grow with
    the rows (the inserts are the ORM's batches)."""
    investor = make_investor(db)
    principal = Principal(role=Role.unit_staff, unit_id=world["town"].id, label="测试")

    def rows(n: int, stage: Stage) -> list:
        made = [
            ProjectCreate(name=f"导入{stage.value}{i}", investor_id=investor.id, stage=stage, contract_no="HT-1",
                          permit_no="620121202611250101", **gate_fields(db))
            for i in range(n)
        ]  # fmt: skip
        return [(m, None) for m in made]

    made = projects.create_many(db, principal, rows(1, Stage.signed) + rows(1, Stage.landed) + rows(1, Stage.started))
    counts = [len(statuses(db, p)) for p in made]
    assert counts == [8, 8, 0]

    def statements(items) -> int:
        seen: list[str] = []

        def count(*args) -> None:
            seen.append(args[2])

        event.listen(connection, "before_cursor_execute", count)
        try:
            projects.create_many(db, principal, items)
        finally:
            event.remove(connection, "before_cursor_execute", count)
        return len([s for s in seen if "approval" in s and not s.lstrip().upper().startswith("INSERT")])

    assert statements(rows(2, Stage.signed)) == statements(rows(20, Stage.signed))


# --- parallel and waiting --------------------------------------------------------------------------


def test_granting_a_prerequisite_releases_its_dependents_which_run_in_parallel(client, db, world):
    project = signed_project(db, world["town"])
    db.commit()
    filing = approval_of(db, project, "filing")
    planning = approval_of(db, project, "planning")
    r = act(client, world, "town", planning.id, "submit")
    assert r.status_code == 422 and "用地预审" in r.json()["message"]
    assert act(client, world, "town", filing.id, "submit").json()["status"] == "submitted"
    r = act(client, world, "department", filing.id, "grant", document_no="县发改备〔2026〕12号")
    assert r.status_code == 200 and r.json()["granted_on"] == TODAY.isoformat()
    after = statuses(db, project)
    assert [after[c] for c in ("land_prereview", "eia", "safety", "energy", "planning")] == [
        "ready", "ready", "ready", "ready", "waiting"]  # fmt: skip
    eia, safety = approval_of(db, project, "eia"), approval_of(db, project, "safety")
    assert act(client, world, "town", eia.id, "submit").status_code == 200
    assert act(client, world, "town", safety.id, "submit", is_online=True).status_code == 200
    both = api(client, world, "town", "GET", f"/projects/{project.id}/approvals").json()
    submitted = [a for a in both if a["status"] == "submitted"]
    assert {a["kind_name"] for a in submitted} == {"环评", "安评"}
    assert {a["step"] for a in submitted} == {2}  # the same step: parallel
    # marking 用地预审 not needed releases 规划许可
    land = approval_of(db, project, "land_prereview")
    assert act(client, world, "town", land.id, "not-needed", reason="利用已批建设用地").status_code == 200
    assert statuses(db, project)["planning"] == "ready"


# --- due dates over a holiday and a make-up workday --------------------------------------------------


def test_the_due_date_counts_working_days_with_the_calendar(client, db, world):
    """Submitted on Friday 25 September 2026 with 10 working days: Mon 28 .. Wed 30 (3), Thu 1 October a
    holiday, Fri 2 (4), Mon 5 .. Fri 9 (9), Saturday 10 October a make-up workday (10): due 10 October.
    Without the calendar it would be Friday 9 October; with the holiday alone Monday 12 October."""
    db.add(CalendarDay(day=date(2026, 10, 1), is_workday=False, name="国庆节"))
    db.add(CalendarDay(day=date(2026, 10, 10), is_workday=True, name="国庆节调休上班"))
    project = signed_project(db, world["town"])
    filing = approval_of(db, project, "filing")
    filing.time_limit_days = 10
    db.commit()
    with time_machine.travel("2026-09-25 03:00:00+00:00", tick=False):
        r = act(client, world, "town", filing.id, "submit")
    assert r.status_code == 200
    assert (r.json()["submitted_on"], r.json()["due_on"]) == ("2026-09-25", "2026-10-10")
    assert workdays.add_working_days(date(2026, 9, 25), 10, {}) == date(2026, 10, 9)
    assert workdays.add_working_days(date(2026, 9, 25), 10, {date(2026, 10, 1): False}) == date(2026, 10, 12)


def test_a_three_day_limit_over_a_holiday_weekend(client, db, world):
    """Submitted on Wednesday 30 September 2026, 3 working days (立项/备案): Thu 1 October a holiday,
    Fri 2 (1), Sat 3 and Sun 4 off, Mon 5 (2), Tue 6 (3): due 6 October."""
    db.add(CalendarDay(day=date(2026, 10, 1), is_workday=False, name="国庆节"))
    project = signed_project(db, world["town"])
    db.commit()
    with time_machine.travel("2026-09-30 02:00:00+00:00", tick=False):
        r = act(client, world, "town", approval_of(db, project, "filing").id, "submit")
    assert r.json()["due_on"] == "2026-10-06"


# --- 容缺 documents, overdue, escalation ---------------------------------------------------------------


def test_a_deferred_document_has_its_own_deadline_and_is_overdue_past_it(client, db, world):
    project = signed_project(db, world["town"])
    filing = approval_of(db, project, "filing")
    db.commit()
    r = act(client, world, "town", filing.id, "deferred", name="土地权属证明", deadline=TODAY.isoformat())
    assert r.status_code == 422  # not yet submitted
    act(client, world, "town", filing.id, "submit")
    late = (TODAY - timedelta(days=1)).isoformat()
    r = act(client, world, "town", filing.id, "deferred", name="土地权属证明", deadline=late)
    assert r.status_code == 422 and r.json()["field"] == "deadline"
    due = (TODAY + timedelta(days=5)).isoformat()
    r = act(client, world, "town", filing.id, "deferred", name="土地权属证明", deadline=due)
    assert r.status_code == 201
    [doc] = r.json()["deferred"]
    assert (doc["deadline"], doc["overdue"], doc["received_on"]) == (due, False, None)
    assert api(client, world, "bureau", "GET", "/approvals?overdue=true").json()["total"] == 0
    row = db.get(ApprovalDeferredDocument, doc["id"])
    row.deadline = TODAY - timedelta(days=1)  # the deadline passes
    db.commit()
    listed = api(client, world, "bureau", "GET", "/approvals?overdue=true").json()
    assert [a["id"] for a in listed["items"]] == [filing.id]
    assert listed["items"][0]["deferred"][0]["overdue"] is True
    assert listed["items"][0]["overdue"] is False  # the approval itself is within its limit
    r = api(client, world, "town", "POST", f"/approvals/{filing.id}/deferred/{doc['id']}/receive",
            json={"version": row.version})  # fmt: skip
    assert r.status_code == 200 and r.json()["deferred"][0]["received_on"] == TODAY.isoformat()
    assert api(client, world, "bureau", "GET", "/approvals?overdue=true").json()["total"] == 0


def test_an_overdue_approval_is_listed_and_escalated_to_a_ticket(client, db, world, signed_in):
    project = signed_project(db, world["town"])
    filing = make_overdue(db, approval_of(db, project, "filing"))
    on_time = approval_of(db, project, "eia")
    db.commit()
    listed = api(client, world, "bureau", "GET", f"/approvals?overdue=1&department_unit_id={world['department'].id}")
    assert [a["id"] for a in listed.json()["items"]] == [filing.id] and listed.json()["items"][0]["overdue"]
    assert act(client, world, "bureau", on_time.id, "ticket").status_code == 422  # not overdue
    assert act(client, world, "town", filing.id, "ticket").status_code == 403  # the coordinator's
    r = act(client, world, "bureau", filing.id, "ticket", note="请尽快办结")
    assert r.status_code == 200, r.text
    ticket = db.get(Ticket, r.json()["ticket_id"])
    category = db.get(TicketCategory, ticket.category_id)
    assert (category.code, ticket.handling_unit_id, ticket.project_id) == (
        "permits",
        world["department"].id,
        project.id,
    )
    assert "立项/备案" in ticket.title
    assert act(client, world, "bureau", filing.id, "task", due_days=5).status_code == 422  # already escalated
    page = signed_in(world["users"]["coordinator"]).get(f"/approvals/{filing.id}").text
    assert f'href="/tickets/{ticket.id}"' in page and "超期" in page
    # the list page shows it with its badge, filtered
    html = signed_in(world["users"]["coordinator"]).get("/approvals?overdue=1").text
    assert f"approval-row-{filing.id}" in html and f"approval-row-{on_time.id}" not in html


def test_an_overdue_approval_escalated_to_a_supervised_task(client, db, world, signed_in):
    project = signed_project(db, world["town"])
    filing = make_overdue(db, approval_of(db, project, "filing"))
    db.commit()
    browser = signed_in(world["users"]["coordinator"])
    r = post_form(browser, f"/approvals/{filing.id}/task", {"version": filing.version, "due_days": "3",
                                                            "note": "限期办结"})  # fmt: skip
    assert r.status_code == 303, r.text[:500]
    db.expire_all()
    task = db.get(SupervisedTask, db.get(ProjectApproval, filing.id).task_id)
    assert task.owner_unit_id == world["department"].id and "立项/备案" in task.title
    page = browser.get(f"/projects/{project.id}").text
    assert f'href="/tasks/{task.id}"' in page and "超期 1 项" in page


# --- who may act, versions, refusals ------------------------------------------------------------------


def test_who_may_act_and_refusals_change_nothing(client, db, world):
    project = signed_project(db, world["town"])
    filing = approval_of(db, project, "filing")
    db.commit()
    before = statuses(db, project)
    assert act(client, world, "other", filing.id, "submit").status_code == 404
    assert act(client, world, "reader", filing.id, "submit").status_code == 403
    assert api(client, world, "other", "GET", f"/approvals/{filing.id}").status_code == 404
    assert statuses(db, project) == before
    # the department's staff see and act on their department's approvals
    assert api(client, world, "department", "GET", f"/approvals/{filing.id}").status_code == 200
    assert act(client, world, "department", filing.id, "submit").status_code == 200
    listed = api(client, world, "department", "GET", "/approvals").json()
    assert listed["total"] == 8
    assert api(client, world, "other", "GET", "/approvals").json()["total"] == 0


def test_a_stale_version_is_409_and_changes_nothing(client, db, world, signed_in):
    project = signed_project(db, world["town"])
    filing = approval_of(db, project, "filing")
    db.commit()
    stale = filing.version
    assert act(client, world, "town", filing.id, "submit", version=stale).status_code == 200
    r = act(client, world, "town", filing.id, "grant", version=stale, document_no="文号1")
    assert r.status_code == 409
    assert statuses(db, project)["filing"] == "submitted"
    browser = signed_in(world["users"]["town"])
    r = post_form(browser, f"/approvals/{filing.id}/grant", {"version": stale, "document_no": "保留的文号"})
    assert r.status_code == 409 and "保留的文号" in r.text and "已被他人修改" in r.text
    assert statuses(db, project)["filing"] == "submitted"


def test_refuse_keeps_the_dependents_waiting(client, db, world):
    project = signed_project(db, world["town"])
    filing = approval_of(db, project, "filing")
    db.commit()
    act(client, world, "town", filing.id, "submit")
    r = act(client, world, "department", filing.id, "refuse", reason="材料不全")
    assert r.json()["status"] == "refused" and r.json()["refused_reason"] == "材料不全"
    assert statuses(db, project)["eia"] == "waiting"
    assert act(client, world, "town", filing.id, "grant", document_no="文号1").status_code == 422


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [
        ("submit", {"note": "长" * 1001}, "note"),
        ("deferred", {"name": "", "deadline": "明天"}, "deadline"),
        ("grant", {"document_no": ""}, "document_no"),
        ("refuse", {"reason": "x"}, "reason"),
        ("not-needed", {"reason": ""}, "reason"),
        ("ticket", {"note": "长" * 2001}, "note"),
        ("task", {"due_days": "很多"}, "due_days"),
    ],
)
def test_invalid_input_is_refused_both_ways(client, db, world, signed_in, action, body, field):
    project = signed_project(db, world["town"])
    filing = make_overdue(db, approval_of(db, project, "filing"))
    db.commit()
    before = statuses(db, project)
    r = act(client, world, "bureau", filing.id, action, **body)
    assert r.status_code == 422 and field in {d["field"] for d in r.json()["details"]}, r.text
    page = post_form(signed_in(world["users"]["coordinator"]), f"/approvals/{filing.id}/{action}",
                     {"version": filing.version, **body})  # fmt: skip
    assert page.status_code == 422 and 'id="e-' + field + '"' in page.text
    assert statuses(db, project) == before


# --- the catalogue -------------------------------------------------------------------------------------


def test_the_coordinator_keeps_the_catalogue(client, db, world, signed_in):
    body = {"name": "水土保持方案审批", "department_unit_id": world["department"].id, "time_limit_days": 15,
            "categories": ["industrial"], "prerequisite_ids": [1]}  # fmt: skip
    assert api(client, world, "town", "POST", "/approval-kinds", json=body).status_code == 403
    r = api(client, world, "bureau", "POST", "/approval-kinds", json=body)
    assert r.status_code == 201, r.text
    kind = r.json()
    assert (kind["categories"], kind["prerequisite_ids"], kind["department_name"]) == (
        ["industrial"],
        [1],
        "县行政审批局",
    )
    assert api(client, world, "bureau", "POST", "/approval-kinds", json=body).json()["field"] == "name"
    bad = {**body, "name": "其他", "department_unit_id": world["town"].id}
    assert api(client, world, "bureau", "POST", "/approval-kinds", json=bad).json()["field"] == "department_unit_id"
    # a circle: 立项/备案 after the new kind, which is after 立项/备案
    filing = api(client, world, "bureau", "GET", "/approval-kinds").json()[0]
    circle = {k: filing[k] for k in ("name", "time_limit_days", "categories", "position", "is_active",
                                      "is_construction_permit", "note", "department_unit_id", "version")}  # fmt: skip
    r = api(client, world, "bureau", "PUT", f"/approval-kinds/{filing['id']}",
            json={**circle, "prerequisite_ids": [kind["id"]]})  # fmt: skip
    assert r.status_code == 422 and r.json()["field"] == "prerequisite_ids"
    r = api(client, world, "bureau", "PUT", f"/approval-kinds/{kind['id']}",
            json={**body, "version": kind["version"], "time_limit_days": 10, "prerequisite_ids": [1, 3]})  # fmt: skip
    assert r.status_code == 200 and r.json()["prerequisite_ids"] == [1, 3] and r.json()["version"] > kind["version"]
    r = api(client, world, "bureau", "PUT", f"/approval-kinds/{kind['id']}", json={**body, "version": kind["version"]})
    assert r.status_code == 409
    # the page: the form keeps what was typed
    browser = signed_in(world["users"]["coordinator"])
    r = post_form(browser, "/approval-kinds", {"name": "新的事项", "time_limit_days": "很多"})
    assert r.status_code == 422 and "新的事项" in r.text and 'id="e-time_limit_days"' in r.text
    r = post_form(browser, "/approval-kinds", {"name": "新的事项", "time_limit_days": "5", "is_active": "on",
                                               "categories": "agriculture"})  # fmt: skip
    assert r.status_code == 303
    assert "新的事项" in browser.get("/approval-kinds").text
    assert db.execute(select(func.count()).select_from(ApprovalKindPrerequisite)).scalar_one() >= 11


# --- 开工 cites the construction permit -----------------------------------------------------------------


def _granted_permit(db, world) -> tuple[Project, str]:
    project = signed_project(db, world["town"], stage_since=TODAY - timedelta(days=30))
    project.stage = Stage.landed
    project.landed_on = TODAY - timedelta(days=20)
    project.stage_since = project.landed_on
    permit = approval_of(db, project, "construction")
    permit.status = ApprovalStatus.granted
    permit.granted_on = TODAY - timedelta(days=2)
    permit.document_no = "县住建施许〔2026〕7号"
    db.flush()
    return project, permit.document_no


def test_the_start_stage_cites_the_construction_permit(client, db, world, signed_in):
    project, number = _granted_permit(db, world)
    db.add(AppSetting(key="stage_evidence.started", value="1"))  # a file required, unless the permit is cited
    db.commit()
    browser = signed_in(world["users"]["town"])
    form = browser.get(f"/projects/{project.id}/stage").text
    assert "引用审批事项：施工许可 文号" in form and f'value="{number}"' in form
    headers = bearer(world["tokens"]["town"])
    r = api_stage(client, headers, project.id, action="forward", to_stage="started", permit_no="随便一个号")
    assert r.status_code == 422  # not the permit: a file is still required
    r = api_stage(client, headers, project.id, action="forward", to_stage="started", permit_no=number)
    assert r.status_code == 200, r.text
    db.expire_all()
    assert db.get(Project, project.id).stage is Stage.started
    flags = db.execute(select(ProjectAnomaly.kind).where(ProjectAnomaly.project_id == project.id)).scalars().all()
    assert "permit_format" not in [f.value for f in flags]  # the department's own number is not flagged


def test_the_start_stage_form_records_the_cited_permit(client, db, world, signed_in):
    project, number = _granted_permit(db, world)
    db.commit()
    browser = signed_in(world["users"]["town"])
    r = post_form(browser, f"/projects/{project.id}/stage", {"version": project.version, "action": "forward",
                  "to_stage": "started", "happened_on": TODAY.isoformat(), "permit_no": number})  # fmt: skip
    assert r.status_code == 303, r.text[:400]
    page = browser.get(f"/projects/{project.id}").text
    assert f"许可证 {number}" in page


def test_the_worker_announces_a_newly_overdue_approval_once(db, world):
    from app.models.ticket import Notification

    project = signed_project(db, world["town"])
    filing = make_overdue(db, approval_of(db, project, "filing"))
    make_overdue(db, approval_of(db, project, "eia"), submitted_on=TODAY)  # within its limit
    db.flush()
    assert approvals.warn_overdue(db) == 1
    told = db.execute(select(Notification.user_id, Notification.title, Notification.link)).all()
    mine = {u for u, title, link in told if link == f"/approvals/{filing.id}" and title == "审批事项超期：立项/备案"}
    assert {world["users"][who].id for who in ("town", "department", "coordinator")} <= mine
    assert world["users"]["other"].id not in mine
    assert approvals.warn_overdue(db) == 0  # once


def test_a_project_created_at_a_later_stage_gets_its_approvals(client, db, world):
    investor = make_investor(db)
    db.commit()
    body = {"name": "新建即签约的项目", "investor_id": investor.id, "stage": "signed", "contract_no": "HT-2026-9"}
    body.update(gate_fields(db))
    r = api(client, world, "town", "POST", "/projects", json=body)
    assert r.status_code == 201, r.text
    assert len(statuses(db, db.get(Project, r.json()["id"]))) == 8


# --- the 代办员 ----------------------------------------------------------------------------------------


def test_the_projects_daiban_records_its_approvals_steps_and_no_one_elses(client, db, world):
    """The 代办窗口 carries the investor's approvals: its system (a token of the 代办员's unit) submits the
    approval of a project the coordinator gave it, of another unit; a project it does not carry stays closed."""
    from tests.agency.factories import assign_agent

    window = make_unit(db, name="县政务服务中心代办窗口")
    agent = make_user(db, window)
    world["tokens"]["window"] = make_token(db, window)
    carried = signed_project(db, world["town"])
    other = signed_project(db, world["town"])
    assign_agent(db, carried, agent)
    db.commit()
    filing = approval_of(db, carried, "filing")
    assert act(client, world, "window", filing.id, "submit").json()["status"] == "submitted"
    untouched = approval_of(db, other, "filing")
    assert act(client, world, "window", untouched.id, "submit").status_code == 404
    assert statuses(db, other)["filing"] == "ready"
