"""Industry chains (产业链): the county's leading industries broken into links from upstream to downstream,
each chain with its chief (链长, a county leader), its leading firm (链主) and the team and units responsible;
the local firms attached to each link, the projects on each link (`chain_link_project`), and the investor
already in the county that brought another (`investor_introduction`, 以商招商).

The project's link and the investor's introducer are tables of their own rather than columns of `project`
and `investor`: SQLite cannot add a column with a named foreign key to a table without copying it, and the
copy would lose those tables' expression index and search triggers.

`chain_link.id` is the stable handle other areas attach to (the target companies to approach, 目标企业)."""

from __future__ import annotations

import enum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Audited, Base, TimestampMixin, VersionedMixin, str_enum


class ChainStage(enum.StrEnum):
    """Where a link sits on its chain (上游 raw materials, 中游 components and assembly, 下游 services)."""

    upstream = "upstream"
    midstream = "midstream"
    downstream = "downstream"

    @property
    def label(self) -> str:
        return {"upstream": "上游", "midstream": "中游", "downstream": "下游"}[self.value]


class IndustryChain(Audited, VersionedMixin, TimestampMixin, Base):
    """An industry chain (产业链) kept by the coordinator. The chief (链长) is a county leader's account (as
    `project.linked_leader_id`); the leading firm (链主) an investor of the catalogue or, when it is not one, a
    name; the team (专业招商组) a unit of kind industry_team."""

    __tablename__ = "industry_chain"
    __table_args__ = (
        Index("ix_industry_chain_sort", "sort_order", "id"),
        Index("ix_industry_chain_chief_user_id", "chief_user_id"),
        Index("ix_industry_chain_leading_investor_id", "leading_investor_id"),
        Index("ix_industry_chain_team_unit_id", "team_unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    chief_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    leading_investor_id: Mapped[int | None] = mapped_column(ForeignKey("investor.id", ondelete="SET NULL"))
    leading_firm_name: Mapped[str] = mapped_column(String(200), default="")  # 链主 when not in the catalogue
    team_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"))
    description: Mapped[str] = mapped_column(Text, default="")
    sort_order: Mapped[int] = mapped_column(default=0)


class ChainUnit(Audited, Base):
    """A unit responsible for a chain (责任单位), beside its team."""

    __tablename__ = "chain_unit"
    __table_args__ = (
        UniqueConstraint("chain_id", "unit_id", name="uq_chain_unit_chain_unit"),
        Index("ix_chain_unit_unit_id", "unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("industry_chain.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))


class ChainLink(Audited, VersionedMixin, TimestampMixin, Base):
    """A link (环节) of a chain, in a tree from upstream to downstream: `parent_id` is the link it hangs under
    (none for a top link), `position` its order among its siblings. A link with fewer local firms than
    `weak_threshold` is weak (弱链); with none and no project in production, a gap (缺链)."""

    __tablename__ = "chain_link"
    __table_args__ = (
        UniqueConstraint("chain_id", "name", name="uq_chain_link_chain_name"),
        CheckConstraint("weak_threshold >= 1 AND weak_threshold <= 1000", name="threshold_range"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        Index("ix_chain_link_chain_order", "chain_id", "parent_id", "position", "id"),
        Index("ix_chain_link_parent_id", "parent_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("industry_chain.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("chain_link.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(default=0)
    stage: Mapped[ChainStage] = mapped_column(str_enum(ChainStage, "chain_stage"), default=ChainStage.midstream)
    weak_threshold: Mapped[int] = mapped_column(default=2, server_default="2")
    note: Mapped[str] = mapped_column(Text, default="")


class ChainLinkFirm(Audited, Base):
    """A local firm (本地企业) on a link: an investor of the catalogue already in the county."""

    __tablename__ = "chain_link_firm"
    __table_args__ = (
        UniqueConstraint("link_id", "investor_id", name="uq_chain_link_firm_link_investor"),
        Index("ix_chain_link_firm_investor_id", "investor_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("chain_link.id", ondelete="RESTRICT"))
    investor_id: Mapped[int] = mapped_column(ForeignKey("investor.id", ondelete="RESTRICT"))
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


class ChainLinkProject(Audited, Base):
    """A project on a link (at most one link per project); the project's `industry_chain` text then holds the
    chain's name, which the lists, the per-mu evaluation and the dashboards group by."""

    __tablename__ = "chain_link_project"
    __table_args__ = (
        UniqueConstraint("project_id", name="uq_chain_link_project_project_id"),
        Index("ix_chain_link_project_link_id", "link_id", "project_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    link_id: Mapped[int] = mapped_column(ForeignKey("chain_link.id", ondelete="RESTRICT"))
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


class InvestorIntroduction(Audited, VersionedMixin, TimestampMixin, Base):
    """以商招商: the investor already in the county (`introducer_id`) that brought this one (`investor_id`).
    One per investor; none is version 0 to the forms and the API."""

    __tablename__ = "investor_introduction"
    __table_args__ = (
        UniqueConstraint("investor_id", name="uq_investor_introduction_investor_id"),
        CheckConstraint("introducer_id <> investor_id", name="not_self"),
        Index("ix_investor_introduction_introducer_id", "introducer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    investor_id: Mapped[int] = mapped_column(ForeignKey("investor.id", ondelete="CASCADE"))
    introducer_id: Mapped[int] = mapped_column(ForeignKey("investor.id", ondelete="RESTRICT"))
    note: Mapped[str] = mapped_column(String(200), default="")
