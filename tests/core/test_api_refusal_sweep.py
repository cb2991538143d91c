"""Every API write refuses the callers it must, and a refusal changes nothing (issue 17: "each operation has
API tests including a unit token refused where it is not allowed and a coordinator token without the scope
refused").

The operations are enumerated from the application (every POST/PUT/PATCH/DELETE under /api/v1, and the
Open311 writes), so a new one is swept by default. Each is sent, with its path's ids naming real rows:

1. by a coordinator's token holding every scope but the one of the operation's area (app.scopes.area_of):
   403 scope_missing;
2. by a reader's token: 403;
3. when a unit's staff may not do it at all (UNIT_REFUSED: reviewing funds, judging leads, deciding
   duplicates and registry disputes, the award fund, policies, agreements, credit and the bureau's award
   steps, clearing warnings, routing tickets, units, people, tokens, categories, lost reasons, webhooks),
   by town A's staff token holding every scope, with a valid body about town A's own rows: 403, so it is
   the role that refuses, not the scope, the object or the input.

and nothing in the database changes (every table's rows, the audit trail but its permission denials).
Every operation is classified: UNIT_REFUSED with its sample body, or UNIT_ALLOWED saying why a unit may
(its own rows; the object rules are tested with each area). One not classified fails the test by name, so
an operation added later has to be placed. SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.assessment import AdjustmentKind, AssessmentAdjustment
from app.models.award import Award, PolicyKind, PolicyVersion, RecipientType
from app.models.base import utcnow
from app.models.lead import DuplicatePair, RegistryClaim, RegistryEntry
from app.models.performance import Campaign, SpotCheck, Trip
from app.models.project import ProgressUpdate
from app.models.robot import Robot, RobotKind
from app.models.ticket import WebhookSubscription
from app.models.unit import Unit, UnitKind
from app.models.user import ApiToken
from app.schemas.assessment import SchemeIn
from app.schemas.performance import CampaignCreate
from app.scopes import SCOPES, TokenRole, area_of
from app.services import workdays
from app.services.security import sha256_hex
from tests.agency.factories import agency_ids
from tests.agreements.factories import make_agreement_rows
from tests.approvals.factories import approval_ids
from tests.awards.factories import make_policy
from tests.chains.factories import chain_ids
from tests.compliance.factories import compliance_ids
from tests.core.test_refusal_rollback import changed, snapshot, write_routes
from tests.factories import bearer, make_token, make_unit, make_user
from tests.land.factories import land_ids
from tests.leads.factories import make_investor, make_lead
from tests.maps.factories import map_ids
from tests.meetings.factories import make_interview, make_meeting
from tests.people.factories import make_cadre, make_section
from tests.projects.factories import make_anomaly, make_funds, make_project
from tests.publish.factories import publish_ids
from tests.target_companies.factories import target_ids
from tests.tasks.factories import make_task
from tests.teams.factories import ensure_rules, make_letter, make_team
from tests.tickets.factories import make_category, make_ticket

YEAR = workdays.today().year


def api_writes(app: FastAPI) -> list[str]:
    """ "METHOD path" of every write of the API and of Open311, as the application declares it."""
    return [f"{m} {p}" for m, p in write_routes(app) if p.startswith(("/api/", "/open311/"))]


NOT_WRITES = {
    "POST /api/v1/leads/check-duplicates": "a query sent by POST (the entry form's live check): it needs only read",
}


@dataclass
class Rows:
    """Town A's rows (the unit token's own, so that only the role can refuse it), and the bureau's."""

    town_a: Unit
    town_b: Unit
    ids: dict[str, int]


# --- what a unit's staff may not do at all: a valid body about town A's own rows -------------------

Body = Callable[[Rows], Any]

