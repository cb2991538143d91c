"""The coordinator's award decisions over the API, as on the pages: the year's budget, policies and their
versions, a project's agreement and credit, and each step of an award (verify, 公示, objections, approve,
pay with a voucher, reject, claw back, recovered). A coordinator token with the "awards" scope does them
under its own name in the audit trail; one without the scope is refused before any service runs; a
unit's token may not (its role); invalid input is a 422 naming the field; a stale version a 409; a
payment retried with the same Idempotency-Key is made once. SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.models.audit import AuditEntry
from app.models.award import (
    AgreementState,
    Award,
    AwardBudget,
    AwardObjection,
    AwardStatus,
    Clawback,
    IncentiveAgreement,
    IncentivePolicy,
    PolicyKind,
    ProjectCredit,
)
from app.models.project import Project, Stage
from app.models.unit import Unit, UnitKind
from app.models.user import ApiToken, Role
from app.principal import Principal
from app.scopes import TokenRole, area_of
from app.services import awards, workdays
from app.services.security import sha256_hex
from tests.awards.factories import confirmed_funds, make_budget, make_policy, make_registration, principal_of
from tests.factories import bearer, make_token, make_unit, make_user
from tests.projects.factories import make_project
from tests.projects.helpers import fresh

D = Decimal
TODAY = workdays.today()
YEAR = TODAY.year


@dataclass
class World:
    unit: Unit
    bureau_unit: Unit
    bureau: Principal
    project: Project
    policy_id: int
    coordinator: str
    """A coordinator token with read and awards."""
    no_scope: str
    """A coordinator token without awards."""
    staff: str
    """The project's unit's token, with every scope a unit may hold (awards too)."""


@pytest.fixture
def world(db: Session) -> World:
    bureau_unit = make_unit(db, name="县招商局", kind=UnitKind.department, tier=1)
    bureau = principal_of(make_user(db, bureau_unit, Role.coordinator))
    unit = make_unit(db, name="城关镇人民政府", short_name="城关镇")
    project = make_project(
        db, unit, stage=Stage.started, reached=TODAY - timedelta(days=60), contract_investment=D(5000)
    )
    confirmed_funds(db, project, bureau, "3000", TODAY - timedelta(days=40))
    policy = make_policy(
        db, PolicyKind.per_funds, {"yuan_per_10k": "500"}, name="到位资金奖励", recipients=["unit", "staff"]
    )
    make_budget(db, YEAR, 500000)
    world = World(
        unit=unit,
        bureau_unit=bureau_unit,
        bureau=bureau,
        project=project,
        policy_id=policy.id,
        coordinator=make_token(db, bureau_unit, role=TokenRole.coordinator, scopes=("read", "awards")),
        no_scope=make_token(db, bureau_unit, role=TokenRole.coordinator, scopes=("read", "projects", "leads")),
        staff=make_token(db, unit),
    )
    db.commit()
    return world


def token_id(db: Session, secret: str) -> int:
    return db.execute(select(ApiToken.id).where(ApiToken.token_hash == sha256_hex(secret))).scalar_one()


def by_token(db: Session, secret: str, entity: str, action: str | None = None) -> list[AuditEntry]:
    """The audit entries of `entity` written under the token (the API's actor)."""
    db.expire_all()
    query = select(AuditEntry).where(AuditEntry.entity == entity, AuditEntry.actor_token_id == token_id(db, secret))
    if action is not None:
        query = query.where(AuditEntry.action == action)
    return list(db.execute(query.order_by(AuditEntry.seq)).scalars())


def refused_alike(client: TestClient, world: World, method: str, path: str, body: dict[str, Any]) -> None:
    """Without the scope: scope_missing before any service; a unit's token: its role may not."""
    missing = client.request(method, path, json=body, headers=bearer(world.no_scope))
    assert missing.status_code == 403 and missing.json()["code"] == "scope_missing", missing.text
    staff = client.request(method, path, json=body, headers=bearer(world.staff))
    assert staff.status_code == 403 and staff.json()["code"] == "forbidden", staff.text


def field_of(response: Any) -> str:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "validation_error" and any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), body
    return str(body.get("field") or body["details"][0]["field"])


def said(response: Any) -> str:
    """The message beside the field."""
    return str(response.json()["details"][0]["message"])


