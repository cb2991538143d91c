"""The per-mu evaluation (亩均效益评价, Zhejiang's 亩均论英雄) of projects and firms, per year.

Figures come from the year's confirmed annual results (app.services.results; quarterly ones do not count):
- 亩均税收 = tax ÷ land used (万元/亩); 亩均产值 = output ÷ land (万元/亩);
- 单位能耗产出 = output ÷ energy (万元/吨标准煤); 研发投入占比 = R&D spend ÷ output × 100 (%).
Each figure is rounded to 0.01 (half up) and scored from the rounded figure: figure ÷ benchmark × 100, at most
100, rounded to 0.01; the weighted part is score × weight ÷ 100, rounded to 0.01; the total is the sum of the
parts (so the page adds up). Grades: total ≥ band A → A, ≥ band B → B, ≥ band C → C, else D (a total exactly
at a band's line takes that band).

A firm (the investor) sums its projects' figures for the year and is scored like a project. What is not
classified is listed apart with the reason: no confirmed annual result, land missing or 0, a figure that a
weighted indicator needs missing (tax, output; energy missing or 0). R&D spend is optional ("where given"): a
missing R&D spend scores 0 on that indicator and classifies nonetheless. A firm is classified only when each
of its projects in scope is (its reason then names what its projects lack, never a project's name).

In scope for a year: the projects in production by its end (not terminated), and any project with a confirmed
annual result for it. A draft year is a preview, computed on each read; publishing freezes the scheme and
writes the results (`per_mu_result` rows), and the firm's grade of the latest published year is copied onto
its projects (`project.per_mu_grade`, the D warning of app.services.projects). `grade_for` is the hook for
policies (an incentive only for A/B firms).
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, and_, case, exists, func, insert, or_, select, update
from sqlalchemy.orm import Session, aliased

from app import policy
from app.errors import Invalid
from app.models.agreement import ProjectResult, ResultStatus
from app.models.base import utcnow
from app.models.investor import Investor
from app.models.per_mu import Grade, PerMuLevel, PerMuResult, PerMuScheme, PerMuStatus
from app.models.project import Project, ProjectStatus
from app.models.unit import Unit
from app.principal import Principal
from app.schemas.per_mu import PublishIn, SchemeIn
from app.services import audit, projects, workdays
from app.services.common import check_version, gc_paused

ZERO = Decimal(0)
CENT = Decimal("0.01")
HUNDRED = Decimal(100)
FIRST_YEAR = 2000
NOT_CLASSIFIED = "none"  # the grade filter's value for what is listed apart

INDICATORS: dict[str, tuple[str, str]] = {
    "tax_per_mu": ("亩均税收", "万元/亩"),
    "output_per_mu": ("亩均产值", "万元/亩"),
    "output_per_energy": ("单位能耗产出", "万元/吨标准煤"),
    "rd_share": ("研发投入占比", "%"),
}
"""The indicators, in order: code → (label, unit)."""

DEFAULT_PARAMS: dict[str, Any] = {
    "weights": {"tax_per_mu": "40", "output_per_mu": "30", "output_per_energy": "20", "rd_share": "10"},
    "benchmarks": {"tax_per_mu": "30", "output_per_mu": "500", "output_per_energy": "5", "rd_share": "3"},
    "bands": {"A": "85", "B": "70", "C": "50"},
}
"""The scheme a year has until the coordinator sets one."""


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _d(value: Any) -> Decimal:
    return Decimal(str(value))


# --- the scheme ------------------------------------------------------------------------------------


def _check_year(year: int, today: date) -> None:
    if not FIRST_YEAR <= year <= today.year:
        raise Invalid({"year": f"评价年度应在 {FIRST_YEAR} 年至 {today.year} 年之间"})


def scheme_of(db: Session, year: int) -> PerMuScheme | None:
    return db.execute(select(PerMuScheme).where(PerMuScheme.year == year)).scalar_one_or_none()


def params_of(row: PerMuScheme | None) -> dict[str, Any]:
    return copy.deepcopy(row.params if row is not None else DEFAULT_PARAMS)


def is_published(row: PerMuScheme | None) -> bool:
    return row is not None and row.status is PerMuStatus.published


def _ensure_draft(row: PerMuScheme | None) -> None:
    if is_published(row):
        assert row is not None
        raise Invalid({"__all__": f"{row.year} 年度亩均评价已发布，方案已冻结，不能再改"})


def params_from(data: SchemeIn) -> dict[str, Any]:
    """The scheme's params from the form or the API's body; every rule told beside its field."""
    weights = {code: getattr(data, f"weight_{code}") for code in INDICATORS}
    total = sum(weights.values(), ZERO)
    errors: dict[str, str] = {}
    if total != HUNDRED:
        errors["weights"] = f"四项指标的权重之和须为 100（现为 {total.normalize():f}）"
    if not data.band_a > data.band_b:
        errors["band_b"] = "B 类的最低分须低于 A 类"
    if not data.band_b > data.band_c:
        errors["band_c"] = "C 类的最低分须低于 B 类"
    if errors:
        raise Invalid(errors)
    return {
        "weights": {code: str(w) for code, w in weights.items()},
        "benchmarks": {code: str(getattr(data, f"benchmark_{code}")) for code in INDICATORS},
        "bands": {"A": str(data.band_a), "B": str(data.band_b), "C": str(data.band_c)},
    }


def set_scheme(db: Session, principal: Principal, year: int, data: SchemeIn, today: date | None = None) -> PerMuScheme:
    """The coordinator sets the year's weights, benchmarks and bands; a published year's scheme is frozen.
    A stale version answers 409."""
    policy.ensure_coordinator(principal)
    _check_year(year, today or workdays.today())
    params = params_from(data)
    row = scheme_of(db, year)
    _ensure_draft(row)
    with audit.reason(db, f"设定 {year} 年度亩均评价方案"):
        if row is None:
            if data.version is not None:
                raise Invalid({"version": "尚未设定方案，不填版本号"})
            row = PerMuScheme(year=year, params=params, status=PerMuStatus.draft)
            db.add(row)
        else:
            if data.version is None:
                raise Invalid({"version": "修改方案须带读到的版本号"})
            check_version(db, row, data.version)
            row.params = params
        db.flush()
    return row


# --- the figures and the grade (pure) ----------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """A project's (or a firm's summed) figures for a year: None where not given."""

    land: Decimal | None
    output: Decimal | None
    tax: Decimal | None
    energy: Decimal | None
    rd: Decimal | None = None


@dataclass
class Part:
    code: str
    figure: Decimal | None
    score: Decimal
    weight: Decimal
    points: Decimal


@dataclass
class Evaluation:
    per_mu: dict[str, Decimal | None]  # indicator code → its figure (rounded), None where it cannot be computed
    parts: list[Part] = field(default_factory=list)
    score: Decimal | None = None
    grade: Grade | None = None
    reasons: list[str] = field(default_factory=list)


def _div(a: Decimal | None, b: Decimal | None, times: Decimal = Decimal(1)) -> Decimal | None:
    if a is None or b is None or b == 0:
        return None
    return cents(a * times / b)


def reasons_of(f: Figures, weights: dict[str, Decimal]) -> list[str]:
    """Why these figures cannot be classified (nothing: they can)."""
    found: list[str] = []
    if f.land is None:
        found.append("缺少用地面积")
    elif f.land == 0:
        found.append("用地面积为 0")
    if weights.get("tax_per_mu") and f.tax is None:
        found.append("缺少税收")
    if (weights.get("output_per_mu") or weights.get("output_per_energy")) and f.output is None:
        found.append("缺少产值")
    if weights.get("output_per_energy"):
        if f.energy is None:
            found.append("缺少综合能耗")
        elif f.energy == 0:
            found.append("综合能耗为 0")
    return found


@dataclass(frozen=True)
class Scheme:
    """A scheme's parameters read once as Decimals (`evaluate` runs for every project and firm)."""

    weights: dict[str, Decimal]
    benchmarks: dict[str, Decimal]
    bands: tuple[Decimal, Decimal, Decimal]  # A, B, C

    @classmethod
    def of(cls, params: dict[str, Any]) -> Scheme:
        bands = params["bands"]
        return cls(
            {code: _d(w) for code, w in params["weights"].items()},
            {code: _d(b) for code, b in params["benchmarks"].items()},
            (_d(bands["A"]), _d(bands["B"]), _d(bands["C"])),
        )


