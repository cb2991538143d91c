"""Quality of a project beyond money: technology level, environmental and energy class, and fit with the
county's leading industries (主导产业, a list the coordinator keeps)."""

from __future__ import annotations

import enum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Audited, Base, TimestampMixin, VersionedMixin, str_enum


class EnvClass(enum.StrEnum):
    """环保绩效分级 (the grading of an enterprise's environmental performance)."""

    a = "a"
    b = "b"
    c = "c"
    d = "d"

    @property
    def label(self) -> str:
        return {"a": "环保绩效A级", "b": "环保绩效B级", "c": "环保绩效C级", "d": "环保绩效D级"}[self.value]


class EnergyClass(enum.StrEnum):
    low = "low"
    moderate = "moderate"
    high = "high"

    @property
    def label(self) -> str:
        return {"low": "低能耗", "moderate": "一般能耗", "high": "高耗能"}[self.value]


class TechLevel(enum.StrEnum):
    """The technology flags, as a filter's choices (each a column of ProjectQuality)."""

    high_tech = "high_tech"
    specialised = "specialised"
    tech_sme = "tech_sme"

    @property
    def label(self) -> str:
        return {"high_tech": "高新技术企业", "specialised": "专精特新", "tech_sme": "科技型中小企业"}[self.value]


class ProjectQuality(Audited, VersionedMixin, TimestampMixin, Base):
    """A project's quality flags: one row per project, made on its first edit."""

    __tablename__ = "project_quality"
    __table_args__ = (
        Index("ix_project_quality_high_tech", "high_tech", "project_id"),
        Index("ix_project_quality_specialised", "specialised", "project_id"),
        Index("ix_project_quality_tech_sme", "tech_sme", "project_id"),
        Index("ix_project_quality_leading_industry", "leading_industry", "project_id"),
        Index("ix_project_quality_env_class", "env_class", "project_id"),
        Index("ix_project_quality_energy_class", "energy_class", "project_id"),
    )

    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), primary_key=True)
    high_tech: Mapped[bool] = mapped_column(default=False)  # 高新技术企业
    specialised: Mapped[bool] = mapped_column(default=False)  # 专精特新
    tech_sme: Mapped[bool] = mapped_column(default=False)  # 科技型中小企业
    env_class: Mapped[EnvClass | None] = mapped_column(str_enum(EnvClass, "env_class"))
    energy_class: Mapped[EnergyClass | None] = mapped_column(str_enum(EnergyClass, "energy_class"))
    leading_industry: Mapped[str] = mapped_column(String(60), default="")  # '' : fits none


class LeadingIndustry(Audited, VersionedMixin, TimestampMixin, Base):
    """One of the county's leading industries (主导产业), kept by the coordinator."""

    __tablename__ = "leading_industry"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    is_active: Mapped[bool] = mapped_column(default=True)