def test_each_new_write_belongs_to_the_awards_area():
    for method, path in (
        ("PUT", "/api/v1/award-budget/2026"),
        ("POST", "/api/v1/policies"),
        ("POST", "/api/v1/policies/3/versions"),
        ("PUT", "/api/v1/projects/3/agreement"),
        ("PUT", "/api/v1/projects/3/credit"),
        ("POST", "/api/v1/awards/3/steps"),
    ):
        assert area_of(method, path) == "awards", path
    assert area_of("PATCH", "/api/v1/projects/3") == "projects"  # the project itself stays in its area


# --- the year's fund ---------------------------------------------------------------------------


def test_the_bureau_sets_the_years_fund_over_the_api(db, client, world):
    path = f"/api/v1/award-budget/{YEAR}"
    read = client.get(path, headers=bearer(world.coordinator)).json()
    assert (read["total"], read["version"]) == ("500000.00", 1)
    assert client.get(path, headers=bearer(world.staff)).status_code == 403  # the fund is the county's

    body = {"total": "800000", "note": "追加预算（县政府常务会议纪要〔2026〕3号）", "version": read["version"]}
    refused_alike(client, world, "PUT", path, body)
    assert field_of(client.put(path, json=body | {"total": "-1"}, headers=bearer(world.coordinator))) == "total"
    stale = client.put(path, json=body | {"version": 7}, headers=bearer(world.coordinator))
    assert stale.status_code == 409 and stale.json()["code"] == "version_conflict"
    assert fresh(db, AwardBudget, YEAR).total == D(500000)

    saved = client.put(path, json=body, headers=bearer(world.coordinator))

    assert saved.status_code == 200, saved.text
    assert (saved.json()["total"], saved.json()["available"], saved.json()["version"]) == ("800000.00", "800000.00", 2)
    assert fresh(db, AwardBudget, YEAR).total == D(800000)
    [entry] = by_token(db, world.coordinator, "award_budget", "update")
    assert entry.changes["total"] == ["500000.00", "800000.00"]
    # the same decision sent again (the old version) is stale: someone (this client) changed it since
    assert client.put(path, json=body, headers=bearer(world.coordinator)).status_code == 409

    # a year with no fund yet: version 0
    next_year = client.put(
        f"/api/v1/award-budget/{YEAR + 1}", json={"total": "100000", "version": 0}, headers=bearer(world.coordinator)
    )
    assert next_year.status_code == 200 and next_year.json()["version"] == 1
    again = client.put(
        f"/api/v1/award-budget/{YEAR + 1}", json={"total": "200000", "version": 0}, headers=bearer(world.coordinator)
    )
    assert again.status_code == 409


# --- policies ----------------------------------------------------------------------------------


POLICY = {
    "name": "固定资产投资千分比奖励",
    "kind": "per_mille",
    "document_no": "青政发〔2026〕8号",
    "effective_from": "2026-01-01",
    "params": {"bands": [{"from_wan": "5000", "permille": "1.5"}, {"from_wan": 10000, "permille": 2}]},
    "recipients": ["unit", "introducer"],
    "exclusions": ["duty_official"],
    "claim_window_days": 180,
}


