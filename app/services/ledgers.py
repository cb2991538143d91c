"""A cadre's ledger (干部招商台账): their year month by month against the targets split to them, the leads
and projects credited to them, as a page and a workbook; and the figures of a unit's sections."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models.lead import Lead, LeadStatus
from app.models.people import Cadre, Section, TargetSplit
from app.models.project import Project
from app.models.unit import Unit
from app.principal import Principal
from app.services import people, performance
from app.services import projects as project_service
from app.services.cadre_credits import (
    LEDGER_COLUMNS,
    empty_figures,
    lead_shares,
    monthly_figures,
    project_shares,
    year_figures,
)

# --- the ledger (干部招商台账) ----------------------------------------------------------------


@dataclass
class Ledger:
    cadre: Cadre
    unit: Unit
    section: Section | None
    year: int
    months: list[tuple[int, dict[str, Decimal]]]  # 1..12
    total: dict[str, Decimal]
    targets: dict[str, Decimal]  # metric -> the cadre's split target
    completion: dict[str, Decimal | None] = field(default_factory=dict)  # metric -> % of target


def ledger(db: Session, principal: Principal, cadre_id: int, year: int) -> Ledger:
    """A cadre's year month by month against the targets split to them."""
    cadre = people.get_cadre(db, principal, cadre_id)
    unit = people.unit_of(db, cadre.unit_id)
    section = db.get(Section, cadre.section_id) if cadre.section_id is not None else None
    by_month = monthly_figures(db, Cadre.id == cadre.id, year)
    months = [(m, by_month.get((cadre.id, m), empty_figures())) for m in range(1, 13)]
    total = empty_figures()
    for _m, line in months:
        for code, value in line.items():
            total[code] += value
    targets = people.split_amounts(db, year, TargetSplit.cadre_id == cadre.id, TargetSplit.cadre_id).get(cadre.id, {})
    completion = {code: performance.pct(total[code], amount) for code, amount in targets.items()}
    return Ledger(cadre, unit, section, year, months, total, targets, completion)


@dataclass
class LedgerLead:
    id: int
    lead_date: date
    name: str
    status: LeadStatus
    share: Decimal


def ledger_leads(
    db: Session, principal: Principal, cadre: Cadre, year: int, *, limit: int = 20, offset: int = 0
) -> tuple[list[LedgerLead], int]:
    """The leads of a year credited to a cadre, newest first, a page at a time (one lead of a project whose
    identity the reader may not see is named as such)."""
    ls = lead_shares(Cadre.id == cadre.id)
    conditions = [Lead.lead_date >= date(year, 1, 1), Lead.lead_date <= date(year, 12, 31)]
    total = db.execute(
        select(func.count()).select_from(ls).join(Lead, Lead.id == ls.c.lead_id).where(*conditions)
    ).scalar_one()
    rows = db.execute(
        select(
            Lead.id, Lead.lead_date, Lead.project_name, Lead.status, ls.c.share, project_service.lead_visible(principal)
        )
        .join(ls, ls.c.lead_id == Lead.id)
        .where(*conditions)
        .order_by(Lead.lead_date.desc(), Lead.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return [
        LedgerLead(r[0], r[1], (r[2] or "（未填项目名称）") if r[5] else "（保密项目的线索）", r[3], Decimal(r[4]))
        for r in rows
    ], total


def ledger_projects(
    db: Session, principal: Principal, cadre: Cadre, *, limit: int = 20, offset: int = 0
) -> tuple[list[tuple[Any, str, Decimal]], int]:
    """Every project credited to a cadre (project, name as the reader may see it, share), the latest signed
    first, a page at a time."""
    ps = project_shares(Cadre.id == cadre.id)
    total = db.execute(select(func.count()).select_from(ps)).scalar_one()
    rows = db.execute(
        select(Project, ps.c.share)
        .join(ps, ps.c.project_id == Project.id)
        .order_by(Project.signed_on.desc().nulls_last(), Project.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return [(p, project_service.display_name(principal, p), Decimal(share)) for p, share in rows], total


def ledger_rows(book: Ledger) -> list[list[Any]]:
    """The ledger as a table (the XLSX's rows): a line per month, the year, the target, the completion."""
    codes = list(LEDGER_COLUMNS)
    rows: list[list[Any]] = [[f"{m}月", *(line[c] for c in codes)] for m, line in book.months]
    rows.append(["全年合计", *(book.total[c] for c in codes)])
    rows.append(["分解目标", *(book.targets.get(c, "") for c in codes)])
    rows.append(
        [
            "完成目标（%）",
            *(performance.shown(book.completion[c]) if book.completion.get(c) is not None else "" for c in codes),
        ]
    )
    return rows


def ledger_headers() -> list[str]:
    return ["月份", *(f"{label}（{unit}）" for label, unit in LEDGER_COLUMNS.values())]


def section_figures(db: Session, unit_id: int, year: int) -> dict[int, dict[str, Decimal]]:
    """{section_id: the year's figures of its present members} of a unit's sections."""
    members = dict(
        db.execute(select(Cadre.id, Cadre.section_id).where(Cadre.unit_id == unit_id, Cadre.section_id.is_not(None)))
        .tuples()
        .all()
    )
    result: dict[int, dict[str, Decimal]] = {}
    if not members:
        return result
    for cadre_id, figures in year_figures(db, Cadre.id.in_(list(members)), year).items():
        total = result.setdefault(members[cadre_id] or 0, empty_figures())
        for code, value in figures.items():
            total[code] += value
    return result
