"""The year's assessment (年度考核) of each unit, as the documents run it.

综合得分 = 定量 + 定性 + 加分 − 扣分, every part a sum of lines that name their source:
- 定量: each indicator's completion of the unit's annual target (the responsibility letter's targets where
  the unit acknowledged one; at most 150 %; without a target, the share of the best unit's figure), times
  its weight, scaled to the scheme's quantitative weight;
- 定性: the mean of the assessors' scores (0–100, each with its reason) per item, weighted, scaled to the
  qualitative weight;
- 扣分: what the records show (late or missing reports, overdue supervised tasks, interviews, stale data,
  projects past their start-by date, false figures found on spot-checks), points per occurrence, and the
  deductions the coordinator enters by hand; capped;
- 加分: the bonuses the coordinator enters with reason and basis; capped.
- 参考信息 (section `info`, no points): the compliance cases opened in the year against the unit's projects
  (app.services.compliance.case_counts), shown beside the score and not counted in it.
Each line is rounded to 0.01 and the totals are the sums of the rounded lines, so the page adds up.

The red card (红牌) is the unit's, not an indicator's: no results at all for the year (every indicator of
the scheme at zero) once the year is over; it is kept apart from the per-indicator yellow and red lights.
Publishing freezes the scheme and the results (with their lines); later edits of records do not move them.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import policy
from app.errors import Invalid, NotFound
from app.models.assessment import (
    AssessmentAdjustment,
    AssessmentScheme,
    AssessmentStatus,
    QualitativeScore,
)
from app.models.base import utcnow
from app.models.performance import RankingScheme
from app.models.unit import Unit, UnitKind
from app.models.user import Role, User
from app.principal import Principal
from app.schemas.assessment import DEDUCTION_LABELS, AdjustmentIn, PublishIn, SchemeIn, ScoresIn, WithdrawIn
from app.services import audit, compliance, interviews, letters, metrics, performance, reports, tasks, workdays
from app.services.common import check_version
from app.templating import figure, pct, score

ZERO = Decimal(0)
CENT = Decimal("0.01")
FIRST_YEAR = 2000
ASSESSOR_ROLES = (Role.coordinator, Role.leader, Role.supervisor)

DEFAULT_PARAMS: dict[str, Any] = {
    "quantitative_weight": "70",
    "qualitative_weight": "30",
    "metric_weights": {code: str(w) for code, w in performance.DEFAULT_WEIGHTS.items()},
    "qualitative_items": [
        {"code": "leadership", "label": "组织领导与工作作风", "weight": "40"},
        {"code": "service", "label": "服务企业与问题办理", "weight": "30"},
        {"code": "innovation", "label": "招商方式创新", "weight": "30"},
    ],
    "deductions": {
        "late_report": "0.5",
        "overdue_task": "1",
        "interview": "2",
        "stale_data": "2",
        "overdue_start": "0.1",
        "false_figure": "0.2",
    },
    "deduction_cap": "20",
    "bonus_cap": "10",
}
"""The scheme a year has until the coordinator sets one (the weights of the unit ranking for 定量)."""


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# --- who may do what -------------------------------------------------------------------------------


def is_assessor(principal: Principal) -> bool:
    """County leaders, the supervisor's office and the coordinating bureau score units (定性): the one thing a
    leader writes, so not `can_write`."""
    return not principal.read_only and principal.role in ASSESSOR_ROLES


def _check_year(year: int, today: date) -> None:
    if not FIRST_YEAR <= year <= today.year:
        raise Invalid({"year": f"考核年度应在 {FIRST_YEAR} 年至 {today.year} 年之间"})


def _as_of(year: int, today: date) -> date:
    return min(today, date(year, 12, 31))


def _assessed_units(db: Session) -> list[Unit]:
    return list(
        db.execute(
            select(Unit)
            .where(Unit.is_active.is_(True), Unit.kind != UnitKind.jurisdiction)
            .order_by(Unit.sort_order, Unit.id)
        ).scalars()
    )


# --- the scheme ------------------------------------------------------------------------------------


def scheme_of(db: Session, year: int) -> AssessmentScheme | None:
    return db.execute(select(AssessmentScheme).where(AssessmentScheme.year == year)).scalar_one_or_none()


def params_of(row: AssessmentScheme | None) -> dict[str, Any]:
    return copy.deepcopy(row.params if row is not None else DEFAULT_PARAMS)


def _ensure_draft(row: AssessmentScheme | None) -> None:
    if row is not None and row.status is AssessmentStatus.published:
        raise Invalid({"__all__": f"{row.year} 年度考核结果已发布，方案、评分和加减分不能再改"})


def set_scheme(
    db: Session, principal: Principal, year: int, data: SchemeIn, today: date | None = None
) -> AssessmentScheme:
    """The coordinator sets the year's weights; a published year's scheme is frozen."""
    policy.ensure_coordinator(principal)
    today = today or workdays.today()
    _check_year(year, today)
    unknown = sorted(set(data.metric_weights) - set(metrics.METRICS))
    if unknown:
        raise Invalid({"metric_weights": f"未知的指标：{'、'.join(unknown)}"})
    if not data.metric_weights or not sum(data.metric_weights.values(), ZERO):
        raise Invalid({"metric_weights": "至少要有一个权重大于 0 的定量指标"})
    unknown = sorted(set(data.deductions) - set(DEDUCTION_LABELS))
    if unknown:
        raise Invalid({"deductions": f"未知的扣分项：{'、'.join(unknown)}"})
    row = scheme_of(db, year)
    _ensure_draft(row)
    params = {
        "quantitative_weight": str(data.quantitative_weight),
        "qualitative_weight": str(data.qualitative_weight),
        "metric_weights": {k: str(v) for k, v in data.metric_weights.items()},
        "qualitative_items": [
            {"code": i.code, "label": i.label, "weight": str(i.weight)} for i in data.qualitative_items
        ],
        "deductions": {k: str(data.deductions.get(k, ZERO)) for k in DEDUCTION_LABELS},
        "deduction_cap": str(data.deduction_cap),
        "bonus_cap": str(data.bonus_cap),
    }
    with audit.reason(db, f"设定 {year} 年度考核方案"):
        if row is None:
            if data.version is not None:
                raise Invalid({"version": "尚未设定方案，不填版本号"})
            row = AssessmentScheme(year=year, params=params, status=AssessmentStatus.draft)
            db.add(row)
        else:
            if data.version is None:
                raise Invalid({"version": "修改方案须带读到的版本号"})
            check_version(db, row, data.version)
            row.params = params
        db.flush()
    return row


# --- the figures the deductions count ---------------------------------------------------------------


# --- computing -------------------------------------------------------------------------------------


@dataclass
class Result:
    unit: Unit
    quantitative: Decimal = ZERO
    qualitative: Decimal | None = None
    bonus: Decimal = ZERO
    deduction: Decimal = ZERO
    no_results: bool = False
    red_card: bool = False
    missing_scores: list[str] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)
    letter: dict[str, Any] | None = None  # the acknowledged responsibility letter the targets come from
    funds: Decimal = ZERO
    introduced: Decimal = ZERO
    rank: int = 0

    @property
    def score(self) -> Decimal:
        return self.quantitative + (self.qualitative or ZERO) + self.bonus - self.deduction

    def line(self, section: str, label: str, figure_: str, rule: str, points: Decimal, link: str = "") -> Decimal:
        points = cents(points)
        self.lines.append(
            {"section": section, "label": label, "figure": figure_, "rule": rule, "points": points, "link": link}
        )
        return points


def _d(value: Any) -> Decimal:
    return Decimal(str(value))


def _quantitative(
    result: Result,
    row: dict[str, Any],
    params: dict[str, Any],
    year: int,
    as_of: date,
    best: dict[str, Decimal],
    by_letter: bool,
) -> None:
    weights = {k: _d(v) for k, v in params["metric_weights"].items()}
    total_weight = sum(weights.values(), ZERO)
    share = _d(params["quantitative_weight"])
    unit_id = result.unit.id
    any_result = False
    for part in row["parts"]:
        code = part["metric"]
        metric = metrics.METRICS[code]
        weight = weights.get(code, ZERO)
        value, target = part["value"], part["target"]
        any_result = any_result or value > 0
        ratio = part["points"] / weight if weight else ZERO
        if target:
            unit = metric.unit
            done = pct(value * 100 / target)
            basis = "责任书目标" if by_letter else "目标"
            seen = f"{figure(value, unit)} {unit}，{basis} {figure(target, unit)} {unit}，完成 {done}%"
            rule = f"权重 {weight} × 完成率（最高按 150% 计）"
        else:
            top = best.get(code, ZERO)
            seen = (
                f"{figure(value, metric.unit)} {metric.unit}，无目标；最好单位 {figure(top, metric.unit)} {metric.unit}"
            )
            rule = f"权重 {weight} × 与最好单位之比"
        points = ratio * weight / total_weight * share if total_weight else ZERO
        link = f"/metrics/records?code={code}&start={year}-01-01&end={as_of.isoformat()}&unit_id={unit_id}"
        result.quantitative += result.line(
            "quantitative", metric.label, seen, f"{rule}，折合定量权重 {share}", points, link
        )
    result.no_results = not any_result


def _qualitative(result: Result, params: dict[str, Any], scores: Sequence[QualitativeScore], year: int) -> None:
    items = params["qualitative_items"]
    total_weight = sum((_d(i["weight"]) for i in items), ZERO)
    share = _d(params["qualitative_weight"])
    mine = [s for s in scores if s.unit_id == result.unit.id]
    if not mine:
        result.missing_scores = [i["label"] for i in items]
        return
    total = ZERO
    for item in items:
        given = [s.score for s in mine if s.item == item["code"]]
        if not given:
            result.missing_scores.append(item["label"])
            continue
        mean = sum(given, ZERO) / len(given)
        weight = _d(item["weight"])
        points = mean * weight / total_weight * share / 100 if total_weight else ZERO
        total += result.line(
            "qualitative",
            item["label"],
            f"{len(given)} 位评分人平均 {score(mean)} 分",
            f"权重 {weight} / {total_weight}，折合定性权重 {share}",
            points,
            f"/assessment/{year}/units/{result.unit.id}#scores",
        )
    result.qualitative = total


def _capped(result: Result, section: str, cap: Decimal) -> None:
    total = sum((ln["points"] for ln in result.lines if ln["section"] == section), ZERO)
    if total > cap:
        word = "扣分" if section == "deduction" else "加分"
        result.line(section, f"{word}上限", f"合计 {score(total)} 分", f"{word}最多 {score(cap)} 分", cap - total)
        total = cap
    if section == "deduction":
        result.deduction = total
    else:
        result.bonus = total


def compute(db: Session, year: int, as_of: date, params: dict[str, Any], today: date | None = None) -> list[Result]:
    """Every assessed unit's result as of a day, ranked (red cards last). A fixed number of statements."""
    units = _assessed_units(db)
    unit_ids = [u.id for u in units]
    signed = letters.letters_for(db, year)
    targets = dict(performance.targets_for_year(db, year))
    for unit_id, letter in signed.items():  # a unit that signed its letter is assessed on the letter's targets
        for key in [k for k in targets if k[1] == unit_id]:
            del targets[key]
        targets.update({(t["metric"], unit_id): Decimal(t["amount"]) for t in letter.targets})
    ranking = performance.rank_units(
        db,
        RankingScheme(name="年度考核", params={"weights": params["metric_weights"]}),
        year,
        as_of,
        targets=targets,
    )
    rows = {r["unit"].id: r for r in ranking}
    best = {
        code: max((p["value"] for r in ranking for p in r["parts"] if p["metric"] == code), default=ZERO)
        for code in params["metric_weights"]
    }
    scores = list(db.execute(select(QualitativeScore).where(QualitativeScore.year == year)).scalars())
    adjustments = list(
        db.execute(
            select(AssessmentAdjustment)
            .where(AssessmentAdjustment.year == year, AssessmentAdjustment.withdrawn.is_(False))
            .order_by(AssessmentAdjustment.id)
        ).scalars()
    )
    per = {k: _d(v) for k, v in params["deductions"].items()}
    late = reports.late_report_counts(db, year, unit_ids, today=today or as_of + timedelta(days=1))
    overdue = tasks.overdue_counts(db, date(year, 1, 1), date(year, 12, 31), unit_ids, today=as_of + timedelta(days=1))
    interviewed = interviews.interview_counts(db, year, today=as_of)
    cases = compliance.case_counts(db, year, unit_ids)  # information only: not scored (issue 20)
    year_over = as_of >= date(year, 12, 31)
    results = []
    for unit in units:
        r = Result(unit=unit)
        row = rows.get(unit.id)
        if row is not None:
            _quantitative(r, row, params, year, as_of, best, unit.id in signed)
            r.funds, r.introduced = row["funds"], row["introduced"]
        _qualitative(r, params, scores, year)
        counted = [
            ("late_report", late[unit.id].total if unit.id in late else 0, "/reports"),
            ("overdue_task", overdue.get(unit.id, 0), f"/tasks?unit_id={unit.id}&overdue=1"),
            (
                "overdue_start",
                row["overdue_starts"] if row else 0,
                f"/projects?responsible_unit_id={unit.id}&flag=not_started",
            ),
            ("false_figure", row["false_figures"] if row else 0, "/spot-checks"),
            ("stale_data", 1 if row and row["stale"] else 0, ""),
        ]
        tally = interviewed.get(unit.id)
        if tally is not None:
            counted.append(("interview", tally.interviews, f"/interviews?unit_id={unit.id}"))
        for code, n, link in counted:
            if n and per.get(code):
                seen = f"{n} 次" if code != "stale_data" else "有"
                if code == "late_report":
                    seen = f"迟报 {late[unit.id].late} 期，漏报 {late[unit.id].missing} 期"
                if code == "interview" and tally is not None:
                    seen += (
                        f"；承诺 {tally.promises} 项：已兑现 {tally.kept}，逾期 {tally.late}，办理中 {tally.in_hand}"
                    )
                r.line("deduction", DEDUCTION_LABELS[code], seen, f"每次 {per[code]} 分", per[code] * n, link)
        for a in adjustments:
            if a.unit_id == unit.id:
                r.line(
                    a.kind.value,
                    a.reason,
                    a.basis or "招商局录入",
                    f"{a.kind.label} {score(a.points)} 分",
                    a.points,
                    f"/assessment/{year}/units/{unit.id}#adj-{a.id}",
                )
        opened = cases.get(unit.id)
        if opened is not None:
            r.line(
                "info",
                "违约处置案件",
                f"{year} 年立案 {opened.opened} 件，已结案 {opened.closed} 件",
                "参考信息，不计分",
                ZERO,
                f"/compliance-cases?unit_id={unit.id}&year={year}",
            )
        _capped(r, "deduction", _d(params["deduction_cap"]))
        _capped(r, "bonus", _d(params["bonus_cap"]))
        r.red_card = year_over and r.no_results
        binding = signed.get(unit.id)
        if binding is not None:
            r.letter = {
                "id": binding.id,
                "title": f"{year} 年度招商引资目标责任书（第 {binding.revision} 版）",
                "acknowledged_at": binding.acknowledged_at.isoformat() if binding.acknowledged_at else None,
                "link": f"/letters/{binding.id}",
            }
        results.append(r)
    results.sort(key=lambda x: (x.red_card, -x.score, -x.funds, -x.introduced, x.unit.sort_order, x.unit.id))
    for index, r in enumerate(results, start=1):
        r.rank = index
    return results