def test_the_bureau_creates_a_policy_and_versions_it_over_the_api(db, client, world):
    refused_alike(client, world, "POST", "/api/v1/policies", POLICY)
    bad = POLICY | {"params": {"bands": [{"from_wan": "5000"}]}}
    assert field_of(client.post("/api/v1/policies", json=bad, headers=bearer(world.coordinator))) == "bands"
    assert (
        field_of(client.post("/api/v1/policies", json=POLICY | {"kind": "lottery"}, headers=bearer(world.coordinator)))
        == "kind"
    )
    unknown = POLICY | {"recipients": ["mayor"]}
    assert field_of(client.post("/api/v1/policies", json=unknown, headers=bearer(world.coordinator))).startswith(
        "recipients"
    )

    created = client.post("/api/v1/policies", json=POLICY, headers=bearer(world.coordinator))

    assert created.status_code == 201, created.text
    policy = created.json()
    assert (policy["name"], policy["kind"], policy["document_no"]) == (POLICY["name"], "per_mille", "青政发〔2026〕8号")
    [first] = policy["versions"]
    assert (first["number"], first["effective_from"], first["recipients"]) == (1, "2026-01-01", "unit,introducer")
    assert by_token(db, world.coordinator, "incentive_policy", "create")
    assert by_token(db, world.coordinator, "policy_version", "create")
    taken = client.post("/api/v1/policies", json=POLICY, headers=bearer(world.coordinator))
    assert taken.status_code == 409 and taken.json()["field"] == "name" and "增加新版本" in taken.json()["message"]

    pol = db.get(IncentivePolicy, policy["id"])
    versions = f"/api/v1/policies/{policy['id']}/versions"
    version = {
        "version": pol.version,
        "effective_from": "2026-07-01",
        "params": {"bands": [{"from_wan": "5000", "permille": "2"}]},
        "recipients": ["unit"],
    }
    refused_alike(client, world, "POST", versions, version)
    early = version | {"effective_from": "2025-12-31"}
    assert field_of(client.post(versions, json=early, headers=bearer(world.coordinator))) == "effective_from"
    assert client.post(versions, json=version | {"version": 99}, headers=bearer(world.coordinator)).status_code == 409

    added = client.post(versions, json=version, headers=bearer(world.coordinator))

    assert added.status_code == 201, added.text
    first, second = added.json()["versions"]
    assert (first["effective_to"], second["number"], second["params"]) == (
        "2026-06-30",
        2,
        {"bands": [{"from_wan": "5000", "permille": "2"}]},
    )
    # the policy's version moved on with the new rule version: a client that read it before is stale
    stale = client.post(versions, json=version | {"effective_from": "2026-09-01"}, headers=bearer(world.coordinator))
    assert stale.status_code == 409
    assert (
        client.get(f"/api/v1/policies/{policy['id']}", headers=bearer(world.coordinator)).json()["versions"][1]
        == second
    )


def test_a_rules_numbers_sent_as_json_numbers_are_kept_exactly_never_as_floats(db, client, world):
    """0.1 + 0.2 is not 0.3 in floating point: a per-mille sent as a JSON number is read as a Decimal and
    stored as its text, so the award computed from it is exact."""
    body = POLICY | {"name": "千分比奖励（数字参数）", "params": {"bands": [{"from_wan": 5000, "permille": 0.3}]}}

    created = client.post("/api/v1/policies", json=body, headers=bearer(world.coordinator))

    assert created.status_code == 201, created.text
    [version] = created.json()["versions"]
    assert version["params"] == {"bands": [{"from_wan": 5000, "permille": "0.3"}]}


def test_a_per_funds_policy_takes_its_documented_parameter_over_the_api(db, client, world):
    """The rule's parameter as documented, digits and all: yuan_per_10k (元 per 万元 of confirmed funds)."""
    body = {
        "name": "到位资金奖励（2026 版）",
        "kind": "per_funds",
        "effective_from": "2026-01-01",
        "params": {"yuan_per_10k": "600"},
        "recipients": ["unit"],
    }
    created = client.post("/api/v1/policies", json=body, headers=bearer(world.coordinator))
    assert created.status_code == 201, created.text
    assert created.json()["versions"][0]["params"] == {"yuan_per_10k": "600"}
    shouting = body | {"name": "另一项奖励", "params": {"Yuan_per_10k": "600"}}
    assert field_of(client.post("/api/v1/policies", json=shouting, headers=bearer(world.coordinator))).startswith(
        "params"
    )


# --- the project's agreement and credit --------------------------------------------------------


def test_the_bureau_decides_on_a_projects_agreement_over_the_api(db, client, world):
    path = f"/api/v1/projects/{world.project.id}/agreement"
    shown = client.get(path, headers=bearer(world.staff))
    assert shown.status_code == 200, shown.text
    assert (shown.json()["state"], shown.json()["version"]) == ("performance", 0)  # not yet written: 0

    body = {"state": "default", "reason": "未按合同约定时间开工，经约谈仍未整改", "version": 0}
    refused_alike(client, world, "PUT", path, body)
    wrong = client.put(path, json=body | {"state": "closed"}, headers=bearer(world.coordinator))
    assert field_of(wrong) == "state" and "不能转为" in said(wrong)
    assert field_of(client.put(path, json=body | {"state": "void"}, headers=bearer(world.coordinator))) == "state"
    assert client.put(path, json=body | {"version": 3}, headers=bearer(world.coordinator)).status_code == 409

    moved = client.put(path, json=body, headers=bearer(world.coordinator))

    assert moved.status_code == 200, moved.text
    assert moved.json()["state"] == "default" and moved.json()["note"] == body["reason"]
    row = db.execute(select(IncentiveAgreement).where(IncentiveAgreement.project_id == world.project.id)).scalar_one()
    assert row.state is AgreementState.default
    assert by_token(db, world.coordinator, "incentive_agreement")
    # the first decision wrote the agreement: a client still holding version 0 is stale
    cured = {"state": "performance", "reason": "已整改开工", "version": 0}
    assert client.put(path, json=cured, headers=bearer(world.coordinator)).status_code == 409
    cured["version"] = moved.json()["version"]
    assert client.put(path, json=cured, headers=bearer(world.coordinator)).json()["state"] == "performance"


