"""Deposits and earnest money (押金、土地款定金、履约保证金): a ledger per project of money received,
refunded or forfeited. Never investment: no funds total, rate or ranking reads this table."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Audited, Base, TimestampMixin, VersionedMixin, str_enum


class DepositKind(enum.StrEnum):
    deposit = "deposit"
    land_earnest = "land_earnest"
    performance_bond = "performance_bond"

    @property
    def label(self) -> str:
        return {"deposit": "押金", "land_earnest": "土地款定金", "performance_bond": "履约保证金"}[self.value]


class DepositAction(enum.StrEnum):
    received = "received"
    refunded = "refunded"
    forfeited = "forfeited"

    @property
    def label(self) -> str:
        return {"received": "收取", "refunded": "退还", "forfeited": "没收"}[self.value]


class DepositStatus(enum.StrEnum):
    pending = "pending"
    confirmed = "confirmed"
    rejected = "rejected"

    @property
    def label(self) -> str:
        return {"pending": "待确认", "confirmed": "已确认", "rejected": "已退回"}[self.value]


class DepositEntry(Audited, VersionedMixin, TimestampMixin, Base):
    """One movement of a project's deposit, earnest money or bond, confirmed by the coordinator."""

    __tablename__ = "deposit_entry"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_deposit_entry_project_id", "project_id", "happened_on", "id"),
        Index("ix_deposit_entry_status", "status", "happened_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="RESTRICT"))
    kind: Mapped[DepositKind] = mapped_column(str_enum(DepositKind, "deposit_kind"))
    action: Mapped[DepositAction] = mapped_column(str_enum(DepositAction, "deposit_action"))
    amount: Mapped[Decimal] = mapped_column(Numeric(16, 2))  # 万元
    happened_on: Mapped[date] = mapped_column(Date)
    voucher_no: Mapped[str] = mapped_column(String(60), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[DepositStatus] = mapped_column(
        str_enum(DepositStatus, "deposit_status"), default=DepositStatus.pending
    )
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None]
    review_note: Mapped[str] = mapped_column(Text, default="")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
