"""Demo investment agreements and results after production: a few of the demo county's projects in production
get their agreement (commitments taken from the contract figures on the project), and two years of results
(output, tax, jobs, energy, land), most confirmed, some below what was promised, one waiting for the bureau."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.agreement import (
    Commitment,
    CommitmentKind,
    InvestmentAgreement,
    ProjectResult,
    ResultSource,
    ResultStatus,
)
from app.models.investor import Investor
from app.models.project import Project, Stage
from app.models.user import Role, User
from app.services import workdays

SHARES = (Decimal("1.10"), Decimal("0.70"), Decimal("1.00"), Decimal("0.45"), Decimal("0.95"), Decimal("1.30"))
"""Each project's last year against its output promise: above, well below, exactly at, far below …"""


def load(db: Session) -> bool:
    if db.execute(select(InvestmentAgreement.id).limit(1)).first() is not None:
        return False
    today = workdays.today()
    chosen = (
        db.execute(
            select(Project)
            .where(Project.stage.in_((Stage.production, Stage.full_capacity)), Project.signed_on.is_not(None))
            .order_by(Project.production_on, Project.id)
            .limit(len(SHARES))
        )
        .scalars()
        .all()
    )
    if not chosen:
        return False
    coordinator = db.execute(select(User.id).where(User.role == Role.coordinator).limit(1)).scalar()
    for index, project in enumerate(chosen):
        assert project.signed_on is not None
        investor = db.get(Investor, project.investor_id)
        agreement = InvestmentAgreement(
            project_id=project.id,
            signed_on=project.signed_on,
            parties=f"甲方：青山县人民政府；乙方：{investor.name if investor else '投资方'}",
            contract_no=f"QSXZS-{project.signed_on.year}-{project.id:03d}",
        )
        db.add(agreement)
        db.flush()
        output = project.annual_output or (project.contract_investment * 2).quantize(Decimal(1))
        tax = project.annual_tax or (project.contract_investment / 20).quantize(Decimal(1))
        jobs = project.jobs or 120
        land = project.land_area_mu or Decimal(50)
        start_by = project.start_by or project.signed_on + timedelta(days=90)
        production_by = project.production_by or start_by + timedelta(days=365)
        promised = [
            (CommitmentKind.investment, project.contract_investment, None),
            (CommitmentKind.intensity, project.intensity_commitment or (project.contract_investment / land), None),
            (CommitmentKind.start, None, start_by),
            (CommitmentKind.production, None, production_by),
            (CommitmentKind.full_capacity, None, production_by + timedelta(days=730)),
            (CommitmentKind.output, output, None),
            (CommitmentKind.tax, tax, None),
            (CommitmentKind.jobs, Decimal(jobs), None),
            (CommitmentKind.energy, Decimal("0.12"), None),
        ]
        for kind, figure, due in promised:
            db.add(
                Commitment(
                    agreement_id=agreement.id,
                    project_id=project.id,
                    kind=kind,
                    figure=figure.quantize(Decimal("0.01")) if figure is not None else None,
                    due_on=due,
                )
            )
        if index == 0:
            db.add(
                Commitment(
                    agreement_id=agreement.id,
                    project_id=project.id,
                    kind=CommitmentKind.other,
                    name="研发投入占销售收入比例",
                    unit="%",
                    figure=Decimal(3),
                    actual=Decimal("3.4"),
                    actual_on=date(today.year - 1, 12, 31),
                )
            )
        share = SHARES[index % len(SHARES)]
        for year, factor in ((today.year - 2, share * Decimal("0.8")), (today.year - 1, share)):
            last = year == today.year - 1
            waiting = last and index == len(chosen) - 1  # the bureau's queue has one
            result_output = (output * factor).quantize(Decimal(1))
            db.add(
                ProjectResult(
                    project_id=project.id,
                    year=year,
                    output=result_output,
                    tax=(tax * factor).quantize(Decimal("0.01")),
                    jobs=int(jobs * min(factor + Decimal("0.1"), Decimal("1.2"))),
                    energy_tce=(result_output * Decimal("0.1")).quantize(Decimal(1)),
                    land_used_mu=land,
                    source=ResultSource.tax_bureau if index % 2 else ResultSource.entered,
                    evidence_no=f"({year + 1})青税证 {index + 1:03d}{year % 100}",
                    status=ResultStatus.pending if waiting else ResultStatus.confirmed,
                    reviewed_by_id=None if waiting else coordinator,
                )
            )
    db.flush()
    return True