def grade_of(score: Decimal, bands: tuple[Decimal, Decimal, Decimal]) -> Grade:
    a, b, c = bands
    if score >= a:
        return Grade.A
    if score >= b:
        return Grade.B
    if score >= c:
        return Grade.C
    return Grade.D


def evaluate(f: Figures, params: dict[str, Any] | Scheme) -> Evaluation:
    """The figures per mu, each indicator's score and weighted points, the total and the grade (or the
    reasons it is not classified)."""
    scheme = params if isinstance(params, Scheme) else Scheme.of(params)
    weights = scheme.weights
    per_mu = {
        "tax_per_mu": _div(f.tax, f.land),
        "output_per_mu": _div(f.output, f.land),
        "output_per_energy": _div(f.output, f.energy),
        "rd_share": _div(f.rd, f.output, HUNDRED),
    }
    result = Evaluation(per_mu=per_mu, reasons=reasons_of(f, weights))
    if result.reasons:
        return result
    total = ZERO
    for code in INDICATORS:
        weight = weights.get(code, ZERO)
        if not weight:
            continue
        value = per_mu[code]
        benchmark = scheme.benchmarks[code]
        score = min(HUNDRED, cents(value * HUNDRED / benchmark)) if value is not None else ZERO
        points = cents(score * weight / HUNDRED)
        result.parts.append(Part(code, value, score, weight, points))
        total += points
    result.score = total
    result.grade = grade_of(total, scheme.bands)
    return result


def _sum(values: Iterable[Decimal | None]) -> Decimal | None:
    given = [v for v in values if v is not None]
    return sum(given, ZERO) if given else None


# --- computing a year ---------------------------------------------------------------------------


