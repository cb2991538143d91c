"""Units (单位): the tree of the jurisdiction's responsible units."""

from __future__ import annotations

import enum
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Audited, Base, TimestampMixin, VersionedMixin, str_enum


class UnitKind(enum.StrEnum):
    jurisdiction = "jurisdiction"
    department = "department"
    town = "town"
    subdistrict = "subdistrict"
    zone = "zone"
    zone_bureau = "zone_bureau"
    industry_team = "industry_team"
    resident_office = "resident_office"

    @property
    def label(self) -> str:
        return UNIT_KIND_LABELS[self]


UNIT_KIND_LABELS = {
    UnitKind.jurisdiction: "县（市、区）本级",
    UnitKind.department: "县直部门",
    UnitKind.town: "乡镇",
    UnitKind.subdistrict: "街道",
    UnitKind.zone: "园区、开发区",
    UnitKind.zone_bureau: "园区局",
    UnitKind.industry_team: "产业招商组",
    UnitKind.resident_office: "驻外招商分队",
}

TIER_LABELS = {1: "一档", 2: "二档", 3: "三档", 4: "四档"}


class Unit(Audited, VersionedMixin, TimestampMixin, Base):
    __tablename__ = "unit"
    __table_args__ = (
        CheckConstraint("tier IS NULL OR (tier BETWEEN 1 AND 4)", name="tier_range"),
        Index("ix_unit_parent_id", "parent_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(String(100), unique=True)
    short_name: Mapped[str] = mapped_column(String(30), default="")
    kind: Mapped[UnitKind] = mapped_column(str_enum(UnitKind, "unit_kind"))
    tier: Mapped[int | None]
    head_name: Mapped[str] = mapped_column(String(50), default="")
    # the account that receives escalations of the unit's overdue tickets
    head_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL", use_alter=True, name="fk_unit_head_user_id")
    )
    phone: Mapped[str] = mapped_column(String(30), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    sort_order: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)
    # a park's place on the map (units of kind zone; WGS-84, app.services.geo)
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))

    @property
    def display_name(self) -> str:
        return self.short_name or self.name
