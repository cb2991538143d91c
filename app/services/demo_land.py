"""Demo land and buildings (载体资源), deposits and quality (issue 20): plots in the two parks in every status
(one supplied to a signed project, one idle, two approved but not supplied, three available), standard
factory buildings and office space, the year's land quota won, the county's leading industries, the
quality of a few projects, and a signed project's deposits and land earnest money."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.base import utcnow
from app.models.deposit import DepositAction, DepositEntry, DepositKind, DepositStatus
from app.models.land import Building, BuildingKind, BuildingStatus, LandPlot, LandQuota, LandUse, PlotStatus, PriceUnit
from app.models.project import Category, Project, Stage
from app.models.quality import EnergyClass, EnvClass, LeadingIndustry, ProjectQuality
from app.models.unit import Unit, UnitKind
from app.models.user import User
from app.services import workdays

INDUSTRIES = ["新材料", "绿色食品", "装备制造", "文旅康养"]
# (code, name, park short name, 亩, use, status, price 万元/亩, services)
PLOTS = [
    (
        "JK-2026-01",
        "纬三路北侧地块",
        "经开区",
        "86.5",
        LandUse.industrial,
        PlotStatus.available,
        "18",
        "七通一平，110kV 变电站 1 公里",
    ),
    (
        "JK-2026-02",
        "经五路东侧地块",
        "经开区",
        "42",
        LandUse.industrial,
        PlotStatus.available,
        "18",
        "通水通电，临近高速出口",
    ),
    (
        "JK-2026-03",
        "物流园南区地块",
        "经开区",
        "65",
        LandUse.warehouse,
        PlotStatus.approved,
        "16",
        "已批未供，待征收完成",
    ),
    (
        "JK-2025-07",
        "纬一路南侧地块",
        "经开区",
        "120",
        LandUse.industrial,
        PlotStatus.supplied_unused,
        "17",
        "已供地，待开工",
    ),
    (
        "GX-2026-01",
        "科创大道西侧地块",
        "高新园",
        "35.8",
        LandUse.industrial,
        PlotStatus.available,
        "22",
        "园区标准地，带方案出让",
    ),
    ("GX-2024-05", "高新三路地块", "高新园", "58", LandUse.industrial, PlotStatus.idle, "20", "供地后两年未动工"),
    ("GX-2026-02", "研发区北地块", "高新园", "24", LandUse.mixed, PlotStatus.approved, "25", "批而未供"),
]
# (code, name, kind, park, ㎡, floors, load t/㎡, price, unit, status, services)
BUILDINGS = [
    (
        "JK-CF-03",
        "标准化厂房 3 号楼",
        BuildingKind.factory,
        "经开区",
        "6400",
        3,
        "1.5",
        "8",
        PriceUnit.yuan_per_m2_month,
        BuildingStatus.available,
        "货梯 2 部，前三年租金减半",
    ),
    (
        "JK-CF-05",
        "标准化厂房 5 号楼",
        BuildingKind.factory,
        "经开区",
        "4800",
        2,
        "2",
        "8",
        PriceUnit.yuan_per_m2_month,
        BuildingStatus.planned,
        "在建，明年 6 月交付",
    ),
    (
        "GX-BG-01",
        "科创中心 A 座",
        BuildingKind.office,
        "高新园",
        "12000",
        18,
        None,
        "35",
        PriceUnit.yuan_per_m2_month,
        BuildingStatus.available,
        "拎包入驻，人才公寓配套",
    ),
]


def load(db: Session) -> bool:
    if db.execute(select(LandPlot.id).limit(1)).first():
        return False
    units = {u.short_name: u for u in db.execute(select(Unit)).scalars()}
    bureaus = {u.parent_id: u for u in units.values() if u.kind is UnitKind.zone_bureau}
    if "经开区" not in units or "高新园" not in units:
        return False
    today = workdays.today()
    for name in INDUSTRIES:
        db.add(LeadingIndustry(name=name))
    signed = (
        db.execute(
            select(Project)
            .where(
                Project.category == Category.industrial,
                Project.signed_on.is_not(None),
                Project.is_confidential.is_(False),
            )
            .order_by(Project.id)
            .limit(3)
        )
        .scalars()
        .all()
    )
    for code, name, park, area, use, status, price, services in PLOTS:
        zone = units[park]
        plot = LandPlot(
            code=code, name=name, park_unit_id=zone.id, unit_id=(bureaus.get(zone.id) or zone).id,
            area_mu=Decimal(area), land_use=use, status=status, price=Decimal(price), price_unit=PriceUnit.wan_per_mu,
            services=services,
            location=f"{zone.name}{name}",
        )  # fmt: skip
        if status in (PlotStatus.supplied_unused, PlotStatus.idle) and signed:
            project = signed[0] if status is PlotStatus.supplied_unused else signed[-1]
            plot.project_id, plot.taken_on = (
                project.id,
                today - timedelta(days=200 if status is PlotStatus.idle else 40),
            )
        db.add(plot)
    for code, name, b_kind, park, area, floors, load_t, price, unit, b_status, services in BUILDINGS:
        zone = units[park]
        db.add(
            Building(
                code=code, name=name, kind=b_kind, park_unit_id=zone.id, unit_id=(bureaus.get(zone.id) or zone).id,
                floor_area_m2=Decimal(area), floors=floors, floor_load_t_m2=Decimal(load_t) if load_t else None,
                price=Decimal(price), price_unit=unit, status=b_status, services=services,
                location=f"{zone.name}{name}",
            )
        )  # fmt: skip
    db.add_all(
        [
            LandQuota(year=today.year, unit_id=units["经开区"].id, area_mu=Decimal(320),
                      source="省级重大产业项目用地指标", won_on=today - timedelta(days=90),
                      evidence=f"省自然资函〔{today.year}〕118号"),
            LandQuota(year=today.year, unit_id=units["高新园"].id, area_mu=Decimal(150), source="城乡建设用地增减挂钩",
                      won_on=today - timedelta(days=30), evidence=f"市自然资发〔{today.year}〕42号"),
        ]
    )  # fmt: skip
    for i, project in enumerate(signed):
        db.add(
            ProjectQuality(
                project_id=project.id, high_tech=i == 0, specialised=i == 1, tech_sme=i != 1,
                env_class=[EnvClass.a, EnvClass.b, EnvClass.c][i % 3],
                energy_class=EnergyClass.low if i else EnergyClass.moderate,
                leading_industry=INDUSTRIES[i % 2] if i < 2 else "",
            )
        )  # fmt: skip
    if signed and signed[0].stage.order >= Stage.signed.order:
        admin = db.execute(select(User).where(User.username == "zsj_admin")).scalar_one_or_none()
        project = signed[0]
        entries = [
            (DepositKind.land_earnest, DepositAction.received, "30", 60, DepositStatus.confirmed, "土地款定金"),
            (DepositKind.deposit, DepositAction.received, "500", 50, DepositStatus.confirmed, "项目押金"),
            (DepositKind.performance_bond, DepositAction.received, "200", 20, DepositStatus.pending, "履约保证金"),
        ]
        for d_kind, action, amount, days, d_status, note in entries:
            confirmed = d_status is DepositStatus.confirmed
            db.add(
                DepositEntry(
                    project_id=project.id, kind=d_kind, action=action, amount=Decimal(amount),
                    happened_on=today - timedelta(days=days), voucher_no=f"SJ-{days:03d}", note=note, status=d_status,
                    reviewed_by_id=admin.id if confirmed and admin else None,
                    reviewed_at=utcnow() if confirmed else None,
                    review_note="已核对收据" if confirmed else "",
                )
            )  # fmt: skip
    db.flush()
    return True
