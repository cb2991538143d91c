"""Agreements, commitments and results, written directly (the services are tested through the API)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from app.models.agreement import Commitment, CommitmentKind, InvestmentAgreement, ProjectResult, ResultStatus
from app.models.project import Project


def make_agreement(db: Session, project: Project, **overrides: Any) -> InvestmentAgreement:
    values: dict[str, Any] = {
        "project_id": project.id,
        "signed_on": project.signed_on or date(2025, 3, 1),
        "parties": "甲方：青山县人民政府；乙方：测试投资有限公司",
        "contract_no": "QS-2025-001",
    }
    values.update(overrides)
    row = InvestmentAgreement(**values)
    db.add(row)
    db.flush()
    return row


def make_commitment(
    db: Session, agreement: InvestmentAgreement, kind: CommitmentKind, figure: Any = None, due_on: date | None = None,
    **overrides: Any,
) -> Commitment:  # fmt: skip
    row = Commitment(
        agreement_id=agreement.id,
        project_id=agreement.project_id,
        kind=kind,
        figure=Decimal(figure) if figure is not None else None,
        due_on=due_on,
        **overrides,
    )
    db.add(row)
    db.flush()
    return row


def make_result(
    db: Session, project: Project, year: int, *, status: ResultStatus = ResultStatus.confirmed, **figures: Any
) -> ProjectResult:
    row = ProjectResult(project_id=project.id, year=year, status=status, evidence_no="测试证明", **figures)
    db.add(row)
    db.flush()
    return row


def make_agreement_rows(
    db: Session, project: Project, *, secret: str = ""
) -> tuple[InvestmentAgreement, Commitment, ProjectResult]:
    """The sweeps' rows: an agreement with one commitment, and a result waiting for confirmation (the
    project put in production last year). `secret`: a planted name in the parties and the notes."""
    from app.services import workdays

    last_year = workdays.today().year - 1
    if project.production_on is None:
        project.production_on = date(last_year, 1, 15)
    agreement = make_agreement(db, project, parties=f"甲方：县政府；乙方：{secret or '测试投资有限公司'}", note=secret)
    commitment = make_commitment(db, agreement, CommitmentKind.output, 5000, note=secret)
    result = make_result(db, project, last_year, status=ResultStatus.pending, output=Decimal(4000), note=secret)
    return agreement, commitment, result
