"""The year's assessment (年度考核) as the documents run it: 定量 (the indicators, computed), 定性 (assessors'
scores with reasons), deductions and bonuses, weighted into a 综合 score per unit (DOMAIN.md "People,
meetings and the loop").

The year's scheme holds the weights; publishing freezes the scheme and the computed results (every
point with its source) so that later changes to the records do not rewrite a published assessment.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Audited, Base, TimestampMixin, VersionedMixin, str_enum


class AssessmentStatus(enum.StrEnum):
    draft = "draft"  # the scheme may change; results are computed on every read
    published = "published"  # the scheme and the results are frozen

    @property
    def label(self) -> str:
        return {"draft": "未发布（随数据变化）", "published": "已发布"}[self.value]


class AdjustmentKind(enum.StrEnum):
    bonus = "bonus"
    deduction = "deduction"

    @property
    def label(self) -> str:
        return {"bonus": "加分", "deduction": "扣分"}[self.value]


class AssessmentScheme(Audited, VersionedMixin, TimestampMixin, Base):
    """考核方案: one per year. `params` holds the weights (see app.services.assessment.DEFAULT_PARAMS);
    `results` the frozen results once published."""

    __tablename__ = "assessment_scheme"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[AssessmentStatus] = mapped_column(
        str_enum(AssessmentStatus, "assessment_status"), default=AssessmentStatus.draft
    )
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    as_of: Mapped[str] = mapped_column(String(10), default="")  # the day the frozen results were computed to
    results: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)


class QualitativeScore(Audited, VersionedMixin, TimestampMixin, Base):
    """定性评分: one assessor's score (0–100) of one unit on one item of the year's scheme, with the reason."""

    __tablename__ = "qualitative_score"
    __table_args__ = (
        UniqueConstraint("year", "unit_id", "assessor_id", "item", name="uq_qualitative_score"),
        Index("ix_qualitative_score_year_unit", "year", "unit_id"),
        CheckConstraint("score >= 0 AND score <= 100", name="score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    assessor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    item: Mapped[str] = mapped_column(String(30))  # the code of an item in the scheme's qualitative_items
    score: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    reason: Mapped[str] = mapped_column(Text)


class AssessmentAdjustment(Audited, VersionedMixin, TimestampMixin, Base):
    """A bonus or a deduction the coordinator enters by hand (加分/扣分 项), with its reason and basis; the
    deductions the records show (late reports, overdue tasks, interviews, stale data) are computed instead."""

    __tablename__ = "assessment_adjustment"
    __table_args__ = (
        Index("ix_assessment_adjustment_year_unit", "year", "unit_id"),
        CheckConstraint("points > 0", name="points_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    kind: Mapped[AdjustmentKind] = mapped_column(str_enum(AdjustmentKind, "adjustment_kind"))
    points: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    reason: Mapped[str] = mapped_column(Text)
    basis: Mapped[str] = mapped_column(String(200), default="")  # the document or record it rests on
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    withdrawn: Mapped[bool] = mapped_column(default=False)
    withdraw_reason: Mapped[str] = mapped_column(Text, default="")
