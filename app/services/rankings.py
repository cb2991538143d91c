"""Rankings (排名) and the 十佳 list drawn per unit, per section (科室) and per person (个人).

Per unit: `performance.rank_units`, unchanged. Below the unit the same score is drawn from the credits with
their shares (app.services.cadre_credits):
- a person: their figures of the year against the targets split to them (目标分解);
- a section: the figures of its present members together against the targets split to the section.
Score = Σ weight × min(figure ÷ target, 1.5); without a target, the figure ÷ the best figure of the list
(PERSON_WEIGHTS). The deductions of the unit ranking (starts overdue, false figures, stale records) are the
unit's and are not carried down. Ties: more domestic funds, then more projects, then the unit's order, then
the section's or the person's order (TIE_RULE).

十佳 (the top ten), per dimension: by the contract investment of the year's signed projects (a unit: the
projects it introduced; a person or a section: by their shares), then valid leads.

Who sees what: a ranking is read by everyone signed in, as the unit ranking is; a person's ledger stays
behind its own rule (`readable` says whether the reader may open it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from app.models.people import Cadre, Section, TargetSplit
from app.models.unit import Unit, UnitKind
from app.principal import Principal
from app.services import metrics, people
from app.services.cadre_credits import empty_figures, year_figures

ZERO = Decimal(0)
CAP = Decimal("1.5")

DIMENSIONS = {"unit": "单位", "section": "科室", "person": "个人"}
"""The dimensions a ranking and its 十佳 are drawn by."""

PERSON_WEIGHTS = {
    "projects_introduced": 20,
    "contract_investment": 20,
    "funds_domestic": 30,
    "foreign_capital": 20,
    "valid_leads": 10,
}
"""The weights below the unit: the unit ranking's, with foreign capital in the place of new starts (a start
is the responsible unit's, not a person's)."""

TIE_RULE = (
    "得分相同时，依次比较：内资到位资金多者在前、引进项目多者在前、所在单位排序号小者在前、本人（科室）排序号小者在前。"
)


@dataclass
class Standing:
    """One section or person in a ranking."""

    rank: int
    kind: str  # section, person
    id: int
    name: str
    title: str  # a person's post; a section's kind
    unit_id: int
    unit_name: str
    section_name: str | None
    score: Decimal
    gap_to_above: Decimal | None
    figures: dict[str, Decimal]
    targets: dict[str, Decimal]
    parts: list[dict[str, Any]] = field(default_factory=list)
    readable: bool = False  # the reader may open its ledger (a person) or its unit's people (a section)
    user_id: int | None = None  # a person's account, if any


@dataclass
class TopEntry:
    """One of the 十佳."""

    rank: int
    kind: str  # unit, section, person
    id: int
    name: str
    unit_id: int
    unit_name: str
    contract_investment: Decimal
    valid_leads: Decimal
    user_id: int | None = None  # a person's account, if any


def _units(db: Session, unit_kinds: Sequence[str] | None, unit_id: int | None) -> dict[int, Unit]:
    """The units ranked (as the unit ranking: active, not the county's jurisdiction), by their order."""
    stmt = select(Unit).where(Unit.is_active.is_(True), Unit.kind != UnitKind.jurisdiction)
    if unit_kinds:
        stmt = stmt.where(Unit.kind.in_([UnitKind(k) for k in unit_kinds if k in UnitKind.__members__]))
    if unit_id is not None:
        stmt = stmt.where(Unit.id == unit_id)
    return {u.id: u for u in db.execute(stmt.order_by(Unit.sort_order, Unit.id)).scalars()}


def _score(rows: list[Standing], weights: dict[str, int], order: Mapping[int, tuple[int, ...]]) -> list[Standing]:
    """Score, sort and rank the rows in place of one another (the weights' rule, TIE_RULE)."""
    best = {code: max((r.figures.get(code, ZERO) for r in rows), default=ZERO) for code in weights}
    for row in rows:
        score = ZERO
        for code, weight in weights.items():
            value = row.figures.get(code, ZERO)
            target = row.targets.get(code)
            if target:
                ratio = min(value / target, CAP)
            elif best[code]:
                ratio = value / best[code]
            else:
                ratio = ZERO
            points = ratio * Decimal(weight)
            score += points
            row.parts.append({"metric": code, "value": value, "target": target, "points": points})
        row.score = score
    rows.sort(
        key=lambda r: (
            -r.score,
            -r.figures.get("funds_domestic", ZERO),
            -r.figures.get("projects_introduced", ZERO),
            *order[r.id],
        )
    )
    for index, row in enumerate(rows, start=1):
        row.rank = index
        row.gap_to_above = rows[index - 2].score - row.score if index > 1 else None
    return rows


def _reader_units(db: Session, principal: Principal) -> set[int] | None:
    """The units whose people the reader may open (None: every unit)."""
    if principal.reads_everything:
        return None
    if principal.unit_id is not None and people.can_read_unit_people(db, principal, principal.unit_id):
        return {principal.unit_id}
    return set()


def rank_people(
    db: Session,
    principal: Principal,
    year: int,
    unit_kinds: Sequence[str] | None = None,
    unit_id: int | None = None,
) -> list[Standing]:
    """Every active person of the ranked units, scored on their year's figures by their shares against the
    targets split to them. Four statements for the figures, whatever the number of people."""
    units = _units(db, unit_kinds, unit_id)
    if not units:
        return []
    cadres = list(
        db.execute(
            select(Cadre).where(Cadre.is_active.is_(True), Cadre.unit_id.in_(list(units))).order_by(Cadre.id)
        ).scalars()
    )
    sections = dict(db.execute(select(Section.id, Section.name).where(Section.unit_id.in_(list(units)))).tuples().all())
    figures = year_figures(db, and_(Cadre.is_active.is_(True), Cadre.unit_id.in_(list(units))), year)
    targets = people.split_amounts(
        db, year, and_(TargetSplit.unit_id.in_(list(units)), TargetSplit.cadre_id.is_not(None)), TargetSplit.cadre_id
    )
    readable_units = _reader_units(db, principal)
    rows = [
        Standing(
            rank=0,
            kind="person",
            id=c.id,
            name=c.name,
            title=c.title,
            unit_id=c.unit_id,
            unit_name=units[c.unit_id].short_name or units[c.unit_id].name,
            section_name=sections.get(c.section_id) if c.section_id is not None else None,
            score=ZERO,
            gap_to_above=None,
            figures=figures.get(c.id, empty_figures()),
            targets=targets.get(c.id, {}),
            readable=readable_units is None
            or c.unit_id in readable_units
            or (c.user_id is not None and c.user_id == principal.user_id),
            user_id=c.user_id,
        )
        for c in cadres
    ]
    order = {c.id: (units[c.unit_id].sort_order, c.unit_id, c.sort_order, c.id) for c in cadres}
    return _score(rows, PERSON_WEIGHTS, order)


def _section_figures(db: Session, unit_ids: list[int], year: int) -> dict[int, dict[str, Decimal]]:
    """{section_id: its present members' figures of the year together}."""
    members = dict(
        db.execute(select(Cadre.id, Cadre.section_id).where(Cadre.unit_id.in_(unit_ids), Cadre.section_id.is_not(None)))
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


def rank_sections(
    db: Session,
    principal: Principal,
    year: int,
    unit_kinds: Sequence[str] | None = None,
    unit_id: int | None = None,
) -> list[Standing]:
    """Every section in use of the ranked units, scored on its members' figures of the year against the
    targets split to it."""
    units = _units(db, unit_kinds, unit_id)
    if not units:
        return []
    sections = list(
        db.execute(
            select(Section).where(Section.is_active.is_(True), Section.unit_id.in_(list(units))).order_by(Section.id)
        ).scalars()
    )
    figures = _section_figures(db, list(units), year)
    targets = people.split_amounts(
        db,
        year,
        and_(TargetSplit.unit_id.in_(list(units)), TargetSplit.section_id.is_not(None)),
        TargetSplit.section_id,
    )
    readable_units = _reader_units(db, principal)
    rows = [
        Standing(
            rank=0,
            kind="section",
            id=s.id,
            name=s.name,
            title=s.kind.label,
            unit_id=s.unit_id,
            unit_name=units[s.unit_id].short_name or units[s.unit_id].name,
            section_name=s.name,
            score=ZERO,
            gap_to_above=None,
            figures=figures.get(s.id, empty_figures()),
            targets=targets.get(s.id, {}),
            readable=readable_units is None or s.unit_id in readable_units,
        )
        for s in sections
    ]
    order = {s.id: (units[s.unit_id].sort_order, s.unit_id, s.sort_order, s.id) for s in sections}
    return _score(rows, PERSON_WEIGHTS, order)


def _top(entries: list[TopEntry], limit: int) -> list[TopEntry]:
    ranked = [e for e in entries if e.contract_investment or e.valid_leads]
    ranked.sort(key=lambda e: (-e.contract_investment, -e.valid_leads, e.rank))  # rank: the list's order
    top = ranked[:limit]
    for index, entry in enumerate(top, start=1):
        entry.rank = index
    return top


def top_ten(
    db: Session,
    principal: Principal,
    year: int,
    dimension: str,
    unit_kinds: Sequence[str] | None = None,
    standings: list[Standing] | None = None,
    limit: int = 10,
) -> list[TopEntry]:
    """十佳 of a dimension: the ten with the most contract investment signed in the year (by shares below
    the unit), then the most valid leads; none without either. `standings`, when given, are the section's
    or person's ranking already drawn (their figures are reused)."""
    if dimension == "unit":
        units = _units(db, unit_kinds, None)
        start, end = date(year, 1, 1), date(year, 12, 31)
        invested = metrics.compute(db, "contract_investment", start, end, list(units))
        leads = defaultdict(lambda: ZERO, metrics.compute(db, "valid_leads", start, end, list(units)))
        entries = [
            TopEntry(
                i, "unit", u.id, u.short_name or u.name, u.id, u.name, invested.get(u.id, ZERO), leads.get(u.id, ZERO)
            )
            for i, u in enumerate(units.values())
        ]
        return _top(entries, limit)
    if standings is None:
        ranker = rank_sections if dimension == "section" else rank_people
        standings = ranker(db, principal, year, unit_kinds)
    entries = [
        TopEntry(
            i,
            s.kind,
            s.id,
            s.name,
            s.unit_id,
            s.unit_name,
            s.figures.get("contract_investment", ZERO),
            s.figures.get("valid_leads", ZERO),
            s.user_id,
        )
        for i, s in enumerate(sorted(standings, key=lambda s: s.rank))
    ]
    return _top(entries, limit)
