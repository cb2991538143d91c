"""Who worked a record (经手人及份额) and the figures that follows from it: a cadre's work by month.

Credit follows the units' rule (LeadCredit, ProjectCredit): explicit shares summing to 100, or, with none
set, a default holding 100%:
- a lead: the cadre of the account that brought it (`Lead.brought_by_id`);
- a project: its lead's people; a project without a lead: the cadre of the account that entered it (its
  `create` stage event).
Shared work counts by its share in every figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, literal, select, true, union_all
from sqlalchemy.orm import Session

from app import policy
from app.errors import Invalid, NotFound
from app.models.lead import Lead, LeadStatus
from app.models.people import Cadre, CadreCredit
from app.models.project import FundsArrival, FundsSource, FundsStatus, ProgressUpdate, Project, StageEvent
from app.principal import Principal
from app.services import metrics
from app.services import projects as project_service

ZERO = Decimal(0)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")

PERSON_METRICS = ("valid_leads", "projects_introduced", "contract_investment", "funds_domestic", "foreign_capital")
"""The metrics a unit's target is split on and a cadre's ledger is judged by (app.services.metrics names them)."""

LEDGER_COLUMNS: dict[str, tuple[str, str]] = {
    "leads": ("报送线索", "条"),
    "valid_leads": (metrics.METRICS["valid_leads"].label, "条"),
    "visits": ("项目走访（进度更新）", "次"),
    "projects_introduced": ("签约引进项目", "个"),
    "contract_investment": (metrics.METRICS["contract_investment"].label, "万元"),
    "funds_domestic": ("内资到位资金", "万元"),
    "foreign_capital": ("到位外资", "万美元"),
}
"""The figures of a ledger, in their order: code -> (Chinese name, unit). Shared work counts by its share."""


# --- credit: who worked a lead or a project --------------------------------------------------


def lead_shares(who: ColumnElement[bool]) -> Any:
    """(lead_id, cadre_id, share %) of the cadres matching `who`: explicit rows, else the bringer's 100%."""
    explicit = (
        select(
            CadreCredit.lead_id.label("lead_id"),
            CadreCredit.cadre_id.label("cadre_id"),
            CadreCredit.share.label("share"),
        )
        .join(Cadre, Cadre.id == CadreCredit.cadre_id)
        .where(CadreCredit.lead_id.is_not(None), who)
    )
    default = (
        select(Lead.id, Cadre.id, literal(100))
        .join(Cadre, Cadre.user_id == Lead.brought_by_id)
        .where(who, ~exists().where(CadreCredit.lead_id == Lead.id))
    )
    return union_all(explicit, default).subquery("lead_share")


def project_shares(who: ColumnElement[bool]) -> Any:
    """(project_id, cadre_id, share %): explicit rows, else the lead's people, else whoever entered it."""
    unset = ~exists().where(CadreCredit.project_id == Project.id)
    explicit = (
        select(
            CadreCredit.project_id.label("project_id"),
            CadreCredit.cadre_id.label("cadre_id"),
            CadreCredit.share.label("share"),
        )
        .join(Cadre, Cadre.id == CadreCredit.cadre_id)
        .where(CadreCredit.project_id.is_not(None), who)
    )
    leads = lead_shares(who)
    via_lead = (
        select(Project.id, leads.c.cadre_id, leads.c.share).join(leads, leads.c.lead_id == Project.lead_id).where(unset)
    )
    entrant = (
        select(Project.id, Cadre.id, literal(100))
        .select_from(Cadre)
        .join(StageEvent, and_(StageEvent.recorded_by_id == Cadre.user_id, StageEvent.action == "create"))
        .join(Project, Project.id == StageEvent.project_id)
        .where(who, Project.lead_id.is_(None), unset)
    )
    return union_all(explicit, via_lead, entrant).subquery("project_share")


@dataclass
class PersonShare:
    cadre_id: int
    name: str
    unit_id: int
    share: Decimal
    is_default: bool