@dataclass
class Entry:
    """One evaluated project or firm, before or after freezing, with what the lists show."""

    level: PerMuLevel
    investor_id: int
    project_id: int | None
    project: Any  # a project's identity columns (name, code_name, confidentiality, units); None for a firm
    unit_id: int | None
    zone_unit_id: int | None
    industry_chain: str
    figures: Figures
    evaluation: Evaluation
    projects_count: int = 1
    firm_grade: Grade | None = None
    members: list[Any] = field(default_factory=list)  # a firm's projects (identity columns)

    @property
    def reason(self) -> str:
        return "；".join(self.evaluation.reasons)


@dataclass(frozen=True)
class _Identity:
    """A project's identity columns (`_IDENTITY`, in order); in a published year's breakdown, also its unit,
    park and chain as frozen."""

    id: int
    name: str
    code_name: str
    is_confidential: bool
    responsible_unit_id: int
    introducing_unit_id: int
    investor_id: int
    zone_unit_id: int | None
    industry_chain: str
    frozen: bool = False
    frozen_unit_id: int | None = None
    frozen_zone_unit_id: int | None = None
    frozen_chain: str = ""


_IDENTITY = (
    Project.id,
    Project.name,
    Project.code_name,
    Project.is_confidential,
    Project.responsible_unit_id,
    Project.introducing_unit_id,
    Project.investor_id,
    Project.zone_unit_id,
    Project.industry_chain,
)


def _scope(year: int, project_ids: Sequence[int] | None = None, investor_id: int | None = None) -> Any:
    """The projects in scope for a year with their confirmed annual result (if any): one statement."""
    joined = and_(
        ProjectResult.project_id == Project.id,
        ProjectResult.year == year,
        ProjectResult.quarter.is_(None),
        ProjectResult.status == ResultStatus.confirmed,
    )
    stmt = (
        select(
            *_IDENTITY,
            ProjectResult.id,
            ProjectResult.land_used_mu,
            ProjectResult.output,
            ProjectResult.tax,
            ProjectResult.energy_tce,
            ProjectResult.rd_spend,
        )
        .outerjoin(ProjectResult, joined)
        .where(
            or_(
                ProjectResult.id.is_not(None),
                and_(Project.production_on <= date(year, 12, 31), Project.status != ProjectStatus.terminated),
            )
        )
        .order_by(Project.id)
    )
    if project_ids is not None:
        stmt = stmt.where(Project.id.in_(project_ids))
    if investor_id is not None:
        stmt = stmt.where(Project.investor_id == investor_id)
    return stmt


def compute(db: Session, year: int, params: dict[str, Any], *, investor_id: int | None = None) -> list[Entry]:
    """Every project in scope and every firm, evaluated (projects first, by id; then firms by investor id).
    One statement (`investor_id`: one firm's only)."""
    with gc_paused():
        return _compute(db, year, params, investor_id)


def _compute(db: Session, year: int, params: dict[str, Any], investor_id: int | None) -> list[Entry]:
    scheme = Scheme.of(params)
    entries: list[Entry] = []
    by_firm: dict[int, list[Entry]] = defaultdict(list)
    for row in db.execute(_scope(year, investor_id=investor_id)).all():
        identity = _Identity(*row[: len(_IDENTITY)])
        result_id, land, output, tax, energy, rd = row[len(_IDENTITY) :]
        figures = Figures(land, output, tax, energy, rd)
        if result_id is None:
            evaluation = Evaluation(per_mu=dict.fromkeys(INDICATORS), reasons=[f"缺少 {year} 年度已确认的年度实绩"])
        else:
            evaluation = evaluate(figures, scheme)
        entry = Entry(
            PerMuLevel.project,
            identity.investor_id,
            identity.id,
            identity,
            identity.responsible_unit_id,
            identity.zone_unit_id,
            identity.industry_chain or "",
            figures,
            evaluation,
        )
        entries.append(entry)
        by_firm[identity.investor_id].append(entry)
    firms = []
    for firm_id in sorted(by_firm):
        members = by_firm[firm_id]
        summed = Figures(
            _sum(m.figures.land for m in members),
            _sum(m.figures.output for m in members),
            _sum(m.figures.tax for m in members),
            _sum(m.figures.energy for m in members),
            _sum(m.figures.rd for m in members),
        )
        lacking = sorted({r for m in members for r in m.evaluation.reasons}, key=_reason_order)
        if lacking:
            evaluation = Evaluation(
                per_mu={
                    "tax_per_mu": None,
                    "output_per_mu": None,
                    "output_per_energy": None,
                    "rd_share": None,
                },
                reasons=[f"所属项目{r}" for r in lacking],
            )
        else:
            evaluation = evaluate(summed, scheme)
        firm = Entry(
            PerMuLevel.firm,
            firm_id,
            None,
            None,
            None,
            None,
            "",
            summed,
            evaluation,
            projects_count=len(members),
            members=[m.project for m in members],
        )
        for m in members:
            m.firm_grade = evaluation.grade
        firms.append(firm)
    return entries + firms


def _reason_order(reason: str) -> tuple[int, str]:
    for i, prefix in enumerate(("缺少 ", "缺少用地", "用地", "缺少税收", "缺少产值", "缺少综合能耗", "综合能耗")):
        if reason.startswith(prefix):
            return i, reason
    return 99, reason