UNIT_REFUSED: dict[str, Body] = {
    "PUT /api/v1/award-budget/{year}": lambda r: {"total": "800000", "note": "年度招商奖励资金", "version": 0},
    "POST /api/v1/awards/{award_id}/steps": lambda r: {
        "step": "verify",
        "version": 1,
        "note": "已核对到位资金凭证与开工证明",
    },
    "POST /api/v1/duplicates/{pair_id}/decision": lambda r: {
        "version": 1,
        "decision": "经核实为不同项目，不作重复处理",
        "dismiss": True,
    },
    "POST /api/v1/leads/{lead_id}/judge": lambda r: {"version": 1, "status": "valid", "reason": "客商已实地考察"},
    "POST /api/v1/lost-reasons": lambda r: {"name": "企业资金链断裂"},
    "POST /api/v1/policies": lambda r: {
        "name": "固定资产投资千分比奖励",
        "kind": "per_mille",
        "document_no": "青政发〔2026〕8号",
        "effective_from": f"{YEAR}-01-01",
        "params": {"bands": [{"from_wan": "5000", "permille": "1.5"}]},
        "recipients": ["unit", "introducer"],
    },
    "POST /api/v1/policies/{policy_id}/versions": lambda r: {
        "version": 1,
        "effective_from": f"{YEAR}-07-01",
        "params": {"yuan_per_10k": "600"},
        "recipients": ["unit"],
    },
    "PUT /api/v1/projects/{project_id}/agreement": lambda r: {
        "state": "maintenance",
        "reason": "已签订奖励协议，进入维护期",
        "version": 0,
    },
    "POST /api/v1/projects/{project_id}/anomalies/{anomaly_id}/clear": lambda r: {
        "reason": "经核实，确为同日取得各项手续",
        "version": 1,
    },
    "PUT /api/v1/projects/{project_id}/credit": lambda r: {
        "version": 1,
        "parts": [{"party": "unit", "name": "城关镇", "share": 100, "unit_id": r.town_a.id}],
    },
    "POST /api/v1/projects/{project_id}/funds/{funds_id}/review": lambda r: {
        "version": 1,
        "decision": "confirm",
        "note": "银行进账单已核",
        "vouchers_checked": True,
    },
    "POST /api/v1/registry/claims/{claim_id}/decision": lambda r: {
        "version": 1,
        "winner_unit_id": r.town_a.id,
        "reason": "城关镇先行接洽，证据充分",
    },
    "PATCH /api/v1/ticket-categories/{category_id}": lambda r: {"version": 1, "default_days": 5},
    "POST /api/v1/tickets/requests/{request_id}/route": lambda r: {
        "version": 1,
        "handling_unit_id": r.town_a.id,
        "due_days": 10,
        "note": "请尽快协调办理",
    },
    "POST /api/v1/tokens": lambda r: {"name": "城关镇自建系统", "read_only": True},
    "POST /api/v1/tokens/{token_id}/revoke": lambda r: None,
    "POST /api/v1/units": lambda r: {"name": "县经济开发区管委会", "kind": "zone"},
    "PATCH /api/v1/units/{unit_id}": lambda r: {"version": 1, "name": "城关镇人民政府（新）"},
    "POST /api/v1/users": lambda r: {
        "username": "cgz_new_clerk",
        "display_name": "新同事",
        "unit_id": r.town_a.id,
        "role": "unit_staff",
        "initial_password": "Init#Start-2026-kw",
    },
    "PATCH /api/v1/users/{user_id}": lambda r: {"version": 1, "display_name": "改过的姓名"},
    "POST /api/v1/users/{user_id}/password": lambda r: {"new_password": "Api#Reset-2026-qz"},
    "POST /api/v1/users/{user_id}/unlock": lambda r: {},
    "POST /api/v1/webhooks": lambda r: {"name": "城关镇项目服务系统", "url": "https://cgz.example.gov.cn/hooks"},
    "PATCH /api/v1/webhooks/{sub_id}": lambda r: {"version": 1, "is_active": False},
    "PUT /api/v1/targets": lambda r: {
        "year": YEAR,
        "metric": "funds_domestic",
        "amount": "52000",
        "unit_id": r.town_a.id,
    },
    "PUT /api/v1/targets/{year}/curve": lambda r: {"shares": [{"month": 1, "share": "5"}]},
    "POST /api/v1/campaigns": lambda r: example(CampaignCreate),
    "PATCH /api/v1/campaigns/{campaign_id}": lambda r: {"version": 1, "ends_on": f"{YEAR}-12-31"},
    "PUT /api/v1/reports/cadences/{cadence}": lambda r: {"due_days": 5, "is_active": True},
    "PUT /api/v1/reports/applicability/kinds": lambda r: {"cadences": {"weekly": {"town": True}}},
    "PUT /api/v1/reports/applicability/{cadence}/units/{unit_id}": lambda r: {"applies": False},
    "PUT /api/v1/activities/trips/minimums/{unit_id}": lambda r: {"minimum": 0},
    "POST /api/v1/bulletins/{kind}/{year}/{number}/publish": lambda r: {"confirm_early": True},
    "POST /api/v1/spot-checks": lambda r: {"period_start": f"{YEAR}-01-01", "period_end": f"{YEAR}-03-31"},
    "POST /api/v1/spot-checks/{check_id}/findings": lambda r: {
        "kind": "funds_arrival",
        "item_id": r.ids["funds_id"],
        "confirmed": True,
    },
    "POST /api/v1/tasks": lambda r: {
        "title": "限期补报签约项目合同",
        "content": "督查抽查发现两个签约项目缺少合同文本，请补报。",
        "source_kind": "manual",
        "owner_unit_id": r.town_a.id,
        "due_days": 5,
    },
    "POST /api/v1/tasks/{task_id}/review": lambda r: {"version": 1, "decision": "close", "note": "同意销号"},
    "PATCH /api/v1/settings": lambda r: {"settings": {"yellow_card_percent": {"value": "75", "version": 0}}},
    "PUT /api/v1/calendar/{day}": lambda r: {"is_workday": False, "name": "国庆节"},
    "DELETE /api/v1/calendar/{day}": lambda r: None,
    # a unit's sections, people and target splits: its head (a person) or the bureau, never a unit's token
    "POST /api/v1/units/{unit_id}/sections": lambda r: {"name": "招商股", "kind": "office"},
    "PUT /api/v1/sections/{section_id}": lambda r: {"version": 1, "name": "投资促进股", "kind": "office"},
    "POST /api/v1/units/{unit_id}/people": lambda r: {"name": "刘志强", "title": "副县长、新能源产业招商组组长"},
    "PUT /api/v1/people/{cadre_id}": lambda r: {"version": 1, "name": "陈晓燕", "section_id": r.ids["section_id"]},
    "PUT /api/v1/targets/splits": lambda r: {
        "year": YEAR,
        "metric": "funds_domestic",
        "section_id": r.ids["section_id"],
        "amount": "100",
    },
    # a supervised task: the office's 改派, 调整期限, 撤销 (a unit's staff only report on it)
    "POST /api/v1/tasks/{task_id}/reassign": lambda r: {
        "version": 1,
        "owner_unit_id": r.town_b.id,
        "reason": "改由青石镇牵头办理",
    },
    "POST /api/v1/tasks/{task_id}/reschedule": lambda r: {"version": 1, "due_days": 5, "reason": "延期五个工作日"},
    "POST /api/v1/tasks/{task_id}/cancel": lambda r: {"version": 1, "reason": "企业撤资，不再办理"},
    # meetings and interviews: the supervisor's office or the bureau schedules, records and assigns
    "POST /api/v1/meetings": lambda r: {
        "kind": "dispatch",
        "title": "城关镇招商引资专题调度会",
        "held_on": f"{YEAR}-01-15",
        "unit_ids": [r.town_a.id],
    },
    "PATCH /api/v1/meetings/{meeting_id}": lambda r: {"version": 1, "summary": "城关镇自己改的纪要"},
    "POST /api/v1/meetings/{meeting_id}/hold": lambda r: {"version": 1},
    "POST /api/v1/meetings/{meeting_id}/decisions": lambda r: {
        "content": "城关镇自己记录的决定事项",
        "owner_unit_id": r.town_a.id,
        "due_days": 10,
    },
    "POST /api/v1/interviews": lambda r: {
        "unit_id": r.town_a.id,
        "held_on": f"{YEAR}-01-15",
        "interviewer": "城关镇自己",
        "findings": "没有问题",
    },
    "POST /api/v1/interviews/{interview_id}/promises": lambda r: {"content": "城关镇自己承诺", "due_days": 5},
    # the year's assessment: the bureau's scheme, bonuses and publishing; the assessors' scores
    "PUT /api/v1/assessment/{year}/scheme": lambda r: SchemeIn.model_json_schema()["examples"][0] | {"version": None},
    "POST /api/v1/assessment/{year}/units/{unit_id}/scores": lambda r: {
        "scores": [{"item": "service", "score": "100", "reason": "给本单位打满分"}]
    },
    "POST /api/v1/assessment/{year}/units/{unit_id}/adjustments": lambda r: {
        "kind": "bonus",
        "points": "5",
        "reason": "本单位自行加分",
    },
    "POST /api/v1/assessment/{year}/adjustments/{adjustment_id}/withdraw": lambda r: {
        "version": 1,
        "reason": "撤销对本单位的扣分",
    },
    "POST /api/v1/assessment/{year}/publish": lambda r: {"version": 1, "confirm_early": True},
    # industry teams and responsibility letters: the bureau keeps them (a unit acknowledges its own letter)
    "PUT /api/v1/teams/{team_id}": lambda r: {
        "version": 1,
        "industry": "新材料",
        "member_unit_ids": [r.ids["unit_id"]],
    },
    "PUT /api/v1/teams/{team_id}/projects/{project_id}": lambda r: {},
    "DELETE /api/v1/teams/{team_id}/projects/{project_id}": lambda r: None,
    "POST /api/v1/letters": lambda r: {"unit_id": r.ids["unit_id"], "year": YEAR, "reason": "目标调整，重新下达"},
    "POST /api/v1/letters/issue-all": lambda r: {"year": YEAR},
    "POST /api/v1/letter-rules": lambda r: {"year": YEAR, "text": "一、考核内容：……", "base_revision": 1},
}
"""Coordinator-only (app/policy.py ensure_coordinator in the service, or the verifier's role for 核查)."""


