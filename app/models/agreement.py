"""Investment agreements (投资协议) and their commitments (承诺事项), and the results a firm reports after
production (投产后实绩: output, tax, jobs, energy, land) that the commitments are judged against."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Audited, Base, TimestampMixin, VersionedMixin, str_enum

Money = Numeric(16, 2)  # 万元


class CommitmentKind(enum.StrEnum):
    """What a commitment promises. Dated kinds promise a stage by a date; the others a figure (at least,
    or at most for energy per unit of output), optionally by a date."""

    investment = "investment"
    intensity = "intensity"
    plot_ratio = "plot_ratio"
    start = "start"
    completion = "completion"
    production = "production"
    full_capacity = "full_capacity"
    output = "output"
    tax = "tax"
    jobs = "jobs"
    energy = "energy"
    other = "other"

    @property
    def label(self) -> str:
        return COMMITMENT_KINDS[self][0]

    @property
    def unit(self) -> str:
        return COMMITMENT_KINDS[self][1]

    @property
    def is_milestone(self) -> bool:
        """A stage reached by a date (开工, 竣工, 投产, 达产): no figure."""
        return self in MILESTONE_KINDS

    @property
    def at_most(self) -> bool:
        """A ceiling rather than a floor (energy per unit of output)."""
        return self is CommitmentKind.energy


COMMITMENT_KINDS: dict[CommitmentKind, tuple[str, str]] = {
    CommitmentKind.investment: ("总投资", "万元"),
    CommitmentKind.intensity: ("投资强度", "万元/亩"),
    CommitmentKind.plot_ratio: ("容积率", ""),
    CommitmentKind.start: ("开工", ""),
    CommitmentKind.completion: ("竣工", ""),
    CommitmentKind.production: ("投产", ""),
    CommitmentKind.full_capacity: ("达产", ""),
    CommitmentKind.output: ("年产值", "万元"),
    CommitmentKind.tax: ("年税收", "万元"),
    CommitmentKind.jobs: ("就业人数", "人"),
    CommitmentKind.energy: ("单位产值能耗", "吨标准煤/万元"),
    CommitmentKind.other: ("其他约定", ""),
}
MILESTONE_KINDS = frozenset(
    {CommitmentKind.start, CommitmentKind.completion, CommitmentKind.production, CommitmentKind.full_capacity}
)


class CommitmentStatus(enum.StrEnum):
    """How a commitment stands today (computed, never stored: dates pass without any write)."""

    met = "met"
    behind = "behind"
    missed = "missed"
    no_result = "no_result"

    @property
    def label(self) -> str:
        return {"met": "达标", "behind": "滞后", "missed": "未达标", "no_result": "暂无结果"}[self.value]


class OtherDirection(enum.StrEnum):
    at_least = "at_least"
    at_most = "at_most"

    @property
    def label(self) -> str:
        return {"at_least": "不低于", "at_most": "不高于"}[self.value]


class InvestmentAgreement(Audited, VersionedMixin, TimestampMixin, Base):
    """A project's investment agreement (投资协议): when it was signed, by whom, its number and documents
    (attachments owned by `agreement`). One per project; a supplementary agreement is recorded by editing
    it (the trail keeps what it said before)."""

    __tablename__ = "investment_agreement"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="RESTRICT"), unique=True)
    signed_on: Mapped[date] = mapped_column(Date)
    parties: Mapped[str] = mapped_column(Text, default="")  # 甲方、乙方… as written in the agreement
    contract_no: Mapped[str] = mapped_column(String(60), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


class Commitment(Audited, VersionedMixin, TimestampMixin, Base):
    """One commitment of an agreement, with its due date and figure. Its id is stable: an award (or, later,
    a land price) tied to it names it (`award.commitment_id`)."""

    __tablename__ = "commitment"
    __table_args__ = (
        Index("ix_commitment_agreement_id", "agreement_id", "id"),
        Index("ix_commitment_project_id", "project_id"),
        CheckConstraint("figure IS NULL OR figure >= 0", name="figure_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("investment_agreement.id", ondelete="RESTRICT"))
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="RESTRICT"))
    kind: Mapped[CommitmentKind] = mapped_column(str_enum(CommitmentKind, "commitment_kind"))
    name: Mapped[str] = mapped_column(String(60), default="")  # an "other" condition's name
    unit: Mapped[str] = mapped_column(String(20), default="")  # an "other" condition's unit
    direction: Mapped[OtherDirection] = mapped_column(
        str_enum(OtherDirection, "other_direction"), default=OtherDirection.at_least
    )
    figure: Mapped[Decimal | None] = mapped_column(Numeric(16, 4))
    due_on: Mapped[date | None] = mapped_column(Date)
    # an "other" condition has no result to read: the coordinator records what was reached, and when
    actual: Mapped[Decimal | None] = mapped_column(Numeric(16, 4))
    actual_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")


class PeriodKind(enum.StrEnum):
    year = "year"
    quarter = "quarter"

    @property
    def label(self) -> str:
        return {"year": "年度", "quarter": "季度"}[self.value]


class ResultStatus(enum.StrEnum):
    pending = "pending"
    confirmed = "confirmed"
    rejected = "rejected"
    superseded = "superseded"

    @property
    def label(self) -> str:
        return {"pending": "待确认", "confirmed": "已确认", "rejected": "已退回", "superseded": "已被更正"}[self.value]


class ResultSource(enum.StrEnum):
    entered = "entered"
    tax_bureau = "tax_bureau"
    statistics = "statistics"

    @property
    def label(self) -> str:
        return {"entered": "责任单位录入", "tax_bureau": "税务部门导入", "statistics": "统计部门导入"}[self.value]


class ProjectResult(Audited, VersionedMixin, TimestampMixin, Base):
    """A firm's figures for a year or a quarter after production, with its evidence (attachments owned by
    `project_result`). Counted once the coordinator confirms it; a confirmed period corrected by a new entry
    becomes `superseded` when the new one is confirmed."""

    __tablename__ = "project_result"
    __table_args__ = (
        Index("ix_project_result_project_period", "project_id", "year", "quarter"),
        Index("ix_project_result_status", "status", "year", "id"),
        CheckConstraint("quarter IS NULL OR (quarter >= 1 AND quarter <= 4)", name="quarter_range"),
        CheckConstraint(
            "(output IS NULL OR output >= 0) AND (tax IS NULL OR tax >= 0) AND (jobs IS NULL OR jobs >= 0)"
            " AND (energy_tce IS NULL OR energy_tce >= 0) AND (land_used_mu IS NULL OR land_used_mu >= 0)",
            name="figures_non_negative",
        ),
        CheckConstraint("rd_spend IS NULL OR rd_spend >= 0", name="rd_spend_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="RESTRICT"))
    period_kind: Mapped[PeriodKind] = mapped_column(str_enum(PeriodKind, "period_kind"), default=PeriodKind.year)
    year: Mapped[int]
    quarter: Mapped[int | None]
    output: Mapped[Decimal | None] = mapped_column(Money)  # 产值, 万元
    tax: Mapped[Decimal | None] = mapped_column(Money)  # 上缴税金, 万元
    jobs: Mapped[int | None]  # 吸纳就业, 人
    energy_tce: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))  # 综合能耗, 吨标准煤
    land_used_mu: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))  # 实际用地, 亩
    rd_spend: Mapped[Decimal | None] = mapped_column(Money)  # 研发经费支出, 万元 (the per-mu evaluation's R&D share)
    source: Mapped[ResultSource] = mapped_column(str_enum(ResultSource, "result_source"), default=ResultSource.entered)
    evidence_no: Mapped[str] = mapped_column(String(100), default="")  # 完税证明、统计报表编号
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ResultStatus] = mapped_column(str_enum(ResultStatus, "result_status"), default=ResultStatus.pending)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None]
    review_note: Mapped[str] = mapped_column(Text, default="")

    @property
    def period_label(self) -> str:
        return f"{self.year}年" + (f"第{self.quarter}季度" if self.quarter else "")
