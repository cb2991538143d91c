"""The catalogue of investors (客商库) and of natives working elsewhere (在外乡贤)."""

from __future__ import annotations

import enum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Audited, Base, TimestampMixin, VersionedMixin, str_enum


class InvestorKind(enum.StrEnum):
    company = "company"
    person = "person"


class InvestorType(enum.StrEnum):
    central_soe = "central_soe"
    top500 = "top500"
    listed = "listed"
    private = "private"
    foreign = "foreign"
    hmt = "hmt"
    individual = "individual"

    @property
    def label(self) -> str:
        return INVESTOR_TYPE_LABELS[self]


INVESTOR_TYPE_LABELS = {
    InvestorType.central_soe: "央企",
    InvestorType.top500: "500强",
    InvestorType.listed: "上市公司",
    InvestorType.private: "民营企业",
    InvestorType.foreign: "外资企业",
    InvestorType.hmt: "港澳台企业",
    InvestorType.individual: "个人",
}


class Investor(Audited, VersionedMixin, TimestampMixin, Base):
    __tablename__ = "investor"
    __table_args__ = (
        Index("ix_investor_name_key", "name_key"),
        Index("ix_investor_phone_key", "phone_key"),
        # search by any part of the name (see ix_project_name_trgm)
        Index("ix_investor_name_trgm", "name", postgresql_using="gin", postgresql_ops={"name": "gin_trgm_ops"}),
        Index("ix_investor_updated_at", "updated_at", "id"),  # the API's updated_since (sync)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[InvestorKind] = mapped_column(str_enum(InvestorKind, "investor_kind"))
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200))  # normalised for duplicate search
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    investor_type: Mapped[InvestorType] = mapped_column(str_enum(InvestorType, "investor_type"))
    origin_province: Mapped[str] = mapped_column(String(20), default="")
    origin_city: Mapped[str] = mapped_column(String(30), default="")
    origin_country: Mapped[str] = mapped_column(String(40), default="中国")
    industry: Mapped[str] = mapped_column(String(60), default="")
    contact_name: Mapped[str] = mapped_column(String(50), default="")
    contact_phone: Mapped[str] = mapped_column(String(30), default="")
    phone_key: Mapped[str] = mapped_column(String(20), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"))


class Native(Audited, VersionedMixin, TimestampMixin, Base):
    """在外乡贤: a native of the county working elsewhere, reached through kinship channels."""

    __tablename__ = "native"
    __table_args__ = (Index("ix_native_unit_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))  # the unit keeping the contact
    name: Mapped[str] = mapped_column(String(50))
    hometown: Mapped[str] = mapped_column(String(60))
    employer: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[str] = mapped_column(String(60), default="")
    working_city: Mapped[str] = mapped_column(String(60), default="")
    industry: Mapped[str] = mapped_column(String(60), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