def example(model: Any) -> Any:
    """The first request example the OpenAPI document shows for `model`."""
    return model.model_config["json_schema_extra"]["examples"][0]


UNIT_ALLOWED: dict[str, str] = {
    "POST /api/v1/awards": "the applicant unit proposes its own project's award (the bureau verifies it)",
    "POST /api/v1/investors": "a unit adds the investors it deals with",
    "PATCH /api/v1/investors/{investor_id}": "the unit that added an investor keeps it",
    "POST /api/v1/leads": "a unit reports its leads",
    "PATCH /api/v1/leads/{lead_id}": "a unit edits its own lead while pending",
    "POST /api/v1/natives": "natives are a unit's own contacts (the bureau may not add them)",
    "POST /api/v1/projects": "a unit enters its projects",
    "POST /api/v1/projects/import": "a unit imports its own ledger",
    "PATCH /api/v1/projects/{project_id}": "a unit edits its own project",
    "POST /api/v1/projects/{project_id}/attachments": "a unit files its project's evidence",
    "POST /api/v1/projects/{project_id}/funds": "a unit enters its project's funds (the bureau confirms them)",
    "POST /api/v1/projects/{project_id}/funds/{funds_id}/reverse": "a unit corrects its confirmed funds by reversal",
    "POST /api/v1/projects/{project_id}/introducers": "a unit registers its project's introducer (on today's date)",
    "POST /api/v1/projects/{project_id}/progress": "a unit reports its project's progress",
    "POST /api/v1/projects/{project_id}/stage": "a unit moves its project along the stage line",
    "POST /api/v1/registry": "a unit registers (首报首谈) its own project",
    "POST /api/v1/reports": "a unit submits its periodic reports",
    "POST /api/v1/robots": "a unit keeps its chat group's robots",
    "PATCH /api/v1/robots/{robot_id}": "a unit keeps its chat group's robots",
    "DELETE /api/v1/robots/{robot_id}": "a unit keeps its chat group's robots",
    "POST /api/v1/robots/{robot_id}/test": "a unit keeps its chat group's robots",
    "POST /api/v1/tickets/requests": "a unit reports a problem it met",
    "POST /api/v1/tickets/requests/{request_id}/actions": "the handling and reporting units act on their tickets",
    "PATCH /api/v1/units/{unit_id}/contact": "a unit keeps its own head and contact details",
    "POST /open311/v2/requests.{fmt}": "a unit reports a problem (Open311), as over /api/v1/tickets",
    "POST /api/v1/activities/{kind}": "a unit records its own trips, receptions, events and trade figures",
    "POST /api/v1/tasks/{task_id}/notes": "the owner unit reports progress on its supervised task and reports it done",
    "PUT /api/v1/leads/{lead_id}/people": "a unit names which of its people worked its lead",
    "PUT /api/v1/projects/{project_id}/people": "a unit names which of its people worked its project",
    "PUT /api/v1/progress/{update_id}/people": "a unit names which of its people made its project's visit",
    "PUT /api/v1/activities/{kind}/{record_id}/people": "a unit names which of its people worked its activity",
    "POST /api/v1/letters/{letter_id}/acknowledge": "a unit's system reports its head's acknowledgement",
}


