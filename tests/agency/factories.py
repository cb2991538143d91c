"""Factories for the 代办 window's tests: approvals made directly with the ORM (the approvals' generation and actions
are app.services.approvals', written apart), a project's 代办员, a hand-over, a 容缺 document."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.approval import (
    ApprovalDeferredDocument,
    ApprovalHandover,
    ApprovalStatus,
    HandoverDirection,
    ProjectAgent,
    ProjectApproval,
)
from app.models.base import utcnow
from app.models.project import Project
from app.models.unit import Unit
from app.models.user import User
from app.services import workdays

KINDS = {
    "filing": 1,
    "land_prereview": 2,
    "planning": 3,
    "eia": 4,
    "safety": 5,
    "energy": 6,
    "fire": 7,
    "construction": 8,
}  # fmt: skip  (seeded by migration 846b84a64c36)


def make_approval(
    db: Session,
    project: Project,
    kind: str = "eia",
    *,
    department: Unit | None = None,
    status: ApprovalStatus = ApprovalStatus.submitted,
    submitted_on: date | None = None,
    due_on: date | None = None,
    granted_on: date | None = None,
    **overrides: Any,
) -> ProjectApproval:
    row = ProjectApproval(
        project_id=project.id,
        kind_id=KINDS[kind],
        department_unit_id=department.id if department else None,
        status=status,
        submitted_on=submitted_on,
        due_on=due_on,
        granted_on=granted_on,
        **overrides,
    )
    db.add(row)
    db.flush()
    return row


def assign_agent(db: Session, project: Project, user: User, on: date | None = None) -> ProjectAgent:
    row = ProjectAgent(project_id=project.id, user_id=user.id, assigned_on=on or workdays.today())
    db.add(row)
    db.flush()
    return row


def make_handover(
    db: Session,
    approval: ProjectApproval,
    *,
    direction: HandoverDirection = HandoverDirection.to_department,
    on: date | None = None,
    documents: str = "申请材料一套",
    by: User | None = None,
) -> ApprovalHandover:
    row = ApprovalHandover(
        approval_id=approval.id,
        direction=direction,
        department_unit_id=approval.department_unit_id,
        happened_on=on or workdays.today(),
        documents=documents,
        recorded_by_id=by.id if by else None,
        recorded_at=utcnow(),
    )
    db.add(row)
    db.flush()
    return row


def defer_document(
    db: Session, approval: ProjectApproval, deadline: date, name: str = "土地权属证明", received_on: date | None = None
) -> ApprovalDeferredDocument:
    row = ApprovalDeferredDocument(approval_id=approval.id, name=name, deadline=deadline, received_on=received_on)
    db.add(row)
    db.flush()
    return row


def agency_ids(db: Session, unit: Unit, project: Project, agent: User) -> dict[str, int]:
    """The sweeps' path parameters: an approval of `project` (of `unit`), submitted to a department, with
    `agent` (the unit's staff in the sweeps) as the project's 代办员 and one hand-over."""
    from app.models.unit import UnitKind
    from tests.factories import make_unit

    today = workdays.today()
    # the sweeps' other ids may already have made the project's approvals: carry the first of them
    approval = db.execute(
        select(ProjectApproval).where(ProjectApproval.project_id == project.id).order_by(ProjectApproval.id)
    ).scalars().first()  # fmt: skip
    if approval is None:
        department = make_unit(db, kind=UnitKind.department)
        approval = make_approval(db, project, "eia", department=department, submitted_on=today,
                                 due_on=workdays.add_working_days(today, 20, {}))  # fmt: skip
    assign_agent(db, project, agent)
    make_handover(db, approval, by=agent)
    return {"approval_id": approval.id, "agent_user_id": agent.id}
