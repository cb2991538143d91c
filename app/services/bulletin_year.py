"""The year's figures in the half-year bulletin (半年通报) and the year-end bulletin (年度结账通报): the units'
assessment or, until the year's assessment exists, their quantitative ranking; the targets each unit has met
(and, for a year not yet over, is on pace for); and the red-card list: the units with no results at all.

The assessment hook. The year's full assessment (定量、定性、扣分、加分, weighted: issue 19, item 8) is not
computed here. When a module `app.services.assessment` defines

    assessment_for_bulletin(db: Session, year: int) -> list[dict] | dict | None

the year-end bulletin shows what it returns instead of the ranking, frozen with the bulletin when the
bulletin is published. None: the year's assessment is not published yet, and the quantitative ranking is
shown, saying so. A list: the published results, one dict per unit in rank order, as the assessment freezes
them ("rank", "unit_name", "quantitative", "qualitative" (or None), "bonus", "deduction", "score",
"red_card"); they are shown as a table with those columns, and the units with "red_card" make the red-card
list. A dict: a table of its own, "columns" (the headers) and "rows" (cells as they are to be shown), with
optionally "note" (a sentence under it) and "red_cards" (the names of the units with a red card).

The red card here means what the documents say ("没有招商引资实绩的…"): a unit with nothing at all on every
result metric (`RESULT_METRICS`) for the year to date, whatever its targets (a unit created after the
period's end is not judged); it is kept apart from the per-indicator cards (红牌/黄牌 on one metric) of the
units' table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy.orm import Session

from app.services import metrics, performance, workdays

ZERO = Decimal(0)
HUNDRED = Decimal(100)
RESULT_METRICS = ("projects_introduced", "contract_investment", "funds_domestic", "foreign_capital", "new_starts")
"""招商引资实绩: projects introduced and their contract investment, funds arrived (domestic, foreign), new
starts. Leads, trips, receptions and events are work done, not results."""
KINDS = ("halfyearly", "yearly")
RANKING_NOTE = (
    "年度综合考核（定量、定性评分及扣分、加分）结果尚未发布，此处为按定量指标的排名（默认权重）。"
    + performance.TIE_RULE
)
HALF_YEAR_NOTE = "上半年按定量指标的排名（默认权重），年度综合考核在年度结账通报中公布。" + performance.TIE_RULE


def _two(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _label(code: str) -> str:
    metric = metrics.METRICS.get(code)
    return metric.label if metric else code


ASSESSMENT_COLUMNS = ["名次", "单位", "定量得分", "定性得分", "加分", "扣分", "综合得分", "红牌"]


def _cell(value: Any) -> str:
    """A score as the bulletin shows it: two decimals; "—" when there is none (no qualitative score yet)."""
    if value is None or value == "":
        return "—"
    try:
        return _two(Decimal(str(value)))
    except ArithmeticError:
        return str(value)


def _from_results(results: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The published results (one dict per unit, in rank order) as the bulletin's table."""
    rows = [
        [
            str(r.get("rank", "")),
            str(r.get("unit_name", "")),
            _cell(r.get("quantitative")),
            _cell(r.get("qualitative")),
            _cell(r.get("bonus")),
            _cell(r.get("deduction")),
            _cell(r.get("score")),
            "红牌" if r.get("red_card") else "",
        ]
        for r in results
    ]
    return {
        "columns": list(ASSESSMENT_COLUMNS),
        "rows": rows,
        "note": "综合得分 = 定量得分 + 定性得分 + 加分 − 扣分，依年度考核方案计算（已发布，数字冻结）。",
        "red_cards": [str(r.get("unit_name", "")) for r in results if r.get("red_card")],
    }


def _assessment(db: Session, year: int) -> dict[str, Any] | None:
    """The year's published assessment as the bulletin's table, or None before it is published."""
    from app.services.assessment import assessment_for_bulletin  # imported late: it imports the bulletins' services

    results = assessment_for_bulletin(db, year)
    return None if results is None else _from_results(results)


def review(
    db: Session,
    kind: str,
    year: int,
    as_of: date,
    units: Sequence[Any],
    standing: Mapping[tuple[str, int], performance.Standing],
    year_figures: Mapping[str, Mapping[int, Decimal]],
) -> dict[str, Any]:
    """The year's section of a half-year or year-end bulletin, as of `as_of` (the period's end, or today
    for one not yet over). `units` are the units the bulletin lists (active, in their order);
    `standing` the year's standings by (metric, unit) as of `as_of`; `year_figures` {metric: {unit:
    value}} for the year to date, holding at least RESULT_METRICS (the bulletin has them all already,
    computed in one pass). The ranking reads the same figures (metrics.reusing, by the caller)."""
    assessment = _assessment(db, year) if kind == "yearly" else None
    ranking = [
        {
            "rank": row["rank"],
            "unit_id": row["unit"].id,
            "name": row["unit"].short_name or row["unit"].name,
            "score": _two(row["score"]),
            "gross": _two(row["gross"]),
            "deductions": _two(row["deductions"]),
            "funds": str(row["funds"]),
            "introduced": str(row["introduced"]),
        }
        for row in performance.rank_units(db, None, year, as_of)
    ]
    by_unit: dict[int, list[performance.Standing]] = {}
    for (_code, unit_id), st in sorted(standing.items()):
        if st.target:
            by_unit.setdefault(unit_id, []).append(st)
    targets = []
    for unit in units:
        own = by_unit.get(unit.id)
        if not own:
            continue
        met = {st.metric for st in own if st.target is not None and st.actual >= st.target}
        on_pace = [st for st in own if st.share_of_expected is not None and st.share_of_expected >= HUNDRED]
        targets.append(
            {
                "unit_id": unit.id,
                "name": unit.short_name or unit.name,
                "targets": len(own),
                "met": len(met),
                "on_pace": len(on_pace),
                "missed": [_label(st.metric) for st in own if st.metric not in met],
            }
        )
    nothing = [
        {"unit_id": unit.id, "name": unit.short_name or unit.name}
        for unit in units
        if workdays.local_date(unit.created_at) <= as_of  # a unit made since had no year to show results in
        and all(year_figures.get(code, {}).get(unit.id, ZERO) == 0 for code in RESULT_METRICS)
    ]
    if assessment is not None and assessment["red_cards"] is not None:
        nothing = [{"unit_id": None, "name": name} for name in assessment["red_cards"]]
    return {
        "kind": kind,
        "as_of": as_of.isoformat(),
        "source": "assessment" if assessment is not None else "ranking",
        "assessment": assessment,
        "ranking": ranking,
        "ranking_note": RANKING_NOTE if kind == "yearly" else HALF_YEAR_NOTE,
        "targets": targets,
        "red_cards": nothing,
        "red_card_rule": "全年（截至统计日）引进项目、合同投资、内资到位、到位外资、新开工均为零的单位",
    }
