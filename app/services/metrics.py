"""The catalogue of metrics, computed from the records, never typed twice.

Each metric is computed for a date range and grouped by unit in one query, so a report over all
units costs one query per metric, not one per unit. Amounts are Decimal (万元, or 万美元 where the
unit says so). Credit rules: projects introduced and contract investment count for the
introducing unit; starts, production and funds for the responsible unit ("whoever brings it in
serves it": by default the same unit); valid leads for the credited units by their shares.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, exists, func, select
from sqlalchemy.orm import Session

from app.models.lead import Lead, LeadCredit, LeadStatus
from app.models.performance import EventProject, PromotionEvent, Reception, TradeEntry, Trip
from app.models.project import FundsArrival, FundsSource, FundsStatus, Project, ProjectKind

ZERO = Decimal(0)


@dataclass(frozen=True)
class Metric:
    code: str
    label: str
    unit: str
    higher_is_better: bool = True


METRICS: dict[str, Metric] = {
    m.code: m
    for m in [
        Metric("projects_introduced", "引进项目", "个"),
        Metric("projects_1000", "其中千万元以上项目", "个"),
        Metric("projects_1yi", "其中亿元以上项目", "个"),
        Metric("contract_investment", "合同投资额", "万元"),
        Metric("funds_domestic", "内资到位资金（已确认）", "万元"),
        Metric("funds_out_of_province", "其中省外资金", "万元"),
        Metric("foreign_capital", "到位外资（已确认）", "万美元"),
        Metric("new_starts", "新开工项目", "个"),
        Metric("new_start_investment", "新开工项目合同投资", "万元"),
        Metric("in_production", "新投产项目", "个"),
        Metric("valid_leads", "有效招商线索", "条"),
        Metric("trips", "外出招商", "次"),
        Metric("receptions", "接待客商", "批"),
        Metric("reception_persons", "接待客商人数", "人"),
        Metric("events", "举办推介活动", "场"),
        Metric("event_signed", "活动现场签约项目", "个"),
        Metric("foreign_trade", "外贸进出口", "万美元"),
    ]
}


def _between(column: Any, start: date, end: date) -> Any:
    return and_(column >= start, column <= end)


def _grouped(db: Session, stmt: Select[Any]) -> dict[int, Decimal]:
    return {row[0]: Decimal(row[1] or 0) for row in db.execute(stmt).all() if row[0] is not None}


def compute(
    db: Session, code: str, start: date, end: date, unit_ids: Iterable[int] | None = None
) -> dict[int, Decimal]:
    """{unit_id: value} for one metric over [start, end] (both inclusive)."""
    ids = list(unit_ids) if unit_ids is not None else None
    p = Project
    if code in ("projects_introduced", "projects_1000", "projects_1yi", "contract_investment"):
        value = func.count() if code != "contract_investment" else func.sum(p.contract_investment)
        stmt = select(p.introducing_unit_id, value).where(_between(p.signed_on, start, end))
        if code == "projects_1000":
            stmt = stmt.where(p.contract_investment >= 1000)
        if code == "projects_1yi":
            stmt = stmt.where(p.contract_investment >= 10000)
        if ids is not None:
            stmt = stmt.where(p.introducing_unit_id.in_(ids))
        return _grouped(db, stmt.group_by(p.introducing_unit_id))
    if code in ("funds_domestic", "funds_out_of_province", "foreign_capital"):
        f = FundsArrival
        stmt = (
            select(p.responsible_unit_id, func.sum(f.amount))
            .join(p, p.id == f.project_id)
            .where(f.status == FundsStatus.confirmed, _between(f.arrived_on, start, end))
        )
        if code == "funds_domestic":
            stmt = stmt.where(f.source != FundsSource.foreign)
        elif code == "funds_out_of_province":
            stmt = stmt.where(f.source == FundsSource.out_of_province)
        else:
            stmt = stmt.where(f.source == FundsSource.foreign)
        if ids is not None:
            stmt = stmt.where(p.responsible_unit_id.in_(ids))
        return _grouped(db, stmt.group_by(p.responsible_unit_id))
    if code in ("new_starts", "new_start_investment", "in_production"):
        column = p.production_on if code == "in_production" else p.started_on
        value = func.sum(p.contract_investment) if code == "new_start_investment" else func.count()
        stmt = select(p.responsible_unit_id, value).where(_between(column, start, end))
        if ids is not None:
            stmt = stmt.where(p.responsible_unit_id.in_(ids))
        return _grouped(db, stmt.group_by(p.responsible_unit_id))
    if code == "valid_leads":
        base = and_(
            Lead.status == LeadStatus.valid, Lead.duplicate_of_id.is_(None), _between(Lead.lead_date, start, end)
        )
        own = (
            select(Lead.unit_id, func.count())
            .where(base, ~exists().where(LeadCredit.lead_id == Lead.id))
            .group_by(Lead.unit_id)
        )
        shared = (
            select(LeadCredit.unit_id, func.sum(LeadCredit.share) / 100)
            .join(Lead, Lead.id == LeadCredit.lead_id)
            .where(base)
            .group_by(LeadCredit.unit_id)
        )
        result = _grouped(db, own)
        for unit_id, value in _grouped(db, shared).items():
            result[unit_id] = result.get(unit_id, ZERO) + value
        if ids is not None:
            result = {k: v for k, v in result.items() if k in set(ids)}
        return result
    if code in ("trips", "receptions", "reception_persons", "events", "event_signed", "foreign_trade"):
        if code == "trips":
            stmt = (
                select(Trip.unit_id, func.count()).where(_between(Trip.started_on, start, end)).group_by(Trip.unit_id)
            )
        elif code == "receptions":
            stmt = (
                select(Reception.unit_id, func.count())
                .where(_between(Reception.received_on, start, end))
                .group_by(Reception.unit_id)
            )
        elif code == "reception_persons":
            stmt = (
                select(Reception.unit_id, func.sum(Reception.persons))
                .where(_between(Reception.received_on, start, end))
                .group_by(Reception.unit_id)
            )
        elif code == "events":
            stmt = (
                select(PromotionEvent.unit_id, func.count())
                .where(_between(PromotionEvent.held_on, start, end))
                .group_by(PromotionEvent.unit_id)
            )
        elif code == "event_signed":
            stmt = (
                select(PromotionEvent.unit_id, func.count())
                .join(EventProject, EventProject.event_id == PromotionEvent.id)
                .where(_between(PromotionEvent.held_on, start, end))
                .group_by(PromotionEvent.unit_id)
            )
        else:
            stmt = (
                select(TradeEntry.unit_id, func.sum(TradeEntry.amount_usd))
                .where(_between(TradeEntry.month, start.replace(day=1), end))
                .group_by(TradeEntry.unit_id)
            )
        result = _grouped(db, stmt)
        return {k: v for k, v in result.items() if ids is None or k in set(ids)}
    raise KeyError(code)


def total(db: Session, code: str, start: date, end: date) -> Decimal:
    """All units together: one aggregate without grouping (every project and funds entry has its
    unit, so the sum over units equals the plain sum), else the sum of `compute`."""
    p, f = Project, FundsArrival
    stmt: Select[Any] | None = None
    if code in ("projects_introduced", "projects_1000", "projects_1yi", "contract_investment"):
        value = func.count() if code != "contract_investment" else func.sum(p.contract_investment)
        stmt = select(value).select_from(p).where(_between(p.signed_on, start, end))
        if code == "projects_1000":
            stmt = stmt.where(p.contract_investment >= 1000)
        if code == "projects_1yi":
            stmt = stmt.where(p.contract_investment >= 10000)
    elif code in ("funds_domestic", "funds_out_of_province", "foreign_capital"):
        stmt = select(func.sum(f.amount)).where(f.status == FundsStatus.confirmed, _between(f.arrived_on, start, end))
        if code == "funds_domestic":
            stmt = stmt.where(f.source != FundsSource.foreign)
        elif code == "funds_out_of_province":
            stmt = stmt.where(f.source == FundsSource.out_of_province)
        else:
            stmt = stmt.where(f.source == FundsSource.foreign)
    elif code in ("new_starts", "new_start_investment", "in_production"):
        column = p.production_on if code == "in_production" else p.started_on
        value = func.sum(p.contract_investment) if code == "new_start_investment" else func.count()
        stmt = select(value).select_from(p).where(_between(column, start, end))
    if stmt is None:
        return sum(compute(db, code, start, end).values(), ZERO)
    return Decimal(db.execute(stmt).scalar_one() or 0)


def totals(
    db: Session, codes: Iterable[str], periods: Iterable[tuple[date, date]]
) -> dict[tuple[str, date, date], Decimal]:
    """`total` of each metric over each period, with one query per table for all of them
    (conditional aggregates: count(*) FILTER (WHERE …)), not one query per metric and period."""
    codes, periods = list(codes), list(dict.fromkeys(periods))
    p, f = Project, FundsArrival
    families: dict[str, tuple[Any, list[Any], Any]] = {
        "signed": (p, [], p.signed_on),
        "started": (p, [], p.started_on),
        "production": (p, [], p.production_on),
        "funds": (f, [f.status == FundsStatus.confirmed], f.arrived_on),
    }
    measures: dict[str, tuple[str, Any, Any]] = {  # code: (family, aggregate, extra condition)
        "projects_introduced": ("signed", func.count(), None),
        "projects_1000": ("signed", func.count(), p.contract_investment >= 1000),
        "projects_1yi": ("signed", func.count(), p.contract_investment >= 10000),
        "contract_investment": ("signed", func.sum(p.contract_investment), None),
        "new_starts": ("started", func.count(), None),
        "new_start_investment": ("started", func.sum(p.contract_investment), None),
        "in_production": ("production", func.count(), None),
        "funds_domestic": ("funds", func.sum(f.amount), f.source != FundsSource.foreign),
        "funds_out_of_province": ("funds", func.sum(f.amount), f.source == FundsSource.out_of_province),
        "foreign_capital": ("funds", func.sum(f.amount), f.source == FundsSource.foreign),
    }
    result: dict[tuple[str, date, date], Decimal] = {}
    by_family: dict[str, list[str]] = {}
    for code in codes:
        if code in measures:
            by_family.setdefault(measures[code][0], []).append(code)
        else:
            for start, end in periods:
                result[(code, start, end)] = total(db, code, start, end)
    if not periods:
        return result
    low, high = min(s for s, _e in periods), max(e for _s, e in periods)
    for family, members in by_family.items():
        table, base, column = families[family]
        keys, columns = [], []
        for code in members:
            _family, aggregate, extra = measures[code]
            for start, end in periods:
                condition = _between(column, start, end) if extra is None else and_(_between(column, start, end), extra)
                keys.append((code, start, end))
                columns.append(aggregate.filter(condition))
        row = db.execute(select(*columns).select_from(table).where(*base, _between(column, low, high))).one()
        for key, value in zip(keys, row, strict=True):
            result[key] = Decimal(value or 0)
    return result


def drill(db: Session, code: str, start: date, end: date, unit_id: int | None) -> list[dict[str, Any]]:
    """The records a figure counts, so any figure can be opened down to its rows."""
    p = Project
    rows: list[dict[str, Any]] = []
    if code in ("projects_introduced", "projects_1000", "projects_1yi", "contract_investment"):
        stmt = select(p).where(_between(p.signed_on, start, end))
        if code == "projects_1000":
            stmt = stmt.where(p.contract_investment >= 1000)
        if code == "projects_1yi":
            stmt = stmt.where(p.contract_investment >= 10000)
        if unit_id is not None:
            stmt = stmt.where(p.introducing_unit_id == unit_id)
        for project in db.execute(stmt.order_by(p.signed_on, p.id)).scalars():
            rows.append(
                {
                    "kind": "project",
                    "id": project.id,
                    "name": project.name,
                    "date": project.signed_on,
                    "value": project.contract_investment if code == "contract_investment" else 1,
                    "note": "增资（只计增量）" if project.kind is ProjectKind.capital_increase else "",
                }
            )
    elif code in ("funds_domestic", "funds_out_of_province", "foreign_capital"):
        f = FundsArrival
        stmt = (
            select(f, p.name)
            .join(p, p.id == f.project_id)
            .where(f.status == FundsStatus.confirmed, _between(f.arrived_on, start, end))
        )
        stmt = (
            stmt.where(f.source != FundsSource.foreign)
            if code == "funds_domestic"
            else stmt.where(
                f.source == (FundsSource.out_of_province if code == "funds_out_of_province" else FundsSource.foreign)
            )
        )
        if unit_id is not None:
            stmt = stmt.where(p.responsible_unit_id == unit_id)
        for arrival, name in db.execute(stmt.order_by(f.arrived_on, f.id)).all():
            rows.append(
                {
                    "kind": "funds_arrival",
                    "id": arrival.id,
                    "project_id": arrival.project_id,
                    "name": name,
                    "date": arrival.arrived_on,
                    "value": arrival.amount,
                    "note": arrival.voucher_no,
                }
            )
    elif code in ("new_starts", "new_start_investment", "in_production"):
        column = p.production_on if code == "in_production" else p.started_on
        stmt = select(p).where(_between(column, start, end))
        if unit_id is not None:
            stmt = stmt.where(p.responsible_unit_id == unit_id)
        for project in db.execute(stmt.order_by(column, p.id)).scalars():
            rows.append(
                {
                    "kind": "project",
                    "id": project.id,
                    "name": project.name,
                    "date": getattr(project, "production_on" if code == "in_production" else "started_on"),
                    "value": project.contract_investment if code == "new_start_investment" else 1,
                    "note": "",
                }
            )
    elif code == "valid_leads":
        stmt = select(Lead).where(
            Lead.status == LeadStatus.valid, Lead.duplicate_of_id.is_(None), _between(Lead.lead_date, start, end)
        )
        for lead in db.execute(stmt.order_by(Lead.lead_date, Lead.id)).scalars():
            shares = {
                r.unit_id: r.share
                for r in db.execute(select(LeadCredit).where(LeadCredit.lead_id == lead.id)).scalars()
            } or {lead.unit_id: Decimal(100)}
            if unit_id is None or unit_id in shares:
                rows.append(
                    {
                        "kind": "lead",
                        "id": lead.id,
                        "name": lead.project_name,
                        "date": lead.lead_date,
                        "value": (shares.get(unit_id, Decimal(100)) / 100) if unit_id else Decimal(1),
                        "note": "、".join(f"{u}:{s}%" for u, s in shares.items()) if len(shares) > 1 else "",
                    }
                )
    return rows
