"""Demo compliance case (违约处置, issue 20): on the first demo project whose output or tax commitment stands
missed, the bureau opened a case after checking the tax certificates with the tax bureau, and set a deadline
to cure (限期整改), assigned to the project's responsible unit as a supervised task."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.agreement import CommitmentKind, InvestmentAgreement
from app.models.compliance import ComplianceCase, MeasureKind
from app.models.project import Project
from app.models.user import Role, User
from app.principal import Principal
from app.schemas.compliance import CaseOpen, MeasureCreate
from app.services import compliance, workdays

CITED = (CommitmentKind.output, CommitmentKind.tax)


def load(db: Session) -> bool:
    if db.execute(select(ComplianceCase.id).limit(1)).first() is not None:
        return False
    admin = db.execute(
        select(User).where(User.role == Role.coordinator, User.is_active.is_(True)).order_by(User.id).limit(1)
    ).scalar_one_or_none()
    if admin is None:
        return False
    principal = Principal(role=Role.coordinator, unit_id=admin.unit_id, label=admin.display_name, user_id=admin.id)
    chosen = db.execute(
        select(Project)
        .join(InvestmentAgreement, InvestmentAgreement.project_id == Project.id)
        .where(Project.is_confidential.is_(False))
        .order_by(Project.id)
    ).scalars()
    today = workdays.today()
    for project in chosen:
        missed = [c for c in compliance.missed_commitments(db, principal, project) if c.commitment.kind in CITED]
        if not missed:
            continue
        case = compliance.open_case(
            db,
            principal,
            CaseOpen(
                project_id=project.id,
                commitment_ids=[c.commitment.id for c in missed],
                assessed_on=today - timedelta(days=7),
                assessors="县税务局征管股",
                assessor_user_ids=[admin.id],
                findings="经与县税务局核对完税证明，企业上年度产值、税收均未达到投资协议约定；"
                "企业称受市场行情影响，承诺年内扩大产能。",
            ),
        )
        compliance.add_measure(
            db,
            principal,
            case.id,
            MeasureCreate(
                version=case.version,
                kind=MeasureKind.cure,
                due_on=today + timedelta(days=90),
                content="督促企业制定达产计划，限期补足约定的产值和税收，并报送整改报告。",
            ),
        )
        return True
    return False
