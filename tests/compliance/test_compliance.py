"""Compliance cases (履约核查、违约处置): opened only on a missed commitment; each measure's effect (the award
clawed back through the awards' service, the plot back to available through land's, damages tracked) and its
supervised task with the case as its source; the closing rules; 409 on a stale version; Idempotency-Key on
damages received; a confidential project masked in the list, the task and the event; the assessment's
information line. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models.audit import AuditEntry
from app.models.award import Clawback
from app.models.compliance import ComplianceCase, ComplianceMeasure, ComplianceReceipt
from app.models.land import LandPlot, PlotStatus
from app.models.task import SupervisedTask, TaskSourceKind, TaskStatus
from app.models.ticket import OutboxEvent
from app.models.unit import UnitKind
from app.models.user import Role
from app.scopes import TokenRole
from app.services import assessment, workdays
from tests.compliance.factories import make_breach
from tests.factories import bearer, make_token, make_unit, make_user
from tests.projects.helpers import fresh, post_form

TODAY = workdays.today()
LATER = (TODAY + timedelta(days=60)).isoformat()


@pytest.fixture
def world(db):
    town = make_unit(db, name="测试城关镇")
    other = make_unit(db, name="测试河口镇")
    bureau = make_unit(db, kind=UnitKind.department, tier=1, name="测试招商局")
    dept = make_unit(db, kind=UnitKind.department, name="测试自然资源局")
    breach = make_breach(db, town)
    coordinator = make_user(db, bureau, Role.coordinator)
    db.commit()
    return {
        "town": town,
        "other": other,
        "dept": dept,
        "breach": breach,
        "coordinator_user": coordinator,
        "coordinator": bearer(make_token(db, bureau, role=TokenRole.coordinator)),
        "town_token": bearer(make_token(db, town)),
        "other_token": bearer(make_token(db, other)),
        "reader": bearer(make_token(db, None, read_only=True)),
    }


def said(response) -> str:
    """The Chinese messages of a refusal, field by field."""
    return "；".join(d["message"] for d in response.json().get("details", [])) or said(response)


def _open(client, world, **extra):
    b = world["breach"]
    body = {
        "project_id": b.project.id,
        "commitment_ids": [b.missed.id],
        "assessed_on": TODAY.isoformat(),
        "assessors": "县税务局李股长",
        "findings": "上年度实际上缴税金 100 万元，低于约定的 500 万元。",
    } | extra
    return client.post("/api/v1/compliance-cases", json=body, headers=world["coordinator"])


def _measure(client, world, case, **body):
    return client.post(
        f"/api/v1/compliance-cases/{case['id']}/measures",
        json={"version": case["version"], "due_on": LATER} | body,
        headers=world["coordinator"],
    )


def test_a_case_opens_only_on_a_missed_commitment(client, db, world):
    b = world["breach"]
    met = _open(client, world, commitment_ids=[b.met.id])
    assert met.status_code == 422 and met.json()["field"] == "commitment_ids"
    assert "只能就未达标的承诺事项立案" in said(met) and "达标" in said(met)
    nobody = _open(client, world, assessors="")
    assert nobody.status_code == 422 and nobody.json()["field"] == "assessors"
    staff = client.post("/api/v1/compliance-cases", json={
        "project_id": b.project.id, "commitment_ids": [b.missed.id], "assessed_on": TODAY.isoformat(),
        "assessors": "某人", "findings": "未达标"}, headers=world["town_token"])  # fmt: skip
    assert staff.status_code == 403
    assert db.execute(select(ComplianceCase.id)).first() is None  # nothing refused left a trace
    opened = _open(client, world)
    assert opened.status_code == 201, opened.text
    case = opened.json()
    assert case["status"] == "open" and case["unit_id"] == world["town"].id
    assert case["commitments"][0]["status_now"] == "未达标" and "100.00" in case["commitments"][0]["status_when_opened"]
    again = _open(client, world)
    assert again.status_code == 422 and f"#{case['id']}" in said(again)
    # the project's own unit reads it; another unit does not
    assert client.get(f"/api/v1/compliance-cases/{case['id']}", headers=world["town_token"]).status_code == 200
    assert client.get(f"/api/v1/compliance-cases/{case['id']}", headers=world["other_token"]).status_code == 404


def test_each_measure_has_its_effect_and_its_task(client, db, world):
    b = world["breach"]
    case = _open(client, world).json()
    # recover incentives: a clawback made by the awards' own service, named on the measure
    recovered = _measure(client, world, case, kind="recover", award_id=b.award.id, amount="50000")
    assert recovered.status_code == 201, recovered.text
    case = recovered.json()
    m = case["measures"][0]
    assert m["clawback_amount"] == "50000.00" and m["clawback_recovered"] is False
    clawback = fresh(db, Clawback, m["clawback_id"])
    assert clawback.award_id == b.award.id and f"违约处置案件 #{case['id']}" in clawback.reason
    award_page = client.get(f"/api/v1/awards/{b.award.id}", headers=world["coordinator"])
    assert award_page.status_code == 200
    # more than paid is refused by the awards' rule, beside the amount
    too_much = _measure(client, world, case, kind="recover", award_id=b.award.id, amount="160000")
    assert too_much.status_code == 422 and too_much.json()["field"] == "amount"
    # take back land: the plot is available again, the case the reason in the audit trail
    taken = _measure(client, world, case, kind="take_land", plot_id=b.plot.id)
    assert taken.status_code == 201, taken.text
    case = taken.json()
    plot = fresh(db, LandPlot, b.plot.id)
    assert plot.status is PlotStatus.available and plot.project_id is None
    reasons = db.execute(
        select(AuditEntry.reason).where(AuditEntry.entity == "land_plot", AuditEntry.entity_id == str(plot.id))
    ).scalars()
    assert any(f"违约处置案件 #{case['id']}" in (r or "") for r in reasons)
    listed = client.get("/api/v1/plots", params={"status": "available"}, headers=world["reader"]).json()
    assert plot.id in [p["id"] for p in listed["items"]]
    # a plot the project does not hold is refused
    again = _measure(client, world, case, kind="take_land", plot_id=b.plot.id)
    assert again.status_code == 422 and again.json()["field"] == "plot_id"
    # fields of another measure are refused beside them
    wrong = _measure(client, world, case, kind="reminder", damages="10")
    assert wrong.status_code == 422 and wrong.json()["field"] == "damages"
    # liquidated damages, assigned to a named department, with receipts tracked
    damages = _measure(client, world, case, kind="damages", damages="30", owner_unit_id=world["dept"].id)
    assert damages.status_code == 201
    case = damages.json()
    dm = case["measures"][-1]
    url = f"/api/v1/compliance-cases/{case['id']}/measures/{dm['id']}/receipts"
    key = {"Idempotency-Key": "cc-0001"} | world["coordinator"]
    first = client.post(url, json={"amount": "10", "received_on": TODAY.isoformat()}, headers=key)
    replay = client.post(url, json={"amount": "10", "received_on": TODAY.isoformat()}, headers=key)
    assert first.status_code == 201 and replay.status_code == 201 and replay.json()["id"] == first.json()["id"]
    assert len(db.execute(select(ComplianceReceipt.id)).all()) == 1
    over = client.post(url, json={"amount": "25", "received_on": TODAY.isoformat()}, headers=world["coordinator"])
    assert over.status_code == 422 and over.json()["field"] == "amount" and "30.00" in said(over)
    case = client.get(f"/api/v1/compliance-cases/{case['id']}", headers=world["coordinator"]).json()
    assert case["measures"][-1]["damages_received"] == "10.00"
    # every measure is a supervised task with the case as its source, due by its deadline
    db.expire_all()
    rows = db.execute(select(SupervisedTask).where(SupervisedTask.source_kind == TaskSourceKind.compliance)).scalars()
    found = {t.id: t for t in rows}
    assert len(found) == 3
    for measure in case["measures"]:
        task = found[measure["task_id"]]
        assert task.source_id == case["id"] and task.due_on <= TODAY + timedelta(days=60)
    assert found[dm["task_id"]].owner_unit_id == world["dept"].id
    assert found[case["measures"][0]["task_id"]].owner_unit_id == world["town"].id
    # a stale version answers 409 and changes nothing
    stale = client.post(
        f"/api/v1/compliance-cases/{case['id']}/measures",
        json={"version": 1, "kind": "reminder", "due_on": LATER},
        headers=world["coordinator"],
    )
    assert stale.status_code == 409
    now = client.get(f"/api/v1/compliance-cases/{case['id']}", headers=world["coordinator"]).json()
    assert len(now["measures"]) == 3


def test_closing_rules(client, db, world):
    case = _open(client, world).json()
    early = client.post(f"/api/v1/compliance-cases/{case['id']}/close", json={"version": case["version"],
                        "outcome": "executed"}, headers=world["coordinator"])  # fmt: skip
    assert early.status_code == 422 and early.json()["field"] == "outcome"
    case = _measure(client, world, case, kind="reminder").json()
    case = _measure(client, world, case, kind="cure", due_on=(TODAY + timedelta(days=30)).isoformat()).json()
    reminder, cure = case["measures"]
    pending = client.post(f"/api/v1/compliance-cases/{case['id']}/close", json={"version": case["version"],
                          "outcome": "executed"}, headers=world["coordinator"])  # fmt: skip
    assert pending.status_code == 422 and "督促履约" in said(pending)
    no_reason = client.post(f"/api/v1/compliance-cases/{case['id']}/close", json={"version": case["version"],
                            "outcome": "other"}, headers=world["coordinator"])  # fmt: skip
    assert no_reason.status_code == 422 and no_reason.json()["field"] == "reason"
    cure_url = f"/api/v1/compliance-cases/{case['id']}/measures/{cure['id']}/cure"
    not_cure = client.post(f"/api/v1/compliance-cases/{case['id']}/measures/{reminder['id']}/cure",
                           json={"version": case["version"], "cured_on": TODAY.isoformat(), "note": "已补缴"},
                           headers=world["coordinator"])  # fmt: skip
    assert not_cure.status_code == 422
    cured = client.post(cure_url, json={"version": case["version"], "cured_on": TODAY.isoformat(),
                        "note": "已补缴税款"}, headers=world["coordinator"])  # fmt: skip
    assert cured.status_code == 200, cured.text
    closed = cured.json()
    assert closed["status"] == "closed" and closed["outcome"] == "cured" and closed["closed_on"] == TODAY.isoformat()
    db.expire_all()
    statuses = {t.status for t in db.execute(select(SupervisedTask)).scalars()}
    assert statuses == {TaskStatus.cancelled}  # the tasks still in hand are withdrawn with the case as the reason
    after = _measure(client, world, closed, kind="reminder")
    assert after.status_code == 422 and "结案" in said(after)
    # the commitment is free for a new case once this one is closed
    assert _open(client, world).status_code == 201


def test_cure_after_the_deadline_does_not_close_as_cured(client, db, world):
    case = _open(client, world).json()
    case = _measure(client, world, case, kind="cure", due_on=(TODAY + timedelta(days=30)).isoformat()).json()
    cure = case["measures"][0]
    measure = fresh(db, ComplianceMeasure, cure["id"])
    measure.due_on = TODAY - timedelta(days=3)  # the deadline has passed
    db.commit()
    late = client.post(f"/api/v1/compliance-cases/{case['id']}/measures/{cure['id']}/cure",
                       json={"version": case["version"], "cured_on": TODAY.isoformat(), "note": "逾期才补缴"},
                       headers=world["coordinator"])  # fmt: skip
    assert late.status_code == 422 and late.json()["field"] == "cured_on" and "逾期" in said(late)
    assert fresh(db, ComplianceCase, case["id"]).status.value == "executing"
    # once the measures' tasks are closed (销号), the case closes as executed
    db.expire_all()
    task = db.get(SupervisedTask, cure["task_id"])
    assert task is not None
    task.status = TaskStatus.closed
    db.commit()
    done = client.post(f"/api/v1/compliance-cases/{case['id']}/close", json={"version": case["version"],
                       "outcome": "executed"}, headers=world["coordinator"])  # fmt: skip
    assert done.status_code == 200 and done.json()["outcome"] == "executed"


def test_a_confidential_project_is_masked_in_the_list_the_task_and_the_event(client, db, world):
    secret = make_breach(db, world["town"], name="绝密新能源电池项目", is_confidential=True, code_name="X-9")
    db.commit()
    body = {"project_id": secret.project.id, "commitment_ids": [secret.missed.id], "assessed_on": TODAY.isoformat(),
            "assessors": "县税务局", "findings": "绝密新能源电池项目税收未达约定"}  # fmt: skip
    case = client.post("/api/v1/compliance-cases", json=body, headers=world["coordinator"]).json()
    case = _measure(client, world, case, kind="reminder", content="督促绝密新能源电池项目履约").json()
    read = client.get("/api/v1/compliance-cases", headers=world["reader"])
    assert read.status_code == 200
    assert "绝密新能源电池项目" not in read.text and "【保密】X-9" in read.text
    one = client.get(f"/api/v1/compliance-cases/{case['id']}", headers=world["reader"])
    assert "绝密新能源电池项目" not in one.text
    own = client.get("/api/v1/compliance-cases", headers=world["town_token"])
    assert "绝密新能源电池项目" in own.text  # the project's own unit sees its identity
    db.expire_all()
    task = db.execute(select(SupervisedTask).where(SupervisedTask.source_id == case["id"])).scalar_one()
    assert "绝密新能源电池项目" not in task.title + task.content and "【保密】X-9" in task.title
    events = db.execute(select(OutboxEvent).where(OutboxEvent.event_type.like("compliance.%"))).scalars().all()
    assert {e.event_type for e in events} == {"compliance.opened", "compliance.decided"}
    assert all("绝密新能源电池项目" not in str(e.payload) for e in events)


def test_the_assessment_shows_the_cases_opened_as_information(client, db, world):
    case = _open(client, world).json()
    assert case["id"]
    db.expire_all()
    results = assessment.compute(db, TODAY.year, TODAY, assessment.params_of(None), TODAY)
    town = next(r for r in results if r.unit.id == world["town"].id)
    info = [ln for ln in town.lines if ln["section"] == "info"]
    assert info and info[0]["figure"] == f"{TODAY.year} 年立案 1 件，已结案 0 件" and info[0]["points"] == 0
    assert town.score == town.quantitative + (town.qualitative or 0) + town.bonus - town.deduction
    listed = client.get("/api/v1/compliance-cases", params={"unit_id": world["town"].id, "year": TODAY.year},
                        headers=world["coordinator"]).json()  # fmt: skip
    assert listed["total"] == 1


def test_the_pages_open_decide_and_list(signed_in, db, world):
    b = world["breach"]
    browser = signed_in(world["coordinator_user"])
    section = browser.get(f"/projects/{b.project.id}/compliance")
    assert section.status_code == 200 and f"commitment_id={b.missed.id}" in section.text
    assert f"commitment_id={b.met.id}" not in section.text
    refused = post_form(browser, "/compliance-cases", {"project_id": b.project.id, "commitment_ids": b.met.id,
                        "assessed_on": TODAY.isoformat(), "assessors": "张三", "findings": "未达到"})  # fmt: skip
    assert refused.status_code == 422 and "只能就未达标的承诺事项立案" in refused.text and "张三" in refused.text
    opened = post_form(browser, "/compliance-cases", {"project_id": b.project.id, "commitment_ids": b.missed.id,
                       "assessed_on": TODAY.isoformat(), "assessors": "张三",
                       "findings": "税收未达到约定"})  # fmt: skip
    assert opened.status_code == 303, opened.text[:500]
    case_id = int(opened.headers["location"].split("/")[-1].split("?")[0])
    page = browser.get(f"/compliance-cases/{case_id}")
    assert page.status_code == 200 and "履约核查" in page.text and "税收未达到约定" in page.text
    version = fresh(db, ComplianceCase, case_id).version
    bad = post_form(browser, f"/compliance-cases/{case_id}/measures", {"version": version, "kind": "take_land",
                    "due_on": LATER, "content": "收回闲置土地"})  # fmt: skip
    assert bad.status_code == 422 and "请选择要收回的地块" in bad.text and "收回闲置土地" in bad.text
    took = post_form(browser, f"/compliance-cases/{case_id}/measures", {"version": version, "kind": "take_land",
                     "due_on": LATER, "plot_id": b.plot.id})  # fmt: skip
    assert took.status_code == 303
    assert fresh(db, LandPlot, b.plot.id).status is PlotStatus.available
    listed = browser.get("/compliance-cases", params={"unit_id": world["town"].id, "status": "active"})
    assert listed.status_code == 200 and f"/compliance-cases/{case_id}" in listed.text
    other = signed_in(make_user(db, world["other"]))
    assert other.get(f"/compliance-cases/{case_id}").status_code == 404
    assert f"/compliance-cases/{case_id}" not in other.get("/compliance-cases").text
