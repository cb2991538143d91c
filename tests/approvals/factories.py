"""Factories for approvals after signing (审批事项): a department, the defaults' departments, a project's
approvals generated, one submitted in the past (so overdue)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.approval import ApprovalKind, ApprovalStatus, ProjectApproval
from app.models.project import Project, Stage
from app.models.unit import Unit, UnitKind
from app.services import approvals, workdays
from tests.factories import make_unit
from tests.projects.factories import make_project


def make_department(db: Session, **overrides: Any) -> Unit:
    return make_unit(db, kind=UnitKind.department, **overrides)


def kind_by_code(db: Session, code: str) -> ApprovalKind:
    return db.execute(select(ApprovalKind).where(ApprovalKind.code == code)).scalar_one()


def assign_departments(db: Session, department: Unit) -> None:
    """Every kind of the catalogue handled by `department` (the defaults have none)."""
    for kind in db.execute(select(ApprovalKind)).scalars():
        kind.department_unit_id = department.id
    db.flush()


def signed_project(db: Session, unit: Unit, **overrides: Any) -> Project:
    """A project at 正式签约 with its approvals generated."""
    project = make_project(db, unit, stage=Stage.signed, **overrides)
    approvals.generate(db, project)
    return project


def approval_of(db: Session, project: Project, code: str) -> ProjectApproval:
    kind = kind_by_code(db, code)
    return db.execute(
        select(ProjectApproval).where(ProjectApproval.project_id == project.id, ProjectApproval.kind_id == kind.id)
    ).scalar_one()


def make_overdue(db: Session, approval: ProjectApproval, submitted_on: date | None = None) -> ProjectApproval:
    """Submitted in the past through the ORM: due before today."""
    submitted_on = submitted_on or workdays.today() - timedelta(days=90)
    approval.status = ApprovalStatus.submitted
    approval.submitted_on = submitted_on
    approval.due_on = workdays.add_working_days(submitted_on, approval.time_limit_days, workdays.load_calendar(db))
    db.flush()
    return approval


def approval_ids(db: Session, unit: Unit, project: Project) -> dict[str, int]:
    """The sweeps' path parameters: an approval of `project` (of `unit`), its department, a deferred document."""
    from app.models.approval import ApprovalDeferredDocument

    department = make_department(db)
    rows = approvals.generate(db, project)
    approval = rows[0] if rows else db.execute(
        select(ProjectApproval).where(ProjectApproval.project_id == project.id)
    ).scalars().first()  # fmt: skip
    assert approval is not None
    approval.department_unit_id = department.id
    approval.status = ApprovalStatus.submitted
    approval.submitted_on = workdays.today()
    approval.due_on = workdays.today() + timedelta(days=10)
    document = ApprovalDeferredDocument(approval_id=approval.id, name="测试容缺材料", deadline=approval.due_on)
    db.add(document)
    db.flush()
    return {"approval_id": approval.id, "kind_id": approval.kind_id, "document_id": document.id}
