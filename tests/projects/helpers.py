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