def test_the_bureau_sets_a_projects_credit_over_the_api(db, client, world):
    path = f"/api/v1/projects/{world.project.id}/credit"
    before = client.get(path, headers=bearer(world.staff))
    assert before.status_code == 200, before.text
    before = before.json()
    assert [(c["party"], c["unit_id"], D(c["share"])) for c in before] == [("unit", world.unit.id, D(100))]

    introducer = make_registration(db, world.project, "王引荐", registered_on=TODAY - timedelta(days=90))
    db.commit()
    version = world.project.version
    body = {
        "version": version,
        "parts": [
            {"party": "unit", "name": "城关镇", "share": "70", "unit_id": world.unit.id},
            {"party": "introducer", "name": "王引荐", "share": "30", "introducer_id": introducer.id},
        ],
    }
    refused_alike(client, world, "PUT", path, body)
    short = {"version": version, "parts": [body["parts"][0] | {"share": "60"}]}
    assert field_of(client.put(path, json=short, headers=bearer(world.coordinator))) == "shares"
    no_unit = {"version": version, "parts": [{"party": "unit", "name": "某单位", "share": "100"}]}
    assert field_of(client.put(path, json=no_unit, headers=bearer(world.coordinator))) == "shares"
    assert field_of(client.put(path, json={"version": version, "parts": []}, headers=bearer(world.coordinator))) == (
        "parts"
    )
    assert field_of(client.put(path, json={"parts": body["parts"]}, headers=bearer(world.coordinator))) == "version"

    saved = client.put(path, json=body, headers=bearer(world.coordinator))

    assert saved.status_code == 200, saved.text
    # the split is the project's: a second writer who read the project before it is told, not overwritten
    stale = client.put(
        path, json=body | {"parts": [body["parts"][0] | {"share": "100"}]}, headers=bearer(world.coordinator)
    )
    assert stale.status_code == 409 and stale.json()["details"]["your_version"] == version
    db.expire_all()
    assert db.get(Project, world.project.id).version == version + 1
    assert [(c["party"], c["name"], c["share"]) for c in saved.json()] == [
        ("unit", "城关镇", "70.00"),
        ("introducer", "王引荐", "30.00"),
    ]
    rows = db.execute(select(ProjectCredit).where(ProjectCredit.project_id == world.project.id)).scalars().all()
    assert sorted(r.share for r in rows) == [D(30), D(70)]
    assert len(by_token(db, world.coordinator, "project_credit", "create")) == 2


def test_a_confidential_projects_introducer_is_not_named_to_those_who_see_only_its_code_name(db, client, world):
    secret = make_project(db, world.unit, name="绝密新能源电池项目", is_confidential=True, code_name="X-7")
    introducer = make_registration(db, secret, "绝密引荐人", registered_on=TODAY - timedelta(days=10))
    reader = make_token(db, None, read_only=True)
    db.commit()
    path = f"/api/v1/projects/{secret.id}/credit"
    part = {"party": "introducer", "name": "绝密引荐人", "share": "100", "introducer_id": introducer.id}
    body = {"version": secret.version, "parts": [part]}
    assert client.put(path, json=body, headers=bearer(world.coordinator)).status_code == 200

    seen = client.get(path, headers=bearer(reader))

    assert seen.status_code == 200 and "绝密引荐人" not in seen.text
    assert seen.json()[0]["share"] == "100.00"
    assert "绝密引荐人" in client.get(path, headers=bearer(world.coordinator)).text
    assert "绝密引荐人" in client.get(path, headers=bearer(world.staff)).text  # its own unit sees it


