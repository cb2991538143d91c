"""What the county publishes to investors (对外发布): the public pages under /invest read only these tables,
never a project's, a plot's or a building's rows, so nothing off this list can reach them.

- `public_profile`: the county's investment profile, one row (id 1): introduction, leading industries and
  chains, key figures as label/value lines the coordinator chooses, incentive policies in plain words;
- `public_project`: a 策划包装 project offered for investment, made from a project (its non-confidential
  fields copied as a starting point, then the coordinator's text), never a confidential one;
- `public_site`: a land plot or a building of the inventory offered to investors.

Every text is kept in Chinese (`_zh`) and English (`_en`). Each row is a draft until the coordinator
publishes it, and answers 404 on the public pages again once withdrawn."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Audited, Base, TimestampMixin, VersionedMixin, str_enum
from app.models.project import Money, Sector


class PublishState(enum.StrEnum):
    draft = "draft"
    published = "published"
    withdrawn = "withdrawn"

    @property
    def label(self) -> str:
        return {"draft": "草稿", "published": "已发布", "withdrawn": "已撤下"}[self.value]


class SiteKind(enum.StrEnum):
    plot = "plot"
    building = "building"

    @property
    def label(self) -> str:
        return {"plot": "土地", "building": "厂房楼宇"}[self.value]


def _state() -> Mapped[PublishState]:
    return mapped_column(str_enum(PublishState, "publish_state"), default=PublishState.draft)


class PublicProfile(Audited, VersionedMixin, TimestampMixin, Base):
    """The county's investment profile (投资环境): a single row, id 1."""

    __tablename__ = "public_profile"
    __table_args__ = (CheckConstraint("id = 1", name="singleton"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title_zh: Mapped[str] = mapped_column(String(100), default="")
    title_en: Mapped[str] = mapped_column(String(100), default="")
    intro_zh: Mapped[str] = mapped_column(Text, default="")
    intro_en: Mapped[str] = mapped_column(Text, default="")
    industries_zh: Mapped[str] = mapped_column(Text, default="")  # leading industries and chains
    industries_en: Mapped[str] = mapped_column(Text, default="")
    figures_zh: Mapped[str] = mapped_column(Text, default="")  # one "label: value" a line
    figures_en: Mapped[str] = mapped_column(Text, default="")
    policies_zh: Mapped[str] = mapped_column(Text, default="")  # incentive policies in plain words
    policies_en: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[PublishState] = _state()
    published_at: Mapped[datetime | None]


class PublicProject(Audited, VersionedMixin, TimestampMixin, Base):
    """A project seeking investment (招商项目), as published."""

    __tablename__ = "public_project"
    __table_args__ = (
        CheckConstraint("investment_wan >= 0", name="investment_non_negative"),
        CheckConstraint("land_mu IS NULL OR land_mu > 0", name="land_positive"),
        Index("ix_public_project_state", "state", "sort_order", "id"),
        Index("ix_public_project_project_id", "project_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="RESTRICT"))
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200), default="")
    sector: Mapped[Sector] = mapped_column(str_enum(Sector, "sector"), default=Sector.secondary)
    chain_zh: Mapped[str] = mapped_column(String(100), default="")  # the chain link's name
    chain_en: Mapped[str] = mapped_column(String(100), default="")
    investment_wan: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))  # 万元
    land_mu: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    summary_zh: Mapped[str] = mapped_column(Text, default="")
    summary_en: Mapped[str] = mapped_column(Text, default="")
    returns_zh: Mapped[str] = mapped_column(Text, default="")  # expected returns
    returns_en: Mapped[str] = mapped_column(Text, default="")
    policies_zh: Mapped[str] = mapped_column(Text, default="")  # policies that apply
    policies_en: Mapped[str] = mapped_column(Text, default="")
    contact_zh: Mapped[str] = mapped_column(String(100), default="")  # the contact unit's name
    contact_en: Mapped[str] = mapped_column(String(100), default="")
    contact_phone: Mapped[str] = mapped_column(String(30), default="")  # the unit's public phone
    sort_order: Mapped[int] = mapped_column(default=0)
    state: Mapped[PublishState] = _state()
    published_at: Mapped[datetime | None]


class PublicSite(Audited, VersionedMixin, TimestampMixin, Base):
    """A land plot or a building offered to investors (载体), as published."""

    __tablename__ = "public_site"
    __table_args__ = (
        CheckConstraint("(plot_id IS NULL) <> (building_id IS NULL)", name="one_source"),
        CheckConstraint("area IS NULL OR area > 0", name="area_positive"),
        Index("ix_public_site_state", "state", "sort_order", "id"),
        Index("ix_public_site_plot_id", "plot_id", unique=True),
        Index("ix_public_site_building_id", "building_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[SiteKind] = mapped_column(str_enum(SiteKind, "site_kind"))
    plot_id: Mapped[int | None] = mapped_column(ForeignKey("land_plot.id", ondelete="RESTRICT"))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("building.id", ondelete="RESTRICT"))
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100), default="")
    park_zh: Mapped[str] = mapped_column(String(100), default="")
    park_en: Mapped[str] = mapped_column(String(100), default="")
    area: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))  # 亩 for a plot, ㎡ for a building
    use_zh: Mapped[str] = mapped_column(String(100), default="")
    use_en: Mapped[str] = mapped_column(String(100), default="")
    price_zh: Mapped[str] = mapped_column(String(200), default="")
    price_en: Mapped[str] = mapped_column(String(200), default="")
    description_zh: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    sort_order: Mapped[int] = mapped_column(default=0)
    state: Mapped[PublishState] = _state()
    published_at: Mapped[datetime | None]