# --- publishing ------------------------------------------------------------------------------------


def _frozen_row(scheme_id: int, year: int, e: Entry) -> dict[str, Any]:
    p = e.evaluation.per_mu
    return {
        "scheme_id": scheme_id,
        "year": year,
        "level": e.level,
        "project_id": e.project_id,
        "investor_id": e.investor_id,
        "unit_id": e.unit_id,
        "zone_unit_id": e.zone_unit_id,
        "industry_chain": e.industry_chain,
        "projects_count": e.projects_count,
        "land_mu": e.figures.land,
        "output": e.figures.output,
        "tax": e.figures.tax,
        "energy_tce": e.figures.energy,
        "rd_spend": e.figures.rd,
        "tax_per_mu": p["tax_per_mu"],
        "output_per_mu": p["output_per_mu"],
        "output_per_energy": p["output_per_energy"],
        "rd_share": p["rd_share"],
        "score": e.evaluation.score,
        "grade": e.evaluation.grade,
        "firm_grade": e.firm_grade,
        "reason": e.reason,
    }


def _digest(rows: Sequence[dict[str, Any]]) -> str:
    def plain(value: Any) -> Any:
        return None if value is None else str(value)

    canonical = [{k: plain(v) for k, v in sorted(r.items()) if k != "scheme_id"} for r in rows]
    return hashlib.sha256(json.dumps(canonical, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


def publish(db: Session, principal: Principal, year: int, data: PublishIn, today: date | None = None) -> PerMuScheme:
    """Freeze the year's scheme and write its results; copy the firms' grades onto their projects when this is
    the latest published year. A year not yet over needs `confirm_early`."""
    policy.ensure_coordinator(principal)
    today = today or workdays.today()
    _check_year(year, today)
    row = scheme_of(db, year)
    if row is None:
        raise Invalid({"__all__": "请先设定并保存本年度亩均评价方案（可直接保存默认方案）"})
    _ensure_draft(row)
    if data.version is None:
        raise Invalid({"version": "请带读到的方案版本号"})
    check_version(db, row, data.version)
    if today <= date(year, 12, 31) and not data.confirm_early:
        raise Invalid({"confirm_early": f"{year} 年尚未结束，提前发布须确认"})
    entries = compute(db, year, params_of(row))
    rows = [_frozen_row(row.id, year, e) for e in entries]
    with audit.reason(db, f"发布 {year} 年度亩均评价结果"):
        if rows:
            db.execute(insert(cast(Table, PerMuResult.__table__)), rows)  # Core: no ORM bookkeeping per row
        row.status = PerMuStatus.published
        row.published_at = utcnow()
        row.published_by_id = principal.user_id
        row.results_count = len(rows)
        row.results_digest = _digest(rows)
        db.flush()
    latest = db.execute(
        select(func.max(PerMuScheme.year)).where(PerMuScheme.status == PerMuStatus.published)
    ).scalar_one()
    if latest == year:
        _copy_grades(db, year)
    return row


def _copy_grades(db: Session, year: int) -> None:
    """The firm's grade of `year` onto each of its evaluated projects (the warnings read it); other projects'
    grades cleared. Two statements (an UPDATE … FROM: a join, not a subquery per project), beside the ORM
    (the project's version and trail are not touched: the publication is the audited change)."""
    table = cast(Table, Project.__table__)
    db.execute(update(table).where(table.c.per_mu_grade.is_not(None)).values(per_mu_grade=None))
    frozen = cast(Table, PerMuResult.__table__)
    db.execute(
        update(table)
        .where(
            table.c.id == frozen.c.project_id,
            frozen.c.year == year,
            frozen.c.level == PerMuLevel.project,
            frozen.c.firm_grade.is_not(None),
        )
        .values(per_mu_grade=frozen.c.firm_grade)
    )


# --- the hook for policies -----------------------------------------------------------------------


def grade_for(
    db: Session, year: int, *, project_id: int | None = None, investor_id: int | None = None, firm: bool = False
) -> Grade | None:
    """The published grade of a year: a project's own (`firm`: its firm's), or a firm's (`investor_id`).
    None when the year is not published, or it was not evaluated or not classified. One statement.

    For a policy "only for A/B firms": `grade_for(db, year, investor_id=…) in (Grade.A, Grade.B)`."""
    if (project_id is None) == (investor_id is None):
        raise ValueError("grade_for: give project_id or investor_id")
    if project_id is not None:
        column = PerMuResult.firm_grade if firm else PerMuResult.grade
        condition = and_(PerMuResult.project_id == project_id, PerMuResult.level == PerMuLevel.project)
    else:
        column = PerMuResult.grade
        condition = and_(PerMuResult.investor_id == investor_id, PerMuResult.level == PerMuLevel.firm)
    value = db.execute(select(column).where(PerMuResult.year == year, condition).limit(1)).scalar_one_or_none()
    return Grade(value) if value is not None else None


# --- reading: the lists ----------------------------------------------------------------------------


@dataclass
class Filters:
    level: PerMuLevel = PerMuLevel.project
    unit_id: int | None = None
    zone_unit_id: int | None = None
    chain: str | None = None
    grade: str | None = None  # A/B/C/D, or "none" (not classified)


@dataclass
class Row:
    """A result as a list shows it to one principal (names masked by app.services.projects.view)."""

    level: PerMuLevel
    project_id: int | None
    investor_id: int
    name: str
    firm_name: str
    unit_name: str
    zone_name: str
    industry_chain: str
    projects_count: int
    land_mu: Decimal | None
    output: Decimal | None
    tax: Decimal | None
    energy_tce: Decimal | None
    rd_spend: Decimal | None
    tax_per_mu: Decimal | None
    output_per_mu: Decimal | None
    output_per_energy: Decimal | None
    rd_share: Decimal | None
    score: Decimal | None
    grade: Grade | None
    firm_grade: Grade | None
    reason: str


@dataclass
class ResultsPage:
    year: int
    scheme: PerMuScheme | None
    params: dict[str, Any]
    published: bool
    filters: Filters
    rows: list[Row]
    count: int
    grade_counts: dict[str, int]


def _readable(principal: Principal, project: Any) -> bool:
    return principal.reads_everything or principal.unit_id in (
        project.responsible_unit_id,
        project.introducing_unit_id,
    )


def _grade_key(grade: Grade | None) -> str:
    return grade.value if grade is not None else NOT_CLASSIFIED


def _order_key(e: Entry) -> tuple[int, Decimal, int]:
    grade = e.evaluation.grade
    return ("ABCD".index(grade.value) if grade else 4, -(e.evaluation.score or ZERO), e.project_id or e.investor_id)


def _matches(e: Entry, f: Filters, members: Sequence[Any]) -> bool:
    """Whether an entry passes the unit / park / chain filters (a firm: through any of its projects)."""
    if e.level is PerMuLevel.project:
        candidates: Sequence[Any] = [e.project]
    else:
        candidates = members
    return any(
        (f.unit_id is None or p.responsible_unit_id == f.unit_id)
        and (f.zone_unit_id is None or p.zone_unit_id == f.zone_unit_id)
        and (f.chain is None or (p.industry_chain or "") == f.chain)
        for p in candidates
    )


def _names(db: Session, investor_ids: Iterable[int]) -> tuple[dict[int, str], dict[int, str]]:
    """Unit names (all units: few) and the investors' names: two statements."""
    units = dict(db.execute(select(Unit.id, Unit.name)).tuples().all())
    ids = sorted(set(investor_ids))
    investors = (
        dict(db.execute(select(Investor.id, Investor.name).where(Investor.id.in_(ids))).tuples().all()) if ids else {}
    )
    return units, investors


def _firm_name(principal: Principal, name: str, members: Sequence[Any]) -> str:
    """A firm's name, unless one of its projects is confidential and hidden from the principal."""
    if all(projects.sees_identity(principal, p) for p in members):
        return name
    return projects.HIDDEN


def _row_of_entry(principal: Principal, e: Entry, units: dict[int, str], investors: dict[int, str]) -> Row:
    p = e.evaluation.per_mu
    investor_name = investors.get(e.investor_id, "")
    if e.level is PerMuLevel.project:
        shown = projects.view(principal, e.project)
        name, firm_name = shown.name, str(shown.reveal(investor_name))
    else:
        name = firm_name = _firm_name(principal, investor_name, e.members)
    return Row(
        level=e.level,
        project_id=e.project_id,
        investor_id=e.investor_id,
        name=name,
        firm_name=firm_name,
        unit_name=units.get(e.unit_id or 0, ""),
        zone_name=units.get(e.zone_unit_id or 0, ""),
        industry_chain=e.industry_chain,
        projects_count=e.projects_count,
        land_mu=e.figures.land,
        output=e.figures.output,
        tax=e.figures.tax,
        energy_tce=e.figures.energy,
        rd_spend=e.figures.rd,
        tax_per_mu=p["tax_per_mu"],
        output_per_mu=p["output_per_mu"],
        output_per_energy=p["output_per_energy"],
        rd_share=p["rd_share"],
        score=e.evaluation.score,
        grade=e.evaluation.grade,
        firm_grade=e.firm_grade,
        reason=e.reason,
    )


def _preview(
    db: Session, principal: Principal, year: int, params: dict[str, Any], f: Filters, limit: int, offset: int
) -> tuple[list[Row], int, dict[str, int]]:
    entries = compute(db, year, params)
    members = {e.investor_id: e.members for e in entries if e.level is PerMuLevel.firm}
    chosen = []
    for e in entries:
        if e.level is not f.level:
            continue
        mine = [p for p in members[e.investor_id] if _readable(principal, p)] if e.level is PerMuLevel.firm else None
        if e.level is PerMuLevel.project and not _readable(principal, e.project):
            continue
        if mine is not None and not mine:
            continue
        if not _matches(e, f, members.get(e.investor_id, [])):
            continue
        chosen.append(e)
    counts = _count_grades(_grade_key(e.evaluation.grade) for e in chosen)
    if f.grade is not None:
        chosen = [e for e in chosen if _grade_key(e.evaluation.grade) == f.grade]
    chosen.sort(key=_order_key)
    page = chosen[offset : offset + limit]
    units, investors = _names(db, (e.investor_id for e in page))
    return [_row_of_entry(principal, e, units, investors) for e in page], len(chosen), counts


def _count_grades(keys: Iterable[str]) -> dict[str, int]:
    counts = dict.fromkeys(["A", "B", "C", "D", NOT_CLASSIFIED], 0)
    for k in keys:
        counts[k] += 1
    return counts


def _frozen_conditions(principal: Principal, year: int, f: Filters) -> list[ColumnElement[bool]]:
    """The frozen rows a principal reads under the filters (a firm through any of its projects' rows)."""
    mine = aliased(PerMuResult)
    owner = aliased(Project)
    conditions: list[ColumnElement[bool]] = [PerMuResult.year == year, PerMuResult.level == f.level]
    if f.level is PerMuLevel.project:
        if not principal.reads_everything:
            conditions.append(
                or_(Project.responsible_unit_id == principal.unit_id, Project.introducing_unit_id == principal.unit_id)
            )
        if f.unit_id is not None:
            conditions.append(PerMuResult.unit_id == f.unit_id)
        if f.zone_unit_id is not None:
            conditions.append(PerMuResult.zone_unit_id == f.zone_unit_id)
        if f.chain is not None:
            conditions.append(PerMuResult.industry_chain == f.chain)
    else:
        through = [
            mine.year == year,
            mine.level == PerMuLevel.project,
            mine.investor_id == PerMuResult.investor_id,
        ]
        if f.unit_id is not None:
            through.append(mine.unit_id == f.unit_id)
        if f.zone_unit_id is not None:
            through.append(mine.zone_unit_id == f.zone_unit_id)
        if f.chain is not None:
            through.append(mine.industry_chain == f.chain)
        if not principal.reads_everything:
            through.append(
                exists().where(
                    owner.id == mine.project_id,
                    or_(owner.responsible_unit_id == principal.unit_id, owner.introducing_unit_id == principal.unit_id),
                )
            )
        if len(through) > 3:
            conditions.append(exists().where(*through))
    return conditions


def _frozen(
    db: Session, principal: Principal, year: int, f: Filters, limit: int, offset: int
) -> tuple[list[Row], int, dict[str, int]]:
    """A published year's rows under the filters, paged, with the count and the grade counts: four statements
    (the page, the counts by grade, the names of units and investors)."""
    by_grade = _frozen_conditions(principal, year, f)
    conditions = list(by_grade)
    if f.grade == NOT_CLASSIFIED:
        conditions.append(PerMuResult.grade.is_(None))
    elif f.grade is not None:
        conditions.append(PerMuResult.grade == f.grade)
    base = select(PerMuResult).outerjoin(Project, Project.id == PerMuResult.project_id)
    order = (
        case(
            (PerMuResult.grade == "A", 0),
            (PerMuResult.grade == "B", 1),
            (PerMuResult.grade == "C", 2),
            (PerMuResult.grade == "D", 3),
            else_=4,
        ),
        PerMuResult.score.desc(),
        PerMuResult.id,
    )
    found = db.execute(
        base.add_columns(*_IDENTITY).where(*conditions).order_by(*order).limit(limit).offset(offset)
    ).all()
    tally = db.execute(
        select(PerMuResult.grade, func.count())
        .select_from(PerMuResult)
        .outerjoin(Project, Project.id == PerMuResult.project_id)
        .where(*by_grade)
        .group_by(PerMuResult.grade)
    ).all()
    counts = _count_grades([])
    for grade, n in tally:
        counts[_grade_key(Grade(grade) if grade else None)] += int(n)
    total = counts[f.grade] if f.grade is not None else sum(counts.values())
    # a firm's projects' identities, for its name's masking: one statement for the page's firms
    members: dict[int, list[Any]] = defaultdict(list)
    firm_ids = [r[0].investor_id for r in found if r[0].level is PerMuLevel.firm]
    if firm_ids:
        for m in db.execute(
            select(*_IDENTITY)
            .join(PerMuResult, PerMuResult.project_id == Project.id)
            .where(
                PerMuResult.year == year,
                PerMuResult.level == PerMuLevel.project,
                PerMuResult.investor_id.in_(firm_ids),
            )
        ).all():
            members[m.investor_id].append(m)
    units, investors = _names(db, (r[0].investor_id for r in found))
    rows = []
    for r in found:
        frozen: PerMuResult = r[0]
        identity = _Identity(*r[1:]) if frozen.project_id is not None else None
        e = Entry(
            frozen.level,
            frozen.investor_id,
            frozen.project_id,
            identity,
            frozen.unit_id,
            frozen.zone_unit_id,
            frozen.industry_chain,
            Figures(frozen.land_mu, frozen.output, frozen.tax, frozen.energy_tce, frozen.rd_spend),
            Evaluation(
                per_mu={
                    "tax_per_mu": frozen.tax_per_mu,
                    "output_per_mu": frozen.output_per_mu,
                    "output_per_energy": frozen.output_per_energy,
                    "rd_share": frozen.rd_share,
                },
                score=frozen.score,
                grade=frozen.grade,
                reasons=[frozen.reason] if frozen.reason else [],
            ),
            projects_count=frozen.projects_count,
            firm_grade=frozen.firm_grade,
            members=members.get(frozen.investor_id, []),
        )
        rows.append(_row_of_entry(principal, e, units, investors))
    return rows, total, counts


def results_page(
    db: Session,
    principal: Principal,
    year: int,
    filters: Filters | None = None,
    *,
    limit: int = 50,
    offset: int = 0,
    today: date | None = None,
) -> ResultsPage:
    """A year's results under the filters, paged: frozen when published, else a preview computed now (with
    the year's scheme or the default). Unit staff read their own units' projects (and the firms of them)."""
    _check_year(year, today or workdays.today())
    f = filters or Filters()
    if f.grade is not None and f.grade not in ("A", "B", "C", "D", NOT_CLASSIFIED):
        raise Invalid({"grade": "等级应为 A、B、C、D 或 none（未分类）"})
    scheme = scheme_of(db, year)
    params = params_of(scheme)
    if is_published(scheme):
        rows, count, counts = _frozen(db, principal, year, f, limit, offset)
    else:
        rows, count, counts = _preview(db, principal, year, params, f, limit, offset)
    return ResultsPage(year, scheme, params, is_published(scheme), f, rows, count, counts)


# --- reading: results by unit, park and chain ------------------------------------------------------


@dataclass
class Group:
    key: str
    name: str
    counts: dict[str, int]
    land: Decimal = ZERO
    tax: Decimal = ZERO
    output: Decimal = ZERO

    @property
    def tax_per_mu(self) -> Decimal | None:
        return _div(self.tax, self.land)

    @property
    def output_per_mu(self) -> Decimal | None:
        return _div(self.output, self.land)


BREAKDOWNS = {"unit": "责任单位", "zone": "园区", "chain": "产业链"}


def breakdown(db: Session, principal: Principal, year: int, by: str, today: date | None = None) -> list[Group]:
    """The projects' grades counted by unit, park or industry chain, with the classified projects' land, tax
    and output (and so the group's tax and output per mu). Frozen when published, else the preview."""
    _check_year(year, today or workdays.today())
    if by not in BREAKDOWNS:
        raise Invalid({"by": "按 unit（单位）、zone（园区）或 chain（产业链）汇总"})
    scheme = scheme_of(db, year)
    items: list[tuple[Any, Grade | None, Figures]] = []
    if is_published(scheme):
        for frozen, *identity in db.execute(
            select(PerMuResult, *_IDENTITY)
            .join(Project, Project.id == PerMuResult.project_id)
            .where(PerMuResult.year == year, PerMuResult.level == PerMuLevel.project)
        ).all():
            figures = Figures(frozen.land_mu, frozen.output, frozen.tax, frozen.energy_tce)
            items.append(
                (
                    dataclasses.replace(
                        _Identity(*identity),
                        frozen=True,
                        frozen_unit_id=frozen.unit_id,
                        frozen_zone_unit_id=frozen.zone_unit_id,
                        frozen_chain=frozen.industry_chain,
                    ),
                    frozen.grade,
                    figures,
                )
            )
    else:
        for e in compute(db, year, params_of(scheme)):
            if e.level is PerMuLevel.project:
                items.append((e.project, e.evaluation.grade, e.figures))
    units = dict(db.execute(select(Unit.id, Unit.name)).tuples().all())
    groups: dict[str, Group] = {}
    for project, grade, figures in items:
        if not _readable(principal, project):
            continue
        if project.frozen:
            unit_id, zone_id, chain = project.frozen_unit_id, project.frozen_zone_unit_id, project.frozen_chain
        else:
            unit_id, zone_id, chain = project.responsible_unit_id, project.zone_unit_id, project.industry_chain or ""
        if by == "unit":
            key, name = str(unit_id), units.get(unit_id, "")
        elif by == "zone":
            key, name = (str(zone_id), units.get(zone_id, "")) if zone_id else ("", "（未入园区）")
        else:
            key, name = chain, chain or "（未填产业链）"
        group = groups.setdefault(key, Group(key, name, _count_grades([])))
        group.counts[_grade_key(grade)] += 1
        if grade is not None:
            group.land += figures.land or ZERO
            group.tax += figures.tax or ZERO
            group.output += figures.output or ZERO
    return sorted(groups.values(), key=lambda g: (-sum(g.counts[k] for k in "AB"), g.name))


# --- reading: a project's figures ----------------------------------------------------------------


@dataclass
class ProjectYear:
    year: int
    published: bool
    row: Row | None  # the project's figures and grade
    firm: Row | None  # its firm's (published years only)
    parts: list[Part]  # each indicator's score (previews only: a published row keeps the totals)


def project_figures(db: Session, principal: Principal, project: Project, years: int = 3) -> list[ProjectYear]:
    """The project's per-mu figures for its latest years: published years from the frozen rows (with its
    firm's), and, for years with a confirmed annual result and no publication, a preview by the year's draft
    scheme. A fixed number of statements."""
    frozen = (
        db.execute(
            select(PerMuResult)
            .where(
                or_(
                    and_(PerMuResult.project_id == project.id, PerMuResult.level == PerMuLevel.project),
                    and_(PerMuResult.investor_id == project.investor_id, PerMuResult.level == PerMuLevel.firm),
                )
            )
            .order_by(PerMuResult.year.desc())
        )
        .scalars()
        .all()
    )
    confirmed = (
        db.execute(
            select(ProjectResult)
            .where(
                ProjectResult.project_id == project.id,
                ProjectResult.quarter.is_(None),
                ProjectResult.status == ResultStatus.confirmed,
            )
            .order_by(ProjectResult.year.desc())
            .limit(years)
        )
        .scalars()
        .all()
    )
    schemes = (
        {
            s.year: s
            for s in db.execute(
                select(PerMuScheme).where(PerMuScheme.year.in_({r.year for r in confirmed} | {r.year for r in frozen}))
            ).scalars()
        }
        if (confirmed or frozen)
        else {}
    )
    units: dict[int, str] = {}
    investor = db.get(Investor, project.investor_id)
    investors = {project.investor_id: investor.name if investor else ""}
    found: dict[int, ProjectYear] = {}
    for r in frozen:
        if not is_published(schemes.get(r.year)):
            continue
        entry = _entry_of_frozen(r, project)
        item = found.setdefault(r.year, ProjectYear(r.year, True, None, None, []))
        row = _row_of_entry(principal, entry, units, investors)
        if r.level is PerMuLevel.project:
            item.row = row
        else:
            item.firm = row
    for result in confirmed:
        if result.year in found:
            continue
        figures = Figures(result.land_used_mu, result.output, result.tax, result.energy_tce, result.rd_spend)
        evaluation = evaluate(figures, params_of(schemes.get(result.year)))
        entry = Entry(
            PerMuLevel.project, project.investor_id, project.id, project, project.responsible_unit_id,
            project.zone_unit_id, project.industry_chain or "", figures, evaluation,
        )  # fmt: skip
        found[result.year] = ProjectYear(
            result.year, False, _row_of_entry(principal, entry, units, investors), None, evaluation.parts
        )
    return [found[y] for y in sorted(found, reverse=True)][:years]


def _entry_of_frozen(r: PerMuResult, project: Any) -> Entry:
    return Entry(
        r.level,
        r.investor_id,
        r.project_id,
        project if r.level is PerMuLevel.project else None,
        r.unit_id,
        r.zone_unit_id,
        r.industry_chain,
        Figures(r.land_mu, r.output, r.tax, r.energy_tce, r.rd_spend),
        Evaluation(
            per_mu={
                "tax_per_mu": r.tax_per_mu,
                "output_per_mu": r.output_per_mu,
                "output_per_energy": r.output_per_energy,
                "rd_share": r.rd_share,
            },
            score=r.score,
            grade=r.grade,
            reasons=[r.reason] if r.reason else [],
        ),
        projects_count=r.projects_count,
        firm_grade=r.firm_grade,
        members=[project],
    )


def grade_read(
    db: Session,
    principal: Principal,
    year: int,
    *,
    project_id: int | None = None,
    investor_id: int | None = None,
    firm: bool = False,
) -> Grade | None:
    """`grade_for` for a principal: a project it may read, or a firm (those who read everything, or a unit
    with one of the firm's projects)."""
    _check_year(year, workdays.today())
    if (project_id is None) == (investor_id is None):
        raise Invalid({"project_id": "请给出 project_id 或 investor_id 之一"})
    if project_id is not None:
        projects.get(db, principal, project_id)
    elif not principal.reads_everything:
        own = db.execute(
            select(Project.id)
            .where(
                Project.investor_id == investor_id,
                or_(Project.responsible_unit_id == principal.unit_id, Project.introducing_unit_id == principal.unit_id),
            )
            .limit(1)
        ).first()
        if own is None:
            raise policy.DeniedNotFound()
    return grade_for(db, year, project_id=project_id, investor_id=investor_id, firm=firm)


EXPORT_HEADERS = [
    "级别", "名称", "企业", "责任单位", "园区", "产业链", "用地（亩）", "税收（万元）", "产值（万元）",
    "综合能耗（吨标准煤）", "研发经费（万元）", "亩均税收（万元/亩）", "亩均产值（万元/亩）",
    "单位能耗产出（万元/吨标准煤）", "研发投入占比（%）", "综合得分", "等级", "所属企业等级", "未分类原因",
]  # fmt: skip
EXPORT_LIMIT = 100_000


def export_rows(db: Session, principal: Principal, year: int, filters: Filters) -> list[list[Any]]:
    """Every row of the list under the filters (masked as the list is), for the XLSX."""
    page = results_page(db, principal, year, filters, limit=EXPORT_LIMIT, offset=0)
    return [
        [
            r.level.label, r.name, r.firm_name, r.unit_name, r.zone_name, r.industry_chain, r.land_mu, r.tax,
            r.output, r.energy_tce, r.rd_spend, r.tax_per_mu, r.output_per_mu, r.output_per_energy, r.rd_share,
            r.score, r.grade.value if r.grade else "", r.firm_grade.value if r.firm_grade else "", r.reason,
        ]
        for r in page.rows
    ]  # fmt: skip
