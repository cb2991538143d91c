"""The 代办 window: the coordinator assigns a project's 代办员 (versioned, audited, refused beside the field); the
代办员 reads their projects (even another unit's), sees every approval of them as one queue (overdue first, days
left in working days, the investor's contact), records hand-overs; the department's staff see their approvals with
the 代办员 as the contact and never the investor's ("客商不与部门见面"). On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models.approval import ApprovalHandover, ApprovalStatus, HandoverDirection, ProjectAgent
from app.models.audit import AuditEntry
from app.models.unit import UnitKind
from app.models.user import Role
from app.scopes import TokenRole
from app.services import workdays
from tests.agency.factories import assign_agent, defer_document, make_approval, make_handover
from tests.conftest import login
from tests.factories import PASSWORD, bearer, make_token, make_unit, make_user
from tests.projects.factories import make_investor, make_project
from tests.projects.helpers import post_form

CONTACT_NAME, CONTACT_PHONE = "甄联系", "13912345678"


@pytest.fixture
def world(db):
    bureau = make_unit(db, kind=UnitKind.department, tier=1, name="测试招商局")
    window = make_unit(db, kind=UnitKind.department, name="测试县政务服务中心代办窗口")
    town = make_unit(db, name="测试城关镇")
    eia = make_unit(db, kind=UnitKind.department, name="测试县生态环境局")
    planning = make_unit(db, kind=UnitKind.department, name="测试县自然资源局")
    investor = make_investor(db, contact_name=CONTACT_NAME, contact_phone=CONTACT_PHONE)
    project = make_project(db, town, investor=investor, name="测试硅业项目")
    coordinator = make_user(db, bureau, Role.coordinator, display_name="招商局甲")
    agent = make_user(db, window, display_name="代办员乙", phone="0898-6000001")
    other_agent = make_user(db, window, display_name="代办员丙", phone="0898-6000002")
    db.commit()
    return {
        "bureau": bureau,
        "window": window,
        "town": town,
        "eia": eia,
        "planning": planning,
        "investor": investor,
        "project": project,
        "coordinator": coordinator,
        "agent": agent,
        "other_agent": other_agent,
        "town_staff": make_user(db, town),
        "eia_staff": make_user(db, eia, display_name="环保局丁"),
        "coordinator_token": make_token(db, bureau, role=TokenRole.coordinator),
        "town_token": make_token(db, town),
    }


def _put(client, world, user_id, version, token=None):
    return client.put(
        f"/api/v1/projects/{world['project'].id}/agent",
        json={"user_id": user_id, "version": version},
        headers=bearer(token or world["coordinator_token"]),
    )


def test_the_coordinator_assigns_changes_and_removes_the_agent_with_versions(client, db, world):
    answer = _put(client, world, world["agent"].id, 0)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["name"], body["phone"], body["unit_name"], body["version"]) == (
        "代办员乙", "0898-6000001", "测试县政务服务中心代办窗口", 1
    )  # fmt: skip
    assert _put(client, world, world["other_agent"].id, 0).status_code == 409  # stale: one was assigned since
    changed = _put(client, world, world["other_agent"].id, 1)
    assert changed.status_code == 200 and changed.json()["name"] == "代办员丙"
    path = f"/api/v1/projects/{world['project'].id}/agent"
    assert client.delete(f"{path}?version=1", headers=bearer(world["coordinator_token"])).status_code == 409
    gone = client.delete(f"{path}?version=2", headers=bearer(world["coordinator_token"]))
    assert gone.status_code == 200 and gone.json()["user_id"] is None and gone.json()["version"] == 0
    db.expire_all()
    assert db.execute(select(ProjectAgent)).scalars().all() == []
    audited = db.execute(select(AuditEntry).where(AuditEntry.entity == "project_agent")).scalars().all()
    assert {e.action for e in audited} >= {"create", "update", "delete"}


def test_only_the_coordinator_assigns_and_a_wrong_person_is_refused_beside_the_field(client, db, world):
    assert _put(client, world, world["agent"].id, 0, token=world["town_token"]).status_code == 403
    refused = _put(client, world, 2_000_000, 0)
    assert refused.status_code == 422 and refused.json()["field"] == "user_id"
    world["agent"].is_active = False
    db.commit()
    assert _put(client, world, world["agent"].id, 0).status_code == 422
    db.expire_all()
    assert db.execute(select(ProjectAgent)).scalars().all() == []


def test_the_project_page_form_assigns_and_keeps_what_was_typed_on_a_conflict(signed_in, db, world):
    browser = signed_in(world["coordinator"])
    pid = world["project"].id
    section = browser.get(f"/projects/{pid}/agent")
    assert section.status_code == 200 and "未指定代办员" in section.text and "代办员乙" in section.text  # an option
    assert 'id="project-agent"' in browser.get(f"/projects/{pid}").text  # the project's page loads the section
    saved = post_form(browser, f"/projects/{pid}/agent", {"user_id": world["agent"].id, "version": 0})
    assert saved.status_code == 303
    assert "代办员乙" in browser.get(f"/projects/{pid}/agent").text
    stale = post_form(browser, f"/projects/{pid}/agent", {"user_id": world["other_agent"].id, "version": 0})
    assert stale.status_code == 409 and "已被他人修改" in stale.text
    wrong = post_form(browser, f"/projects/{pid}/agent", {"user_id": "abc", "version": 1})
    assert wrong.status_code == 422 and 'id="e-user_id"' in wrong.text
    removed = post_form(browser, f"/projects/{pid}/agent", {"user_id": "", "version": 1})
    assert removed.status_code == 303
    assert "未指定代办员" in browser.get(f"/projects/{pid}/agent").text


def test_the_agent_reads_their_projects_of_another_unit_and_no_other(signed_in, db, world):
    other = make_project(db, world["town"], name="测试别的项目")
    secret = make_project(db, world["town"], name="测试保密项目", is_confidential=True, code_name="S-01")
    assign_agent(db, world["project"], world["agent"])
    assign_agent(db, secret, world["agent"])
    browser = signed_in(world["agent"])
    assert browser.get(f"/projects/{world['project'].id}").status_code == 200
    assert browser.get(f"/projects/{other.id}").status_code == 404
    page = browser.get(f"/projects/{secret.id}")
    assert page.status_code == 200 and "S-01" in page.text and "测试保密项目" not in page.text
    stranger = signed_in(world["other_agent"])
    assert stranger.get(f"/projects/{world['project'].id}").status_code == 404


def test_the_queue_puts_overdue_first_with_working_days_left(signed_in, client, db, world):
    today = workdays.today()
    project = world["project"]
    assign_agent(db, project, world["agent"])
    later = make_approval(db, project, "planning", department=world["planning"], submitted_on=today,
                          due_on=workdays.add_working_days(today, 10, {}))  # fmt: skip
    sooner = make_approval(db, project, "filing", department=world["planning"], submitted_on=today,
                           due_on=workdays.add_working_days(today, 3, {}))  # fmt: skip
    late = make_approval(db, project, "eia", department=world["eia"], submitted_on=today - timedelta(days=40),
                         due_on=today - timedelta(days=1))  # fmt: skip
    deferred = make_approval(db, project, "safety", department=world["eia"], submitted_on=today,
                             due_on=workdays.add_working_days(today, 20, {}))  # fmt: skip
    defer_document(db, deferred, today - timedelta(days=2))
    granted = make_approval(db, project, "energy", status=ApprovalStatus.granted,
                            submitted_on=today - timedelta(days=9), due_on=today,
                            granted_on=today - timedelta(days=1))  # fmt: skip
    make_approval(db, make_project(db, world["town"]), "eia", due_on=today - timedelta(days=5))  # not theirs
    make_handover(db, late, documents="环评报告表", by=world["agent"])
    db.commit()
    window_token, town_token = make_token(db, world["window"]), make_token(db, world["town"])
    db.commit()
    # the window's system reads its 代办员's queues; another unit's token does not
    mine = f"/api/v1/agency/queue?limit=200&user_id={world['agent'].id}"
    assert client.get(mine, headers=bearer(town_token)).status_code == 404
    assert client.get("/api/v1/agency/queue", headers=bearer(town_token)).json()["total"] == 0
    api = client.get(mine, headers=bearer(window_token))
    assert api.status_code == 200, api.text
    assert client.get("/api/v1/agency/queue?limit=200", headers=bearer(window_token)).json() == api.json()
    browser = signed_in(world["agent"])
    items = api.json()["items"]
    order = [i["approval_id"] for i in items]
    assert order[:2] == [late.id, deferred.id] or order[:2] == [deferred.id, late.id]
    assert order[2:] == [sooner.id, later.id, granted.id]
    first = {i["approval_id"]: i for i in items}
    assert first[late.id]["overdue"] and first[deferred.id]["overdue_documents"] == 1
    calendar = workdays.load_calendar(db)
    assert first[sooner.id]["days_left"] == workdays.working_days_between(today, sooner.due_on, calendar)
    assert first[late.id]["days_left"] < 0 and first[granted.id]["days_left"] is None
    assert first[late.id]["investor_contact_phone"] == CONTACT_PHONE
    assert first[late.id]["last_handover"]["documents"] == "环评报告表"
    page = browser.get("/agency")
    assert page.status_code == 200
    assert page.text.index(f'id="approval-{late.id}"') < page.text.index(f'id="approval-{sooner.id}"')
    assert CONTACT_PHONE in page.text and "环评报告表" in page.text


def test_the_agent_records_a_hand_over_not_after_today(signed_in, client, db, world):
    today = workdays.today()
    approval = make_approval(db, world["project"], "eia", department=world["eia"], submitted_on=today,
                             due_on=today + timedelta(days=30))  # fmt: skip
    assign_agent(db, world["project"], world["agent"])
    db.commit()
    window_token, eia_token = make_token(db, world["window"]), make_token(db, world["eia"])
    db.commit()
    browser = signed_in(world["agent"])
    path = f"/api/v1/agency/approvals/{approval.id}/handovers"
    body = {"direction": "to_department", "happened_on": today.isoformat(), "documents": "环评报告表一式三份"}
    made = client.post(path, json=body, headers=bearer(window_token))
    assert made.status_code == 201, made.text
    assert made.json()["department_name"] == "测试县生态环境局" and made.json()["recorded_by"] == ""
    tomorrow = client.post(path, json=body | {"happened_on": (today + timedelta(days=1)).isoformat()},
                           headers=bearer(window_token))  # fmt: skip
    assert tomorrow.status_code == 422 and tomorrow.json()["field"] == "happened_on"
    page = post_form(browser, f"/agency/approvals/{approval.id}/handovers",
                     {"direction": "from_department", "department_unit_id": "", "happened_on": today.isoformat(),
                      "documents": "补正通知书"})  # fmt: skip
    assert page.status_code == 303
    shown = browser.get(f"/agency/approvals/{approval.id}")
    assert "补正通知书" in shown.text and "部门返回" in shown.text and CONTACT_PHONE in shown.text
    bad = post_form(browser, f"/agency/approvals/{approval.id}/handovers",
                    {"direction": "to_department", "happened_on": "2099-01-01", "documents": "材料甲"})  # fmt: skip
    assert bad.status_code == 422 and 'id="e-happened_on"' in bad.text and "材料甲" in bad.text
    # the department reads the hand-overs but does not record them; another unit does not see the approval
    eia_page = signed_in(world["eia_staff"]).get(f"/agency/approvals/{approval.id}")
    assert eia_page.status_code == 200 and "补正通知书" in eia_page.text and 'id="handover-form"' not in eia_page.text
    assert len(client.get(path, headers=bearer(eia_token)).json()) == 2
    assert client.post(path, json=body, headers=bearer(eia_token)).status_code == 403
    other = make_token(db, make_unit(db, name="测试青石镇"))
    db.commit()
    assert client.get(path, headers=bearer(other)).status_code == 404
    db.expire_all()
    assert len(db.execute(select(ApprovalHandover)).scalars().all()) == 2
    assert {h.direction for h in db.execute(select(ApprovalHandover)).scalars()} == set(HandoverDirection)


def test_the_department_sees_its_approvals_with_the_agent_and_never_the_investor(signed_in, client, db, world):
    today = workdays.today()
    project = world["project"]
    secret = make_project(db, world["town"], name="测试保密项目", is_confidential=True, code_name="S-02",
                          investor=world["investor"])  # fmt: skip
    approval = make_approval(db, project, "eia", department=world["eia"], submitted_on=today,
                             due_on=today + timedelta(days=20), note=f"客商 {CONTACT_NAME}")  # fmt: skip
    hidden = make_approval(db, secret, "eia", department=world["eia"], submitted_on=today - timedelta(days=30),
                           due_on=today - timedelta(days=1))  # fmt: skip
    make_approval(db, project, "planning", department=world["planning"], submitted_on=today)  # another department's
    assign_agent(db, project, world["agent"])
    make_handover(db, approval, by=world["agent"])
    db.commit()
    eia_token = make_token(db, world["eia"])
    db.commit()
    browser = signed_in(world["eia_staff"])
    api = client.get("/api/v1/agency/department-queue?limit=200", headers=bearer(eia_token)).json()
    assert [i["approval_id"] for i in api["items"]] == [hidden.id, approval.id]  # overdue first
    row = {i["approval_id"]: i for i in api["items"]}
    assert (row[approval.id]["agent_name"], row[approval.id]["agent_phone"]) == ("代办员乙", "0898-6000001")
    assert row[hidden.id]["project_name"] == "【保密】S-02"
    page = browser.get("/agency/department")
    assert "代办员乙" in page.text and "0898-6000001" in page.text and "测试保密项目" not in page.text
    # the sweep: every page and API answer the department's staff can reach
    pages = ["/", "/agency", "/agency/department", f"/agency/approvals/{approval.id}", f"/agency/approvals/{hidden.id}",
             "/reports/approval-service", "/projects"]  # fmt: skip
    api_paths = ["/api/v1/agency/queue", "/api/v1/agency/department-queue?limit=200",
                 f"/api/v1/agency/approvals/{approval.id}/handovers", f"/api/v1/agency/approvals/{hidden.id}/handovers",
                 "/api/v1/reports/approval-service", "/api/v1/projects"]  # fmt: skip
    answers = [(p, browser.get(p)) for p in pages] + [(p, client.get(p, headers=bearer(eia_token))) for p in api_paths]
    for path, answer in answers:
        assert answer.status_code == 200, (path, answer.status_code)
        assert CONTACT_PHONE not in answer.text and CONTACT_NAME not in answer.text, path
    for path in (f"/projects/{project.id}", f"/projects/{project.id}/agent"):
        answer = browser.get(path)
        assert answer.status_code == 404 and CONTACT_PHONE not in answer.text, path
    answer = client.get(f"/api/v1/projects/{project.id}", headers=bearer(eia_token))
    assert answer.status_code == 404 and CONTACT_PHONE not in answer.text
    # a unit that is not the department sees none of it
    town = client.get("/api/v1/agency/department-queue", headers=bearer(world["town_token"]))
    assert town.json()["total"] == 0


def test_those_who_read_everything_choose_the_department(client, db, world):
    today = workdays.today()
    make_approval(db, world["project"], "eia", department=world["eia"], submitted_on=today, due_on=today)
    make_approval(db, world["project"], "planning", department=world["planning"], submitted_on=today, due_on=today)
    reader = make_token(db, None, read_only=True)
    db.commit()
    every = client.get("/api/v1/agency/department-queue", headers=bearer(reader)).json()
    one = client.get(f"/api/v1/agency/department-queue?unit_id={world['eia'].id}", headers=bearer(reader)).json()
    assert (every["total"], one["total"]) == (2, 1)
    assert login(client, world["coordinator"].username, PASSWORD).status_code == 303
    page = client.get(f"/agency/department?unit_id={world['planning'].id}")
    assert page.status_code == 200 and "测试县自然资源局" in page.text


def test_the_coordinator_opens_an_agent_s_queue_and_another_unit_may_not(signed_in, db, world):
    today = workdays.today()
    make_approval(db, world["project"], "eia", department=world["eia"], submitted_on=today, due_on=today)
    assign_agent(db, world["project"], world["agent"])
    path = f"/agency?user_id={world['agent'].id}"
    page = signed_in(world["coordinator"]).get(path)
    assert page.status_code == 200 and "测试硅业项目" in page.text and CONTACT_PHONE in page.text
    colleague = signed_in(world["other_agent"]).get(path)  # the 代办窗口's own staff
    assert colleague.status_code == 200 and "测试硅业项目" in colleague.text
    assert signed_in(world["town_staff"]).get(path).status_code == 404
    assert "测试硅业项目" not in signed_in(world["town_staff"]).get("/agency").text