# --- the rows and the tokens ----------------------------------------------------------------------


@pytest.fixture
def rows(db: Session) -> Rows:
    n = uuid.uuid4().hex[:6]
    make_unit(db, name=f"县招商局{n}", kind=UnitKind.department, tier=1)
    town_a = make_unit(db, name=f"城关镇{n}", short_name="城关镇")
    town_b = make_unit(db, name=f"青石镇{n}", short_name="青石镇")
    clerk = make_user(db, town_a)
    project = make_project(db, town_a)
    funds = make_funds(db, project)
    anomaly = make_anomaly(db, project)
    investor = make_investor(db)
    lead = make_lead(db, town_a, investor)
    earlier = make_lead(db, town_b, investor, lead_date=workdays.today() - timedelta(days=20))
    pair = DuplicatePair(lead_id=lead.id, earlier_lead_id=earlier.id, reasons="name")
    entry = RegistryEntry(
        investor_id=investor.id,
        project_name=f"{investor.name}投资项目",
        intended_investment=Decimal(60000),
        holder_unit_id=town_b.id,
        registered_at=utcnow() - timedelta(days=3),
    )
    db.add_all([pair, entry])
    db.flush()
    claim = RegistryClaim(
        entry_id=entry.id, claimant_unit_id=town_a.id, claimed_at=utcnow(), statement="城关镇先行接洽"
    )
    policy = make_policy(db, PolicyKind.per_funds, {"yuan_per_10k": "500"}, recipients=["unit"])
    version_id = db.execute(select(PolicyVersion.id).where(PolicyVersion.policy_id == policy.id)).scalar_one()
    award = Award(
        policy_version_id=version_id,
        project_id=project.id,
        applicant_unit_id=town_a.id,
        recipient_type=RecipientType.unit,
        recipient_name=town_a.name,
        recipient_unit_id=town_a.id,
        budget_year=YEAR,
        calculation="到位资金 100 万元 × 500 元/万元",
        amount=Decimal(50000),
    )
    category = make_category(db)
    ticket = make_ticket(db, town_a, category)
    task = make_task(db, town_a)
    robot = Robot(
        unit_id=town_a.id,
        kind=RobotKind.wecom,
        name="城关镇工作群",
        webhook_url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=sweepkey0001",
        event_types="*",
    )
    subscription = WebhookSubscription(
        name="省招商引资平台", url="https://zsyz.example.gov.cn/hooks", secret="s" * 32, event_types="*"
    )
    campaign = Campaign(name="百日攻坚竞赛", starts_on=date(YEAR, 6, 1), ends_on=date(YEAR, 9, 8), rules=[])
    check = SpotCheck(
        period_start=date(YEAR, 1, 1),
        period_end=date(YEAR, 3, 31),
        seed=7,
        fraction=Decimal(30),
        population=1,
        items=[{"kind": "funds_arrival", "id": funds.id}],
    )
    db.add_all([claim, award, robot, subscription, campaign, check])
    own_token = make_token(db, town_a, read_only=True)
    section = make_section(db, town_a)
    cadre = make_cadre(db, town_a, user=clerk)
    visit = ProgressUpdate(project_id=project.id, reported_on=workdays.today(), investment_completed=Decimal(10))
    trip = Trip(
        unit_id=town_a.id, started_on=workdays.today(), ended_on=workdays.today(), destination="深圳", people="甲"
    )
    db.add_all([visit, trip])
    meeting = make_meeting(db, town_a, held=False)
    interview = make_interview(db, town_a)
    adjustment = AssessmentAdjustment(
        year=YEAR, unit_id=town_a.id, kind=AdjustmentKind.deduction, points=Decimal(1), reason="迟报月报两次"
    )
    db.add(adjustment)
    team = make_team(db, members=(town_a,), lead=town_a)
    ensure_rules(db, YEAR)
    letter = make_letter(db, town_a, year=YEAR)
    _, commitment, result = make_agreement_rows(db, project)
    land = land_ids(db, town_a, project.id)
    db.commit()
    token_id = db.execute(select(ApiToken.id).where(ApiToken.token_hash == sha256_hex(own_token))).scalar_one()
    ids = {
        "year": YEAR,
        "award_id": award.id,
        "pair_id": pair.id,
        "investor_id": investor.id,
        "lead_id": lead.id,
        "policy_id": policy.id,
        "project_id": project.id,
        "anomaly_id": anomaly.id,
        "funds_id": funds.id,
        "claim_id": claim.id,
        "robot_id": robot.id,
        "category_id": category.id,
        "request_id": ticket.id,
        "task_id": task.id,
        "token_id": token_id,
        "unit_id": town_a.id,
        "user_id": clerk.id,
        "sub_id": subscription.id,
        "campaign_id": campaign.id,
        "check_id": check.id,
        "section_id": section.id,
        "cadre_id": cadre.id,
        "update_id": visit.id,
        "record_id": trip.id,
        "meeting_id": meeting.id,
        "interview_id": interview.id,
        "adjustment_id": adjustment.id,
        "team_id": team.id,
        "letter_id": letter.id,
        "commitment_id": commitment.id,
        "result_id": result.id,
        **land,
    }
    ids.update(compliance_ids(db, town_a))  # a compliance case on town A's project (issue 20)
    ids.update(chain_ids(db, town_a, project.id))  # a chain whose first link holds town A's project (issue 21)

    ids.update(map_ids(db, town_a, project))  # town A's project on the map, a park, a boundary layer (issue 21)

    ids.update(target_ids(db, town_a))  # a target company assigned to town A (issue 21)
    ids.update(approval_ids(db, town_a, project))  # town A's project's approvals, one submitted (issue 22)
    ids.update(agency_ids(db, town_a, project, clerk))  # an approval of town A's project, its clerk the 代办员
    ids.update(publish_ids(db, town_a))  # a published project and site, and sources to publish (issue 23)
    db.commit()
    return Rows(town_a, town_b, ids)