# --- the steps of an award ---------------------------------------------------------------------


def proposed(db: Session, world: World) -> Award:
    [award] = awards.propose(db, world.bureau, policy_id=world.policy_id, project_id=world.project.id)
    db.commit()
    return award


def steps(client: TestClient, secret: str, award_id: int, body: dict[str, Any], **headers: str) -> Any:
    return client.post(f"/api/v1/awards/{award_id}/steps", json=body, headers=bearer(secret) | headers)


def version(db: Session, award_id: int) -> int:
    return fresh(db, Award, award_id).version


def notice_ended(db: Session, award_id: int) -> None:
    db.execute(
        update(Award)
        .where(Award.id == award_id)
        .values(notice_from=TODAY - timedelta(days=8), notice_to=TODAY - timedelta(days=2))
    )
    db.commit()


def test_an_award_goes_its_whole_path_over_the_api_and_is_paid_once(db, client, world):
    award = proposed(db, world)
    assert award.amount == D(150000)  # 3000 万元 × 500 元
    verify = {"step": "verify", "version": award.version, "note": "已核对银行回单和到位资金确认记录"}
    refused_alike(client, world, "POST", f"/api/v1/awards/{award.id}/steps", verify)
    assert field_of(steps(client, world.coordinator, award.id, verify | {"note": ""})) == "note"
    assert field_of(steps(client, world.coordinator, award.id, verify | {"step": "bless"})) == "step"
    assert steps(client, world.coordinator, award.id, verify | {"version": 9}).status_code == 409

    verified = steps(client, world.coordinator, award.id, verify)
    assert verified.status_code == 200, verified.text
    assert verified.json()["status"] == "verified"

    short = {"step": "notice", "version": version(db, award.id), "days": 3}
    assert field_of(steps(client, world.coordinator, award.id, short)) == "days"
    past = {"step": "notice", "version": version(db, award.id), "notice_from": "2020-01-01"}
    assert field_of(steps(client, world.coordinator, award.id, past)) == "notice_from"
    notice = steps(client, world.coordinator, award.id, {"step": "notice", "version": version(db, award.id)})
    assert notice.status_code == 200, notice.text
    assert (notice.json()["notice_from"], notice.json()["notice_to"]) == (
        TODAY.isoformat(),
        (TODAY + timedelta(days=6)).isoformat(),
    )

    # an objection during the notice, answered (not upheld)
    objection = {
        "step": "object",
        "version": version(db, award.id),
        "raised_by": "匿名来电",
        "content": "功劳归属有异议",
    }
    objected = steps(client, world.coordinator, award.id, objection)
    assert objected.status_code == 200, objected.text
    [raised] = objected.json()["objections"]
    early = steps(client, world.coordinator, award.id, {"step": "approve", "version": version(db, award.id)})
    assert field_of(early) == "status" and "期满" in said(early)
    notice_ended(db, award.id)
    unanswered = steps(client, world.coordinator, award.id, {"step": "approve", "version": version(db, award.id)})
    assert field_of(unanswered) == "status" and "未答复" in said(unanswered)
    answer = {
        "step": "answer",
        "objection_id": raised["id"],
        "version": raised["version"],
        "note": "经核实功劳归属无误",
    }
    assert field_of(steps(client, world.coordinator, award.id, answer | {"objection_id": 999999})) == "objection_id"
    answered = steps(client, world.coordinator, award.id, answer)
    assert answered.status_code == 200, answered.text
    assert answered.json()["objections"][0]["upheld"] is False
    assert steps(client, world.coordinator, award.id, answer).status_code == 409  # the objection moved on

    approved = steps(client, world.coordinator, award.id, {"step": "approve", "version": version(db, award.id)})
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved" and approved.json()["budget_year"] == YEAR

    pay = {"step": "pay", "version": version(db, award.id), "voucher_no": "付2026-0088"}
    refused_alike(client, world, "POST", f"/api/v1/awards/{award.id}/steps", pay)
    assert field_of(steps(client, world.coordinator, award.id, pay | {"voucher_no": ""})) == "voucher_no"
    future = pay | {"paid_on": (TODAY + timedelta(days=3)).isoformat()}
    assert field_of(steps(client, world.coordinator, award.id, future)) == "paid_on"

    paid = steps(client, world.coordinator, award.id, pay, **{"Idempotency-Key": "pay-award-88"})
    again = steps(client, world.coordinator, award.id, pay, **{"Idempotency-Key": "pay-award-88"})

    assert paid.status_code == 200, paid.text
    assert again.status_code == 200 and again.json() == paid.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert (paid.json()["status"], paid.json()["voucher_no"], paid.json()["paid_on"]) == (
        "paid",
        "付2026-0088",
        TODAY.isoformat(),
    )
    payments = [e for e in by_token(db, world.coordinator, "award", "update") if "paid_on" in e.changes]
    assert len(payments) == 1  # paid once
    assert awards.budget(db, YEAR).paid == D(150000)
    # without the key, the same payment again is refused: the award moved on
    assert steps(client, world.coordinator, award.id, pay).status_code == 409

    # a breach found later: clawed back, then recovered
    claw = {"step": "clawback", "version": version(db, award.id), "amount": "50000", "note": "未按协议投产"}
    assert field_of(steps(client, world.coordinator, award.id, claw | {"amount": "999999"})) == "amount"
    clawed = steps(client, world.coordinator, award.id, claw)
    assert clawed.status_code == 200, clawed.text
    [back] = clawed.json()["clawbacks"]
    assert (back["amount"], back["recovered"]) == ("50000.00", False)
    recovered = {"step": "recovered", "clawback_id": back["id"], "version": back["version"]}
    done = steps(client, world.coordinator, award.id, recovered)
    assert done.status_code == 200 and done.json()["clawbacks"][0]["recovered_on"] == TODAY.isoformat()
    assert db.get(Clawback, back["id"]).recovered is True
    assert awards.budget(db, YEAR).clawed_back == D(50000)
    trail = {e.action for e in db.execute(select(AuditEntry).where(AuditEntry.entity == "award")).scalars()}
    assert {"award_objection", "award_objection_answer", "award_clawback", "award_clawback_recovered"} <= trail
    assert all(
        e.actor_token_id == token_id(db, world.coordinator)
        for e in db.execute(select(AuditEntry).where(AuditEntry.entity.in_(["award_objection", "clawback"]))).scalars()
    )


