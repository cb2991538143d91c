"""A project with a missed commitment, a paid award and a plot it took: the rows a compliance case acts on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.agreement import Commitment, CommitmentKind, InvestmentAgreement
from app.models.award import Award, AwardStatus, PolicyKind, PolicyVersion, RecipientType
from app.models.land import LandPlot, PlotStatus
from app.models.project import Project, Stage
from app.models.unit import Unit
from app.services import workdays
from tests.agreements.factories import make_agreement, make_commitment, make_result
from tests.awards.factories import make_policy
from tests.land.factories import make_park, make_plot
from tests.projects.factories import make_project


@dataclass
class Breach:
    project: Project
    missed: Commitment  # 年税收不低于 500 万元, last year's confirmed tax 100 万元
    met: Commitment  # 就业人数不低于 50 人, last year 80
    award: Award  # paid, 200,000 元
    plot: LandPlot  # taken by the project (供而未用)


def make_paid_award(db: Session, project: Project, amount: Decimal | int = 200000) -> Award:
    policy = make_policy(db, PolicyKind.special, {})
    version = db.execute(select(PolicyVersion).where(PolicyVersion.policy_id == policy.id)).scalar_one()
    award = Award(
        policy_version_id=version.id,
        project_id=project.id,
        applicant_unit_id=project.responsible_unit_id,
        recipient_type=RecipientType.enterprise,
        recipient_name="测试投资有限公司",
        budget_year=workdays.today().year - 1,
        calculation="一事一议",
        amount=Decimal(amount),
        status=AwardStatus.paid,
        paid_on=workdays.today().replace(month=1, day=10),
    )
    db.add(award)
    db.flush()
    return award


def make_breach(db: Session, unit: Unit, **project_values: object) -> Breach:
    last_year = workdays.today().year - 1
    project = make_project(
        db, unit, stage=Stage.production, reached=date(last_year - 1, 6, 1), contract_investment=Decimal(20000),
        **project_values,
    )  # fmt: skip
    agreement = make_agreement(db, project)
    missed = make_commitment(db, agreement, CommitmentKind.tax, 500)
    met = make_commitment(db, agreement, CommitmentKind.jobs, 50)
    make_result(db, project, last_year, tax=Decimal(100), jobs=80, output=Decimal(9000))
    award = make_paid_award(db, project)
    plot = make_plot(db, make_park(db), project_id=project.id, status=PlotStatus.supplied_unused,
                     taken_on=date(last_year - 1, 3, 1))  # fmt: skip
    db.flush()
    return Breach(project, missed, met, award, plot)


def compliance_ids(db: Session, unit: Unit) -> dict[str, int]:
    """Ids for the sweeps (route matrix, form errors): a project of `unit` with a missed commitment, and a
    case on it (being executed) with a damages measure and a cure measure (no tasks: rows written directly)."""
    from app.models.compliance import CaseCommitment, CaseStatus, ComplianceCase, ComplianceMeasure, MeasureKind

    breach = make_breach(db, unit)
    agreement = db.get(InvestmentAgreement, breach.missed.agreement_id)
    assert agreement is not None
    second = make_commitment(db, agreement, CommitmentKind.output, 20000)  # missed too (9,000 reached), not cited
    today = workdays.today()
    case = ComplianceCase(
        project_id=breach.project.id,
        unit_id=unit.id,
        status=CaseStatus.executing,
        opened_on=today,
        assessed_on=today,
        assessors="测试核查组",
        findings="税收未达到约定",
        decided_on=today,
    )
    db.add(case)
    db.flush()
    db.add(CaseCommitment(case_id=case.id, commitment_id=breach.missed.id, status_when_opened="未达标"))
    later = date.fromordinal(today.toordinal() + 60)
    damages = ComplianceMeasure(case_id=case.id, kind=MeasureKind.damages, due_on=later, owner_unit_id=unit.id,
                                damages=Decimal(30))  # fmt: skip
    cure = ComplianceMeasure(case_id=case.id, kind=MeasureKind.cure, due_on=later, owner_unit_id=unit.id)
    db.add_all([damages, cure])
    db.flush()
    return {
        "case_id": case.id,
        "measure_id": damages.id,
        "cure_measure_id": cure.id,
        "compliance_project_id": breach.project.id,
        "missed_commitment_id": second.id,
    }