def _people_of(db: Session, shares: Any, record_column: Any, record_id: int) -> list[PersonShare]:
    explicit = {row.cadre_id for row in db.execute(select(CadreCredit.cadre_id).where(record_column == record_id))}
    rows = db.execute(
        select(Cadre.id, Cadre.name, Cadre.unit_id, shares.c.share)
        .join(shares, shares.c.cadre_id == Cadre.id)
        .where(getattr(shares.c, record_column.key) == record_id)
        .order_by(shares.c.share.desc(), Cadre.id)
    ).all()
    return [PersonShare(r[0], r[1], r[2], Decimal(r[3]).quantize(CENT), not explicit) for r in rows]


def lead_people(db: Session, principal: Principal, lead_id: int) -> list[PersonShare]:
    """The persons credited with a lead (explicit, or its bringer by default)."""
    lead = _lead(db, principal, lead_id)
    return _people_of(db, lead_shares(true()), CadreCredit.lead_id, lead.id)


def project_people(db: Session, principal: Principal, project_id: int) -> list[PersonShare]:
    project = project_service.get(db, principal, project_id)
    return _people_of(db, project_shares(true()), CadreCredit.project_id, project.id)


def _lead(db: Session, principal: Principal, lead_id: int) -> Lead:
    lead = db.get(Lead, lead_id)
    if lead is None:
        raise NotFound("找不到该线索")
    policy.ensure_read(principal, lead.unit_id, "找不到该线索")
    project_service.ensure_lead_visible(db, principal, lead.id, "找不到该线索")
    return lead


def _set_people(
    db: Session, principal: Principal, owner_units: set[int], parts: Sequence[tuple[int, Decimal]]
) -> list[tuple[int, Decimal]]:
    if not parts:
        return []
    if sum((share for _c, share in parts), ZERO) != HUNDRED:
        raise Invalid({"people": "各人份额合计须为 100%"})
    ids = [cadre_id for cadre_id, _s in parts]
    if len(set(ids)) != len(ids):
        raise Invalid({"people": "同一人只能出现一次"})
    for _c, share in parts:
        if share <= 0 or share > HUNDRED or share != share.quantize(CENT):
            raise Invalid({"people": "份额须大于 0、不超过 100，最多两位小数"})
    found = {c.id: c for c in db.execute(select(Cadre).where(Cadre.id.in_(ids))).scalars()}
    for cadre_id in ids:
        cadre = found.get(cadre_id)
        if cadre is None or not cadre.is_active:
            raise Invalid({"people": f"人员 {cadre_id} 不存在或已停用"})
        if not principal.is_coordinator and cadre.unit_id not in owner_units:
            raise Invalid({"people": f"{cadre.name} 不是本单位人员"})
    return list(parts)


def set_lead_people(
    db: Session, principal: Principal, lead_id: int, parts: Sequence[tuple[int, Decimal]]
) -> list[PersonShare]:
    """Who worked a lead, and their shares (summing to 100); none: back to the default (its bringer).
    The lead's unit's staff name their unit's people; the coordinator anyone."""
    lead = _lead(db, principal, lead_id)
    policy.ensure_write(principal, lead.unit_id, "找不到该线索")
    checked = _set_people(db, principal, {lead.unit_id}, parts)
    for row in db.execute(select(CadreCredit).where(CadreCredit.lead_id == lead.id)).scalars():
        db.delete(row)
    db.flush()
    db.add_all(CadreCredit(lead_id=lead.id, cadre_id=c, share=s) for c, s in checked)
    db.flush()
    return _people_of(db, lead_shares(true()), CadreCredit.lead_id, lead.id)


def set_project_people(
    db: Session, principal: Principal, project_id: int, parts: Sequence[tuple[int, Decimal]]
) -> list[PersonShare]:
    """Who worked a project, and their shares; none: back to the default (its lead's people, or whoever
    entered it). The project's units' staff name their units' people; the coordinator anyone."""
    project = project_service.get_for_write(db, principal, project_id)
    checked = _set_people(db, principal, project_service.owner_units(project), parts)
    for row in db.execute(select(CadreCredit).where(CadreCredit.project_id == project.id)).scalars():
        db.delete(row)
    db.flush()
    db.add_all(CadreCredit(project_id=project.id, cadre_id=c, share=s) for c, s in checked)
    db.flush()
    return _people_of(db, project_shares(true()), CadreCredit.project_id, project.id)


# --- figures: a cadre's work by month --------------------------------------------------------


