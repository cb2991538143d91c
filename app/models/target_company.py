"""Target companies to approach (目标企业, 敲门招商): lists of firms worth knocking on (500强, 专精特新小巨人,
listed firms, chain leaders elsewhere) imported from XLSX, each company de-duplicated against the investor
catalogue and attached to a chain link, assigned to a unit and a person, its approaches (敲门: call, visit,
meeting, delegation) logged, and converted into a lead when one shows interest.

Named `target_*` after the lead's decision; not to be confused with the annual targets (`target`, 目标) of
app.models.performance. The pages live under /target-companies and /target-lists for the same reason."""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Audited, Base, TimestampMixin, VersionedMixin, str_enum


class TargetListKind(enum.StrEnum):
    fortune500 = "fortune500"
    little_giant = "little_giant"
    listed = "listed"
    chain_leader = "chain_leader"
    other = "other"

    @property
    def label(self) -> str:
        return {
            "fortune500": "500强",
            "little_giant": "专精特新小巨人",
            "listed": "上市公司",
            "chain_leader": "外地链主企业",
            "other": "其他",
        }[self.value]


class TargetStatus(enum.StrEnum):
    """new → contacted (an approach logged) → interested → lead (converted); declined ends it."""

    new = "new"
    contacted = "contacted"
    interested = "interested"
    lead = "lead"
    declined = "declined"

    @property
    def label(self) -> str:
        return {
            "new": "未接触",
            "contacted": "已接触",
            "interested": "有意向",
            "lead": "已转线索",
            "declined": "无意向",
        }[self.value]


class ApproachKind(enum.StrEnum):
    call = "call"
    visit = "visit"
    meeting = "meeting"
    delegation = "delegation"

    @property
    def label(self) -> str:
        return {"call": "电话", "visit": "登门拜访", "meeting": "会谈", "delegation": "组团考察"}[self.value]


class TargetList(Audited, VersionedMixin, TimestampMixin, Base):
    """A list of target companies (目标企业名单) as imported by the coordinator."""

    __tablename__ = "target_list"
    __table_args__ = (Index("ix_target_list_imported_by_id", "imported_by_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[TargetListKind] = mapped_column(str_enum(TargetListKind, "target_list_kind"))
    source_note: Mapped[str] = mapped_column(Text, default="")
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


class TargetCompany(Audited, VersionedMixin, TimestampMixin, Base):
    """A company of a list. `investor_id`: the catalogue's record of the same firm (same credit code, else the
    same normalised name) found at import; `name_key` is the normalised name the de-duplication compares."""

    __tablename__ = "target_company"
    __table_args__ = (
        Index("ix_target_company_list_id", "list_id", "id"),
        Index("ix_target_company_credit_code", "credit_code"),
        Index("ix_target_company_name_key", "name_key"),
        Index("ix_target_company_chain_link_id", "chain_link_id"),
        Index("ix_target_company_investor_id", "investor_id"),
        Index("ix_target_company_unit_status", "assigned_unit_id", "status", "id"),
        Index("ix_target_company_assigned_user_id", "assigned_user_id"),
        Index("ix_target_company_lead_id", "lead_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("target_list.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str | None] = mapped_column(String(18))
    industry: Mapped[str] = mapped_column(String(60), default="")
    hq_city: Mapped[str] = mapped_column(String(60), default="")
    size: Mapped[str] = mapped_column(String(60), default="")  # 规模：营收档次等，按名单原文
    chain_link_id: Mapped[int | None] = mapped_column(ForeignKey("chain_link.id", ondelete="SET NULL"))
    investor_id: Mapped[int | None] = mapped_column(ForeignKey("investor.id", ondelete="SET NULL"))
    assigned_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    assigned_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    status: Mapped[TargetStatus] = mapped_column(str_enum(TargetStatus, "target_status"), default=TargetStatus.new)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("lead.id", ondelete="SET NULL"))


class TargetApproach(Audited, TimestampMixin, Base):
    """One approach to a target company (一次敲门): what, when, with what outcome, by whom."""

    __tablename__ = "target_approach"
    __table_args__ = (
        Index("ix_target_approach_target_id", "target_id", "happened_on"),
        Index("ix_target_approach_by_user_id", "by_user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("target_company.id", ondelete="CASCADE"))
    kind: Mapped[ApproachKind] = mapped_column(str_enum(ApproachKind, "approach_kind"))
    happened_on: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(Text, default="")
    interested: Mapped[bool] = mapped_column(default=False)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