# --- reading -------------------------------------------------------------------------------------


@dataclass
class View:
    """A year's assessment as a principal may see it."""

    year: int
    scheme: AssessmentScheme | None
    params: dict[str, Any]
    as_of: date
    rows: list[dict[str, Any]]  # JSON-ready results (frozen or just computed), each with its lines

    @property
    def published(self) -> bool:
        return self.scheme is not None and self.scheme.status is AssessmentStatus.published


def _frozen(results: Sequence[Result]) -> list[dict[str, Any]]:
    return [
        {
            "unit_id": r.unit.id,
            "unit_name": r.unit.name,
            "rank": r.rank,
            "quantitative": str(r.quantitative),
            "qualitative": None if r.qualitative is None else str(r.qualitative),
            "bonus": str(r.bonus),
            "deduction": str(r.deduction),
            "score": str(r.score),
            "red_card": r.red_card,
            "no_results_yet": r.no_results,
            "missing_scores": r.missing_scores,
            "lines": [{**ln, "points": str(ln["points"])} for ln in r.lines],
            "letter": r.letter,
        }
        for r in results
    ]


def _typed(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for key in ("quantitative", "bonus", "deduction", "score"):
        out[key] = Decimal(row[key])
    out["qualitative"] = None if row["qualitative"] is None else Decimal(row["qualitative"])
    out["lines"] = [{**ln, "points": Decimal(ln["points"])} for ln in row["lines"]]
    letter = row.get("letter")
    if letter and letter.get("acknowledged_at"):
        out["letter"] = {**letter, "acknowledged_at": datetime.fromisoformat(letter["acknowledged_at"])}
    else:
        out["letter"] = letter
    return out


def view(db: Session, principal: Principal, year: int, today: date | None = None) -> View:
    """The year's results: frozen when published, else computed now. Unit staff see every unit once the
    results are published; before, only their own unit's."""
    today = today or workdays.today()
    _check_year(year, today)
    row = scheme_of(db, year)
    params = params_of(row)
    if row is not None and row.status is AssessmentStatus.published and row.results is not None:
        rows, as_of = [_typed(r) for r in row.results], date.fromisoformat(row.as_of)
    else:
        as_of = _as_of(year, today)
        rows = [_typed(r) for r in _frozen(compute(db, year, as_of, params, today))]
    published = row is not None and row.status is AssessmentStatus.published
    if not principal.reads_everything and not published:
        rows = [r for r in rows if r["unit_id"] == principal.unit_id]
    return View(year=year, scheme=row, params=params, as_of=as_of, rows=rows)


def unit_view(db: Session, principal: Principal, year: int, unit_id: int, today: date | None = None) -> dict[str, Any]:
    """One unit's result with every line; another unit's (for unit staff) is not found."""
    if not principal.reads_everything:
        policy.ensure_read(principal, unit_id, "该单位不参加考核或不存在")
    v = view(db, principal, year, today)
    for r in v.rows:
        if r["unit_id"] == unit_id:
            return r
    raise NotFound("该单位不参加考核或不存在")


def scores_of(db: Session, principal: Principal, year: int, unit_id: int) -> list[tuple[QualitativeScore, str]]:
    """The assessors' scores of a unit with their names; a unit sees its own scores and reasons."""
    if not principal.reads_everything:
        policy.ensure_read(principal, unit_id, "该单位不参加考核或不存在")
    return [
        (s, name)
        for s, name in db.execute(
            select(QualitativeScore, User.display_name)
            .join(User, User.id == QualitativeScore.assessor_id)
            .where(QualitativeScore.year == year, QualitativeScore.unit_id == unit_id)
            .order_by(QualitativeScore.item, QualitativeScore.id)
        ).all()
    ]


def adjustments_of(db: Session, principal: Principal, year: int, unit_id: int) -> list[AssessmentAdjustment]:
    if not principal.reads_everything:
        policy.ensure_read(principal, unit_id, "该单位不参加考核或不存在")
    return list(
        db.execute(
            select(AssessmentAdjustment)
            .where(AssessmentAdjustment.year == year, AssessmentAdjustment.unit_id == unit_id)
            .order_by(AssessmentAdjustment.id)
        ).scalars()
    )


def assessors(db: Session) -> list[User]:
    return list(
        db.execute(
            select(User)
            .where(User.is_active.is_(True), User.role.in_(ASSESSOR_ROLES))
            .order_by(User.role, User.display_name, User.id)
        ).scalars()
    )


# --- writing -------------------------------------------------------------------------------------


def _assessed_unit(db: Session, unit_id: int) -> Unit:
    unit = db.get(Unit, unit_id)
    if unit is None or not unit.is_active or unit.kind is UnitKind.jurisdiction:
        raise NotFound("该单位不参加考核或不存在")
    return unit


def set_scores(
    db: Session, principal: Principal, year: int, unit_id: int, data: ScoresIn, today: date | None = None
) -> list[QualitativeScore]:
    """An assessor's qualitative scores of a unit (new or changed, each with its reason). The coordinator
    may record another assessor's scores from their paper form, naming them."""
    if not is_assessor(principal):
        raise policy.DeniedForbidden("定性评分由县级领导、督查室或招商局评分")
    today = today or workdays.today()
    _check_year(year, today)
    unit = _assessed_unit(db, unit_id)
    row = scheme_of(db, year)
    _ensure_draft(row)
    assessor_id = data.assessor_id or principal.user_id
    if assessor_id is None:
        raise Invalid({"assessor_id": "请注明评分人"})
    if assessor_id != principal.user_id:
        if not principal.is_coordinator:
            raise Invalid({"assessor_id": "只能录入本人的评分"})
        assessor = db.get(User, assessor_id)
        if assessor is None or not assessor.is_active or assessor.role not in ASSESSOR_ROLES:
            raise Invalid({"assessor_id": "评分人须为在岗的县级领导、督查室或招商局人员"})
    items = {i["code"]: i["label"] for i in params_of(row)["qualitative_items"]}
    existing = {
        s.item: s
        for s in db.execute(
            select(QualitativeScore).where(
                QualitativeScore.year == year,
                QualitativeScore.unit_id == unit.id,
                QualitativeScore.assessor_id == assessor_id,
            )
        ).scalars()
    }
    seen: set[str] = set()
    saved = []
    with audit.reason(db, f"{year} 年度考核定性评分"):
        for index, line in enumerate(data.scores):
            if line.item not in items:
                raise Invalid({f"scores.{index}.item": "方案中没有该评分项"})
            if line.item in seen:
                raise Invalid({f"scores.{index}.item": "同一评分项只能评一次"})
            seen.add(line.item)
            current = existing.get(line.item)
            if current is None:
                current = QualitativeScore(
                    year=year,
                    unit_id=unit.id,
                    assessor_id=assessor_id,
                    item=line.item,
                    score=line.score,
                    reason=line.reason,
                )
                db.add(current)
            else:
                if line.version is None:
                    raise Invalid({f"scores.{index}.version": "修改已有评分须带读到的版本号"})
                check_version(db, current, line.version)
                current.score, current.reason = line.score, line.reason
            saved.append(current)
        db.flush()
    return saved


def add_adjustment(
    db: Session, principal: Principal, year: int, unit_id: int, data: AdjustmentIn, today: date | None = None
) -> AssessmentAdjustment:
    """A bonus or deduction the coordinator enters with its reason and basis."""
    policy.ensure_coordinator(principal)
    today = today or workdays.today()
    _check_year(year, today)
    unit = _assessed_unit(db, unit_id)
    _ensure_draft(scheme_of(db, year))
    row = AssessmentAdjustment(
        year=year,
        unit_id=unit.id,
        kind=data.kind,
        points=data.points,
        reason=data.reason,
        basis=data.basis,
        entered_by_id=principal.user_id,
    )
    with audit.reason(db, f"{year} 年度考核{data.kind.label}：{data.reason}"):
        db.add(row)
        db.flush()
    return row


def get_adjustment(db: Session, year: int, adjustment_id: int) -> AssessmentAdjustment:
    row = db.get(AssessmentAdjustment, adjustment_id)
    if row is None or row.year != year:
        raise NotFound("没有这项加减分")
    return row


def withdraw_adjustment(
    db: Session, principal: Principal, year: int, adjustment_id: int, data: WithdrawIn
) -> AssessmentAdjustment:
    policy.ensure_coordinator(principal)
    row = get_adjustment(db, year, adjustment_id)
    _ensure_draft(scheme_of(db, year))
    if row.withdrawn:
        raise Invalid({"__all__": "这项加减分已撤销"})
    check_version(db, row, data.version)
    with audit.reason(db, f"撤销{row.kind.label}：{data.reason}"):
        row.withdrawn, row.withdraw_reason = True, data.reason
        db.flush()
    return row


def publish(
    db: Session, principal: Principal, year: int, data: PublishIn, today: date | None = None
) -> AssessmentScheme:
    """Freeze the year's scheme and results. Every unit must have every qualitative item scored; a year not
    yet over needs `confirm_early`."""
    policy.ensure_coordinator(principal)
    today = today or workdays.today()
    _check_year(year, today)
    row = scheme_of(db, year)
    if row is None:
        raise Invalid({"__all__": "请先设定并保存本年度考核方案（可直接保存默认方案）"})
    _ensure_draft(row)
    if data.version is None:
        raise Invalid({"version": "请带读到的方案版本号"})
    check_version(db, row, data.version)
    if today <= date(year, 12, 31) and not data.confirm_early:
        raise Invalid({"confirm_early": f"{year} 年尚未结束，提前发布须确认"})
    as_of = _as_of(year, today)
    results = compute(db, year, as_of, params_of(row), today)
    missing = [r.unit.name for r in results if r.missing_scores]
    if missing:
        shown_names = "、".join(missing[:5]) + (f" 等 {len(missing)} 个单位" if len(missing) > 5 else "")
        raise Invalid({"__all__": f"定性评分尚未完成：{shown_names}"})
    with audit.reason(db, f"发布 {year} 年度考核结果"):
        row.status = AssessmentStatus.published
        row.published_at = utcnow()
        row.published_by_id = principal.user_id
        row.as_of = as_of.isoformat()
        row.results = _frozen(results)
        db.flush()
    return row


def assessment_for_bulletin(db: Session, year: int) -> list[dict[str, Any]] | None:
    """The published results of a year for its year-end bulletin (年度结账), or None before publication."""
    row = scheme_of(db, year)
    if row is None or row.status is not AssessmentStatus.published or row.results is None:
        return None
    return [_typed(r) for r in row.results]