def empty_figures() -> dict[str, Decimal]:
    return dict.fromkeys(LEDGER_COLUMNS, ZERO)


def _month(column: Any) -> Any:
    return func.extract("month", column)


def monthly_figures(db: Session, who: ColumnElement[bool], year: int) -> dict[tuple[int, int], dict[str, Decimal]]:
    """{(cadre_id, month): {figure: value}} of the cadres matching `who` in a year, by their shares: four
    statements (leads, signed projects, funds confirmed, visits)."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    result: dict[tuple[int, int], dict[str, Decimal]] = {}

    def put(cadre_id: int, month: Any, code: str, value: Any) -> None:
        line = result.setdefault((cadre_id, int(month)), empty_figures())
        line[code] += Decimal(value or 0)

    ls = lead_shares(who)
    valid = Lead.status == LeadStatus.valid
    for cadre_id, month, all_shares, valid_shares in db.execute(
        select(ls.c.cadre_id, _month(Lead.lead_date), func.sum(ls.c.share), func.sum(ls.c.share).filter(valid))
        .join(Lead, Lead.id == ls.c.lead_id)
        .where(Lead.lead_date >= start, Lead.lead_date <= end, Lead.duplicate_of_id.is_(None))
        .group_by(ls.c.cadre_id, _month(Lead.lead_date))
    ).all():
        put(cadre_id, month, "leads", Decimal(all_shares or 0) / HUNDRED)
        put(cadre_id, month, "valid_leads", Decimal(valid_shares or 0) / HUNDRED)
    ps = project_shares(who)
    for cadre_id, month, shares, invested in db.execute(
        select(
            ps.c.cadre_id,
            _month(Project.signed_on),
            func.sum(ps.c.share),
            func.sum(ps.c.share * Project.contract_investment),
        )
        .join(Project, Project.id == ps.c.project_id)
        .where(Project.signed_on >= start, Project.signed_on <= end)
        .group_by(ps.c.cadre_id, _month(Project.signed_on))
    ).all():
        put(cadre_id, month, "projects_introduced", Decimal(shares or 0) / HUNDRED)
        put(cadre_id, month, "contract_investment", Decimal(invested or 0) / HUNDRED)
    ps = project_shares(who)
    foreign = FundsArrival.source == FundsSource.foreign
    for cadre_id, month, domestic, usd in db.execute(
        select(
            ps.c.cadre_id,
            _month(FundsArrival.arrived_on),
            func.sum(ps.c.share * FundsArrival.amount).filter(~foreign),
            func.sum(ps.c.share * FundsArrival.amount).filter(foreign),
        )
        .join(FundsArrival, FundsArrival.project_id == ps.c.project_id)
        .where(
            FundsArrival.status == FundsStatus.confirmed,
            FundsArrival.arrived_on >= start,
            FundsArrival.arrived_on <= end,
        )
        .group_by(ps.c.cadre_id, _month(FundsArrival.arrived_on))
    ).all():
        put(cadre_id, month, "funds_domestic", Decimal(domestic or 0) / HUNDRED)
        put(cadre_id, month, "foreign_capital", Decimal(usd or 0) / HUNDRED)
    for cadre_id, month, count in db.execute(
        select(Cadre.id, _month(ProgressUpdate.reported_on), func.count())
        .join(ProgressUpdate, ProgressUpdate.entered_by_id == Cadre.user_id)
        .where(who, ProgressUpdate.reported_on >= start, ProgressUpdate.reported_on <= end)
        .group_by(Cadre.id, _month(ProgressUpdate.reported_on))
    ).all():
        put(cadre_id, month, "visits", count)
    for line in result.values():
        for code, value in line.items():
            line[code] = value.quantize(CENT, rounding=ROUND_HALF_UP)  # SQLite sums in floating point
    return result


def year_figures(db: Session, who: ColumnElement[bool], year: int) -> dict[int, dict[str, Decimal]]:
    """{cadre_id: {figure: the year's value}}."""
    totals: dict[int, dict[str, Decimal]] = {}
    for (cadre_id, _month_no), line in monthly_figures(db, who, year).items():
        total = totals.setdefault(cadre_id, empty_figures())
        for code, value in line.items():
            total[code] += value
    return totals
