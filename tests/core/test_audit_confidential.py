"""The audit page keeps a confidential project confidential from the supervisor (督查室).

The supervisor reads the whole trail but is not one of the project's units, the coordinator or a
leader (app.services.projects.sees_identity): entries about the project and its children show its
code name, and its name, investor, introducer and contacts appear nowhere on the page.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from app.models.award import IntroducerKind, IntroducerRegistration
from app.models.project import FundsStatus, ProgressUpdate
from app.models.user import Role
from app.services import audit, workdays
from tests.conftest import login
from tests.core.test_audit import acting_as
from tests.factories import PASSWORD, make_unit, make_user
from tests.projects.factories import make_funds, make_investor, make_lead, make_project

PROJECT_NAME = "甲壳虫固态电池基地"
RENAMED = "甲壳虫固态电池二期"
INVESTOR = "甲壳虫能源控股有限公司"
CONTACT = "柯秘书长"
INTRODUCER = "欧阳引荐人"
LEAD_CONTACT = "司马联络员"
CODE_NAME = "青鸟工程"
SECRETS = (PROJECT_NAME, RENAMED, INVESTOR, CONTACT, INTRODUCER, LEAD_CONTACT)


def plant(db: Session):
    town = make_unit(db)
    coordinator = make_user(db, role=Role.coordinator)
    supervisor = make_user(db, make_unit(db, name="县委督查室"), Role.supervisor)
    acting_as(db, coordinator)
    investor = make_investor(db, name=INVESTOR, contact_name=CONTACT)
    lead = make_lead(
        db, town, investor, project_name=PROJECT_NAME, contact_name=LEAD_CONTACT, introducer_name=INTRODUCER
    )
    project = make_project(
        db,
        town,
        investor=investor,
        lead_id=lead.id,
        name=PROJECT_NAME,
        code_name=CODE_NAME,
        is_confidential=True,
        introducer_name=INTRODUCER,
        site="甲壳虫产业园东区",
        content=f"{INVESTOR}投资建设固态电池生产线",
    )
    funds = make_funds(db, project, note=f"{INVESTOR}首笔到资")
    db.add(
        ProgressUpdate(
            project_id=project.id,
            reported_on=workdays.today() - timedelta(days=2),
            investment_completed=Decimal(100),
            built=f"{PROJECT_NAME}厂房封顶",
        )
    )
    db.add(
        IntroducerRegistration(
            project_id=project.id,
            kind=IntroducerKind.person,
            name=INTRODUCER,
            registered_on=workdays.today() - timedelta(days=40),
        )
    )
    db.commit()
    # updates whose entries do not record the project: found through the row
    acting_as(db, coordinator)
    funds.status = FundsStatus.confirmed
    with audit.reason(db, f"核对{PROJECT_NAME}凭证"):
        project.name = RENAMED
    db.commit()
    return coordinator, supervisor, project, funds


def pages(client, project, funds) -> list[str]:
    queries = [
        {},
        {"entity": "project"},
        {"entity": "project", "entity_id": str(project.id)},
        {"entity": "funds_arrival", "entity_id": str(funds.id)},
        {"entity": "investor"},
        {"entity": "lead"},
        {"entity": "progress_update"},
        {"entity": "introducer_registration"},
        {"action": "update"},
        {"action": "create", "date_from": workdays.today().isoformat()},
    ]
    texts = []
    for params in queries:
        response = client.get("/audit", params=params)
        assert response.status_code == 200, response.text[:300]
        texts.append(response.text)
    first = client.get("/audit", params={"entity": "project", "entity_id": str(project.id)})
    texts.append(client.get("/audit", headers={"HX-Request": "true"}).text)  # the results block alone
    texts.append(first.text)
    return texts


def test_the_supervisor_sees_a_confidential_projects_code_name_on_the_audit_page(db: Session, client) -> None:
    coordinator, supervisor, project, funds = plant(db)

    login(client, supervisor.username, PASSWORD)
    seen = pages(client, project, funds)
    for text in seen:
        for secret in SECRETS:
            assert secret not in text, secret
        assert "甲壳虫产业园" not in text and "甲壳虫" not in text
    about = client.get("/audit", params={"entity": "project", "entity_id": str(project.id)}).text
    assert f"【保密】{CODE_NAME}" in about and "（保密）" in about
    assert "planned_investment" in about and "800" in about

    client.cookies.clear()
    login(client, coordinator.username, PASSWORD)
    about = client.get("/audit", params={"entity": "project", "entity_id": str(project.id)}).text
    assert PROJECT_NAME in about and RENAMED in about and INTRODUCER in about
    assert INVESTOR in client.get("/audit", params={"entity": "investor"}).text
    assert audit.verify_chain(db).ok