# compliance cases (履约核查、违约处置, issue 20): the coordinator's alone
UNIT_REFUSED.update(
    {
        "POST /api/v1/compliance-cases": lambda r: {
            "project_id": r.ids["compliance_project_id"],
            "commitment_ids": [r.ids["missed_commitment_id"]],
            "assessed_on": f"{YEAR}-01-05",
            "assessors": "县税务局",
            "findings": "税收未达到约定",
        },
        "POST /api/v1/compliance-cases/{case_id}/measures": lambda r: {
            "version": 1,
            "kind": "reminder",
            "due_on": f"{YEAR + 1}-06-30",
        },
        "POST /api/v1/compliance-cases/{case_id}/measures/{measure_id}/receipts": lambda r: {
            "amount": "10",
            "received_on": f"{YEAR}-01-05",
        },
        "POST /api/v1/compliance-cases/{case_id}/measures/{measure_id}/cure": lambda r: {
            "version": 1,
            "cured_on": f"{YEAR}-01-05",
            "note": "已补缴",
        },
        "POST /api/v1/compliance-cases/{case_id}/close": lambda r: {
            "version": 1,
            "outcome": "other",
            "reason": "企业已破产清算",
        },
    }
)

PATH_VALUES: dict[str, dict[str, str]] = {
    "/api/v1/activities/": {"kind": "trip"},
    "/api/v1/bulletins/": {"kind": "quarterly", "number": "1"},
    "/api/v1/calendar/": {"day": f"{YEAR}-10-01"},
    "/api/v1/reports/cadences/": {"cadence": "monthly"},
    "/api/v1/reports/applicability/": {"cadence": "weekly"},
}
"""Path parameters that name no row: a value each, by the path they stand in."""


