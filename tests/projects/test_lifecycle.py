"""A lead becomes a project and runs to production: the life of one project, as the unit and the bureau live it."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

from app.models.project import FundsStatus, Stage
from app.models.user import Role
from app.services import workdays
from tests.factories import bearer, make_token, make_unit, make_user
from tests.projects.factories import make_investor, make_lead, pdf_bytes
from tests.projects.helpers import (
    api_stage,
    audit_entries,
    funds_rows,
    pass_gate,
    post_form,
    project,
    stage_events,
)

TODAY = workdays.today()


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


def test_a_lead_converted_over_the_api_runs_to_production_with_dates_history_band_and_warnings(client, db, signed_in):
    unit = make_unit(db, name="高新区管委会")
    coordinator = make_user(db, role=Role.coordinator)
    headers = bearer(make_token(db, unit))
    db.commit()

    # the unit reports the investor and the lead over the API
    investor = client.post(
        "/api/v1/investors",
        json={"name": "湖南星辰新材料股份有限公司", "investor_type": "listed", "origin_province": "广东省"},
        headers=headers,
    )
    assert investor.status_code == 201, investor.text
    lead = client.post(
        "/api/v1/leads",
        json={
            "channel": "business",
            "investor_id": investor.json()["id"],
            "project_name": "年产5万吨复合材料项目",
            "industry": "新材料",
            "intended_investment": "800",
            "lead_date": days_ago(320).isoformat(),
            "introducer_name": "李乡贤",
        },
        headers=headers,
    )
    assert lead.status_code == 201, lead.text
    lead_id = lead.json()["id"]
    credits_before = client.get(f"/api/v1/leads/{lead_id}/credits", headers=headers).json()

    # conversion keeps the lead, its investor, its introducer and its credit
    body = {
        "lead_id": lead_id,
        "name": "年产5万吨复合材料项目",
        "planned_investment": "800",
        "stage": "negotiating",
        "stage_date": days_ago(300).isoformat(),
    }
    created = client.post("/api/v1/projects", json=body, headers={**headers, "Idempotency-Key": "convert-lead-1"})
    assert created.status_code == 201, created.text
    again = client.post("/api/v1/projects", json=body, headers={**headers, "Idempotency-Key": "convert-lead-1"})
    assert again.json()["id"] == created.json()["id"]  # a retried request makes no second project
    p = created.json()
    pid = p["id"]
    assert p["lead_id"] == lead_id
    assert p["investor_id"] == investor.json()["id"]
    assert p["introducing_unit_id"] == p["responsible_unit_id"] == unit.id
    assert p["stage"] == "negotiating" and p["stage_since"] == days_ago(300).isoformat()
    assert p["size_band"] == "from_500"  # before signing the band follows the planned investment
    assert project(db, pid).introducer_name == "李乡贤"
    twice = client.post("/api/v1/projects", json=body, headers=headers)
    assert twice.status_code == 422 and f"#{pid}" in twice.json()["details"][0]["message"]
    kept = client.get(f"/api/v1/leads/{lead_id}", headers=headers).json()
    assert kept["project_name"] == "年产5万吨复合材料项目" and kept["lead_date"] == days_ago(320).isoformat()
    assert client.get(f"/api/v1/leads/{lead_id}/credits", headers=headers).json() == credits_before
    assert audit_entries(db, "lead", lead_id)[0].action == "create"  # its history is still there

    # intent, then signing; the contract sets the size band
    assert api_stage(client, headers, pid, to_stage="intent", happened_on=days_ago(250).isoformat()).status_code == 200
    pass_gate(db, pid)  # the departments' pre-review passed and the signing approved (app.services.prereview)
    signed = api_stage(
        client, headers, pid, to_stage="signed", happened_on=days_ago(200).isoformat(), contract_no="QY-HT-2026-031"
    )
    assert signed.status_code == 200, signed.text
    version = client.get(f"/api/v1/projects/{pid}", headers=headers).json()["version"]
    edited = client.patch(
        f"/api/v1/projects/{pid}",
        json={
            "version": version,
            "name": "年产5万吨复合材料项目",
            "planned_investment": "800",
            "contract_investment": "12000",
            "start_by": days_ago(190).isoformat(),
            "land_area_mu": "50",
            "intensity_commitment": "200",
        },
        headers=headers,
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["size_band"] == "from_1yi"
    # start-by has passed and nothing started; and nothing was reported for 200 days
    assert edited.json()["flags"] == ["not_started", "stalled"]

    # construction starts (skipping "landed") only with a permit number or a site photo
    refused = api_stage(client, headers, pid, to_stage="started", happened_on=days_ago(150).isoformat())
    assert refused.status_code == 422
    assert "施工许可证号" in refused.json()["details"][0]["message"]
    started = api_stage(
        client, headers, pid, to_stage="started", happened_on=days_ago(150).isoformat(), permit_no="430100202612001"
    )
    assert started.status_code == 200, started.text
    assert started.json()["flags"] == ["stalled"]  # started, but still no progress report for 150 days
    stored = project(db, pid)
    assert stored.landed_on == stored.started_on == days_ago(150)  # the skipped stage counts as reached that day

    # funds arrived: the voucher is uploaded first, the entry names it; the bureau confirms it on its page
    voucher = client.post(
        f"/api/v1/projects/{pid}/attachments",
        files=[("files", ("回单.pdf", pdf_bytes(), "application/pdf"))],
        headers=headers,
    )
    assert voucher.status_code == 201, voucher.text
    funds = client.post(
        f"/api/v1/projects/{pid}/funds",
        json={
            "arrived_on": days_ago(140).isoformat(),
            "amount": "3000",
            "source": "out_of_province",
            "voucher_no": "HD20260001",
            "attachment_ids": [voucher.json()[0]["id"]],
        },
        headers=headers,
    )
    assert funds.status_code == 201, funds.text
    assert funds.json()["status"] == "pending"
    shown = client.get(f"/api/v1/projects/{pid}", headers=headers).json()
    assert (shown["funds_confirmed"], shown["funds_pending"]) == ("0.00", "3000.00")

    bureau = signed_in(coordinator)
    queue = bureau.get("/funds/pending")
    assert "年产5万吨复合材料项目" in queue.text and "3,000.00" in queue.text
    funds_id = funds.json()["id"]
    version = re.search(rf'action="/funds/{funds_id}/review">.*?name="version" value="(\d+)"', queue.text, re.S)
    assert version
    confirmed = post_form(
        bureau,
        f"/funds/{funds.json()['id']}/review",
        {"version": version.group(1), "decision": "confirm", "vouchers_checked": "true"},
    )
    assert confirmed.status_code == 303, confirmed.text[:500]
    shown = client.get(f"/api/v1/projects/{pid}", headers=headers).json()
    assert (shown["funds_confirmed"], shown["funds_pending"]) == ("3000.00", "0.00")
    [row] = funds_rows(db, pid)
    assert row.status is FundsStatus.confirmed and row.reviewed_by_id == coordinator.id

    # progress updates move it to completed, then production
    first = client.post(
        f"/api/v1/projects/{pid}/progress",
        json={
            "reported_on": days_ago(60).isoformat(),
            "investment_completed": "4000",
            "built": "厂房主体封顶",
            "stage": "completed",
        },
        headers=headers,
    )
    assert first.status_code == 201, first.text
    shown = client.get(f"/api/v1/projects/{pid}", headers=headers).json()
    assert shown["stage"] == "completed" and shown["completed_on"] == days_ago(60).isoformat()
    assert shown["flags"] == ["below_intensity"]  # 4000 万 on 50 亩 is below the 200 万/亩 promised

    second = client.post(
        f"/api/v1/projects/{pid}/progress",
        json={"reported_on": days_ago(10).isoformat(), "investment_completed": "11000", "built": "生产线调试完成"},
        headers=headers,
    )
    assert second.status_code == 201
    production = api_stage(
        client, headers, pid, to_stage="production", happened_on=days_ago(5).isoformat(), production_no="PWXK-2026-88"
    )
    assert production.status_code == 200, production.text
    final = production.json()
    assert final["stage"] == "production" and final["production_on"] == days_ago(5).isoformat()
    assert final["investment_completed"] == "11000.00" and final["last_progress_on"] == days_ago(10).isoformat()
    assert final["flags"] == []

    # every stage has its date, and the history says who moved it, when, with what evidence
    stored = project(db, pid)
    assert [stored.negotiating_on, stored.intent_on, stored.signed_on, stored.landed_on, stored.started_on] == [
        days_ago(300),
        days_ago(250),
        days_ago(200),
        days_ago(150),
        days_ago(150),
    ]
    assert (stored.completed_on, stored.production_on, stored.full_capacity_on) == (days_ago(60), days_ago(5), None)
    events = stage_events(db, pid)
    assert [(e.action, e.from_stage, e.to_stage, e.happened_on) for e in events] == [
        ("create", None, Stage.negotiating, days_ago(300)),
        ("forward", Stage.negotiating, Stage.intent, days_ago(250)),
        ("forward", Stage.intent, Stage.signed, days_ago(200)),
        ("forward", Stage.signed, Stage.started, days_ago(150)),
        ("forward", Stage.started, Stage.completed, days_ago(60)),
        ("forward", Stage.completed, Stage.production, days_ago(5)),
    ]
    assert events[3].permit_no == "430100202612001"
    trail = audit_entries(db, "project", pid)
    assert trail[0].action == "create" and trail[0].actor_label.startswith("令牌:")
    contract_changes = [
        [Decimal(v) for v in e.changes["contract_investment"]] for e in trail[1:] if "contract_investment" in e.changes
    ]
    assert contract_changes == [[Decimal(0), Decimal(12000)]]
    assert any(e.changes.get("stage") == ["completed", "production"] for e in trail)
    reviewed = audit_entries(db, "funds_arrival", row.id)
    assert reviewed[-1].actor_user_id == coordinator.id and reviewed[-1].changes["status"] == ["pending", "confirmed"]

    # the unit sees it all on the project page
    clerk = signed_in(make_user(db, unit))
    page = clerk.get(f"/projects/{pid}")
    assert page.status_code == 200
    for text in ("投产", "厂房主体封顶", "许可证 430100202612001", "已确认", "1亿–10亿", "合同投资额（万元）"):
        assert text in page.text, text


def test_a_clerk_converts_a_lead_on_the_page_and_the_form_starts_from_the_lead(client, db):
    unit = make_unit(db)
    clerk = make_user(db, unit)
    investor = make_investor(db, name="江西绿源食品有限公司")
    lead = make_lead(db, unit, investor, project_name="绿色食品加工基地", intended_investment=Decimal(6000))
    db.commit()
    from tests.conftest import login
    from tests.factories import PASSWORD

    login(client, clerk.username, PASSWORD)

    form = client.get(f"/projects/new?lead_id={lead.id}")
    assert form.status_code == 200
    assert "线索转为项目" in form.text and 'value="绿色食品加工基地"' in form.text
    assert f'name="lead_id" value="{lead.id}"' in form.text

    saved = post_form(
        client,
        "/projects/new",
        {
            "lead_id": lead.id,
            "name": "绿色食品加工基地",
            "kind": "new",
            "stage": "intent",
            "stage_date": days_ago(3).isoformat(),
            "planned_investment": "6000",
            "sector": "primary",
            "category": "agriculture",
            "prereview": "pending",
        },
    )
    assert saved.status_code == 303, saved.text[:800]
    pid = int(saved.headers["location"].rsplit("/", 1)[1])
    stored = project(db, pid)
    assert (stored.lead_id, stored.investor_id, stored.introducing_unit_id) == (lead.id, investor.id, unit.id)
    assert stored.stage is Stage.intent and stored.intent_on == days_ago(3)
    assert stored.size_band.value == "from_5000"
    page = client.get(f"/projects/{pid}")
    assert "江西绿源食品有限公司" in page.text and f"/leads/{lead.id}" in page.text


def test_the_api_pages_filters_and_edits_only_the_fields_sent(client, db):
    unit = make_unit(db)
    headers = bearer(make_token(db, unit))
    from tests.projects.factories import make_project

    big = make_project(
        db,
        unit,
        stage=Stage.signed,
        name="年产十万吨饲料项目",
        contract_investment=Decimal(12000),
        start_by=days_ago(-30),
        land_area_mu=Decimal(80),
        jobs=120,
    )
    for n in range(3):
        make_project(db, unit, stage=Stage.intent, name=f"小型商贸项目{n}", planned_investment=Decimal(400))
    db.commit()

    assert client.get("/api/v1/projects?limit=201", headers=headers).status_code == 422
    page = client.get("/api/v1/projects", params={"limit": 2, "offset": 2, "sort": "name"}, headers=headers).json()
    assert (page["total"], len(page["items"]), page["limit"], page["offset"]) == (4, 2, 2, 2)
    by_band = client.get("/api/v1/projects", params={"size_band": "from_1yi"}, headers=headers).json()
    assert [i["id"] for i in by_band["items"]] == [big.id]
    by_part = client.get("/api/v1/projects", params={"q": "十万吨"}, headers=headers).json()  # any part of the name
    assert [i["id"] for i in by_part["items"]] == [big.id]
    by_stage = client.get("/api/v1/projects", params={"stage": "intent"}, headers=headers).json()
    assert by_stage["total"] == 3

    edited = client.patch(f"/api/v1/projects/{big.id}", json={"version": big.version, "jobs": 150}, headers=headers)

    assert edited.status_code == 200, edited.text
    stored = project(db, big.id)
    assert stored.jobs == 150
    assert (stored.name, stored.contract_investment, stored.land_area_mu, stored.start_by) == (
        "年产十万吨饲料项目",
        Decimal(12000),
        Decimal(80),
        days_ago(-30),
    )  # what was not sent is kept
    assert edited.json()["size_band"] == "from_1yi"
    contradiction = client.patch(
        f"/api/v1/projects/{big.id}",
        json={"version": stored.version, "production_by": days_ago(-10).isoformat()},  # before the start-by date
        headers=headers,
    )
    assert contradiction.status_code == 422 and "约定投产日期不能早于约定开工日期" in contradiction.text

    key = {**headers, "Idempotency-Key": "pause-once"}
    body = {"version": stored.version, "action": "pause", "reason": "等待环评批复"}
    first = client.post(f"/api/v1/projects/{big.id}/stage", json=body, headers=key)
    retry = client.post(f"/api/v1/projects/{big.id}/stage", json=body, headers=key)
    assert first.status_code == retry.status_code == 200
    assert retry.headers.get("idempotent-replayed") == "true"
    assert [e.action for e in stage_events(db, big.id)] == ["pause"]
