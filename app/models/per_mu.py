"""The per-mu evaluation (亩均效益评价, Zhejiang's 亩均论英雄): a year's scheme (the indicators' weights, the
benchmark value of each that scores 100, the score bands of A/B/C), and, once published, the frozen results
per project and per firm (investor).

The results are frozen rows, not JSON on the scheme: lists page and filter them by unit, park, industry
chain and grade in SQL, and `grade_for` reads one row by its index.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Audited, Base, TimestampMixin, VersionedMixin, str_enum


class PerMuStatus(enum.StrEnum):
    draft = "draft"  # the scheme may change; results are computed on every read (a preview)
    published = "published"  # the scheme and the results are frozen

    @property
    def label(self) -> str:
        return {"draft": "未发布（预览随数据变化）", "published": "已发布"}[self.value]


class PerMuLevel(enum.StrEnum):
    project = "project"
    firm = "firm"

    @property
    def label(self) -> str:
        return {"project": "项目", "firm": "企业"}[self.value]


class Grade(enum.StrEnum):
    A = "A"
    B = "B"
    C = "C"
    D = "D"

    @property
    def label(self) -> str:
        return {"A": "A 类（优先发展）", "B": "B 类（提升发展）", "C": "C 类（调整发展）", "D": "D 类（整治提升）"}[
            self.value
        ]


class PerMuScheme(Audited, VersionedMixin, TimestampMixin, Base):
    """亩均评价方案: one per year. `params` holds the weights, benchmarks and bands (see
    app.services.per_mu.DEFAULT_PARAMS). Publishing freezes it and writes the results' rows; `results_count`
    and `results_digest` (SHA-256 of the frozen rows) enter the audit trail with the publication."""

    __tablename__ = "per_mu_scheme"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[PerMuStatus] = mapped_column(str_enum(PerMuStatus, "per_mu_status"), default=PerMuStatus.draft)
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    results_count: Mapped[int] = mapped_column(default=0)
    results_digest: Mapped[str] = mapped_column(String(64), default="")


class PerMuResult(Base):
    """One frozen result of a published year: a project's (level project) or a firm's (level firm: its
    projects summed). Written once at publication and never changed (the publication is audited on the
    scheme, with the rows' count and digest). `reason` is set (and `grade` empty) when it is not classified:
    missing data or no land. A project's row carries its firm's grade (`firm_grade`), which the warning flags
    read."""

    __tablename__ = "per_mu_result"
    __table_args__ = (
        Index("ix_per_mu_result_list", "year", "level", "grade", "id"),
        Index("ix_per_mu_result_unit", "year", "level", "unit_id"),
        Index("ix_per_mu_result_zone", "year", "level", "zone_unit_id"),
        Index("ix_per_mu_result_chain", "year", "level", "industry_chain"),
        Index("ix_per_mu_result_project", "project_id", "year"),
        Index("ix_per_mu_result_investor", "investor_id", "year", "level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("per_mu_scheme.id", ondelete="RESTRICT"))
    year: Mapped[int]
    level: Mapped[PerMuLevel] = mapped_column(str_enum(PerMuLevel, "per_mu_level"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id", ondelete="RESTRICT"))
    investor_id: Mapped[int] = mapped_column(ForeignKey("investor.id", ondelete="RESTRICT"))
    # a project's units, park and chain as they were (a firm's row: none; it is found through its projects)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    zone_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    industry_chain: Mapped[str] = mapped_column(String(60), default="")
    projects_count: Mapped[int] = mapped_column(default=1)
    land_mu: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    output: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    tax: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    energy_tce: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    rd_spend: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    tax_per_mu: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    output_per_mu: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    output_per_energy: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    rd_share: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))  # %
    score: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    grade: Mapped[Grade | None] = mapped_column(str_enum(Grade, "per_mu_grade"))
    firm_grade: Mapped[Grade | None] = mapped_column(str_enum(Grade, "per_mu_firm_grade"))
    reason: Mapped[str] = mapped_column(Text, default="")  # why it is not classified ("缺少用地面积；缺少产值")