def fill(path: str, rows: Rows) -> str:
    out = path.replace("{fmt}", "json")
    for prefix, values in PATH_VALUES.items():
        if path.startswith(prefix):
            for name, value in values.items():
                out = out.replace("{" + name + "}", value)
    for name, value in rows.ids.items():
        out = out.replace("{" + name + "}", str(value))
    assert "{" not in out, f"give {path}'s path parameters a row in `rows`"
    return out


def send(client: TestClient, operation: str, rows: Rows, headers: dict[str, str], body: Any = None) -> Any:
    method, path = operation.split(" ", 1)
    headers = headers | {"Idempotency-Key": f"sweep-{uuid.uuid4().hex[:12]}"}
    return client.request(method, fill(path, rows), json=body, headers=headers)


def sweep(db: Session, operations: list[str], attempt: Callable[[str], str | None]) -> list[str]:
    """Run `attempt` on each operation (it answers what was wrong, if anything); any change to the database
    is a failure too, named by the operation that made it."""
    failures: list[str] = []
    before = snapshot(db)
    for operation in operations:
        problem = attempt(operation)
        if problem:
            failures.append(f"{operation}: {problem}")
        after = snapshot(db)
        if changed(before, after):
            failures.append(f"{operation}: changed {changed(before, after)}")
            before = after
    return failures


def text_of(response: Any) -> str:
    return f"{response.status_code} {response.text[:200]}"


# --- the classification --------------------------------------------------------------------------


def test_every_api_write_is_classified_for_a_units_staff(app: FastAPI) -> None:
    operations = set(api_writes(app))
    assert len(operations) > 40, operations  # the walk found the API
    unclassified = sorted(operations - UNIT_REFUSED.keys() - UNIT_ALLOWED.keys() - NOT_WRITES.keys())
    assert unclassified == [], (
        "classify these API writes in tests/core/test_api_refusal_sweep.py: UNIT_REFUSED (with a valid sample "
        "body) when a unit's staff may not do them, else UNIT_ALLOWED with why"
    )
    assert not (UNIT_REFUSED.keys() & UNIT_ALLOWED.keys())
    stale = sorted((UNIT_REFUSED.keys() | UNIT_ALLOWED.keys() | NOT_WRITES.keys()) - operations)
    assert stale == [], "these operations no longer exist"


# --- the sweeps ----------------------------------------------------------------------------------


def test_a_coordinator_token_without_the_operations_scope_is_refused(
    app: FastAPI, db: Session, client: TestClient, rows: Rows
) -> None:
    bureau = make_unit(db, kind=UnitKind.department, tier=1)
    lacking = {
        area: bearer(make_token(db, bureau, role=TokenRole.coordinator, scopes=[s for s in SCOPES if s != area]))
        for area in SCOPES
        if area != "read"
    }
    db.commit()
    operations = [op for op in api_writes(app) if op not in NOT_WRITES]

    def attempt(operation: str) -> str | None:
        method, path = operation.split(" ", 1)
        area = area_of(method, fill(path, rows))
        if area is None or area == "read":
            return f"in no write area ({area})"
        response = send(client, operation, rows, lacking[area])
        if response.status_code != 403:
            return text_of(response)
        if path.startswith("/api/") and response.json().get("code") != "scope_missing":
            return f"403 but not scope_missing: {response.text[:200]}"
        if SCOPES[area] not in response.text:
            return f"the refusal does not name the scope {SCOPES[area]}: {response.text[:200]}"
        return None

    assert sweep(db, operations, attempt) == []


def test_a_readers_token_is_refused_every_write(app: FastAPI, db: Session, client: TestClient, rows: Rows) -> None:
    reader = bearer(make_token(db, None, role=TokenRole.reader))
    db.commit()
    operations = [op for op in api_writes(app) if op not in NOT_WRITES]

    def attempt(operation: str) -> str | None:
        response = send(client, operation, rows, reader, UNIT_REFUSED.get(operation, lambda r: {})(rows))
        return None if response.status_code == 403 else text_of(response)

    assert sweep(db, operations, attempt) == []


def test_a_units_token_with_the_scope_is_refused_what_only_the_bureau_does(
    app: FastAPI, db: Session, client: TestClient, rows: Rows
) -> None:
    # every scope, even those a unit's token is never issued (funds_review, targets): the role still refuses
    staff = bearer(make_token(db, rows.town_a, role=TokenRole.unit_staff, scopes=list(SCOPES)))
    db.commit()
    operations = [op for op in api_writes(app) if op in UNIT_REFUSED]
    assert len(operations) == len(UNIT_REFUSED)

    def attempt(operation: str) -> str | None:
        response = send(client, operation, rows, staff, UNIT_REFUSED[operation](rows))
        if response.status_code != 403 or response.json().get("code") != "forbidden":
            return text_of(response)
        return None

    assert sweep(db, operations, attempt) == []


# the per-mu evaluation (亩均评价, issue 20 item 3): the bureau's scheme and publishing
def _per_mu_refused() -> dict[str, Body]:
    from app.schemas.per_mu import SCHEME_EXAMPLE

    return {
        "PUT /api/v1/per-mu/{year}/scheme": lambda r: SCHEME_EXAMPLE | {"version": None},
        "POST /api/v1/per-mu/{year}/publish": lambda r: {"version": 1, "confirm_early": True},
    }


