"""Factories for the awards tests: policies with their versions, budgets, introducers and credit (real rows)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from app.models.award import (
    AwardBudget,
    IncentivePolicy,
    IntroducerKind,
    IntroducerRegistration,
    PolicyKind,
    PolicyVersion,
    ProjectCredit,
    RecipientType,
)
from app.models.base import utcnow
from app.models.project import FundsArrival, FundsSource, Project
from app.models.setting import AppSetting
from app.models.user import Role, User
from app.principal import Principal
from app.schemas.projects import FundsCreate, FundsReview
from app.services import projects

_counter = itertools.count(1)
ALL_RECIPIENTS = ("unit", "staff", "introducer", "enterprise")


def make_policy(
    db: Session,
    kind: PolicyKind,
    params: dict[str, Any],
    *,
    name: str | None = None,
    recipients: Sequence[str] = ALL_RECIPIENTS,
    exclusions: Sequence[str] = (),
    claim_window_days: int | None = None,
    effective_from: date = date(2020, 1, 1),
    document_no: str = "青政发〔2025〕12号",
) -> IncentivePolicy:
    """A policy with its first version."""
    policy = IncentivePolicy(name=name or f"测试奖励政策{next(_counter)}", kind=kind, document_no=document_no)
    db.add(policy)
    db.flush()
    db.add(
        PolicyVersion(
            policy_id=policy.id,
            number=1,
            effective_from=effective_from,
            params=params,
            recipients=",".join(recipients),
            exclusions=",".join(exclusions),
            claim_window_days=claim_window_days,
            created_at=utcnow(),
        )
    )
    db.flush()
    return policy


def make_budget(db: Session, year: int, total: Decimal | int | str) -> AwardBudget:
    row = AwardBudget(year=year, total=Decimal(total), note="测试预算")
    db.add(row)
    db.flush()
    return row


def make_registration(
    db: Session, project: Project, name: str = "王引荐", *, registered_on: date, is_first: bool = True
) -> IntroducerRegistration:
    row = IntroducerRegistration(
        project_id=project.id,
        kind=IntroducerKind.person,
        name=name,
        phone="13800000000",
        registered_on=registered_on,
        investor_confirmed=True,
        investor_confirmation="投资方总经理签字确认",
        is_first=is_first,
    )
    db.add(row)
    db.flush()
    return row


def make_credit(
    db: Session, project: Project, party: RecipientType, name: str, share: Decimal | int | str, **overrides: Any
) -> ProjectCredit:
    row = ProjectCredit(project_id=project.id, party=party, name=name, share=Decimal(share), **overrides)
    db.add(row)
    db.flush()
    return row


def principal_of(user: User) -> Principal:
    return Principal(role=user.role, unit_id=user.unit_id, label=user.display_name, user_id=user.id)


def entered_funds(
    db: Session, project: Project, amount: Decimal | str, arrived_on: date, principal: Principal | None = None
) -> FundsArrival:
    """An arrival the responsible unit enters (waiting for the bureau), through the funds service."""
    if db.get(AppSetting, "funds_voucher_required") is None:
        db.add(AppSetting(key="funds_voucher_required", value="0"))  # no voucher file in these tests
        db.flush()
    clerk = principal or Principal(role=Role.unit_staff, unit_id=project.responsible_unit_id, label="责任单位")
    return projects.add_funds(
        db,
        clerk,
        project.id,
        FundsCreate(
            arrived_on=arrived_on, amount=Decimal(amount), source=FundsSource.out_of_province, voucher_no="HD1"
        ),
    )


def confirmed_funds(db: Session, project: Project, bureau: Principal, amount: Decimal | str, arrived_on: date) -> None:
    """An arrival entered by the unit and confirmed by the bureau, through the funds service."""
    row = entered_funds(db, project, amount, arrived_on)
    projects.review_funds(
        db,
        bureau,
        row.id,
        FundsReview(version=row.version, decision="confirm", note="已核对回单", vouchers_checked=True),
    )
