"""Incentive awards (招商奖励): policies as versioned rules, introducers, credit, awards, clawback, budget."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Audited, Base, TimestampMixin, VersionedMixin, str_enum

Yuan = Numeric(16, 2)


class PolicyKind(enum.StrEnum):
    per_funds = "per_funds"  # (a) an amount per confirmed funds arrived
    per_mille = "per_mille"  # (a) a per-mille of the fixed-asset investment, in size bands
    milestone = "milestone"  # (b) a fixed sum when a size band and a stage are reached
    long_term = "long_term"  # (c) a yearly reward while a qualifying project is in production
    honour = "honour"  # (d) a named honour with a fixed sum
    special = "special"  # (e) decided one by one (一事一议), with a decision reference

    @property
    def label(self) -> str:
        return POLICY_KIND_LABELS[self]


POLICY_KIND_LABELS = {
    PolicyKind.per_funds: "按到位资金奖励",
    PolicyKind.per_mille: "按固定资产投资千分比奖励",
    PolicyKind.milestone: "达到规模和阶段一次性奖励",
    PolicyKind.long_term: "投产后逐年长效奖励",
    PolicyKind.honour: "荣誉奖励",
    PolicyKind.special: "一事一议",
}


class RecipientType(enum.StrEnum):
    staff = "staff"
    introducer = "introducer"
    enterprise = "enterprise"
    unit = "unit"

    @property
    def label(self) -> str:
        return {"staff": "干部职工", "introducer": "外部引荐人", "enterprise": "企业", "unit": "单位"}[self.value]


class IncentivePolicy(Audited, VersionedMixin, TimestampMixin, Base):
    """A named policy; its rules live in versions, and an award keeps the version it was computed under."""

    __tablename__ = "incentive_policy"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[PolicyKind] = mapped_column(str_enum(PolicyKind, "policy_kind"))
    document_no: Mapped[str] = mapped_column(String(100), default="")  # the issuing document
    is_active: Mapped[bool] = mapped_column(default=True)


class PolicyVersion(Audited, Base):
    __tablename__ = "policy_version"
    __table_args__ = (UniqueConstraint("policy_id", "number", name="uq_policy_version_policy_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("incentive_policy.id", ondelete="RESTRICT"))
    number: Mapped[int]
    effective_from: Mapped[date] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)
    params: Mapped[dict[str, Any]] = mapped_column(JSON)  # the rule's numbers (see services/awards.py)
    recipients: Mapped[str] = mapped_column(String(60))  # comma-separated RecipientType values
    exclusions: Mapped[str] = mapped_column(String(200), default="")  # duty_official, investor_controller
    claim_window_days: Mapped[int | None]
    created_at: Mapped[datetime]


class IntroducerKind(enum.StrEnum):
    person = "person"
    intermediary = "intermediary"
    enterprise = "enterprise"

    @property
    def label(self) -> str:
        return {"person": "个人", "intermediary": "中介机构", "enterprise": "企业（以商招商）"}[self.value]


class IntroducerRegistration(Audited, VersionedMixin, TimestampMixin, Base):
    """引荐人备案: registered before signing, confirmed by the investor; only the first one counts."""

    __tablename__ = "introducer_registration"
    __table_args__ = (Index("ix_introducer_registration_project", "project_id", "registered_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="RESTRICT"))
    kind: Mapped[IntroducerKind] = mapped_column(str_enum(IntroducerKind, "introducer_kind"))
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(30), default="")
    registered_on: Mapped[date] = mapped_column(Date)
    investor_confirmed: Mapped[bool] = mapped_column(default=False)
    investor_confirmation: Mapped[str] = mapped_column(Text, default="")  # who confirmed, how
    is_first: Mapped[bool] = mapped_column(default=False)
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


class ProjectCredit(Audited, Base):
    """A project's credit: shares (percent) among units, staff and registered introducers, summing to 100."""

    __tablename__ = "project_credit"
    __table_args__ = (
        CheckConstraint("share > 0 AND share <= 100", name="share_range"),
        Index("ix_project_credit_project_id", "project_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    party: Mapped[RecipientType] = mapped_column(str_enum(RecipientType, "credit_party"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    introducer_id: Mapped[int | None] = mapped_column(ForeignKey("introducer_registration.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(String(100))
    share: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    is_duty_official: Mapped[bool] = mapped_column(default=False)
    is_investor_controller: Mapped[bool] = mapped_column(default=False)


class AwardStatus(enum.StrEnum):
    proposed = "proposed"
    verified = "verified"
    notice = "notice"
    approved = "approved"
    paid = "paid"
    rejected = "rejected"

    @property
    def label(self) -> str:
        return AWARD_STATUS_LABELS[self]


AWARD_STATUS_LABELS = {
    AwardStatus.proposed: "已申报待核查",
    AwardStatus.verified: "已核查待公示",
    AwardStatus.notice: "公示中",
    AwardStatus.approved: "已审批待兑现",
    AwardStatus.paid: "已兑现",
    AwardStatus.rejected: "未通过",
}


class Award(Audited, VersionedMixin, TimestampMixin, Base):
    __tablename__ = "award"
    __table_args__ = (
        Index("ix_award_status_year", "status", "budget_year"),
        Index("ix_award_project_id", "project_id"),
        Index("ix_award_unit_id", "applicant_unit_id"),
        Index("ix_award_commitment_id", "commitment_id"),
        CheckConstraint("amount >= 0", name="amount_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_version_id: Mapped[int] = mapped_column(ForeignKey("policy_version.id", ondelete="RESTRICT"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id", ondelete="RESTRICT"))
    applicant_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    recipient_type: Mapped[RecipientType] = mapped_column(str_enum(RecipientType, "recipient_type"))
    recipient_name: Mapped[str] = mapped_column(String(100))
    recipient_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    recipient_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    credit_id: Mapped[int | None] = mapped_column(ForeignKey("project_credit.id", ondelete="SET NULL"))
    # the agreement's commitment this award is conditional on (投资协议承诺事项): its status (met, missed)
    # is the commitment's (app.services.agreements), set on the award's page or its API (`set_condition`)
    commitment_id: Mapped[int | None] = mapped_column(ForeignKey("commitment.id", ondelete="RESTRICT"))
    share: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(100))
    period_year: Mapped[int | None]  # long-term rewards: the production year rewarded
    budget_year: Mapped[int]
    basis: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the confirmed figures used
    calculation: Mapped[str] = mapped_column(Text)  # in words and numbers
    amount: Mapped[Decimal] = mapped_column(Yuan)  # yuan, to the fen
    decision_ref: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[AwardStatus] = mapped_column(str_enum(AwardStatus, "award_status"), default=AwardStatus.proposed)
    verified_note: Mapped[str] = mapped_column(Text, default="")
    notice_from: Mapped[date | None] = mapped_column(Date)
    notice_to: Mapped[date | None] = mapped_column(Date)
    approved_on: Mapped[date | None] = mapped_column(Date)
    paid_on: Mapped[date | None] = mapped_column(Date)
    voucher_no: Mapped[str] = mapped_column(String(60), default="")
    rejected_reason: Mapped[str] = mapped_column(Text, default="")


class AwardObjection(Audited, VersionedMixin, TimestampMixin, Base):
    __tablename__ = "award_objection"
    __table_args__ = (Index("ix_award_objection_award_id", "award_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("award.id", ondelete="CASCADE"))
    raised_on: Mapped[date] = mapped_column(Date)
    raised_by: Mapped[str] = mapped_column(String(100))
    content: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_on: Mapped[date | None] = mapped_column(Date)
    upheld: Mapped[bool | None]  # an upheld objection rejects the award


class Clawback(Audited, VersionedMixin, TimestampMixin, Base):
    __tablename__ = "clawback"
    __table_args__ = (Index("ix_clawback_award_id", "award_id"), CheckConstraint("amount > 0", name="amount_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("award.id", ondelete="RESTRICT"))
    amount: Mapped[Decimal] = mapped_column(Yuan)
    reason: Mapped[str] = mapped_column(Text)
    decided_on: Mapped[date] = mapped_column(Date)
    recovered: Mapped[bool] = mapped_column(default=False)
    recovered_on: Mapped[date | None] = mapped_column(Date)


class AgreementState(enum.StrEnum):
    performance = "performance"
    maintenance = "maintenance"
    closed = "closed"
    default = "default"
    collection = "collection"

    @property
    def label(self) -> str:
        return {
            "performance": "履约中",
            "maintenance": "维护期",
            "closed": "已结束",
            "default": "违约",
            "collection": "追缴中",
        }[self.value]


class IncentiveAgreement(Audited, VersionedMixin, TimestampMixin, Base):
    """A project's incentive agreement, whose state the contract milestones move."""

    __tablename__ = "incentive_agreement"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="RESTRICT"), unique=True)
    signed_on: Mapped[date] = mapped_column(Date)
    state: Mapped[AgreementState] = mapped_column(
        str_enum(AgreementState, "agreement_state"), default=AgreementState.performance
    )
    maintenance_years: Mapped[int] = mapped_column(default=5)
    note: Mapped[str] = mapped_column(Text, default="")


class AwardBudget(Audited, VersionedMixin, TimestampMixin, Base):
    """The year's special fund for awards (yuan)."""

    __tablename__ = "award_budget"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    total: Mapped[Decimal] = mapped_column(Yuan)
    note: Mapped[str] = mapped_column(Text, default="")
