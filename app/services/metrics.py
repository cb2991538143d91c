"""The catalogue of metrics, computed from the records, never typed twice.

Each metric is computed for a date range and grouped by unit in one query, so a report over all
units costs one query per metric, not one per unit. Amounts are Decimal (万元, or 万美元 where the
unit says so). Credit rules: projects introduced and contract investment count for the
introducing unit; starts, production and funds for the responsible unit ("whoever brings it in
serves it": by default the same unit); valid leads for the credited units by their shares.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Executable, Select, and_, bindparam, exists, func, or_, select, true
from sqlalchemy.orm import Session

from app.models.lead import Lead, LeadCredit, LeadStatus
from app.models.performance import EventProject, PromotionEvent, Reception, TradeEntry, Trip
from app.models.project import FundsArrival, FundsSource, FundsStatus, Project, ProjectKind
from app.models.user import Role
from app.principal import Principal
from app.services import projects

ZERO = Decimal(0)
NOBODY = Principal(role=Role.unit_staff, unit_id=None, label="")  # sees no confidential project's identity


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


def _grouped(db: Session, stmt: Executable) -> dict[int, Decimal]:
    return {row[0]: Decimal(row[1] or 0) for row in db.execute(stmt).all() if row[0] is not None}


def compute(
    db: Session, code: str, start: date, end: date, unit_ids: Iterable[int] | None = None
) -> dict[int, Decimal]:
    """{unit_id: value} for one metric over [start, end] (both inclusive)."""
    ids = list(unit_ids) if unit_ids is not None else None
    known = db.info.get(_KNOWN, {}).get((code, start, end))
    if known is not None:  # computed already, by a report in one pass (see `reusing`)
        return {k: v for k, v in known.items() if ids is None or k in ids}
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
        for unit_id, credited in _grouped(db, shared).items():
            result[unit_id] = result.get(unit_id, ZERO) + credited
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


# Metrics that one pass over one table computes together, with conditional aggregates: for each,
# the date column that places a record in a period, the unit credited (introducing for signing,
# responsible for the rest), the aggregate ("count" or the column summed) and any extra condition.
# The same definitions as `compute` and `total` above.
_MEASURES: dict[str, tuple[Any, Any, str, Any]] = {
    "projects_introduced": (Project.signed_on, Project.introducing_unit_id, "count", None),
    "projects_1000": (Project.signed_on, Project.introducing_unit_id, "count", Project.contract_investment >= 1000),
    "projects_1yi": (Project.signed_on, Project.introducing_unit_id, "count", Project.contract_investment >= 10000),
    "contract_investment": (Project.signed_on, Project.introducing_unit_id, "contract_investment", None),
    "new_starts": (Project.started_on, Project.responsible_unit_id, "count", None),
    "new_start_investment": (Project.started_on, Project.responsible_unit_id, "contract_investment", None),
    "in_production": (Project.production_on, Project.responsible_unit_id, "count", None),
    "funds_domestic": (FundsArrival.arrived_on, Project.responsible_unit_id, "amount", None),
    "funds_out_of_province": (FundsArrival.arrived_on, Project.responsible_unit_id, "amount", None),
    "foreign_capital": (FundsArrival.arrived_on, Project.responsible_unit_id, "amount", None),
}
# the sources each funds metric adds up: `source != foreign`, `== out_of_province`, `== foreign`
# in `compute`; the funds pass groups by source and adds these groups' sums
_FUNDS_SOURCES: dict[str, frozenset[FundsSource]] = {
    "funds_domestic": frozenset(s for s in FundsSource if s is not FundsSource.foreign),
    "funds_out_of_province": frozenset({FundsSource.out_of_province}),
    "foreign_capital": frozenset({FundsSource.foreign}),
}

Figures = dict[tuple[str, date, date], dict[int, Decimal]]


def _filtered(table: Any, pair: tuple[str, date, date]) -> Any:
    """The aggregate of one (metric, start, end) as `aggregate(…) FILTER (WHERE …)`."""
    code, start, end = pair
    column, _unit, measured, extra = _MEASURES[code]
    condition = _between(column, start, end) if extra is None else and_(_between(column, start, end), extra)
    aggregate = func.count() if measured == "count" else func.sum(getattr(table, measured))
    return aggregate.filter(condition)


def _add(figures: Figures, pair: tuple[str, date, date], unit_id: int | None, value: Any) -> None:
    """Count a group's value for a unit. A filtered count is 0 and a filtered sum NULL (the summed
    columns are NOT NULL) where no record matched: there `compute` has no row for the unit."""
    if unit_id is None or not (value if _MEASURES[pair[0]][2] == "count" else value is not None):
        return
    figures[pair][unit_id] = figures[pair].get(unit_id, ZERO) + Decimal(value or 0)  # a zero sum as `compute` has it


def by_unit(db: Session, wanted: Iterable[tuple[str, date, date]]) -> Figures:
    """`compute` of each (metric, start, end) for all units, in one query per table instead of one
    per metric and period: projects (signed, started, in production) in one pass, confirmed funds in
    one, valid leads in two. A unit is listed under a pair exactly when `compute` lists it.
    Activities and trade (small tables) fall back to `compute`.

    The date ranges are in the aggregates' filters, not in WHERE (at most an upper bound): these
    passes read most of the table, and a two-sided range in WHERE sends SQLite's planner through
    the date index row by row, several times slower than reading the table in order."""
    pairs = list(dict.fromkeys(wanted))
    result: Figures = {pair: {} for pair in pairs}
    on_projects = [pair for pair in pairs if pair[0] in _MEASURES and _MEASURES[pair[0]][0].class_ is Project]
    on_funds = [pair for pair in pairs if pair[0] in _MEASURES and pair not in on_projects]
    leads = [pair for pair in pairs if pair[0] == "valid_leads"]
    for pair in pairs:
        if pair[0] not in _MEASURES and pair[0] != "valid_leads":
            result[pair] = compute(db, *pair)
    if on_projects:  # grouped by both units; each metric credits one of them
        stmt = select(
            Project.introducing_unit_id, Project.responsible_unit_id, *(_filtered(Project, p) for p in on_projects)
        ).group_by(Project.introducing_unit_id, Project.responsible_unit_id)
        for row in db.execute(stmt).all():
            for pair, value in zip(on_projects, row[2:], strict=True):
                credited = row[0] if _MEASURES[pair[0]][1] is Project.introducing_unit_id else row[1]
                _add(result, pair, credited, value)
    if on_funds:  # grouped by unit and source: one filtered sum per period, whatever the metrics
        periods = list(dict.fromkeys((start, end) for _code, start, end in on_funds))
        stmt = (
            select(
                Project.responsible_unit_id,
                FundsArrival.source,
                *(func.sum(FundsArrival.amount).filter(_between(FundsArrival.arrived_on, s, e)) for s, e in periods),
            )
            .select_from(FundsArrival)
            .join(Project, Project.id == FundsArrival.project_id)
            .where(FundsArrival.status == FundsStatus.confirmed, FundsArrival.arrived_on <= max(e for _s, e in periods))
            .group_by(Project.responsible_unit_id, FundsArrival.source)
        )
        for row in db.execute(stmt).all():
            sums = dict(zip(periods, row[2:], strict=True))
            for code, start, end in on_funds:
                if row[1] in _FUNDS_SOURCES[code]:
                    _add(result, (code, start, end), row[0], sums[(start, end)])
    for pair in on_projects + on_funds:  # a sum over several groups that comes to zero: 0, as in `compute`
        result[pair] = {unit: value or ZERO for unit, value in result[pair].items()}
    if leads:
        result.update(_valid_leads(db, leads))
    return result


def _valid_leads(db: Session, pairs: list[tuple[str, date, date]]) -> Figures:
    """valid_leads over several periods: a lead without credit rows counts 1 for its own unit, a
    credited one its shares; one grouped query for each, a filtered aggregate per period."""
    base = and_(Lead.status == LeadStatus.valid, Lead.duplicate_of_id.is_(None))
    own = (
        select(Lead.unit_id, *(func.count().filter(_between(Lead.lead_date, s, e)) for _c, s, e in pairs))
        .where(base, ~exists().where(LeadCredit.lead_id == Lead.id))
        .group_by(Lead.unit_id)
    )
    shared = (
        select(
            LeadCredit.unit_id,
            *(func.sum(LeadCredit.share).filter(_between(Lead.lead_date, s, e)) / 100 for _c, s, e in pairs),
        )
        .join(Lead, Lead.id == LeadCredit.lead_id)
        .where(base)
        .group_by(LeadCredit.unit_id)
    )
    result: Figures = {pair: {} for pair in pairs}
    for row in db.execute(own).all():
        for pair, value in zip(pairs, row[1:], strict=True):
            if row[0] is not None and value:
                result[pair][row[0]] = Decimal(value)
    for credited in db.execute(shared).all():
        for pair, value in zip(pairs, credited[1:], strict=True):
            if credited[0] is not None and value is not None:
                result[pair][credited[0]] = result[pair].get(credited[0], ZERO) + Decimal(value or 0)
    return result


# --- one unit's figures ------------------------------------------------------------------------
# The unit board asks one unit's figures on the metrics it has targets on: one row from one pass
# over the unit's projects, one over its funds and one over each kind of its valid leads, with the
# definitions of `compute`, instead of a statement per metric.

UNIT_CODES = (*_MEASURES, "valid_leads")  # what `unit_figures` computes; the others are asked of `compute`
_SOURCE_CONDITIONS: dict[str, ColumnElement[bool]] = {  # as in `compute`
    "funds_domestic": FundsArrival.source != FundsSource.foreign,
    "funds_out_of_province": FundsArrival.source == FundsSource.out_of_province,
    "foreign_capital": FundsArrival.source == FundsSource.foreign,
}


def unit_figures(
    unit_id: Any,
    start: Any,
    end: Any,
    *,
    project_columns: Sequence[ColumnElement[Any]] = (),
    funds_columns: Sequence[ColumnElement[Any]] = (),
) -> Select[Any]:
    """One row: each metric of UNIT_CODES for one unit over [start, end] (values or bound parameters),
    as `figures_of` reads it. `project_columns` (labelled aggregates) are computed in the same pass
    over the projects the unit introduced or is responsible for, `funds_columns` over the funds
    entries (of any status) of the projects it is responsible for."""
    p, f = Project, FundsArrival
    on_projects = []
    for code, (column, credited, measured, extra) in _MEASURES.items():
        if column.class_ is Project:
            condition = and_(credited == unit_id, _between(column, start, end), *([] if extra is None else [extra]))
            aggregate = func.count() if measured == "count" else func.sum(getattr(p, measured))
            on_projects.append(aggregate.filter(condition).label(code))
    projects = (
        select(*on_projects, *project_columns)
        .where(or_(p.introducing_unit_id == unit_id, p.responsible_unit_id == unit_id))
        .subquery("unit_projects")
    )
    confirmed = and_(f.status == FundsStatus.confirmed, _between(f.arrived_on, start, end))
    funds = (
        select(
            *(
                func.sum(f.amount).filter(and_(confirmed, source)).label(code)
                for code, source in _SOURCE_CONDITIONS.items()
            ),
            *funds_columns,
        )
        .select_from(f)
        .join(p, p.id == f.project_id)
        .where(p.responsible_unit_id == unit_id)
        .subquery("unit_funds")
    )
    valid = and_(Lead.status == LeadStatus.valid, Lead.duplicate_of_id.is_(None), _between(Lead.lead_date, start, end))
    own = (
        select(func.count().label("valid_leads_own"))
        .where(valid, Lead.unit_id == unit_id, ~exists().where(LeadCredit.lead_id == Lead.id))
        .subquery("unit_own_leads")
    )
    shared = (
        select((func.sum(LeadCredit.share) / 100).label("valid_leads_shared"))
        .join(Lead, Lead.id == LeadCredit.lead_id)
        .where(valid, LeadCredit.unit_id == unit_id)
        .subquery("unit_shared_leads")
    )
    return select(projects, funds, own, shared).select_from(
        projects.join(funds, true()).join(own, true()).join(shared, true())
    )


def figures_of(row: Any) -> dict[str, Decimal]:
    """{code: value} from a row holding the columns of `unit_figures`: `compute`'s value for the
    unit, 0 where `compute` has none."""
    values = row._mapping
    result = {code: Decimal(values[code] or 0) for code in _MEASURES}
    result["valid_leads"] = Decimal(values["valid_leads_own"] or 0) + Decimal(values["valid_leads_shared"] or 0)
    return result


_UNIT_FIGURES = unit_figures(bindparam("unit_id"), bindparam("start"), bindparam("end"))  # built once


def of_unit(
    db: Session, unit_id: int, codes: Iterable[str], start: date, end: date, row: Any = None
) -> dict[str, Decimal]:
    """{code: value} of one unit over [start, end], 0 where it has none (as `compute(…).get(unit, 0)`):
    the metrics of UNIT_CODES from one statement (or from `row`, the columns of `unit_figures` read
    within a larger statement), the others from `compute`."""
    wanted = list(dict.fromkeys(codes))
    result: dict[str, Decimal] = {}
    if any(code in UNIT_CODES for code in wanted):
        if row is None:
            row = db.execute(_UNIT_FIGURES, {"unit_id": unit_id, "start": start, "end": end}).one()
        figures = figures_of(row)
        result = {code: figures[code] for code in wanted if code in figures}
    for code in wanted:
        if code not in result:
            result[code] = compute(db, code, start, end, [unit_id]).get(unit_id, ZERO)
    return result


def totals(
    db: Session, codes: Iterable[str], periods: Iterable[tuple[date, date]]
) -> dict[tuple[str, date, date], Decimal]:
    """`total` of each metric over each period, from `by_unit` (every project and funds entry has
    its unit, so the sum over units is the plain sum)."""
    periods = list(periods)
    figures = by_unit(db, [(code, start, end) for code in codes for start, end in periods])
    return {pair: sum_of(values) for pair, values in figures.items()}


def sum_of(per_unit: dict[int, Decimal]) -> Decimal:
    """The total over units, a zero written as `total` writes it (0, not 0.00)."""
    return sum(per_unit.values(), ZERO) or ZERO


_KNOWN = "metrics.known_figures"


@contextmanager
def reusing(db: Session, figures: Figures) -> Iterator[None]:
    """Within the block, `compute` answers the (metric, start, end) in `figures` from them instead of
    asking the database again: a report that has computed its figures by unit in one pass (`by_unit`)
    hands them to the standings it builds on. Only for reading: nothing may change the records
    inside the block."""
    previous = db.info.get(_KNOWN)
    db.info[_KNOWN] = {**(previous or {}), **figures}
    try:
        yield
    finally:
        if previous is None:
            db.info.pop(_KNOWN, None)
        else:
            db.info[_KNOWN] = previous


# what `projects.view` reads of a project, so that a record shows a confidential project as the reader may see it
_IDENTITY = (
    Project.name,
    Project.code_name,
    Project.is_confidential,
    Project.responsible_unit_id,
    Project.introducing_unit_id,
)


def _drill_scope(code: str, start: date, end: date, unit_id: int | None) -> tuple[Any, Any, Any]:
    """The records `drill` lists for one metric, as (statement of their rows in date order, the column of
    the value each counts (None: each counts 1), the statement counted and summed). Not for valid_leads."""
    p, f = Project, FundsArrival
    if code in ("projects_introduced", "projects_1000", "projects_1yi", "contract_investment"):
        condition = [_between(p.signed_on, start, end)]
        if code == "projects_1000":
            condition.append(p.contract_investment >= 1000)
        if code == "projects_1yi":
            condition.append(p.contract_investment >= 10000)
        if unit_id is not None:
            condition.append(p.introducing_unit_id == unit_id)
        rows: Any = (
            select(p.id, *_IDENTITY, p.signed_on.label("date"), p.contract_investment, p.kind)
            .where(*condition)
            .order_by(p.signed_on, p.id)
        )
        value = p.contract_investment if code == "contract_investment" else None
        return rows, value, select(p.id, p.contract_investment).where(*condition)
    if code in ("funds_domestic", "funds_out_of_province", "foreign_capital"):
        condition = [f.status == FundsStatus.confirmed, _between(f.arrived_on, start, end)]
        if code == "funds_domestic":
            condition.append(f.source != FundsSource.foreign)
        else:
            condition.append(
                f.source == (FundsSource.out_of_province if code == "funds_out_of_province" else FundsSource.foreign)
            )
        if unit_id is not None:
            condition.append(p.responsible_unit_id == unit_id)
        rows = (
            select(f.id, f.project_id, *_IDENTITY, f.arrived_on.label("date"), f.amount, f.voucher_no)
            .join(p, p.id == f.project_id)
            .where(*condition)
            .order_by(f.arrived_on, f.id)
        )
        counted = select(f.id, f.amount).join(p, p.id == f.project_id).where(*condition)
        return rows, f.amount, counted
    column = p.production_on if code == "in_production" else p.started_on
    condition = [_between(column, start, end)]
    if unit_id is not None:
        condition.append(p.responsible_unit_id == unit_id)
    rows = (
        select(p.id, *_IDENTITY, column.label("date"), p.contract_investment).where(*condition).order_by(column, p.id)
    )
    value = p.contract_investment if code == "new_start_investment" else None
    return rows, value, select(p.id, p.contract_investment).where(*condition)


def drill(
    db: Session,
    code: str,
    start: date,
    end: date,
    unit_id: int | None,
    *,
    principal: Principal | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int, Decimal]:
    """The records a figure counts, so any figure can be opened down to its rows: one page of them (in
    date order), how many there are in all and the sum of their values. Two statements (valid leads: up
    to four), whatever the number of records. A confidential project's record is named as `principal`
    may see it (no principal: as someone who sees no confidential project's identity)."""
    reader = principal or NOBODY
    if code == "valid_leads":
        return _drill_leads(db, reader, start, end, unit_id, limit, offset)
    if code not in _MEASURES:
        return [], 0, ZERO
    rows_stmt, value, counted = _drill_scope(code, start, end, unit_id)
    counted_sq = counted.subquery()
    summed = func.count() if value is None else func.sum(counted_sq.c[value.key])
    total, summed_value = db.execute(select(func.count(), summed).select_from(counted_sq)).one()
    rows: list[dict[str, Any]] = []
    for r in db.execute(rows_stmt.limit(limit).offset(offset)).all():
        if code in ("funds_domestic", "funds_out_of_province", "foreign_capital"):
            rows.append(
                {
                    "kind": "funds_arrival",
                    "id": r.id,
                    "project_id": r.project_id,
                    "name": projects.display_name(reader, r),
                    "date": r.date,
                    "value": r.amount,
                    "note": r.voucher_no,
                }
            )
        else:
            rows.append(
                {
                    "kind": "project",
                    "id": r.id,
                    "name": projects.display_name(reader, r),
                    "date": r.date,
                    "value": r.contract_investment if value is not None else 1,
                    "note": "增资（只计增量）"
                    if "kind" in r._fields and r.kind is ProjectKind.capital_increase
                    else "",
                }
            )
    return rows, int(total), Decimal(summed_value or 0)


def _lead_name(reader: Principal, lead: Any) -> str:
    """A lead's project name; the lead of a confidential project is named as the project is shown."""
    if lead.name is None:
        return str(lead.project_name)
    shown = projects.view(reader, lead)
    return str(lead.project_name) if shown.visible else shown.name


def _drill_leads(
    db: Session, reader: Principal, start: date, end: date, unit_id: int | None, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int, Decimal]:
    """`drill` of valid_leads: a lead without credit rows counts 1 for its own unit, a credited
    one its share for each unit credited; every unit together: 1 each."""
    valid = and_(Lead.status == LeadStatus.valid, Lead.duplicate_of_id.is_(None), _between(Lead.lead_date, start, end))
    credited = exists().where(LeadCredit.lead_id == Lead.id)
    condition: list[Any] = [valid]
    if unit_id is not None:
        condition.append(
            or_(
                and_(Lead.unit_id == unit_id, ~credited),
                exists().where(LeadCredit.lead_id == Lead.id, LeadCredit.unit_id == unit_id),
            )
        )
    total = int(db.execute(select(func.count()).select_from(Lead).where(*condition)).scalar_one())
    page = db.execute(
        select(Lead.id, Lead.unit_id, Lead.project_name, Lead.lead_date, *_IDENTITY)
        .outerjoin(Project, Project.lead_id == Lead.id)
        .where(*condition)
        .order_by(Lead.lead_date, Lead.id)
        .limit(limit)
        .offset(offset)
    ).all()
    if unit_id is None:
        summed = Decimal(total)
    else:  # the unit's own uncredited leads count 1, credited ones its share
        own = select(func.count()).select_from(Lead).where(valid, Lead.unit_id == unit_id, ~credited).scalar_subquery()
        shares = (
            select(func.coalesce(func.sum(LeadCredit.share), 0))
            .join(Lead, Lead.id == LeadCredit.lead_id)
            .where(valid, LeadCredit.unit_id == unit_id)
            .scalar_subquery()
        )
        own_count, share_sum = db.execute(select(own, shares)).one()
        summed = Decimal(own_count) + Decimal(share_sum) / 100
    credits: dict[int, dict[int, Decimal]] = {}
    if page:
        for credit in db.execute(
            select(LeadCredit).where(LeadCredit.lead_id.in_([r.id for r in page])).order_by(LeadCredit.id)
        ).scalars():
            credits.setdefault(credit.lead_id, {})[credit.unit_id] = credit.share
    rows = []
    for lead in page:
        shares_of = credits.get(lead.id) or {lead.unit_id: Decimal(100)}
        rows.append(
            {
                "kind": "lead",
                "id": lead.id,
                "name": _lead_name(reader, lead),
                "date": lead.lead_date,
                "value": (shares_of.get(unit_id, Decimal(100)) / 100) if unit_id else Decimal(1),
                "note": "、".join(f"{u}:{s}%" for u, s in shares_of.items()) if len(shares_of) > 1 else "",
            }
        )
    return rows, total, summed