UNIT_REFUSED.update(_per_mu_refused())


# after production (issue 20): agreements and results, land and buildings, deposits, a project's quality
UNIT_REFUSED.update(
    {
        "POST /api/v1/results/{result_id}/review": lambda r: {
            "version": 1,
            "decision": "confirm",
            "note": "已核对完税证明",
            "evidence_checked": True,
        },
        "POST /api/v1/projects/{project_id}/deposits/{deposit_id}/review": lambda r: {
            "version": 1,
            "decision": "confirm",
            "note": "已核对收据",
            "vouchers_checked": True,
        },
        "POST /api/v1/leading-industries": lambda r: {"name": "新能源汽车零部件"},
        "PATCH /api/v1/leading-industries/{industry_id}": lambda r: {"version": 1, "is_active": False},
    }
)
UNIT_ALLOWED.update(
    {
        "PUT /api/v1/projects/{project_id}/investment-agreement": "the project's unit enters its agreement",
        "POST /api/v1/projects/{project_id}/investment-agreement/commitments": "the project's unit adds commitments",
        "PATCH /api/v1/projects/{project_id}/investment-agreement/commitments/{commitment_id}": (
            "the project's unit edits its commitments (audited)"
        ),
        "POST /api/v1/projects/{project_id}/results": "the responsible unit records the firm's results",
        "PATCH /api/v1/results/{result_id}": "the unit corrects its own result while it waits for confirmation",
        "POST /api/v1/results/import": "a unit imports results of its own projects (the bureau confirms them)",
        "POST /api/v1/plots": "a park's or managing unit's staff list their own plots",
        "PUT /api/v1/plots/{plot_id}": "the managing unit keeps its plots",
        "POST /api/v1/plots/{plot_id}/status": "the managing unit keeps its plots",
        "POST /api/v1/plots/{plot_id}/take": "the managing unit supplies its plot to a project it may read",
        "POST /api/v1/plots/{plot_id}/release": "the managing unit releases its plot (with the reason)",
        "POST /api/v1/plots/{plot_id}/photos": "the managing unit adds its plot's photos",
        "POST /api/v1/buildings": "a park's or managing unit's staff list their own buildings",
        "PUT /api/v1/buildings/{building_id}": "the managing unit keeps its buildings",
        "POST /api/v1/buildings/{building_id}/status": "the managing unit keeps its buildings",
        "POST /api/v1/buildings/{building_id}/take": "the managing unit lets its building to a project",
        "POST /api/v1/buildings/{building_id}/release": "the managing unit releases its building",
        "POST /api/v1/buildings/{building_id}/photos": "the managing unit adds its building's photos",
        "POST /api/v1/land-quotas": "a unit records the land quota it won",
        "PUT /api/v1/land-quotas/{quota_id}": "the unit keeps its own quota's record",
        "POST /api/v1/projects/{project_id}/deposits": "the project's unit records deposits (the bureau confirms)",
        "PUT /api/v1/projects/{project_id}/quality": "the project's unit records its quality",
    }
)


# conditions on commitments (issue 20 item 1): the bureau ties awards; a plot's manager its land price
UNIT_REFUSED.update({"PUT /api/v1/awards/{award_id}/condition": lambda r: {"commitment_id": None, "version": 1}})
UNIT_ALLOWED.update({"PUT /api/v1/plots/{plot_id}/condition": "the plot's manager ties its price to a commitment"})

# industry chains and 以商招商 (issue 21): chains and links are the coordinator's
UNIT_REFUSED.update(
    {
        "POST /api/v1/chains": lambda r: {"name": "新能源装备"},
        "PUT /api/v1/chains/{chain_id}": lambda r: {"name": "新能源装备", "version": 1},
        "POST /api/v1/chains/{chain_id}/links": lambda r: {"name": "储能系统", "stage": "midstream"},
        "PUT /api/v1/chains/{chain_id}/links/{link_id}": lambda r: {"name": "储能系统", "version": 1},
        "DELETE /api/v1/chains/{chain_id}/links/{link_id}": lambda r: None,
    }
)
UNIT_ALLOWED.update(
    {
        "POST /api/v1/chains/{chain_id}/firms": "a unit attaches the investor of its own project as a local firm",
        "DELETE /api/v1/chains/{chain_id}/firms/{firm_id}": "a unit removes the investor of its own project",
        "PUT /api/v1/projects/{project_id}/chain-link": "the project's unit attaches it to a chain's link",
        "PUT /api/v1/investors/{investor_id}/introducer": "the unit that added an investor records its introducer",
    }
)

# the map (招商地图, issue 21 item 3): places are set by those who keep the record; the layers are the bureau's
UNIT_ALLOWED.update(
    {
        "PUT /api/v1/projects/{project_id}/location": "the responsible unit places its project on the map",
        "PUT /api/v1/plots/{plot_id}/location": "the managing unit places its plot",
        "PUT /api/v1/buildings/{building_id}/location": "the managing unit places its building",
        "PUT /api/v1/parks/{park_id}/location": "the park's own staff place their park",
    }
)
UNIT_REFUSED.update(
    {  # refused before the upload is read (a dependency of the route): no body is needed to be refused
        "POST /api/v1/map/layers": lambda r: {},
        "PUT /api/v1/map/layers/{layer_id}": lambda r: {},
        "DELETE /api/v1/map/layers/{layer_id}": lambda r: {},
    }
)


