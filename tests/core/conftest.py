"""Fixtures shared by the refusal tests: two towns' rows, signed-in clients."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.assessment import AdjustmentKind, AssessmentAdjustment
from app.models.lead import DuplicatePair
from app.models.performance import Trip
from app.models.project import ProgressUpdate
from app.models.robot import Robot, RobotKind
from app.models.unit import UnitKind
from app.models.user import ApiToken, Role, User
from app.services import workdays
from app.services.security import sha256_hex
from tests.agency.factories import agency_ids
from tests.agreements.factories import make_agreement_rows
from tests.approvals.factories import approval_ids
from tests.chains.factories import chain_ids
from tests.compliance.factories import compliance_ids
from tests.conftest import login
from tests.factories import PASSWORD, make_token, make_unit, make_user
from tests.land.factories import land_ids
from tests.leads.factories import make_investor, make_lead
from tests.maps.factories import map_ids
from tests.meetings.factories import make_interview, make_meeting
from tests.people.factories import make_cadre, make_section
from tests.projects.factories import make_anomaly, make_funds, make_project
from tests.projects.helpers import name_department
from tests.publish.factories import publish_ids
from tests.target_companies.factories import target_ids
from tests.tasks.factories import make_task
from tests.teams.factories import make_letter, make_team
from tests.tickets.factories import make_category, make_ticket


@dataclass
class World:
    staff_a: User
    staff_b: User
    coordinator: User
    token_a: str
    ids: dict[str, int]


@pytest.fixture
def world(db: Session) -> World:
    n = uuid.uuid4().hex[:6]
    bureau = make_unit(db, name=f"县招商局{n}", kind=UnitKind.department, tier=1)
    town_a = make_unit(db, name=f"城关镇{n}")
    town_b = make_unit(db, name=f"青石镇{n}")
    staff_a = make_user(db, town_a)
    staff_b = make_user(db, town_b)
    coordinator = make_user(db, bureau, Role.coordinator)
    project_b = make_project(db, town_b)
    funds_b = make_funds(db, project_b)
    anomaly_b = make_anomaly(db, project_b)
    investor_b = make_investor(db)
    lead_b = make_lead(db, town_b, investor_b)
    earlier_b = make_lead(db, town_b, investor_b, lead_date=workdays.today() - timedelta(days=20))
    pair = DuplicatePair(lead_id=lead_b.id, earlier_lead_id=earlier_b.id, reasons="name")
    db.add(pair)
    category = make_category(db)
    ticket_b = make_ticket(db, town_b, category)
    task_b = make_task(db, town_b)
    token_b = db.execute(
        select(ApiToken.id).where(ApiToken.token_hash == sha256_hex(make_token(db, town_b)))
    ).scalar_one()
    token_a = make_token(db, town_a)
    robot_b = Robot(
        unit_id=town_b.id,
        kind=RobotKind.wecom,
        name="青石镇工作群",
        webhook_url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=refusalkey01",
        event_types="*",
    )
    db.add(robot_b)
    section_b = make_section(db, town_b)
    cadre_b = make_cadre(db, town_b, user=staff_b, section_id=section_b.id)
    visit_b = ProgressUpdate(project_id=project_b.id, reported_on=workdays.today(), investment_completed=10)
    trip_b = Trip(
        unit_id=town_b.id, started_on=workdays.today(), ended_on=workdays.today(), destination="深圳", people="乙"
    )
    db.add_all([visit_b, trip_b])
    meeting_b = make_meeting(db, town_b, projects=[project_b])
    interview_b = make_interview(db, town_b)
    adjustment_b = AssessmentAdjustment(
        year=2026, unit_id=town_b.id, kind=AdjustmentKind.bonus, points=Decimal(1), reason="市级表彰一次"
    )
    db.add(adjustment_b)
    team_b = make_team(db, members=(town_b,), lead=town_b)
    letter_b = make_letter(db, town_b)
    agreement_b, commitment_b, result_b = make_agreement_rows(db, project_b)  # investment agreement, results
    db.commit()
    missing = 2_000_000_000  # an id no row has: refused as unknown
    ids = {
        "project_id": project_b.id,
        "funds_id": funds_b.id,
        "anomaly_id": anomaly_b.id,
        "investor_id": investor_b.id,
        "lead_id": lead_b.id,
        "pair_id": pair.id,
        "ticket_id": ticket_b.id,
        "task_id": task_b.id,
        "file_id": missing,
        "category_id": category.id,
        "unit_id": town_b.id,
        "user_id": staff_b.id,
        "token_id": token_b,
        "award_id": missing,
        "claim_id": missing,
        "policy_id": missing,
        "check_id": missing,
        "request_id": missing,
        "sub_id": missing,
        "robot_id": robot_b.id,
        "section_id": section_b.id,
        "cadre_id": cadre_b.id,
        "update_id": visit_b.id,
        "record_id": trip_b.id,
        "campaign_id": missing,
        "year": 2026,
        "day": "2026-10-01",  # a day of the holiday calendar
        "fmt": "json",  # Open311: requests.{fmt}
        "cadence": "monthly",  # reports: /api/v1/reports/cadences/{cadence}
        "number": 1,
        "meeting_id": meeting_b.id,
        "interview_id": interview_b.id,
        "decision_id": missing,
        "promise_id": missing,
        "adjustment_id": adjustment_b.id,
        "team_id": team_b.id,
        "letter_id": letter_b.id,
        "agreement_id": agreement_b.id,
        "commitment_id": commitment_b.id,
        "result_id": result_b.id,
    }
    ids.update(land_ids(db, town_b, project_b.id))  # land and buildings, deposits, quality (issue 20)
    ids.update(compliance_ids(db, town_b))  # a compliance case on a missed commitment (issue 20)
    ids.update(chain_ids(db, town_b, project_b.id))  # a chain whose link holds project B (issue 21)

    ids.update(map_ids(db, town_b, project_b))  # the project on the map, a park, a boundary layer (issue 21)

    ids.update(target_ids(db, town_b))  # a target company assigned to town B (issue 21)
    ids.update(approval_ids(db, town_b, project_b))  # project B's approvals, one submitted (issue 22)
    ids.update(agency_ids(db, town_b, project_b, staff_b))  # an approval of project B, staff B its 代办员 (issue 22)
    ids.update(name_department(db, bureau.id))  # the bureau pre-reviews industrial projects (issue 22)
    ids.update(publish_ids(db, town_b))  # a published project and site, and sources to publish (issue 23)
    db.commit()
    return World(staff_a, staff_b, coordinator, token_a, ids)


def signed_in(app: FastAPI, db: Session, user: User) -> Iterator[TestClient]:
    db.commit()
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
        response = login(client, user.username, PASSWORD)
        assert response.status_code == 303, response.text[:300]
        yield client
