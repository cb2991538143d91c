"""Targets and time-sequenced progress, cards, campaigns, the three rates, rankings.

The periodic reports are app.services.reports; the spot-checks app.services.spot_checks.

Percentages are computed from exact Decimal figures; they are rounded half-up only when shown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import and_, bindparam, func, not_, or_, select
from sqlalchemy.orm import Session

from app import policy
from app.errors import Invalid, NotFound
from app.models.performance import (
    Campaign,
    ExpectedShare,
    RankingScheme,
    SpotFinding,
    Target,
)
from app.models.project import Category, FundsArrival, FundsSource, FundsStatus, Project, ProjectStatus
from app.models.setting import AppSetting
from app.models.unit import Unit, UnitKind
from app.principal import Principal
from app.services import app_settings, metrics, projects, reports, workdays
from app.services.common import apply_changes, check_version

app_settings.DEFAULTS.update({"yellow_card_percent": "70"})
app_settings.LABELS.update({"yellow_card_percent": "低于时序进度的多少（%）亮黄牌"})

ZERO = Decimal(0)
HUNDRED = Decimal(100)


def pct(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    """Exact percentage (not rounded); None when there is nothing to divide by."""
    if not denominator:
        return None
    return Decimal(numerator) * HUNDRED / Decimal(denominator)


def shown(value: Decimal | None, places: int = 1) -> str:
    """A percentage as shown: rounded half-up only here."""
    if value is None:
        return "—"
    return str(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


# --- targets and time-sequenced progress -----------------------------------------------------


def expected_share(db: Session, year: int, month: int) -> Decimal:
    """The share of the year expected done by the end of `month`: edited, or linear (month/12)."""
    row = db.execute(
        select(ExpectedShare).where(ExpectedShare.year == year, ExpectedShare.month == month)
    ).scalar_one_or_none()
    return row.share if row is not None else Decimal(month) * HUNDRED / 12


FIRST_TARGET_YEAR, LAST_TARGET_YEAR = 2000, 2100
"""Targets and the monthly curve are set for years within these (the schema of the API says so too)."""

MAX_TARGET = Decimal("1e14")
"""A target is below this (its column holds 14 digits before the point, 2 after)."""


def _places(value: Decimal) -> int:
    """Decimal places that matter (1.50 has one)."""
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _check_year(year: int) -> None:
    if not FIRST_TARGET_YEAR <= year <= LAST_TARGET_YEAR:
        raise Invalid({"year": f"年度应在 {FIRST_TARGET_YEAR}–{LAST_TARGET_YEAR} 之间"})


def set_expected_share(db: Session, principal: Principal, year: int, month: int, share: Decimal) -> None:
    """The share of `year` expected done by the end of `month` (the targets page's curve, one month)."""
    policy.ensure_coordinator(principal)
    _check_year(year)
    if not (1 <= month <= 12) or not (0 <= share <= 100):
        raise Invalid({"share": "月份 1–12，比例 0–100"})
    if _places(share) > 2:
        raise Invalid({"share": "比例最多两位小数"})
    row = db.execute(
        select(ExpectedShare).where(ExpectedShare.year == year, ExpectedShare.month == month)
    ).scalar_one_or_none()
    if row is None:
        db.add(ExpectedShare(year=year, month=month, share=share))
    else:
        row.share = share
    db.flush()


def set_target(
    db: Session,
    principal: Principal,
    *,
    year: int,
    metric: str,
    amount: Decimal,
    tier: int | None = None,
    unit_kind: str | None = None,
    unit_id: int | None = None,
) -> Target:
    """A year's target for a metric: for the departments of a tier, every unit of a kind, or one unit
    (which beats its kind's, which beats its tier's). Set again, the amount is replaced."""
    policy.ensure_coordinator(principal)
    _check_year(year)
    if metric not in metrics.METRICS:
        raise Invalid({"metric": "未知的指标"})
    if sum(x is not None for x in (tier, unit_kind, unit_id)) != 1:
        raise Invalid({"scope": "目标须按档次、单位类别或单个单位设定（三选一）"})
    if tier is not None and not 1 <= tier <= 4:
        raise Invalid({"tier": "档次为 1–4"})
    if unit_kind is not None and unit_kind not in UnitKind.__members__:
        raise Invalid({"unit_kind": "未知的单位类别"})
    if unit_id is not None and db.get(Unit, unit_id) is None:
        raise Invalid({"unit_id": "找不到该单位"})
    if amount < 0:
        raise Invalid({"amount": "目标不能为负"})
    if amount >= MAX_TARGET or _places(amount) > 2:
        raise Invalid({"amount": "目标过大或超过两位小数"})
    row = db.execute(
        select(Target).where(
            Target.year == year,
            Target.metric == metric,
            Target.tier.is_(tier) if tier is None else Target.tier == tier,
            Target.unit_kind.is_(None) if unit_kind is None else Target.unit_kind == unit_kind,
            Target.unit_id.is_(None) if unit_id is None else Target.unit_id == unit_id,
        )
    ).scalar_one_or_none()
    if row is None:
        row = Target(year=year, metric=metric, tier=tier, unit_kind=unit_kind, unit_id=unit_id, amount=amount)
        db.add(row)
    else:
        row.amount = amount
    db.flush()
    return row


@dataclass
class _TargetTable:
    """A year's targets by scope: a unit's override beats its kind's, which beats its tier's."""

    metrics: list[str]
    by_tier: dict[tuple[str, int], Decimal]
    by_kind: dict[tuple[str, str], Decimal]
    by_unit: dict[tuple[str, int], Decimal]

    def target(self, metric: str, unit_id: int, kind: UnitKind, tier: int | None) -> Decimal | None:
        value = self.by_unit.get((metric, unit_id))
        if value is None:
            value = self.by_kind.get((metric, kind.value))
        if value is None and tier is not None:
            value = self.by_tier.get((metric, tier))
        return value


def _target_table(rows: Sequence[Any]) -> _TargetTable:
    """From rows of (metric, tier, unit_kind, unit_id, amount, …)."""
    return _TargetTable(
        metrics=sorted({r[0] for r in rows}),
        by_tier={(r[0], r[1]): r[4] for r in rows if r[1] is not None},
        by_kind={(r[0], r[2]): r[4] for r in rows if r[2] is not None},
        by_unit={(r[0], r[3]): r[4] for r in rows if r[3] is not None},
    )


TARGET_COLUMNS = (Target.metric, Target.tier, Target.unit_kind, Target.unit_id, Target.amount)


def targets_for_year(db: Session, year: int, unit_ids: Sequence[int] | None = None) -> dict[tuple[str, int], Decimal]:
    """{(metric, unit_id): target} for the active units (only those of `unit_ids` when given):
    a unit's override beats its kind's, which beats its tier's."""
    table = _target_table(db.execute(select(*TARGET_COLUMNS).where(Target.year == year)).all())
    if not table.metrics:
        return {}
    stmt = select(Unit.id, Unit.kind, Unit.tier).where(Unit.is_active.is_(True))
    if unit_ids is not None:
        stmt = stmt.where(Unit.id.in_(list(unit_ids)))
    result = {}
    for unit_id, kind, tier in db.execute(stmt).all():
        for metric in table.metrics:
            value = table.target(metric, unit_id, kind, tier)
            if value is not None:
                result[(metric, unit_id)] = value
    return result


@dataclass
class Standing:
    unit_id: int
    metric: str
    actual: Decimal
    target: Decimal | None
    share_of_target: Decimal | None  # actual / annual target, %
    expected: Decimal  # time-sequenced expected share, %
    share_of_expected: Decimal | None  # (actual / target) / expected, %
    last_year: Decimal
    growth: Decimal | None  # on the same period last year, %
    card: str = ""  # "", "yellow", "red"
    heading_below: bool = False  # at the current pace it will end below the yellow line


def _same_day_last_year(day: date) -> date:
    if day.year <= 1:
        raise Invalid({"as_of": "日期超出范围"})
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


@dataclass
class _Pace:
    """The yardsticks of a year as of a day: the time-sequenced expected share and the yellow line."""

    expected: Decimal
    yellow: Decimal
    period_end: bool  # as_of is the last day of a month: cards are shown
    elapsed: Decimal  # the share of the year gone


def _pace(year: int, as_of: date, expected: Decimal, yellow: Decimal) -> _Pace:
    start = date(year, 1, 1)
    return _Pace(
        expected=expected,
        yellow=yellow,
        period_end=(as_of.month == 12 and as_of.day == 31) or (as_of + timedelta(days=1)).day == 1,
        elapsed=Decimal((as_of - start).days + 1) / Decimal((date(year, 12, 31) - start).days + 1),
    )


def _pace_of(db: Session, year: int, as_of: date) -> _Pace:
    return _pace(
        year, as_of, expected_share(db, year, as_of.month), app_settings.get_decimal(db, "yellow_card_percent")
    )


def _judged(
    unit_id: int, code: str, value: Decimal, target: Decimal | None, previous: Decimal, pace: _Pace
) -> Standing:
    share = pct(value, target) if target else None
    of_expected = (share * HUNDRED / pace.expected) if share is not None and pace.expected else None
    st = Standing(
        unit_id, code, value, target, share, pace.expected, of_expected, previous, pct(value - previous, previous)
    )
    if target:
        if value == 0:
            st.card = "red"
        elif pace.period_end and of_expected is not None and of_expected < pace.yellow:
            st.card = "yellow"
        projected_share = (share / pace.elapsed) if share is not None and pace.elapsed else None
        st.heading_below = (
            not pace.period_end and projected_share is not None and projected_share < pace.yellow
        )  # year-end pace below the yellow line
    return st


def standings(
    db: Session,
    year: int,
    as_of: date,
    metric_codes: Sequence[str] | None = None,
    unit_ids: Sequence[int] | None = None,
) -> dict[tuple[str, int], Standing]:
    """Each unit's standing on each metric with a target, as of a date (year to date)."""
    targets = targets_for_year(db, year, unit_ids)
    codes = list(metric_codes) if metric_codes else sorted({m for m, _u in targets})
    start = date(year, 1, 1)
    last_start, last_end = date(year - 1, 1, 1), _same_day_last_year(as_of)
    pace = _pace_of(db, year, as_of)
    result = {}
    for code in codes:
        actual = metrics.compute(db, code, start, as_of, unit_ids)
        before = metrics.compute(db, code, last_start, last_end, unit_ids)
        units = set(actual) | {u for (m, u) in targets if m == code}
        if unit_ids is not None:
            units &= set(unit_ids)
        for unit_id in units:
            target = targets.get((code, unit_id))
            value, previous = actual.get(unit_id, ZERO), before.get(unit_id, ZERO)
            result[(code, unit_id)] = _judged(unit_id, code, value, target, previous, pace)
    return result


def set_expected_shares(db: Session, principal: Principal, year: int, shares: Mapping[int, Decimal]) -> None:
    """Several months of the curve at once (the API's): each as `set_expected_share`, the months not
    given left as they are (edited, or linear)."""
    for month, share in sorted(shares.items()):
        set_expected_share(db, principal, year, month, share)


def expected_shares(db: Session, year: int) -> list[tuple[int, Decimal]]:
    """`expected_share` of each month of a year, in one statement: [(month, share)]."""
    edited = dict(
        db.execute(select(ExpectedShare.month, ExpectedShare.share).where(ExpectedShare.year == year)).tuples().all()
    )
    return [(m, edited[m] if m in edited else Decimal(m) * HUNDRED / 12) for m in range(1, 13)]


TARGET_WARNINGS = {"red": "红牌", "yellow": "黄牌", "heading_below": "按当前进度将低于黄牌线", "any": "有任一提示"}
"""What the targets page lists by (`target_board`'s `warning`)."""


def _warned(st: Standing, warning: str) -> bool:
    if warning == "red" or warning == "yellow":
        return st.card == warning
    if warning == "heading_below":
        return st.heading_below
    if warning == "any":
        return bool(st.card) or st.heading_below
    return True


@dataclass
class TargetBoard:
    """The targets page: per metric, how many units stand on it and how many are warned; then a page of
    the (unit, standing) rows asked for, in the order of the units (sort order, id) and of the metrics'
    codes, and how many such rows there are."""

    summary: list[dict[str, Any]]
    rows: list[tuple[Any, Standing]]
    total: int


_BOARD_UNITS = (
    select(Unit.id, Unit.name, Unit.short_name, Unit.kind, Unit.tier)
    .where(Unit.is_active.is_(True))
    .order_by(Unit.sort_order, Unit.id)
)


def target_board(
    db: Session,
    year: int,
    as_of: date,
    *,
    unit_ids: Sequence[int] | None = None,
    kind: str = "",
    tier: int | None = None,
    metric: str = "",
    warning: str = "",
    limit: int = 50,
    offset: int = 0,
) -> TargetBoard:
    """The standings of the active units (only those of `unit_ids` when given; of one kind or tier when
    asked), as `standings` judges them: the summary over those units, then the rows of one metric or
    warning when asked, a page at a time."""
    stmt = _BOARD_UNITS
    if unit_ids is not None:
        stmt = stmt.where(Unit.id.in_(list(unit_ids)))
    if kind:
        stmt = stmt.where(Unit.kind == kind)
    if tier is not None:
        stmt = stmt.where(Unit.tier == tier)
    units = db.execute(stmt).all()
    standing = standings(db, year, as_of, unit_ids=unit_ids)
    by_unit: dict[int, list[Standing]] = {}
    for (_code, unit_id), st in sorted(standing.items()):
        by_unit.setdefault(unit_id, []).append(st)
    ordered = [(u, st) for u in units for st in by_unit.get(u.id, [])]
    summary: dict[str, dict[str, Any]] = {}
    for _u, st in ordered:
        line = summary.setdefault(
            st.metric, {"metric": st.metric, "units": 0, "red": 0, "yellow": 0, "heading_below": 0}
        )
        line["units"] += 1
        if st.card:
            line[st.card] += 1
        if st.heading_below:
            line["heading_below"] += 1
    chosen = [(u, st) for u, st in ordered if (not metric or st.metric == metric) and _warned(st, warning)]
    return TargetBoard(
        summary=[summary[code] for code in sorted(summary)],
        rows=chosen[offset : offset + limit],
        total=len(chosen),
    )


LIGHTS = {"red": "红灯", "yellow": "黄灯", "green": "绿灯"}
"""A unit's standing against its targets at a glance: red (a red card: nothing done on a metric with a
target), yellow (a yellow card, or heading below the yellow line at the current pace), green (on pace)."""
_LIGHT_ORDER = {"red": 0, "yellow": 1, "green": 2}


def light_of(st: Standing) -> str:
    if st.card == "red":
        return "red"
    if st.card == "yellow" or st.heading_below:
        return "yellow"
    return "green"


@dataclass
class UnitLight:
    """One unit's light and the metric that sets it (its worst, against the time-sequenced pace)."""

    unit: Any  # a row of _BOARD_UNITS
    light: str
    worst: Standing
    behind: int  # how many of its metrics are red or yellow
    metrics: int  # how many of its metrics have a target


def unit_lights(db: Session, year: int, as_of: date) -> list[UnitLight]:
    """Every active unit with a target this year, with its light: red units first, then yellow, then
    green; within a light, the unit furthest behind its pace first (then in the units' order)."""
    units = db.execute(_BOARD_UNITS).all()
    by_unit: dict[int, list[Standing]] = {}
    for st in standings(db, year, as_of).values():
        if st.target:
            by_unit.setdefault(st.unit_id, []).append(st)

    def badness(st: Standing) -> tuple[int, Decimal, str]:
        return (_LIGHT_ORDER[light_of(st)], st.share_of_target if st.share_of_target is not None else ZERO, st.metric)

    result = []
    for position, unit in enumerate(units):
        own = by_unit.get(unit.id)
        if not own:
            continue
        worst = min(own, key=badness)
        behind = sum(1 for st in own if light_of(st) != "green")
        result.append((position, UnitLight(unit, light_of(worst), worst, behind, len(own))))
    result.sort(key=lambda item: (_LIGHT_ORDER[item[1].light], badness(item[1].worst)[1], item[0]))
    return [light for _position, light in result]


# the year's targets, with the month's expected share (edited, else NULL) and the yellow line (else
# NULL) on each row: built once
_PACE_TARGETS = select(
    *TARGET_COLUMNS,
    select(ExpectedShare.share)
    .where(ExpectedShare.year == bindparam("year"), ExpectedShare.month == bindparam("month"))
    .scalar_subquery(),
    select(AppSetting.value).where(AppSetting.key == "yellow_card_percent").scalar_subquery(),
).where(Target.year == bindparam("year"))


def pace_warnings(db: Session, unit: Unit, as_of: date) -> list[Standing]:
    """The cards and "heading below the yellow line" warnings of one unit this year, as `standings`
    judges them, asked only for the metrics the unit has a target on (a metric without a target
    raises no warning) and without last year's figures (last_year 0, growth None: not shown).
    Two statements: the targets, and the unit's figures on the metrics it has targets on."""
    if not unit.is_active:
        return []  # targets apply to active units only
    rows = db.execute(_PACE_TARGETS, {"year": as_of.year, "month": as_of.month}).all()
    start = date(as_of.year, 1, 1)
    return judge_pace(
        unit.id, unit.kind, unit.tier, as_of, rows, lambda codes: metrics.of_unit(db, unit.id, codes, start, as_of)
    )


def judge_pace(
    unit_id: int,
    kind: UnitKind,
    tier: int | None,
    as_of: date,
    rows: Sequence[Any],
    figures: Callable[[list[str]], Mapping[str, Decimal]],
) -> list[Standing]:
    """`pace_warnings` of an active unit from rows of (metric, tier, unit_kind, unit_id, amount, edited
    share, yellow line) holding the year's targets that may apply to the unit (all of them, or only
    those naming its id, kind or tier), and `figures`: {code: the unit's value year to date} of the
    metrics asked."""
    table = _target_table(rows)
    targets = {m: table.target(m, unit_id, kind, tier) for m in table.metrics}
    codes = [m for m, target in targets.items() if target]
    if not codes:
        return []
    share, yellow = rows[0][5], rows[0][6]  # as `expected_share` and `app_settings.get_decimal` read them
    pace = _pace(
        as_of.year,
        as_of,
        share if share is not None else Decimal(as_of.month) * HUNDRED / 12,
        Decimal(yellow if yellow is not None else app_settings.DEFAULTS["yellow_card_percent"]),
    )
    values = figures(codes)
    result = []
    for code in codes:
        st = _judged(unit_id, code, values.get(code, ZERO), targets[code], ZERO, pace)
        if st.card or st.heading_below:
            result.append(st)
    return result


# --- campaigns -------------------------------------------------------------------------------

HUNDRED_DAY_RULES: list[dict[str, Any]] = [
    {
        "name": "一档",
        "tiers": [1],
        "targets": [
            {
                "column": "签约",
                "alternatives": [
                    {"measure": "count", "on": "signed", "min_wan": 1000, "threshold": 3},
                    {"measure": "sum", "on": "signed", "min_wan": 1000, "threshold": 6000},
                ],
            },
            {
                "column": "新开工",
                "alternatives": [
                    {"measure": "count", "on": "started", "min_wan": 1000, "threshold": 2},
                    {"measure": "sum", "on": "started", "min_wan": 1000, "threshold": 3000},
                ],
            },
            {"column": "资金到位", "alternatives": [], "note": "按年度另定"},
        ],
    },
    {
        "name": "二档",
        "tiers": [2],
        "targets": [
            {
                "column": "签约",
                "alternatives": [
                    {"measure": "count", "on": "signed", "min_wan": 1000, "threshold": 2},
                    {"measure": "sum", "on": "signed", "min_wan": None, "threshold": 4000},
                ],
            },
            {
                "column": "新开工",
                "alternatives": [{"measure": "count", "on": "started", "min_wan": 1000, "threshold": 1}],
            },
            {"column": "资金到位", "alternatives": [{"measure": "funds", "threshold": 1000}]},
        ],
    },
    {
        "name": "三档",
        "tiers": [3],
        "targets": [
            {"column": "签约", "alternatives": [{"measure": "count", "on": "signed", "min_wan": 1000, "threshold": 1}]},
            {
                "column": "新开工",
                "alternatives": [{"measure": "count", "on": "started", "min_wan": 500, "threshold": 1}],
            },
            {"column": "资金到位", "alternatives": [{"measure": "funds", "threshold": 500}]},
        ],
    },
    {
        "name": "四档",
        "tiers": [4],
        "targets": [
            {"column": "签约", "alternatives": [{"measure": "count", "on": "signed", "min_wan": 500, "threshold": 1}]},
            {
                "column": "新开工",
                "alternatives": [{"measure": "count", "on": "started", "min_wan": 300, "threshold": 1}],
            },
            {"column": "资金到位", "alternatives": [{"measure": "funds", "threshold": 250}]},
        ],
    },
    {
        "name": "两个园区招商局",
        "kinds": ["zone_bureau"],
        "targets": [
            {
                "column": "签约",
                "alternatives": [
                    {"measure": "count", "on": "signed", "min_wan": 1000, "threshold": 4},
                    {"measure": "sum", "on": "signed", "min_wan": 1000, "threshold": 8000},
                ],
            },
            {
                "column": "新开工",
                "alternatives": [
                    {"measure": "count", "on": "started", "min_wan": 1000, "threshold": 2},
                    {"measure": "sum", "on": "started", "min_wan": 1000, "threshold": 4000},
                ],
            },
            {"column": "资金到位", "alternatives": [{"measure": "funds", "threshold": 4000}]},
        ],
    },
]


def describe(alternative: dict[str, Any]) -> str:
    stage = {"signed": "签约", "started": "开工"}.get(alternative.get("on", ""), "")
    floor = alternative.get("min_wan")
    if alternative["measure"] == "count":
        return f"{alternative['threshold']} 个 ≥ {floor} 万元的项目{stage}"
    if alternative["measure"] == "sum":
        scope = f"≥ {floor} 万元项目" if floor else "项目"
        return f"{scope}{stage}合计 {alternative['threshold']} 万元"
    return f"到位资金 {alternative['threshold']} 万元"


def validate_rules(rules: Any) -> None:
    if not isinstance(rules, list) or not rules:
        raise Invalid({"rules": "请设置分组与目标"})
    for group in rules:
        if not isinstance(group, dict) or not group.get("name") or not isinstance(group.get("targets"), list):
            raise Invalid({"rules": "每个分组须有名称和目标"})
        for target in group["targets"]:
            for alt in target.get("alternatives", []):
                if alt.get("measure") not in ("count", "sum", "funds") or not isinstance(
                    alt.get("threshold"), int | float | str
                ):
                    raise Invalid({"rules": "每个备选条件须有 measure（count/sum/funds）和 threshold"})
                if alt["measure"] != "funds" and alt.get("on") not in ("signed", "started"):
                    raise Invalid({"rules": "count、sum 须指定 on：signed 或 started"})


CAMPAIGN_DAYS = (date(2000, 1, 1), date(2100, 12, 31))
"""A campaign's dates fall within these."""


def _check_campaign(name: str, starts_on: date, ends_on: date, rules: Any) -> None:
    first, last = CAMPAIGN_DAYS
    for field_name, day in (("starts_on", starts_on), ("ends_on", ends_on)):
        if not first <= day <= last:
            raise Invalid({field_name: f"日期应在 {first.year}–{last.year} 年之间"})
    if ends_on < starts_on:
        raise Invalid({"ends_on": "结束日期不能早于开始日期"})
    if not 2 <= len(name) <= 100:
        raise Invalid({"name": "请填写竞赛名称"})
    validate_rules(rules)


def create_campaign(
    db: Session, principal: Principal, name: str, starts_on: date, ends_on: date, rules: list[dict[str, Any]]
) -> Campaign:
    policy.ensure_coordinator(principal)
    _check_campaign(name, starts_on, ends_on, rules)
    campaign = Campaign(name=name, starts_on=starts_on, ends_on=ends_on, rules=rules)
    db.add(campaign)
    db.flush()
    return campaign


def update_campaign(
    db: Session,
    principal: Principal,
    campaign_id: int,
    version: int,
    *,
    name: str | None = None,
    starts_on: date | None = None,
    ends_on: date | None = None,
    rules: list[dict[str, Any]] | None = None,
) -> Campaign:
    """Change a campaign's name, dates or rules (those given; None leaves one as it is), the campaign
    as it then stands checked as a whole; refused as a conflict when edited since `version` was read."""
    policy.ensure_coordinator(principal)
    campaign = db.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound("找不到该竞赛")
    check_version(db, campaign, version)
    name = campaign.name if name is None else name
    starts_on = campaign.starts_on if starts_on is None else starts_on
    ends_on = campaign.ends_on if ends_on is None else ends_on
    rules = campaign.rules if rules is None else rules
    _check_campaign(name, starts_on, ends_on, rules)
    apply_changes(campaign, {"name": name, "starts_on": starts_on, "ends_on": ends_on, "rules": rules})
    db.flush()
    return campaign


def _group_units(units: Sequence[Unit], group: dict[str, Any]) -> list[Unit]:
    tiers, kinds, ids = set(group.get("tiers", [])), set(group.get("kinds", [])), set(group.get("unit_ids", []))
    return [
        u for u in units if (u.tier in tiers and u.kind is UnitKind.department) or u.kind.value in kinds or u.id in ids
    ]


def _alt_value(db: Session, alt: dict[str, Any], start: date, end: date, unit_ids: list[int]) -> dict[int, Decimal]:
    if alt["measure"] == "funds":
        return metrics.compute(db, "funds_domestic", start, end, unit_ids)
    column = Project.signed_on if alt["on"] == "signed" else Project.started_on
    owner = Project.introducing_unit_id if alt["on"] == "signed" else Project.responsible_unit_id
    value = func.count() if alt["measure"] == "count" else func.sum(Project.contract_investment)
    stmt = select(owner, value).where(column >= start, column <= end, owner.in_(unit_ids))
    if alt.get("min_wan") is not None:
        stmt = stmt.where(Project.contract_investment >= Decimal(str(alt["min_wan"])))
    rows: list[Any] = list(db.execute(stmt.group_by(owner)).all())  # (unit, count or sum)
    return {r[0]: Decimal(r[1] or 0) for r in rows}


def judge(db: Session, campaign: Campaign, as_of: date | None = None) -> list[dict[str, Any]]:
    """Each unit's standing on each target: met when any one alternative is met within the campaign's dates."""
    end = min(as_of or workdays.today(), campaign.ends_on)
    start = campaign.starts_on
    units = db.execute(select(Unit).where(Unit.is_active.is_(True)).order_by(Unit.sort_order, Unit.id)).scalars().all()
    result = []
    for group in campaign.rules:
        members = _group_units(units, group)
        ids = [u.id for u in members]
        columns = []
        for target in group["targets"]:
            values = [_alt_value(db, alt, start, end, ids) if ids else {} for alt in target.get("alternatives", [])]
            columns.append((target, values))
        rows = []
        for unit in members:
            cells = []
            for target, values in columns:
                alts = []
                for alt, per_unit in zip(target.get("alternatives", []), values, strict=True):
                    value = per_unit.get(unit.id, ZERO)
                    alts.append(
                        {
                            "text": describe(alt),
                            "value": value,
                            "threshold": Decimal(str(alt["threshold"])),
                            "met": value >= Decimal(str(alt["threshold"])),
                        }
                    )
                cells.append(
                    {
                        "column": target["column"],
                        "alternatives": alts,
                        "note": target.get("note", ""),
                        "met": any(a["met"] for a in alts) if alts else None,
                    }
                )
            judged = [c["met"] for c in cells if c["met"] is not None]
            rows.append(
                {
                    "unit": unit,
                    "cells": cells,
                    "met_all": bool(judged) and all(judged),
                    "met_count": sum(1 for m in judged if m),
                }
            )
        result.append({"name": group["name"], "columns": [t["column"] for t, _ in columns], "rows": rows})
    return result


def days_left(campaign: Campaign, today: date | None = None) -> int:
    return max(0, (campaign.ends_on - (today or workdays.today())).days)


# --- the three rates -------------------------------------------------------------------------


@dataclass
class Rate:
    name: str
    numerator: Decimal
    denominator: Decimal
    above: list[dict[str, Any]] = field(default_factory=list)  # counted in the numerator
    below: list[dict[str, Any]] = field(default_factory=list)  # in the denominator only
    listed: dict[str, int] = field(default_factory=dict)  # how many projects "above" and "below" list (`rate_summary`)

    @property
    def value(self) -> Decimal | None:
        return pct(self.numerator, self.denominator)


RATE_NAMES = {"fulfilment": "合同履约率", "funds": "资金到位率", "start": "项目开工率"}
RATE_SIDES = {"above": "计入分子", "below": "只在分母"}


def _rate_scope(start: date, end: date, unit_id: int | None, category: Category | None) -> list[Any]:
    """The projects the rates are over: signed in [start, end], of one unit and category when given."""
    scope = [Project.signed_on >= start, Project.signed_on <= end]
    if unit_id is not None:
        scope.append(Project.responsible_unit_id == unit_id)
    if category is not None:
        scope.append(Project.category == category)
    return scope


def _milestones_due(p: Any, end: date) -> list[tuple[str, date, date | None]]:
    """A project's contractual milestones falling due by `end`: (name, promised, actual or None)."""
    due = []
    if p.start_by and p.start_by <= end:
        due.append(("开工", p.start_by, p.started_on))
    if p.production_by and p.production_by <= end:
        due.append(("投产", p.production_by, p.production_on))
    return due


def _milestones_met(due: list[tuple[str, date, date | None]]) -> bool:
    return all(actual is not None and actual <= promised for _n, promised, actual in due)


def _fulfilment_detail(due: list[tuple[str, date, date | None]]) -> str:
    return "；".join(f"约定{n} {promised}，实际 {actual or '未完成'}" for n, promised, actual in due)


def _funds_detail(arrived: Decimal, contract: Decimal) -> str:
    return f"到位 {arrived} / 合同 {contract} 万元"


def _started(p: Any, end: date) -> bool:
    return p.started_on is not None and p.started_on <= end


def _start_detail(p: Any, end: date) -> str:
    return f"开工 {p.started_on}" if _started(p, end) else "未开工"


_RATE_COLUMNS = (
    Project.id,
    Project.name,
    Project.code_name,
    Project.is_confidential,
    Project.introducing_unit_id,
    Project.responsible_unit_id,
    Project.start_by,
    Project.started_on,
    Project.production_by,
    Project.production_on,
    Project.contract_investment,
)


def _arrived_conditions(end: date) -> list[Any]:
    """The funds a project's funds rate counts: confirmed, domestic, arrived by `end`."""
    return [
        FundsArrival.status == FundsStatus.confirmed,
        FundsArrival.source != FundsSource.foreign,
        FundsArrival.arrived_on <= end,
    ]


def rates(
    db: Session,
    start: date,
    end: date,
    unit_id: int | None = None,
    category: Category | None = None,
    *,
    details: bool = True,
    principal: Principal | None = None,
) -> dict[str, Rate]:
    """合同履约率, 资金到位率, 项目开工率 over the projects signed in [start, end], as of `end`.

    - fulfilment: of those with a contractual milestone (start-by, production-by) falling due by `end`,
      the ones that met every such milestone on time;
    - funds: confirmed funds arrived by `end` over their contract investment;
    - start: of those, the ones started by `end`.

    `details=False` leaves the above/below lists empty (the figures alone, e.g. for a bulletin). The lists
    name a confidential project as `principal` may see it (no principal: by its code name).
    Pages show the figures with `rate_summary` and the lists a page at a time with `rate_projects`.
    """
    scope = _rate_scope(start, end, unit_id, category)
    if not details:
        return _rate_figures(db, scope, end)
    reader = principal or metrics.NOBODY
    rows = db.execute(select(*_RATE_COLUMNS).where(*scope).order_by(Project.id)).all()  # not whole projects
    funds = {  # joined to the same scope: no list of ids sent back to the database
        r[0]: Decimal(r[1] or 0)
        for r in db.execute(
            select(FundsArrival.project_id, func.sum(FundsArrival.amount))
            .join(Project, Project.id == FundsArrival.project_id)
            .where(*scope, *_arrived_conditions(end))
            .group_by(FundsArrival.project_id)
        ).all()
    }
    fulfil = Rate(RATE_NAMES["fulfilment"], ZERO, ZERO)
    funds_rate = Rate(RATE_NAMES["funds"], ZERO, ZERO)
    start_rate = Rate(RATE_NAMES["start"], ZERO, ZERO)
    for p in rows:
        item = {"id": p.id, "name": projects.display_name(reader, p), "unit_id": p.responsible_unit_id}
        due = _milestones_due(p, end)
        if due:
            fulfil.denominator += 1
            met = _milestones_met(due)
            if met:
                fulfil.numerator += 1
            (fulfil.above if met else fulfil.below).append({**item, "detail": _fulfilment_detail(due)})
        arrived = funds.get(p.id, ZERO)
        funds_rate.numerator += arrived
        funds_rate.denominator += p.contract_investment
        (funds_rate.above if arrived > 0 else funds_rate.below).append(
            {**item, "detail": _funds_detail(arrived, p.contract_investment)}
        )
        start_rate.denominator += 1
        started = _started(p, end)
        if started:
            start_rate.numerator += 1
        (start_rate.above if started else start_rate.below).append({**item, "detail": _start_detail(p, end)})
    return {"fulfilment": fulfil, "funds": funds_rate, "start": start_rate}


def _milestone_conditions(end: date) -> tuple[Any, Any]:
    """(due, met) as SQL: a milestone falls due by `end`; every milestone due was met on time (a missing
    actual date is not met). Both are true or false, never NULL, so that `not_(met)` is the other side."""
    p = Project
    start_due = and_(p.start_by.is_not(None), p.start_by <= end)
    production_due = and_(p.production_by.is_not(None), p.production_by <= end)
    due = or_(start_due, production_due)
    met = and_(
        or_(not_(start_due), and_(p.started_on.is_not(None), p.started_on <= p.start_by)),
        or_(not_(production_due), and_(p.production_on.is_not(None), p.production_on <= p.production_by)),
    )
    return due, met


def _rate_figures(db: Session, scope: list[Any], end: date) -> dict[str, Rate]:
    """The three rates' figures counted and summed by the database (the same rules as the loop in
    `rates`, which also lists the projects): two aggregate queries instead of every project."""
    p = Project
    due, met = _milestone_conditions(end)
    row = db.execute(
        select(
            func.count().filter(due),
            func.count().filter(and_(due, met)),
            func.sum(p.contract_investment),
            func.count(),
            func.count().filter(p.started_on <= end),
        ).where(*scope)
    ).one()
    arrived = db.execute(
        select(func.sum(FundsArrival.amount))
        .join(Project, Project.id == FundsArrival.project_id)
        .where(*scope, *_arrived_conditions(end))
    ).scalar_one()
    return {
        "fulfilment": Rate(RATE_NAMES["fulfilment"], ZERO + row[1], ZERO + row[0]),
        "funds": Rate(RATE_NAMES["funds"], ZERO + Decimal(arrived or 0), ZERO + Decimal(row[2] or 0)),
        "start": Rate(RATE_NAMES["start"], ZERO + row[4], ZERO + row[3]),
    }


def _funded(scope: list[Any], end: date) -> Any:
    """The ids of the projects in scope whose funds rate counts more than zero arrived (as `rates` sees
    the sum: rounded to the fen, so that a float sum on SQLite of entries reversing each other is 0)."""
    return (
        select(FundsArrival.project_id)
        .join(Project, Project.id == FundsArrival.project_id)
        .where(*scope, *_arrived_conditions(end))
        .group_by(FundsArrival.project_id)
        .having(func.round(func.sum(FundsArrival.amount), 2) > 0)
    )


def rate_summary(
    db: Session, start: date, end: date, unit_id: int | None = None, category: Category | None = None
) -> dict[str, Rate]:
    """The three rates' figures (as `rates`, counted by the database) and how many projects each one
    lists above (counted in the numerator) and below (in the denominator only), without the lists:
    three statements. The lists come a page at a time from `rate_projects`."""
    scope = _rate_scope(start, end, unit_id, category)
    result = _rate_figures(db, scope, end)
    funded = int(db.execute(select(func.count()).select_from(_funded(scope, end).subquery())).scalar_one())
    projects_count = int(result["start"].denominator)
    for key, rate in result.items():
        above = funded if key == "funds" else int(rate.numerator)
        below = (projects_count if key == "funds" else int(rate.denominator)) - above
        rate.listed = {"above": above, "below": below}
    return result


def _side_condition(rate: str, side: str, scope: list[Any], end: date) -> Any:
    """The projects of one side of one rate, as `rates` sorts them (null-safe: a project is on exactly one side)."""
    p = Project
    if rate == "fulfilment":
        due, met = _milestone_conditions(end)
        return and_(due, met if side == "above" else not_(met))
    if rate == "funds":
        funded = p.id.in_(_funded(scope, end))
        return funded if side == "above" else not_(funded)
    started = and_(p.started_on.is_not(None), p.started_on <= end)
    return started if side == "above" else not_(started)


def rate_projects(
    db: Session,
    start: date,
    end: date,
    unit_id: int | None,
    category: Category | None,
    rate: str,
    side: str,
    *,
    limit: int = 50,
    offset: int = 0,
    principal: Principal | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """One page of the projects one rate lists above or below (as `rates(…)[rate].above` or `.below`,
    in the same order, by project id, with the same details) and how many there are: two statements."""
    if rate not in RATE_NAMES or side not in RATE_SIDES:
        raise Invalid({"rate": "未知的比率"})
    scope = _rate_scope(start, end, unit_id, category)
    condition = _side_condition(rate, side, scope, end)
    total = int(db.execute(select(func.count()).select_from(Project).where(*scope, condition)).scalar_one())
    columns: list[Any] = list(_RATE_COLUMNS)
    if rate == "funds":  # the page's projects' funds, summed for those rows only
        columns.append(
            select(func.sum(FundsArrival.amount))
            .where(FundsArrival.project_id == Project.id, *_arrived_conditions(end))
            .scalar_subquery()
        )
    rows = db.execute(select(*columns).where(*scope, condition).order_by(Project.id).limit(limit).offset(offset)).all()
    items = []
    for p in rows:
        if rate == "fulfilment":
            detail = _fulfilment_detail(_milestones_due(p, end))
        elif rate == "funds":
            detail = _funds_detail(Decimal(p[-1] or 0), p.contract_investment)
        else:
            detail = _start_detail(p, end)
        name = projects.display_name(principal or metrics.NOBODY, p)
        items.append({"id": p.id, "name": name, "unit_id": p.responsible_unit_id, "detail": detail})
    return items, total


# --- rankings --------------------------------------------------------------------------------

DEFAULT_WEIGHTS = {
    "projects_introduced": 20,
    "contract_investment": 20,
    "funds_domestic": 30,
    "new_starts": 20,
    "valid_leads": 10,
}
TIE_RULE = "得分相同时，依次比较：内资到位资金多者在前、引进项目多者在前、单位排序号小者在前。"


def rank_units(
    db: Session,
    scheme: RankingScheme | None,
    year: int,
    as_of: date,
    unit_kinds: Sequence[str] | None = None,
    targets: Mapping[tuple[str, int], Decimal] | None = None,
) -> list[dict[str, Any]]:
    """Weighted score: Σ weight × min(completion of the annual target, 1.5); without a target, the share of the best
    unit's figure. Deductions for projects past their start-by date and false figures found on spot-checks;
    units whose records are stale lose the freshness penalty."""
    params = scheme.params if scheme else {}
    weights: dict[str, Any] = params.get("weights") or DEFAULT_WEIGHTS
    start = date(year, 1, 1)
    campaign = db.get(Campaign, scheme.campaign_id) if scheme and scheme.campaign_id else None
    if campaign is not None:
        start, as_of = campaign.starts_on, min(as_of, campaign.ends_on)
    units = (
        db.execute(
            select(Unit)
            .where(Unit.is_active.is_(True), Unit.kind != UnitKind.jurisdiction)
            .order_by(Unit.sort_order, Unit.id)
        )
        .scalars()
        .all()
    )
    if unit_kinds:
        units = [u for u in units if u.kind.value in unit_kinds]
    if targets is None:  # the year's targets as set now (the assessment passes the letters' instead)
        targets = targets_for_year(db, year)
    values = {code: metrics.compute(db, code, start, as_of) for code in weights}
    funds = metrics.compute(db, "funds_domestic", start, as_of)
    introduced = metrics.compute(db, "projects_introduced", start, as_of)
    t = projects.thresholds(db, as_of)
    overdue = {
        r[0]: r[1]
        for r in db.execute(
            select(Project.responsible_unit_id, func.count())
            .where(projects.flag_condition("not_started", t))
            .group_by(Project.responsible_unit_id)
        ).all()
    }
    false_figures = {
        r[0]: r[1]
        for r in db.execute(
            select(SpotFinding.unit_id, func.count())
            .where(SpotFinding.confirmed.is_(False))
            .group_by(SpotFinding.unit_id)
        ).all()
    }
    stale_days = int(params.get("stale_days", 30))
    stale_penalty = Decimal(str(params.get("stale_penalty", "2")))
    per_start = Decimal(str(params.get("deduct_per_overdue_start", "0.1")))
    per_false = Decimal(str(params.get("deduct_per_false_figure", "0.2")))
    fresh = {
        r[0]: r[1]
        for r in db.execute(
            select(Project.responsible_unit_id, func.max(Project.updated_at)).group_by(Project.responsible_unit_id)
        ).all()
    }
    cutoff = datetime.combine(as_of - timedelta(days=stale_days), datetime.min.time()).astimezone()
    rows: list[dict[str, Any]] = []
    for unit in units:
        score = ZERO
        parts = []
        for code, weight in weights.items():
            value = values[code].get(unit.id, ZERO)
            target = targets.get((code, unit.id))
            if target:
                ratio = min(value / target, Decimal("1.5"))
            else:
                best = max(values[code].values(), default=ZERO)
                ratio = value / best if best else ZERO
            points = ratio * Decimal(str(weight))
            score += points
            parts.append({"metric": code, "value": value, "target": target, "points": points})
        deductions = per_start * overdue.get(unit.id, 0) + per_false * false_figures.get(unit.id, 0)
        last = fresh.get(unit.id)
        stale = last is None or last < cutoff
        if stale:
            deductions += stale_penalty
        rows.append(
            {
                "unit": unit,
                "score": score - deductions,
                "gross": score,
                "deductions": deductions,
                "stale": stale,
                "parts": parts,
                "funds": funds.get(unit.id, ZERO),
                "introduced": introduced.get(unit.id, ZERO),
                "overdue_starts": overdue.get(unit.id, 0),
                "false_figures": false_figures.get(unit.id, 0),
            }
        )
    rows.sort(key=lambda r: (-r["score"], -r["funds"], -r["introduced"], r["unit"].sort_order, r["unit"].id))
    for index, row in enumerate(rows, start=1):
        row["rank"] = index
        # the points this unit lacks to reach the unit above (None for the first)
        row["gap_to_above"] = rows[index - 2]["score"] - row["score"] if index > 1 else None
    return rows


def active_projects_count(db: Session) -> int:
    return int(
        db.execute(select(func.count()).select_from(Project).where(Project.status == ProjectStatus.active)).scalar_one()
    )


# --- periodic reports --------------------------------------------------------------------------
# They live in app.services.reports; these names stay for callers written against this module (the
# year's assessment reads `periods`). New code calls app.services.reports.

CADENCE_LABELS = reports.CADENCE_LABELS
periods = reports.periods
report_figures = reports.report_figures
report_status = reports.report_status
submit_report = reports.submit_report
