"""The stage gate holds on every path (creation on the page and the API, the stage form, a skip over
stages, the ledger import), and a move that passes it but looks wrong raises an anomaly flag the
coordinator sees, and clears with a reason that the audit trail keeps."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.models.audit import AuditEntry
from app.models.project import AnomalyKind, Project, ProjectAnomaly, Stage
from app.models.user import Role
from app.services import workdays
from app.services.stage_gate import permit_problem
from tests.factories import bearer, make_token, make_unit, make_user
from tests.projects.factories import make_investor, make_project
from tests.projects.helpers import api_stage, gate_departments, gate_fields, post_form, project, stage_events
from tests.projects.test_import import GATE, upload_api, workbook

TODAY = workdays.today()


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


@pytest.fixture
def unit(db):
    return make_unit(db)


@pytest.fixture
def headers(db, unit):
    return bearer(make_token(db, unit))


def fields(response) -> dict[str, str]:
    return {d["field"]: d["message"] for d in response.json()["details"]}


def anomalies(db, project_id: int) -> list[ProjectAnomaly]:
    db.expire_all()
    stmt = select(ProjectAnomaly).where(ProjectAnomaly.project_id == project_id).order_by(ProjectAnomaly.id)
    return list(db.execute(stmt).scalars())


def project_count(db) -> int:
    db.expire_all()
    return int(db.execute(select(func.count()).select_from(Project)).scalar_one())


# --- creation --------------------------------------------------------------------------------


def test_the_api_refuses_a_project_created_at_production_without_the_evidence_of_each_stage(client, db, headers):
    investor = make_investor(db)
    db.commit()
    before = project_count(db)
    body = {
        "investor_id": investor.id,
        "name": "直接投产的项目",
        "stage": "production",
        "contract_investment": "5000",
        **gate_fields(db),
    }

    refused = client.post("/api/v1/projects", json=body, headers=headers)

    assert refused.status_code == 422, refused.text
    errors = fields(refused)
    assert errors["contract_no"] == "进入“正式签约”须填写合同（协议）编号"
    assert errors["permit_no"] == "进入“开工”须填写施工许可证号"
    assert errors["production_no"].startswith("进入“投产”须填写投产证明编号")
    assert project_count(db) == before

    only_the_contract = client.post("/api/v1/projects", json={**body, "contract_no": "HT-2026-5"}, headers=headers)
    assert only_the_contract.status_code == 422 and set(fields(only_the_contract)) == {"permit_no", "production_no"}

    evidence = {"contract_no": "HT-2026-5", "permit_no": "430102202601050101", "production_no": "PWXK-430102-0099"}
    created = client.post("/api/v1/projects", json={**body, **evidence}, headers=headers)
    assert created.status_code == 201, created.text
    [event] = stage_events(db, created.json()["id"])
    assert (event.action, event.contract_no, event.permit_no, event.production_no) == (
        "create",
        "HT-2026-5",
        "430102202601050101",
        "PWXK-430102-0099",
    )


def test_the_new_project_page_shows_the_missing_permit_next_to_its_field(client, db, unit, signed_in):
    investor = make_investor(db)
    browser = signed_in(make_user(db, unit))
    data = {
        "investor_id": investor.id,
        "name": "新建即开工的项目",
        "stage": "started",
        "stage_date": days_ago(3).isoformat(),
        "kind": "new",
        "sector": "secondary",
        "category": "industrial",
        "prereview": "pending",
        "contract_no": "HT-88",
    }
    before = project_count(db)

    refused = post_form(browser, "/projects/new", data)

    assert refused.status_code == 422
    assert 'id="f-permit_no"' in refused.text and 'aria-invalid="true"' in refused.text
    assert "进入“开工”须填写施工许可证号" in refused.text
    assert 'value="HT-88"' in refused.text  # what was typed stays
    assert project_count(db) == before


# --- the stage form: a skip checks every stage it passes --------------------------------------------


def test_the_stage_form_refuses_a_skip_from_signing_to_production_without_the_start_evidence(
    client, db, unit, signed_in
):
    p = make_project(db, unit, stage=Stage.signed, reached=days_ago(200), contract_investment=Decimal(3000))
    browser = signed_in(make_user(db, unit))
    data = {
        "version": p.version,
        "action": "forward",
        "to_stage": "production",
        "happened_on": TODAY.isoformat(),
        "production_no": "PWXK-2026-001",
    }

    refused = post_form(browser, f"/projects/{p.id}/stage", data)

    assert refused.status_code == 422
    assert "进入“开工”须填写施工许可证号，或上传带日期的现场照片" in refused.text
    stored = project(db, p.id)
    assert stored.stage is Stage.signed and stored.started_on is None and stored.production_on is None
    assert stage_events(db, p.id) == []

    with_permit = post_form(browser, f"/projects/{p.id}/stage", {**data, "permit_no": "430102202601050101"})
    assert with_permit.status_code == 303, with_permit.text[:500]
    assert project(db, p.id).stage is Stage.production


def test_the_api_refuses_a_skip_to_production_without_its_evidence(client, db, unit, headers):
    p = make_project(db, unit, stage=Stage.started, reached=days_ago(100), contract_investment=Decimal(3000))
    db.commit()

    refused = api_stage(client, headers, p.id, to_stage="full_capacity", happened_on=TODAY.isoformat())

    assert refused.status_code == 422 and set(fields(refused)) == {"production_no"}
    assert project(db, p.id).stage is Stage.started


# --- the ledger import -----------------------------------------------------------------------------


def test_the_import_reports_the_missing_evidence_at_its_row_and_column(client, db, unit):
    secret = make_token(db, unit)
    gate_departments(db)
    db.commit()
    before = project_count(db)
    rows = [
        {"项目名称": "洽谈中的项目", "客商名称": "某某洽谈有限公司"},
        {
            "项目名称": "台账里已投产的项目",
            "客商名称": "某某投产有限公司",
            "当前阶段": "投产",
            "签约日期": "2024-03-01",
            "开工日期": "2024-06-01",
            "投产日期": "2025-06-01",
            "合同投资额（万元）": 6000,
            "合同编号": "HT-2024-003",
            "施工许可证号": "430102202406010101",
            "投产证明编号": "",
            **GATE,
        },
    ]

    refused = upload_api(client, secret, workbook(rows))

    assert refused.status_code == 422, refused.text
    [error] = refused.json()["details"]
    assert (error["row"], error["column"]) == (3, "投产证明编号")
    assert error["cell"].endswith("3") and "进入“投产”须填写投产证明编号" in error["message"]
    assert project_count(db) == before

    no_column = upload_api(client, secret, workbook([{k: v for k, v in rows[1].items() if k != "投产证明编号"}]))
    assert no_column.status_code == 422
    assert [(e["row"], e["column"], e["cell"]) for e in no_column.json()["details"]] == [(2, "投产证明编号", "")]

    rows[1]["投产证明编号"] = "PWXK-2025-0601"
    assert upload_api(client, secret, workbook(rows)).status_code == 201
    assert project_count(db) == before + 2


# --- anomaly flags -----------------------------------------------------------------------------------


def test_several_stages_in_one_day_raise_a_flag_the_coordinator_finds(client, db, unit, headers, signed_in):
    p = make_project(db, unit, stage=Stage.signed, reached=days_ago(60), contract_investment=Decimal(2000))
    calm = make_project(db, unit, stage=Stage.signed, reached=days_ago(60), contract_investment=Decimal(2000))
    coordinator = make_user(db, make_unit(db), Role.coordinator)
    db.commit()

    moved = api_stage(client, headers, p.id, to_stage="completed", permit_no="430102202601050101")
    one_stage = api_stage(client, headers, calm.id, to_stage="landed")

    assert moved.status_code == 200 and one_stage.status_code == 200
    [flag] = anomalies(db, p.id)
    assert flag.kind is AnomalyKind.stages_one_day and flag.cleared_at is None
    assert "落户注册、开工、竣工" in flag.detail
    assert anomalies(db, calm.id) == []
    shown = moved.json()
    assert shown["open_anomalies"] == 1 and shown["anomalies"][0]["kind"] == "stages_one_day"
    listed = client.get("/api/v1/projects", params={"anomaly": "true"}, headers=headers).json()
    assert [item["id"] for item in listed["items"]] == [p.id] and listed["items"][0]["open_anomalies"] == 1

    bureau = signed_in(coordinator)
    page = bureau.get("/projects", params={"anomaly": "1"})
    assert (
        page.status_code == 200 and f'id="project-{p.id}"' in page.text and f'id="project-{calm.id}"' not in page.text
    )
    assert "异常 1" in page.text
    detail = bureau.get(f"/projects/{p.id}")
    assert "一天内推进多个阶段" in detail.text and f'action="/projects/{p.id}/anomalies/{flag.id}/clear"' in detail.text


def test_production_with_no_contract_investment_is_flagged_not_refused(client, db, unit, headers):
    p = make_project(db, unit, stage=Stage.completed, reached=days_ago(90))
    db.commit()

    moved = api_stage(client, headers, p.id, to_stage="production", production_no="首笔销售发票 No.04411")

    assert moved.status_code == 200, moved.text
    assert project(db, p.id).stage is Stage.production
    assert [a.kind for a in anomalies(db, p.id)] == [AnomalyKind.production_zero_contract]


def test_an_implausible_permit_number_is_flagged(client, db, unit, headers):
    odd = make_project(db, unit, stage=Stage.landed, reached=days_ago(30), contract_investment=Decimal(900))
    fine = make_project(db, unit, stage=Stage.landed, reached=days_ago(30), contract_investment=Decimal(900))
    db.commit()

    assert api_stage(client, headers, odd.id, to_stage="started", permit_no="12345").status_code == 200
    assert api_stage(client, headers, fine.id, to_stage="started", permit_no="430102202601050101").status_code == 200

    [flag] = anomalies(db, odd.id)
    assert flag.kind is AnomalyKind.permit_format and "12345" in flag.detail
    assert anomalies(db, fine.id) == []


@pytest.mark.parametrize(
    ("number", "plausible"),
    [
        ("430102202601050101", True),  # national: division code + date of issue + serial
        ("4301 0220 2601 0501 01", True),  # spaces are ignored
        ("430100202612001", True),  # older numeric: division code + year + serial
        ("苏建施字〔2012〕045号", True),  # an older document number
        ("(2008)施字第123号", True),
        ("000000000000000000", False),  # no province 00
        ("430102202613450101", False),  # no month 13
        ("430102209901010101", False),  # issued in the future
        ("12345", False),
        ("暂无", False),
        ("合同编号2020", False),  # not a permit's number
    ],
)
def test_the_permit_number_rule(number, plausible):
    assert (permit_problem(number, date(2026, 6, 1)) == "") is plausible, permit_problem(number, date(2026, 6, 1))


def test_a_project_created_at_a_later_stage_in_one_go_is_flagged(client, db, headers):
    investor = make_investor(db)
    db.commit()
    body = {
        "investor_id": investor.id,
        "name": "一次建档到开工的项目",
        "stage": "started",
        "contract_investment": "800",
        "contract_no": "HT-9",
        "permit_no": "施工许可",
        **gate_fields(db),
    }

    created = client.post("/api/v1/projects", json=body, headers=headers)

    assert created.status_code == 201, created.text
    kinds = {a.kind for a in anomalies(db, created.json()["id"])}
    assert kinds == {AnomalyKind.stages_one_day, AnomalyKind.permit_format}
    assert created.json()["open_anomalies"] == 2


# --- clearing ------------------------------------------------------------------------------------------


def test_the_coordinator_clears_a_flag_with_a_reason_that_the_audit_keeps(client, db, unit, headers, signed_in):
    p = make_project(db, unit, stage=Stage.completed, reached=days_ago(90))
    clerk = make_user(db, unit)
    coordinator = make_user(db, make_unit(db), Role.coordinator)
    db.commit()
    assert api_stage(client, headers, p.id, to_stage="production", production_no="PW-1").status_code == 200
    [flag] = anomalies(db, p.id)
    path = f"/projects/{p.id}/anomalies/{flag.id}/clear"

    # a unit's staff and a system's token may not clear it
    assert post_form(signed_in(clerk), path, {"reason": "我们核实过了", "version": flag.version}).status_code == 403
    by_token = client.post(f"/api/v1{path}", json={"reason": "系统核销"}, headers=headers)
    assert by_token.status_code == 403
    bureau = signed_in(coordinator)
    no_reason = post_form(bureau, path, {"reason": " ", "version": flag.version})
    assert no_reason.status_code == 422 and "请说明核查结果" in no_reason.text
    assert anomalies(db, p.id)[0].cleared_at is None

    cleared = post_form(bureau, path, {"reason": "增资项目，合同投资另在原项目登记", "version": flag.version})

    assert cleared.status_code == 303
    [stored] = anomalies(db, p.id)
    assert stored.cleared_at is not None and stored.cleared_by_id == coordinator.id
    assert stored.clear_reason == "增资项目，合同投资另在原项目登记"
    entry = (
        db.execute(
            select(AuditEntry)
            .where(AuditEntry.entity == "project_anomaly", AuditEntry.entity_id == str(flag.id))
            .order_by(AuditEntry.seq.desc())
        )
        .scalars()
        .first()
    )
    assert entry is not None and entry.action == "update" and entry.reason == "增资项目，合同投资另在原项目登记"
    assert entry.actor_user_id == coordinator.id and "cleared_at" in entry.changes
    assert client.get(f"/api/v1/projects/{p.id}", headers=headers).json()["open_anomalies"] == 0
    history = client.get(f"/api/v1/projects/{p.id}/anomalies", headers=headers).json()
    assert [(a["kind"], a["clear_reason"]) for a in history] == [
        ("production_zero_contract", "增资项目，合同投资另在原项目登记")
    ]
    assert post_form(bureau, path, {"reason": "再核销一次", "version": stored.version}).status_code == 422
