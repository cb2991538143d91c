"""The gate before 正式签约: pre-review by the departments the coordinator names, the signing approval by
level (computed from the project's figures, worked by hand here), the override of a veto (一事一议), on
every path a project reaches 正式签约 by; a refusal changes nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.models.audit import AuditEntry
from app.models.prereview import (
    OpinionVerdict,
    PrereviewDepartment,
    PrereviewOpinion,
    PrereviewOverride,
    SigningApproval,
)
from app.models.project import ApprovalLevel, Category, PrereviewResult, Project, Stage
from app.models.unit import UnitKind
from app.models.user import Role
from app.principal import Principal
from app.scopes import TokenRole
from app.services import app_settings, prereview, workdays
from app.services.prereview import Figures, SigningRules, required_level
from tests.factories import bearer, make_token, make_unit, make_user
from tests.projects.factories import make_investor, make_project
from tests.projects.helpers import api_stage, gate_fields, post_form, project, stage_events
from tests.projects.test_import import upload_api, workbook

TODAY = workdays.today()
RULES = SigningRules(Decimal(300), Decimal("1.0"), Decimal(20), True)


def fields(response) -> dict[str, str]:
    return {d["field"]: d["message"] for d in response.json()["details"]}


# --- the level, worked by hand ----------------------------------------------------------------------
# floors 300 万元/亩 and 1.0, tolerance 20 %: the leadership group from 240 万元/亩 and 0.8 (300 × 0.8,
# 1.0 × 0.8), case by case below those


@pytest.mark.parametrize(
    ("intensity", "ratio", "land", "concessions", "level"),
    [
        ("300", "1.0", "50", False, ApprovalLevel.within_policy),  # both at the floors
        ("450", "1.6", "50", False, ApprovalLevel.within_policy),
        ("260", "1.2", "50", False, ApprovalLevel.leadership_group),  # 260 ≥ 240
        ("240", "1.2", "50", False, ApprovalLevel.leadership_group),  # exactly 300 × (1 − 20 %)
        ("239.99", "1.2", "50", False, ApprovalLevel.case_by_case),
        ("320", "0.85", "50", False, ApprovalLevel.leadership_group),  # 0.85 ≥ 0.8
        ("320", "0.79", "50", False, ApprovalLevel.case_by_case),
        ("260", "0.5", "50", False, ApprovalLevel.case_by_case),  # the highest count wins
        (None, "1.2", "50", False, ApprovalLevel.leadership_group),  # land used, intensity not given
        (None, None, None, False, ApprovalLevel.within_policy),  # no land: not judged on the figures
        ("400", "1.5", "50", True, ApprovalLevel.case_by_case),  # concessions asked
    ],
)
def test_the_level_follows_the_figures(intensity, ratio, land, concessions, level):
    figures = Figures(
        Decimal(intensity) if intensity else None,
        Decimal(ratio) if ratio else None,
        Decimal(land) if land else None,
        concessions,
    )
    assert required_level(RULES, figures)[0] is level


def test_the_level_says_why():
    level, reasons = required_level(RULES, Figures(Decimal(260), Decimal("1.2"), Decimal(80)))
    assert level is ApprovalLevel.leadership_group
    assert reasons == ["承诺投资强度 260 万元/亩低于标准 300 万元/亩，在 20% 以内，须领导小组研究"]
    level, reasons = required_level(RULES, Figures(Decimal(200), Decimal("1.2"), Decimal(80)))
    assert reasons == ["承诺投资强度 200 万元/亩低于标准 300 万元/亩超过 20%，须一事一议"]


def test_a_floor_of_zero_and_the_concession_rule_turned_off_judge_nothing():
    rules = SigningRules(Decimal(0), Decimal(0), Decimal(20), False)
    assert required_level(rules, Figures(Decimal(10), Decimal("0.1"), Decimal(80), True))[0] is (
        ApprovalLevel.within_policy
    )


def test_the_rules_come_from_the_coordinators_settings(db):
    principal = Principal(role=Role.coordinator, unit_id=None, label="测试招商局", user_id=None)
    assert prereview.signing_rules(db).intensity_floor == Decimal(300)
    app_settings.save(db, principal, [app_settings.Change(prereview.INTENSITY_KEY, "250")])
    assert prereview.signing_rules(db).intensity_floor == Decimal(250)


# --- fixtures -----------------------------------------------------------------------------------------


@pytest.fixture
def unit(db):
    return make_unit(db)


@pytest.fixture
def departments(db):
    """Two departments pre-review industrial projects: environment and natural resources."""
    env = make_unit(db, name="市生态环境局县分局", kind=UnitKind.department)
    land = make_unit(db, name="县自然资源局", kind=UnitKind.department)
    db.add_all(PrereviewDepartment(category=Category.industrial, unit_id=u.id) for u in (env, land))
    db.flush()
    db.commit()
    return env, land


@pytest.fixture
def headers(db, unit):
    return bearer(make_token(db, unit))


def intent_project(db, unit, **overrides):
    values = {
        "contract_investment": Decimal(8000),
        "land_area_mu": Decimal(50),
        "intensity_commitment": Decimal(260),
        "plot_ratio": Decimal("1.2"),
        **overrides,
    }
    return make_project(db, unit, stage=Stage.intent, reached=TODAY - timedelta(days=30), **values)


def opinion(client, headers, project_id, unit_id, verdict="passed", **extra):
    body = {"unit_id": unit_id, "verdict": verdict, **extra}
    return client.post(f"/api/v1/projects/{project_id}/prereview/opinions", json=body, headers=headers)


def approval(client, headers, project_id, level="leadership_group", **extra):
    body = {
        "level": level,
        "approved_by": "县招商引资工作领导小组",
        "approved_on": (TODAY - timedelta(days=1)).isoformat(),
        "document_no": "领导小组会议纪要〔2026〕9 号",
        **extra,
    }
    return client.post(f"/api/v1/projects/{project_id}/signing-approval", json=body, headers=headers)


SIGN = {"action": "forward", "to_stage": "signed", "contract_no": "HT-2026-77"}


# --- the API's stage move -----------------------------------------------------------------------------


def test_signing_needs_every_department_and_the_approval_at_the_computed_level(client, db, unit, departments):
    env, land = departments
    coordinator = bearer(make_token(db, make_unit(db, kind=UnitKind.jurisdiction), role=TokenRole.coordinator))
    staff = bearer(make_token(db, unit))
    p = intent_project(db, unit)
    db.commit()
    version = p.version

    refused = api_stage(client, staff, p.id, **SIGN)
    assert refused.status_code == 422, refused.text
    errors = fields(refused)
    assert errors["prereview"] == "项目预审未通过：须各预审部门均同意后方可签约"
    assert errors["approval_level"].startswith("须先登记签约审批：本项目须报领导小组研究")
    stored = project(db, p.id)
    assert (stored.stage, stored.signed_on, stored.version) == (Stage.intent, None, version)
    assert stage_events(db, p.id) == []

    assert opinion(client, coordinator, p.id, env.id).status_code == 200
    assert project(db, p.id).prereview is PrereviewResult.pending  # one of two
    answer = opinion(client, coordinator, p.id, land.id)
    assert answer.status_code == 200 and answer.json()["prereview"] == "passed"

    gate = client.get(f"/api/v1/projects/{p.id}/prereview", headers=staff).json()
    assert gate["required_level"] == "leadership_group" and gate["may_sign"] is False

    too_low = approval(client, staff, p.id, level="within_policy")
    assert too_low.status_code == 422
    assert fields(too_low)["level"].startswith("审批层级不足：本项目须报领导小组研究")
    assert approval(client, staff, p.id).status_code == 200

    signed = api_stage(client, staff, p.id, **SIGN)
    assert signed.status_code == 200, signed.text
    stored = project(db, p.id)
    assert stored.stage is Stage.signed and stored.approval_level is ApprovalLevel.leadership_group
    row = db.execute(select(SigningApproval).where(SigningApproval.project_id == p.id)).scalar_one()
    assert (row.level, row.required_level, row.approved_by) == (
        ApprovalLevel.leadership_group,
        ApprovalLevel.leadership_group,
        "县招商引资工作领导小组",
    )


def test_an_environmental_veto_stops_signing_until_the_coordinator_records_an_override(client, db, unit, departments):
    env, land = departments
    hq = make_unit(db, kind=UnitKind.jurisdiction)
    coordinator = bearer(make_token(db, hq, role=TokenRole.coordinator))
    staff = bearer(make_token(db, unit))
    env_staff = bearer(make_token(db, env))
    p = intent_project(db, unit, intensity_commitment=Decimal(400))
    db.commit()

    no_reason = opinion(client, env_staff, p.id, env.id, "vetoed", note="环评不过关")
    assert no_reason.status_code == 422
    vetoed = opinion(client, env_staff, p.id, env.id, "vetoed", reason="environment_safety", note="选址在水源保护区")
    assert vetoed.status_code == 200, vetoed.text
    assert opinion(client, coordinator, p.id, land.id).status_code == 200
    stored = project(db, p.id)
    assert stored.prereview is PrereviewResult.rejected and stored.prereview_reason.value == "environment_safety"
    [row] = db.execute(select(PrereviewOpinion).where(PrereviewOpinion.unit_id == env.id)).scalars()
    assert row.given_on == TODAY and row.verdict is OpinionVerdict.vetoed
    assert approval(client, staff, p.id, level="within_policy").status_code == 200

    refused = api_stage(client, staff, p.id, **SIGN)
    assert refused.status_code == 422
    assert fields(refused)["prereview"].startswith("预审否决（环评、安评不达标）")
    assert project(db, p.id).stage is Stage.intent

    override = {
        "decided_by": "张某某",
        "decided_title": "县委书记",
        "decided_on": TODAY.isoformat(),
        "document": "县委常委会会议纪要〔2026〕18 号",
        "reason": "改用新工艺，排放达标",
    }
    assert client.post(f"/api/v1/projects/{p.id}/prereview/override", json=override, headers=staff).status_code == 403
    tomorrow = {**override, "decided_on": (TODAY + timedelta(days=1)).isoformat()}
    late = client.post(f"/api/v1/projects/{p.id}/prereview/override", json=tomorrow, headers=coordinator)
    assert late.status_code == 422 and "decided_on" in fields(late)
    assert db.execute(select(func.count()).select_from(PrereviewOverride)).scalar_one() == 0
    done = client.post(f"/api/v1/projects/{p.id}/prereview/override", json=override, headers=coordinator)
    assert done.status_code == 200, done.text
    assert done.json()["override"]["decided_title"] == "县委书记"

    assert api_stage(client, staff, p.id, **SIGN).status_code == 200
    assert project(db, p.id).stage is Stage.signed
    entries = db.execute(select(AuditEntry).where(AuditEntry.entity == "prereview_override")).scalars().all()
    assert len(entries) == 1


def test_only_a_named_department_gives_its_own_opinion(client, db, unit, departments):
    env, land = departments
    other = make_unit(db, kind=UnitKind.department)
    p = intent_project(db, unit)
    db.commit()
    outsider = opinion(client, bearer(make_token(db, other)), p.id, other.id)
    assert outsider.status_code == 404  # it neither reads the project nor reviews its category
    for_another = opinion(client, bearer(make_token(db, env)), p.id, land.id)
    assert for_another.status_code == 403
    assert db.execute(select(func.count()).select_from(PrereviewOpinion)).scalar_one() == 0
    mine = opinion(client, bearer(make_token(db, env)), p.id, None)
    assert mine.status_code == 200 and mine.json()["departments"][0]["verdict"] == "passed"


def test_the_update_no_longer_lets_a_user_type_passed(client, db, unit, departments):
    staff = bearer(make_token(db, unit))
    p = intent_project(db, unit)
    db.commit()
    body = {"version": p.version, "prereview": "passed"}
    refused = client.patch(f"/api/v1/projects/{p.id}", json=body, headers=staff)
    assert refused.status_code == 422, refused.text
    assert "预审结果由各预审部门的意见得出" in fields(refused)["prereview"]
    level = client.patch(
        f"/api/v1/projects/{p.id}", json={"version": p.version, "approval_level": "within_policy"}, headers=staff
    )
    assert level.status_code == 422 and "approval_level" in fields(level)
    assert project(db, p.id).prereview is PrereviewResult.pending
    same = client.patch(f"/api/v1/projects/{p.id}", json={"version": p.version, "prereview": "pending"}, headers=staff)
    assert same.status_code == 200, same.text


# --- a progress update that moves the stage --------------------------------------------------------


def test_a_progress_update_cannot_sign_past_the_gate(client, db, unit, departments):
    staff = bearer(make_token(db, unit))
    p = intent_project(db, unit)
    db.commit()
    body = {"reported_on": TODAY.isoformat(), "stage": "signed", "investment_completed": "0", "built": "签约仪式"}
    refused = client.post(f"/api/v1/projects/{p.id}/progress", json=body, headers=staff)
    assert refused.status_code == 422, refused.text
    assert "项目预审未通过" in fields(refused)["stage"]
    assert project(db, p.id).stage is Stage.intent


# --- the stage form, with and without htmx ----------------------------------------------------------


@pytest.mark.parametrize("htmx", [False, True])
def test_the_stage_form_shows_the_gates_reason(client, db, unit, departments, signed_in, htmx):
    env, _ = departments
    p = intent_project(db, unit)
    db.add(PrereviewOpinion(project_id=p.id, unit_id=env.id, verdict=OpinionVerdict.vetoed,
                            reason="environment_safety", note="环评不过关", given_on=TODAY))  # fmt: skip
    db.flush()
    prereview.recompute(db, p)
    db.commit()
    browser = signed_in(make_user(db, unit))
    if htmx:
        browser.headers["HX-Request"] = "true"
    data = {"version": project(db, p.id).version, **SIGN, "happened_on": TODAY.isoformat()}
    refused = post_form(browser, f"/projects/{p.id}/stage", data)
    assert refused.status_code == 422
    assert 'id="e-prereview"' in refused.text and "预审否决（环评、安评不达标）" in refused.text
    assert 'id="e-approval_level"' in refused.text
    assert 'value="HT-2026-77"' in refused.text
    assert project(db, p.id).stage is Stage.intent and stage_events(db, p.id) == []


# --- creation at a later stage: page, API, import --------------------------------------------------


def test_the_api_creates_a_signed_project_only_with_the_prereview_and_the_approval(client, db, unit, departments):
    staff = bearer(make_token(db, unit))
    investor = make_investor(db)
    db.commit()
    before = db.execute(select(func.count()).select_from(Project)).scalar_one()
    body = {
        "investor_id": investor.id,
        "name": "新建即签约的项目",
        "stage": "signed",
        "contract_no": "HT-2026-9",
        "land_area_mu": "80",
        "intensity_commitment": "260",
        "plot_ratio": "1.2",
    }
    refused = client.post("/api/v1/projects", json=body, headers=staff)
    assert refused.status_code == 422
    assert set(fields(refused)) >= {"prereview", "approval_level", "approved_by", "approved_on", "approval_document_no"}
    low = {**body, **gate_fields(db), "approval_level": "within_policy"}
    refused = client.post("/api/v1/projects", json=low, headers=staff)
    assert fields(refused)["approval_level"].startswith("审批层级不足：本项目须报领导小组研究")
    assert db.execute(select(func.count()).select_from(Project)).scalar_one() == before

    created = client.post("/api/v1/projects", json={**low, "approval_level": "leadership_group"}, headers=staff)
    assert created.status_code == 201, created.text
    pid = created.json()["id"]
    stored = project(db, pid)
    assert stored.prereview is PrereviewResult.passed and stored.approval_level is ApprovalLevel.leadership_group
    opinions = db.execute(select(PrereviewOpinion).where(PrereviewOpinion.project_id == pid)).scalars().all()
    assert {o.unit_id for o in opinions} == {d.id for d in departments}
    assert all(o.note == prereview.CREATION_NOTE for o in opinions)
    row = db.execute(select(SigningApproval).where(SigningApproval.project_id == pid)).scalar_one()
    assert row.document_no == "测试会议纪要〔2026〕1 号"


def test_a_project_before_signing_is_created_without_a_prereview_result(client, db, unit, departments):
    staff = bearer(make_token(db, unit))
    investor = make_investor(db)
    db.commit()
    body = {"investor_id": investor.id, "name": "洽谈中的项目", "stage": "negotiating", "prereview": "passed"}
    refused = client.post("/api/v1/projects", json=body, headers=staff)
    assert refused.status_code == 422 and "新建时不填" in fields(refused)["prereview"]


@pytest.mark.parametrize("htmx", [False, True])
def test_the_new_project_page_refuses_signing_without_the_gate(client, db, unit, departments, signed_in, htmx):
    investor = make_investor(db)
    browser = signed_in(make_user(db, unit))
    if htmx:
        browser.headers["HX-Request"] = "true"
    data = {
        "investor_id": investor.id,
        "name": "新建即签约的项目",
        "stage": "signed",
        "stage_date": TODAY.isoformat(),
        "kind": "new",
        "sector": "secondary",
        "category": "industrial",
        "prereview": "pending",
        "contract_no": "HT-2026-10",
    }
    before = db.execute(select(func.count()).select_from(Project)).scalar_one()
    refused = post_form(browser, "/projects/new", data)
    assert refused.status_code == 422
    assert 'id="e-prereview"' in refused.text and "新建在正式签约及以后的项目须预审通过" in refused.text
    assert 'id="e-approved_by"' in refused.text
    assert 'value="HT-2026-10"' in refused.text
    assert db.execute(select(func.count()).select_from(Project)).scalar_one() == before

    created = post_form(browser, "/projects/new", {**data, **gate_fields(db)})
    assert created.status_code in (200, 303), created.text[:400]


def test_the_import_needs_the_prereview_and_the_approval_of_a_signed_row(client, db, unit, departments):
    token_secret = make_token(db, unit)
    db.commit()
    row = {
        "项目名称": "年产 5 万吨新材料项目",
        "客商名称": "湖南某某新材料有限公司",
        "当前阶段": "正式签约",
        "签约日期": (TODAY - timedelta(days=10)).isoformat(),
        "合同编号": "HT-2026-31",
        "用地面积（亩）": "80",
        "投资强度（万元/亩）": "350",
        "容积率": "1.2",
    }
    refused = upload_api(client, token_secret, workbook([row]))
    assert refused.status_code == 422, refused.text
    text = refused.text
    assert "须预审通过" in text and "签约审批" in text
    assert db.execute(select(func.count()).select_from(Project)).scalar_one() == 0

    gate = {
        "项目预审": "预审通过",
        "签约审批层级": "县委县政府主要领导同意",
        "签约审批人": "县委县政府主要领导",
        "签约审批日期": (TODAY - timedelta(days=12)).isoformat(),
        "签约审批文号": "县政府常务会议纪要〔2026〕5 号",
    }
    done = upload_api(client, token_secret, workbook([{**row, **gate}]))
    assert done.status_code in (200, 201), done.text
    [pid] = done.json()["project_ids"]
    stored = project(db, pid)
    assert stored.prereview is PrereviewResult.passed and stored.approval_level is ApprovalLevel.within_policy
    assert db.execute(select(SigningApproval.document_no).where(SigningApproval.project_id == pid)).scalar_one() == (
        "县政府常务会议纪要〔2026〕5 号"
    )


# --- the coordinator's departments ---------------------------------------------------------------------


def test_the_coordinator_names_departments_and_a_town_cannot_be_one(client, db):
    hq = make_unit(db, kind=UnitKind.jurisdiction)
    coordinator = bearer(make_token(db, hq, role=TokenRole.coordinator))
    dept = make_unit(db, name="县发展和改革局", kind=UnitKind.department)
    town = make_unit(db, kind=UnitKind.town)
    db.commit()
    town_refused = client.put(
        "/api/v1/prereview-departments", json={"category": "agriculture", "unit_ids": [town.id]}, headers=coordinator
    )
    assert town_refused.status_code == 422 and "不是部门或园区" in fields(town_refused)["unit_ids"]
    staff = bearer(make_token(db, dept))
    body = {"category": "agriculture", "unit_ids": [dept.id]}
    assert client.put("/api/v1/prereview-departments", json=body, headers=staff).status_code == 403
    done = client.put("/api/v1/prereview-departments", json=body, headers=coordinator)
    assert done.status_code == 200
    agriculture = next(r for r in done.json() if r["category"] == "agriculture")
    assert agriculture["departments"] == [{"unit_id": dept.id, "name": "县发展和改革局"}]


def test_an_approval_level_typed_before_signing_is_refused_at_creation(client, db, unit, departments):
    staff = bearer(make_token(db, unit))
    investor = make_investor(db)
    db.commit()
    body = {"investor_id": investor.id, "name": "意向阶段的项目", "stage": "intent", "approval_level": "within_policy"}
    refused = client.post("/api/v1/projects", json=body, headers=staff)
    assert refused.status_code == 422 and "新建时不填" in fields(refused)["approval_level"]


def test_another_category_means_other_departments_and_a_result_derived_again(client, db, unit, departments):
    env, land = departments
    farm = make_unit(db, name="县农业农村局", kind=UnitKind.department)
    db.add(PrereviewDepartment(category=Category.agriculture, unit_id=farm.id))
    coordinator = bearer(make_token(db, make_unit(db, kind=UnitKind.jurisdiction), role=TokenRole.coordinator))
    staff = bearer(make_token(db, unit))
    p = intent_project(db, unit)
    db.commit()
    for department in (env, land):
        assert opinion(client, coordinator, p.id, department.id).status_code == 200
    assert project(db, p.id).prereview is PrereviewResult.passed

    moved = client.patch(
        f"/api/v1/projects/{p.id}",
        json={"version": project(db, p.id).version, "category": "agriculture"},
        headers=staff,
    )
    assert moved.status_code == 200, moved.text
    assert project(db, p.id).prereview is PrereviewResult.pending  # 农业农村局 has not given its opinion
    gate = client.get(f"/api/v1/projects/{p.id}/prereview", headers=staff).json()
    assert [d["named"] for d in gate["departments"] if d["unit_id"] == farm.id] == [True]
    assert {d["unit_id"] for d in gate["departments"] if not d["named"]} == {env.id, land.id}
