"""Land and buildings for investors (载体资源): industrial land plots, standard factory buildings and office
space in the parks, their photos, and the land quota (用地指标) the county wins from above."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Audited, Base, TimestampMixin, VersionedMixin, str_enum, utcnow
from app.models.geo import grid_column

Area = Numeric(12, 2)  # 亩
Price = Numeric(14, 2)


class PlotStatus(enum.StrEnum):
    """Where a plot stands; `available` plots are the ones offered to projects (matching)."""

    planned = "planned"
    approved = "approved"
    available = "available"
    supplied_unused = "supplied_unused"
    idle = "idle"
    in_use = "in_use"

    @property
    def label(self) -> str:
        return {
            "planned": "规划",
            "approved": "批而未供",
            "available": "可供",
            "supplied_unused": "供而未用",
            "idle": "闲置",
            "in_use": "在用",
        }[self.value]


class LandUse(enum.StrEnum):
    industrial = "industrial"
    warehouse = "warehouse"
    commercial = "commercial"
    mixed = "mixed"
    other = "other"

    @property
    def label(self) -> str:
        return {
            "industrial": "工业用地",
            "warehouse": "仓储用地",
            "commercial": "商服用地",
            "mixed": "混合用地",
            "other": "其他",
        }[self.value]


class PriceUnit(enum.StrEnum):
    wan_per_mu = "wan_per_mu"
    yuan_per_m2 = "yuan_per_m2"
    yuan_per_m2_month = "yuan_per_m2_month"

    @property
    def label(self) -> str:
        return {"wan_per_mu": "万元/亩", "yuan_per_m2": "元/㎡", "yuan_per_m2_month": "元/㎡·月"}[self.value]


class BuildingKind(enum.StrEnum):
    factory = "factory"
    office = "office"

    @property
    def label(self) -> str:
        return {"factory": "标准厂房", "office": "办公楼宇"}[self.value]


class BuildingStatus(enum.StrEnum):
    planned = "planned"
    available = "available"
    in_use = "in_use"

    @property
    def label(self) -> str:
        return {"planned": "在建", "available": "可供", "in_use": "已入驻"}[self.value]


class LandPlot(Audited, VersionedMixin, TimestampMixin, Base):
    """An industrial land plot in a park. `project_id` is the project that took it (supplied to it)."""

    __tablename__ = "land_plot"
    __table_args__ = (
        CheckConstraint("area_mu > 0", name="area_positive"),
        CheckConstraint("price IS NULL OR price >= 0", name="price_non_negative"),
        Index("ix_land_plot_status_park", "status", "park_unit_id", "id"),
        Index("ix_land_plot_park_unit_id", "park_unit_id", "id"),
        Index("ix_land_plot_unit_id", "unit_id", "status"),
        Index("ix_land_plot_project_id", "project_id"),
        Index("ix_land_plot_commitment_id", "commitment_id"),
        Index("ix_land_plot_position", "grid_x", "grid_y"),  # the map's points in view
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)  # 地块编号
    name: Mapped[str] = mapped_column(String(100))
    park_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))  # a unit of kind zone
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))  # who manages it
    area_mu: Mapped[Decimal] = mapped_column(Area)
    land_use: Mapped[LandUse] = mapped_column(str_enum(LandUse, "land_use"), default=LandUse.industrial)
    status: Mapped[PlotStatus] = mapped_column(str_enum(PlotStatus, "plot_status"), default=PlotStatus.available)
    price: Mapped[Decimal | None] = mapped_column(Price)
    price_unit: Mapped[PriceUnit] = mapped_column(str_enum(PriceUnit, "price_unit"), default=PriceUnit.wan_per_mu)
    location: Mapped[str] = mapped_column(String(200), default="")
    services: Mapped[str] = mapped_column(Text, default="")  # 配套：水电路气、通信…
    note: Mapped[str] = mapped_column(Text, default="")
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id", ondelete="RESTRICT"))
    taken_on: Mapped[date | None] = mapped_column(Date)
    # the commitment of the taker's agreement its (preferential) land price is conditional on: cleared when
    # the plot goes back to the inventory (app.services.agreements.set_condition)
    commitment_id: Mapped[int | None] = mapped_column(ForeignKey("commitment.id", ondelete="RESTRICT"))
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))  # on the map (WGS-84, app.services.geo)
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    grid_x: Mapped[int | None] = grid_column("longitude")  # the map's fine grid (app.models.geo)
    grid_y: Mapped[int | None] = grid_column("latitude")


class Building(Audited, VersionedMixin, TimestampMixin, Base):
    """A standard factory building (标准厂房) or office space (办公楼宇) in a park."""

    __tablename__ = "building"
    __table_args__ = (
        CheckConstraint("floor_area_m2 > 0", name="area_positive"),
        CheckConstraint("floors >= 1", name="floors_positive"),
        CheckConstraint("price IS NULL OR price >= 0", name="price_non_negative"),
        Index("ix_building_status_park", "status", "park_unit_id", "id"),
        Index("ix_building_park_unit_id", "park_unit_id", "id"),
        Index("ix_building_unit_id", "unit_id"),
        Index("ix_building_project_id", "project_id"),
        Index("ix_building_position", "grid_x", "grid_y"),  # the map's points in view
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[BuildingKind] = mapped_column(str_enum(BuildingKind, "building_kind"))
    park_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    floor_area_m2: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    floors: Mapped[int] = mapped_column(default=1)
    floor_load_t_m2: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))  # 楼面荷载 t/㎡
    status: Mapped[BuildingStatus] = mapped_column(
        str_enum(BuildingStatus, "building_status"), default=BuildingStatus.available
    )
    price: Mapped[Decimal | None] = mapped_column(Price)
    price_unit: Mapped[PriceUnit] = mapped_column(
        str_enum(PriceUnit, "price_unit"), default=PriceUnit.yuan_per_m2_month
    )
    location: Mapped[str] = mapped_column(String(200), default="")
    services: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id", ondelete="RESTRICT"))
    taken_on: Mapped[date | None] = mapped_column(Date)
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))  # on the map (WGS-84, app.services.geo)
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    grid_x: Mapped[int | None] = grid_column("longitude")  # the map's fine grid (app.models.geo)
    grid_y: Mapped[int | None] = grid_column("latitude")


class CarrierPhoto(Audited, Base):
    """A photo (or PDF) of a plot or a building, kept in the same store as projects' evidence
    (app/services/files.py)."""

    __tablename__ = "carrier_photo"
    __table_args__ = (
        CheckConstraint("(plot_id IS NULL) <> (building_id IS NULL)", name="one_owner"),
        Index("ix_carrier_photo_plot_id", "plot_id", "id"),
        Index("ix_carrier_photo_building_id", "building_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plot_id: Mapped[int | None] = mapped_column(ForeignKey("land_plot.id", ondelete="CASCADE"))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("building.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))  # photo, document
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(200))
    width: Mapped[int | None]
    height: Mapped[int | None]
    original_name: Mapped[str] = mapped_column(String(200), default="")
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class LandQuota(Audited, VersionedMixin, TimestampMixin, Base):
    """Land quota won from above (上争用地指标): the year, the unit that won it, 亩, where from, evidence."""

    __tablename__ = "land_quota"
    __table_args__ = (
        CheckConstraint("area_mu > 0", name="area_positive"),
        Index("ix_land_quota_year_unit", "year", "unit_id", "id"),
        Index("ix_land_quota_unit_id", "unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    area_mu: Mapped[Decimal] = mapped_column(Area)
    source: Mapped[str] = mapped_column(String(100))  # 省级下达、市级统筹、增减挂钩…
    won_on: Mapped[date] = mapped_column(Date)
    evidence: Mapped[str] = mapped_column(String(200))  # 批复文号
    note: Mapped[str] = mapped_column(Text, default="")
