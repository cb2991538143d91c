"""Factories for land plots, buildings, quotas and deposits (real rows, built through the models)."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from app.models.deposit import DepositAction, DepositEntry, DepositKind, DepositStatus
from app.models.land import Building, BuildingKind, LandPlot, LandQuota, LandUse, PlotStatus
from app.models.unit import Unit, UnitKind
from app.services import workdays
from tests.factories import make_unit

_n = itertools.count(1)


def make_park(db: Session, **overrides: Any) -> Unit:
    return make_unit(db, **{"kind": UnitKind.zone, **overrides})


def make_plot(db: Session, park: Unit, **overrides: Any) -> LandPlot:
    n = next(_n)
    values: dict[str, Any] = {
        "code": f"TP-{n:05d}",
        "name": f"测试地块{n}",
        "park_unit_id": park.id,
        "unit_id": park.id,
        "area_mu": Decimal(50),
        "land_use": LandUse.industrial,
        "status": PlotStatus.available,
        "price": Decimal(18),
    }
    values.update(overrides)
    plot = LandPlot(**values)
    db.add(plot)
    db.flush()
    return plot


def make_building(db: Session, park: Unit, **overrides: Any) -> Building:
    n = next(_n)
    values: dict[str, Any] = {
        "code": f"TB-{n:05d}",
        "name": f"测试厂房{n}",
        "kind": BuildingKind.factory,
        "park_unit_id": park.id,
        "unit_id": park.id,
        "floor_area_m2": Decimal(3000),
        "floors": 2,
    }
    values.update(overrides)
    building = Building(**values)
    db.add(building)
    db.flush()
    return building


def make_quota(db: Session, unit: Unit, **overrides: Any) -> LandQuota:
    values: dict[str, Any] = {
        "year": workdays.today().year,
        "unit_id": unit.id,
        "area_mu": Decimal(100),
        "source": "省级指标",
        "won_on": workdays.today(),
        "evidence": "测试批复〔2026〕1号",
    }
    values.update(overrides)
    quota = LandQuota(**values)
    db.add(quota)
    db.flush()
    return quota


def make_deposit(db: Session, project_id: int, amount: Decimal | int = 30, **overrides: Any) -> DepositEntry:
    values: dict[str, Any] = {
        "project_id": project_id,
        "kind": DepositKind.land_earnest,
        "action": DepositAction.received,
        "amount": Decimal(amount),
        "happened_on": workdays.today(),
        "status": DepositStatus.confirmed,
    }
    values.update(overrides)
    row = DepositEntry(**values)
    db.add(row)
    db.flush()
    return row


def land_ids(db: Session, unit: Unit, project_id: int) -> dict[str, int]:
    """Ids for the sweeps (route matrix, form errors): a plot and a building in a park that `unit` manages,
    the plot taken by the project; a land quota of the unit; a deposit of the project; a leading industry."""
    from app.models.quality import LeadingIndustry

    park = make_park(db)
    plot = make_plot(db, park, unit_id=unit.id, project_id=project_id, status=PlotStatus.supplied_unused)
    building = make_building(db, park, unit_id=unit.id)
    quota = make_quota(db, unit)
    deposit = make_deposit(db, project_id, status=DepositStatus.pending)
    industry = LeadingIndustry(name=f"主导产业{next(_n)}")
    db.add(industry)
    db.flush()
    return {
        "plot_id": plot.id,
        "building_id": building.id,
        "quota_id": quota.id,
        "deposit_id": deposit.id,
        "industry_id": industry.id,
    }
