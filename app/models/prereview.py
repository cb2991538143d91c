"""Pre-review (项目预审) and the signing approval by level (签约审批): the gate before 正式签约.

`PrereviewDepartment`: the departments the coordinator names for a project category; each gives its opinion
(`PrereviewOpinion`: pass, or veto with a reason from the negative list, dated by the server's today). The
project's `prereview` column is derived from them (app.services.prereview). `PrereviewOverride`: a vetoed
project let go ahead by the level that may decide it (一事一议), recorded with who, when and the document.
`ProjectConcession`: whether the project asks for land-price or tax concessions (one input of the level).
`SigningApproval`: the approval of signing at a level (主要领导同意, 领导小组, 一事一议), with who approved it,
when, and the meeting or document."""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Audited, Base, TimestampMixin, VersionedMixin, str_enum
from app.models.project import ApprovalLevel, Category, NegativeReason


class OpinionVerdict(enum.StrEnum):
    passed = "passed"
    vetoed = "vetoed"

    @property
    def label(self) -> str:
        return {"passed": "同意", "vetoed": "否决"}[self.value]


class PrereviewDepartment(Audited, Base):
    """A department that pre-reviews projects of a category."""

    __tablename__ = "prereview_department"
    __table_args__ = (
        UniqueConstraint("category", "unit_id", name="uq_prereview_department_category_unit"),
        Index("ix_prereview_department_unit_id", "unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[Category] = mapped_column(str_enum(Category, "prereview_category"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))


class PrereviewOpinion(Audited, VersionedMixin, TimestampMixin, Base):
    """One department's opinion on one project (given again, it replaces the earlier one; the audit keeps it)."""

    __tablename__ = "prereview_opinion"
    __table_args__ = (
        UniqueConstraint("project_id", "unit_id", name="uq_prereview_opinion_project_unit"),
        Index("ix_prereview_opinion_unit_id", "unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    verdict: Mapped[OpinionVerdict] = mapped_column(str_enum(OpinionVerdict, "opinion_verdict"))
    reason: Mapped[NegativeReason | None] = mapped_column(str_enum(NegativeReason, "opinion_reason"))
    note: Mapped[str] = mapped_column(Text, default="")
    given_on: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


class PrereviewOverride(Audited, VersionedMixin, TimestampMixin, Base):
    """A vetoed project let go ahead, case by case (一事一议), by the level that may decide it."""

    __tablename__ = "prereview_override"
    __table_args__ = (UniqueConstraint("project_id", name="uq_prereview_override_project_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    decided_by: Mapped[str] = mapped_column(String(100))
    decided_title: Mapped[str] = mapped_column(String(100))
    decided_on: Mapped[date] = mapped_column(Date)
    document: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


class ProjectConcession(Audited, VersionedMixin, TimestampMixin, Base):
    """Whether a project asks for land-price or tax concessions beyond the policies (one per project)."""

    __tablename__ = "project_concession"
    __table_args__ = (UniqueConstraint("project_id", name="uq_project_concession_project_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    land_price: Mapped[bool] = mapped_column(default=False)
    tax: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(Text, default="")


class SigningApproval(Audited, VersionedMixin, TimestampMixin, Base):
    """The approval of a project's signing at a level (one per project; recorded again, it replaces it)."""

    __tablename__ = "signing_approval"
    __table_args__ = (UniqueConstraint("project_id", name="uq_signing_approval_project_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    level: Mapped[ApprovalLevel] = mapped_column(str_enum(ApprovalLevel, "signing_level"))
    required_level: Mapped[ApprovalLevel] = mapped_column(str_enum(ApprovalLevel, "signing_required_level"))
    approved_by: Mapped[str] = mapped_column(String(100))
    approved_on: Mapped[date] = mapped_column(Date)
    document_no: Mapped[str] = mapped_column(String(200))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
