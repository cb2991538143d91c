"""Small helpers for the projects tests: sending forms as a browser does, reading rows back."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.audit import AuditEntry
from app.models.project import FundsArrival, Project, StageEvent
from tests.conftest import page_csrf

T = TypeVar("T")


def post_form(
    client: TestClient, path: str, data: dict[str, Any], files: list[tuple[str, tuple[str, bytes, str]]] | None = None
) -> Any:
    """A form sent from a page: the session's CSRF token and, unless given, a fresh idempotency key."""
    body = {"csrf_token": page_csrf(client), "idempotency_key": uuid.uuid4().hex, **data}
    return client.post(path, data={k: str(v) for k, v in body.items()}, files=files)


def fresh(db: Session, cls: type[T], row_id: int) -> T:
    """The row as stored now (after requests committed in their own sessions)."""
    db.expire_all()
    row = db.get(cls, row_id)
    assert row is not None
    return row


def project(db: Session, project_id: int) -> Project:
    return fresh(db, Project, project_id)


def stage_events(db: Session, project_id: int) -> list[StageEvent]:
    db.expire_all()
    return list(
        db.execute(select(StageEvent).where(StageEvent.project_id == project_id).order_by(StageEvent.id)).scalars()
    )


def funds_rows(db: Session, project_id: int) -> list[FundsArrival]:
    db.expire_all()
    return list(
        db.execute(select(FundsArrival).where(FundsArrival.project_id == project_id).order_by(FundsArrival.id))
        .scalars()
        .all()
    )


def audit_entries(db: Session, entity: str, entity_id: int) -> list[AuditEntry]:
    db.expire_all()
    return list(
        db.execute(
            select(AuditEntry)
            .where(AuditEntry.entity == entity, AuditEntry.entity_id == str(entity_id))
            .order_by(AuditEntry.seq)
        ).scalars()
    )


def api_stage(client: TestClient, headers: dict[str, str], project_id: int, **body: Any) -> Any:
    """POST a stage change with the project's current version (read first, as a client would)."""
    if "version" not in body:
        body["version"] = client.get(f"/api/v1/projects/{project_id}", headers=headers).json()["version"]
    return client.post(f"/api/v1/projects/{project_id}/stage", json=body, headers=headers)


# --- the gate before 正式签约 (pre-review and the signing approval, app.services.prereview) ------------

GATE_LEVEL = "case_by_case"  # the highest level: enough whatever a project's figures


def gate_departments(db: Session) -> list[int]:
    """A department named to pre-review every category (made once per test); the named departments' ids."""
    from app.models.prereview import PrereviewDepartment
    from app.models.project import Category
    from app.models.unit import UnitKind
    from tests.factories import make_unit

    named = set(db.execute(select(PrereviewDepartment.category)).scalars())
    if len(named) < len(Category):
        unit = make_unit(db, kind=UnitKind.department)
        db.add_all(PrereviewDepartment(category=c, unit_id=unit.id) for c in Category if c not in named)
        db.flush()
        db.commit()
    return sorted(set(db.execute(select(PrereviewDepartment.unit_id)).scalars()))


def gate_fields(db: Session) -> dict[str, str]:
    """What a project created at 正式签约 or later carries (page form or API body): the pre-review passed
    and a signing approval at the highest level."""
    from app.services import workdays

    gate_departments(db)
    return {
        "prereview": "passed",
        "approval_level": GATE_LEVEL,
        "approved_by": "县委县政府主要领导",
        "approved_on": workdays.today().isoformat(),
        "approval_document_no": "测试会议纪要〔2026〕1 号",
    }


def pass_gate(db: Session, project_id: int) -> None:
    """A project before signing made ready to sign (every named department passed, the approval recorded),
    written without moving the project's version."""
    from sqlalchemy import update

    from app.models.prereview import OpinionVerdict, PrereviewDepartment, PrereviewOpinion, SigningApproval
    from app.models.project import ApprovalLevel, PrereviewResult
    from app.services import workdays

    gate_departments(db)
    project = db.get(Project, project_id)
    assert project is not None
    today = workdays.today()
    units = db.execute(
        select(PrereviewDepartment.unit_id).where(PrereviewDepartment.category == project.category)
    ).scalars()
    db.add_all(
        PrereviewOpinion(project_id=project_id, unit_id=u, verdict=OpinionVerdict.passed, given_on=today) for u in units
    )
    db.add(
        SigningApproval(
            project_id=project_id,
            level=ApprovalLevel.case_by_case,
            required_level=ApprovalLevel.case_by_case,
            approved_by="县委县政府主要领导",
            approved_on=today,
            document_no="测试会议纪要〔2026〕1 号",
        )
    )
    db.flush()
    db.execute(
        update(Project)
        .where(Project.id == project_id)
        .values(prereview=PrereviewResult.passed, approval_level=ApprovalLevel.case_by_case)
    )
    db.commit()
    db.expire_all()


def name_department(db: Session, unit_id: int, category: str = "industrial") -> dict[str, int]:
    """The unit named to pre-review a category's projects (for the core sweeps' world); no new ids."""
    from app.models.prereview import PrereviewDepartment
    from app.models.project import Category

    db.add(PrereviewDepartment(category=Category(category), unit_id=unit_id))
    db.flush()
    return {}