# target companies (目标企业, issue 21 item 2): the bureau imports and assigns; the assigned unit approaches
UNIT_REFUSED.update(
    {
        "POST /api/v1/target-lists/import": lambda r: None,
        "POST /api/v1/target-companies/assign": lambda r: {"target_ids": [r.ids["target_id"]], "unit_id": r.town_a.id},
        "PUT /api/v1/target-companies/{target_id}/chain-link": lambda r: {"version": 1, "chain_link_id": None},
    }
)
UNIT_ALLOWED.update(
    {
        "POST /api/v1/target-companies/{target_id}/approaches": "the assigned unit's staff log their approaches",
        "POST /api/v1/target-companies/{target_id}/lead": "the assigned unit's staff turn an interested target into "
        "their lead",
    }
)

# approvals after signing (审批事项, issue 22): the catalogue, generation and escalation are the bureau's
UNIT_REFUSED.update(
    {
        "POST /api/v1/approval-kinds": lambda r: {"name": "水土保持方案审批", "time_limit_days": 15},
        "PUT /api/v1/approval-kinds/{kind_id}": lambda r: {"version": 1, "name": "立项备案", "time_limit_days": 3},
        "POST /api/v1/projects/{project_id}/approvals/generate": lambda r: None,
        "POST /api/v1/approvals/{approval_id}/ticket": lambda r: {"version": 1, "note": "超期"},
        "POST /api/v1/approvals/{approval_id}/task": lambda r: {"version": 1, "due_days": 5},
    }
)
UNIT_ALLOWED.update(
    {
        f"POST /api/v1/approvals/{{approval_id}}/{action}": "the project's own unit and the department's staff "
        "record the steps of an approval (approvals.may_act)"
        for action in ("submit", "deferred", "deferred/{document_id}/receive", "grant", "refuse", "not-needed")
    }
)

# the 代办 window (issue 22): the bureau assigns a project's 代办员; the 代办员's unit records the hand-overs
UNIT_REFUSED.update(
    {
        "PUT /api/v1/projects/{project_id}/agent": lambda r: {"user_id": r.ids["agent_user_id"], "version": 1},
        "DELETE /api/v1/projects/{project_id}/agent": lambda r: None,
    }
)
UNIT_ALLOWED.update(
    {
        "POST /api/v1/agency/approvals/{approval_id}/handovers": "the 代办员 (or the 代办窗口's own token, the "
        "代办员's unit) records the hand-overs of the projects they carry",
    }
)

# pre-review and the signing approval (项目预审、签约审批, issue 22 items 1 and 2): the bureau names the departments
# and records an override; a named department's staff give its opinion; the project's unit records its approval
UNIT_REFUSED.update(
    {
        "PUT /api/v1/prereview-departments": lambda r: {"category": "industrial", "unit_ids": []},
        "POST /api/v1/projects/{project_id}/prereview/override": lambda r: {
            "decided_by": "张某某",
            "decided_title": "县委书记",
            "decided_on": "2026-01-05",
            "document": "县委常委会会议纪要〔2026〕1 号",
            "reason": "一事一议同意推进",
        },
    }
)
UNIT_ALLOWED.update(
    {
        "POST /api/v1/projects/{project_id}/prereview/opinions": "a named department's staff give its opinion",
        "PUT /api/v1/projects/{project_id}/concession": "the project's unit says which concessions it asks for",
        "POST /api/v1/projects/{project_id}/signing-approval": "the project's unit records the approval it obtained",
    }
)
# the publish step (对外发布, issue 23): the coordinator's alone
_STATE = {"action": "publish", "version": 1}
UNIT_REFUSED.update(
    {
        "PUT /api/v1/publish/profile": lambda r: {"version": 0, "intro_zh": "单位不能填写"},
        "POST /api/v1/publish/profile/state": lambda r: _STATE,
        "POST /api/v1/publish/projects": lambda r: {
            "project_id": r.ids["publish_source_id"], "title_zh": "单位不能发布", "investment_wan": "10"},
        "PUT /api/v1/publish/projects/{public_project_id}": lambda r: {
            "title_zh": "单位不能修改", "investment_wan": "10", "version": 1},
        "POST /api/v1/publish/projects/{public_project_id}/state": lambda r: _STATE,
        "POST /api/v1/publish/sites": lambda r: {"plot_id": r.ids["publish_plot_id"], "name_zh": "单位不能发布"},
        "PUT /api/v1/publish/sites/{public_site_id}": lambda r: {"name_zh": "单位不能修改", "version": 1},
        "POST /api/v1/publish/sites/{public_site_id}/state": lambda r: _STATE,
    }
)  # fmt: skip
