"""Broken contracts and their consequences (履约核查、违约处置): a compliance case opened on a project when a
commitment of its investment agreement is missed, its assessment, the measures decided, each carried out as
supervised work, the liquidated damages received, and its closing."""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Audited, Base, TimestampMixin, VersionedMixin, str_enum


class CaseStatus(enum.StrEnum):
    open = "open"  # opened, assessed; no measure decided yet
    executing = "executing"  # measures decided, being carried out
    closed = "closed"

    @property
    def label(self) -> str:
        return {"open": "核查中", "executing": "处置中", "closed": "已结案"}[self.value]


class CaseOutcome(enum.StrEnum):
    """How a case was closed."""

    cured = "cured"  # cured within the deadline (按期整改到位)
    executed = "executed"  # every measure done (处置完毕)
    other = "other"  # closed by the coordinator with a reason

    @property
    def label(self) -> str:
        return {"cured": "按期整改到位", "executed": "处置完毕", "other": "决定结案"}[self.value]


class MeasureKind(enum.StrEnum):
    reminder = "reminder"
    cure = "cure"
    recover = "recover"
    damages = "damages"
    take_land = "take_land"
    terminate = "terminate"

    @property
    def label(self) -> str:
        return {
            "reminder": "督促履约",
            "cure": "限期整改",
            "recover": "追回奖励",
            "damages": "违约金",
            "take_land": "收回土地",
            "terminate": "解除协议",
        }[self.value]


class ComplianceCase(Audited, VersionedMixin, TimestampMixin, Base):
    """A compliance case (违约处置案件) on a project: the commitments it cites (`compliance_case_commitment`),
    the assessment (who evaluated, when, findings; evidence files are attachments owned by `compliance_case`),
    its measures and how it was closed. `unit_id` is the project's responsible unit when the case was opened
    (the unit the case is against)."""

    __tablename__ = "compliance_case"
    __table_args__ = (
        Index("ix_compliance_case_project_id", "project_id", "id"),
        Index("ix_compliance_case_unit_status", "unit_id", "status", "id"),
        Index("ix_compliance_case_status", "status", "id"),
        Index("ix_compliance_case_opened_on", "opened_on", "unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="RESTRICT"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    status: Mapped[CaseStatus] = mapped_column(str_enum(CaseStatus, "compliance_case_status"), default=CaseStatus.open)
    opened_on: Mapped[date] = mapped_column(Date)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    # the assessment (履约核查)
    assessed_on: Mapped[date] = mapped_column(Date)
    assessors: Mapped[str] = mapped_column(String(200), default="")  # people as written (another department's)
    assessor_user_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)  # users of the platform
    findings: Mapped[str] = mapped_column(Text)
    # the decision (处置决定)
    decided_on: Mapped[date | None] = mapped_column(Date)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    # closing (结案)
    closed_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[CaseOutcome | None] = mapped_column(str_enum(CaseOutcome, "compliance_case_outcome"))
    close_reason: Mapped[str] = mapped_column(Text, default="")
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


class CaseCommitment(Audited, Base):
    """A commitment a case cites (one or more per case)."""

    __tablename__ = "compliance_case_commitment"
    __table_args__ = (
        UniqueConstraint("case_id", "commitment_id"),
        Index("ix_compliance_case_commitment_commitment_id", "commitment_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("compliance_case.id", ondelete="CASCADE"))
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitment.id", ondelete="RESTRICT"))
    status_when_opened: Mapped[str] = mapped_column(String(200), default="")  # the judgement's basis in words


class ComplianceMeasure(Audited, VersionedMixin, TimestampMixin, Base):
    """One measure decided on a case, carried out as a supervised task (`task_id`, the task's source the case).
    A clawback (追回奖励) names the award and the clawback made through the awards' service; taking land back
    names the plot released through the land service; liquidated damages carry their amount (万元) and the
    receipts (`compliance_receipt`)."""

    __tablename__ = "compliance_measure"
    __table_args__ = (
        Index("ix_compliance_measure_case_id", "case_id", "id"),
        Index("ix_compliance_measure_task_id", "task_id"),
        CheckConstraint("damages IS NULL OR damages > 0", name="damages_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("compliance_case.id", ondelete="CASCADE"))
    kind: Mapped[MeasureKind] = mapped_column(str_enum(MeasureKind, "compliance_measure_kind"))
    content: Mapped[str] = mapped_column(Text, default="")
    due_on: Mapped[date] = mapped_column(Date)
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("supervised_task.id", ondelete="SET NULL"))
    award_id: Mapped[int | None] = mapped_column(ForeignKey("award.id", ondelete="RESTRICT"))
    clawback_id: Mapped[int | None] = mapped_column(ForeignKey("clawback.id", ondelete="RESTRICT"))
    plot_id: Mapped[int | None] = mapped_column(ForeignKey("land_plot.id", ondelete="RESTRICT"))
    damages: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))  # 违约金, 万元
    cured_on: Mapped[date | None] = mapped_column(Date)  # a cure measure: the day it was cured
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


class ComplianceReceipt(Audited, TimestampMixin, Base):
    """Liquidated damages received (违约金到账), against a damages measure."""

    __tablename__ = "compliance_receipt"
    __table_args__ = (
        Index("ix_compliance_receipt_measure_id", "measure_id", "id"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("compliance_measure.id", ondelete="CASCADE"))
    amount: Mapped[Decimal] = mapped_column(Numeric(16, 2))  # 万元
    received_on: Mapped[date] = mapped_column(Date)
    voucher_no: Mapped[str] = mapped_column(String(60), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