def test_an_upheld_objection_or_a_rejection_ends_the_award(db, client, world):
    award = proposed(db, world)
    reject = {"step": "reject", "version": award.version, "reason": ""}
    assert field_of(steps(client, world.coordinator, award.id, reject)) == "reason"
    refused = steps(client, world.coordinator, award.id, reject | {"reason": "到位资金凭证与银行流水不符"})
    assert refused.status_code == 200, refused.text
    assert (refused.json()["status"], refused.json()["rejected_reason"]) == ("rejected", "到位资金凭证与银行流水不符")
    [entry] = [e for e in by_token(db, world.coordinator, "award", "update") if "status" in e.changes]
    assert entry.changes["status"] == ["proposed", "rejected"]

    other = awards.propose(db, world.bureau, policy_id=world.policy_id, project_id=world.project.id)[0]
    awards.verify(db, world.bureau, other.id, other.version, "已核对")
    awards.start_notice(db, world.bureau, other.id, other.version)
    db.commit()
    objected = steps(
        client,
        world.coordinator,
        other.id,
        {"step": "object", "version": other.version, "raised_by": "李某", "content": "该项目实为外地引进"},
    )
    [raised] = objected.json()["objections"]
    upheld = steps(
        client,
        world.coordinator,
        other.id,
        {"step": "answer", "objection_id": raised["id"], "version": raised["version"], "note": "属实", "upheld": True},
    )
    assert upheld.status_code == 200 and upheld.json()["status"] == "rejected"
    assert db.get(AwardObjection, raised["id"]).upheld is True


def test_a_unit_never_takes_a_step_on_an_award(db, client, world):
    award = proposed(db, world)
    own = make_token(db, world.unit, role=TokenRole.unit_staff, scopes=("read", "awards"))
    db.commit()
    for body in (
        {"step": "verify", "version": award.version, "note": "本单位自己核查"},
        {"step": "reject", "version": award.version, "reason": "撤回"},
        {"step": "approve", "version": award.version},
    ):
        answer = steps(client, own, award.id, body)
        assert answer.status_code == 403 and answer.json()["code"] == "forbidden", answer.text
    assert fresh(db, Award, award.id).status is AwardStatus.proposed
