"""The monthly dispatch (月调度), the quarterly, half-year and year-end bulletins (季通报、半年通报、年度结账
通报; the year's figures in the last two: app/services/bulletin_year.py), and the leaders' dashboard.

A bulletin is computed from the records. Once published it is frozen: the figures as shown are
stored with a SHA-256 digest; a later correction in the records shows as "as published → as
corrected", never as a silent change.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import policy
from app.errors import Invalid
from app.models.base import utcnow
from app.models.performance import Bulletin, Campaign
from app.models.project import (
    CATEGORY_LABELS,
    SIZE_BAND_LABELS,
    STAGE_ORDER,
    Category,
    Project,
    ProjectStatus,
    Sector,
    SizeBand,
)
from app.models.ticket import Ticket
from app.models.unit import Unit, UnitKind
from app.models.user import Role
from app.principal import Principal
from app.services import bulletin_year, events, metrics, performance, projects, tickets, workdays
from app.services.months import last_months, month_end, month_label
from app.services.performance import pct, shown

ZERO = Decimal(0)
KEY_METRICS = [
    "projects_introduced",
    "projects_1000",
    "projects_1yi",
    "contract_investment",
    "funds_domestic",
    "funds_out_of_province",
    "foreign_capital",
    "new_starts",
    "new_start_investment",
    "in_production",
    "valid_leads",
    "trips",
    "receptions",
    "events",
    "foreign_trade",
]
QUARTER_METRICS = ["projects_introduced", "contract_investment", "funds_domestic"]
QUARTER_NAMES = ["一季度", "二季度", "三季度", "四季度"]


KINDS = ("monthly", "quarterly", "halfyearly", "yearly")
KIND_LABELS = {"monthly": "月调度", "quarterly": "季度通报", "halfyearly": "半年通报", "yearly": "年度结账通报"}
_MONTHS = {"monthly": 1, "quarterly": 3, "halfyearly": 6, "yearly": 12}
_NUMBER_RULE = {
    "monthly": "月份为 1–12",
    "quarterly": "季度为 1–4",
    "halfyearly": "上半年为 1，下半年为 2",
    "yearly": "年度通报的期数为 1",
}
FIRST_YEAR = 2000


def period_of(kind: str, year: int, number: int) -> tuple[date, date]:
    """The first and last day of a period: month 1–12, quarter 1–4, half-year 1–2, year 1."""
    if kind not in _MONTHS:
        raise Invalid({"kind": "通报类型为月调度、季度、半年或年度"})
    months = _MONTHS[kind]
    if not 1 <= number <= 12 // months:
        raise Invalid({"number": _NUMBER_RULE[kind]})
    if not 1 <= year <= 9998:
        raise Invalid({"year": f"年份应在 {FIRST_YEAR} 年至明年之间"})
    start = date(year, months * (number - 1) + 1, 1)
    end_month = start.month + months
    end = date(year + (end_month > 12), (end_month - 1) % 12 + 1, 1) - timedelta(days=1)
    return start, end


def check_period(kind: str, year: int, number: int, today: date | None = None) -> tuple[date, date]:
    """A period a bulletin can be opened for: any period from 2000 on that has begun by today (the
    server's clock, Asia/Shanghai); an impossible one is refused on its field."""
    today = today or workdays.today()
    if kind not in _MONTHS:
        raise Invalid({"kind": "通报类型为月调度、季度、半年或年度"})
    if not FIRST_YEAR <= year <= today.year + 1:
        raise Invalid({"year": f"年份应在 {FIRST_YEAR} 年至 {today.year + 1} 年之间"})
    start, end = period_of(kind, year, number)
    if start > today:
        raise Invalid({"number": f"{period_label(kind, year, number)}尚未开始"})
    return start, end


def number_of(kind: str, start: date) -> int:
    """The period's number within its year (the month, quarter or half-year; 1 for a year)."""
    return (start.month - 1) // _MONTHS.get(kind, 1) + 1


def period_label(kind: str, year: int, number: int) -> str:
    if kind == "monthly":
        return f"{year}年{number}月"
    if kind == "quarterly":
        return f"{year}年{QUARTER_NAMES[number - 1] if 1 <= number <= 4 else f'第{number}季度'}"
    if kind == "halfyearly":
        return f"{year}年{'上半年' if number == 1 else '下半年'}"
    return f"{year}年"


def period_name(kind: str, year: int, number: int) -> str:
    """How a period's bulletin is called in a list: 2026年11月调度, 2026年三季度通报, 2025年度结账通报."""
    if kind == "monthly":
        return f"{period_label(kind, year, number)}调度"
    if kind == "yearly":
        return f"{year}年度结账通报"
    return f"{period_label(kind, year, number)}通报"


def last_ended(kind: str, today: date | None = None) -> tuple[int, int]:
    """The year and number of the last period of `kind` that has ended by today."""
    today = today or workdays.today()
    months = _MONTHS[kind]
    current = number_of(kind, today)
    if current > 1:
        return today.year, current - 1
    return today.year - 1, 12 // months


def days_left(end: date, today: date | None = None) -> int:
    """Days of the period still to come, today included (0 once it has ended)."""
    today = today or workdays.today()
    return max(0, (end - today).days + 1)


def _s(value: Decimal | int | None) -> str | None:
    return None if value is None else str(value)


def _shares(rows: list[tuple[str, int, Decimal]]) -> list[dict[str, Any]]:
    count_total = sum(r[1] for r in rows)
    amount_total = sum((r[2] for r in rows), ZERO)
    return [
        {
            "label": label,
            "count": count,
            "count_pct": shown(pct(Decimal(count), Decimal(count_total))),
            "amount": str(amount),
            "amount_pct": shown(pct(amount, amount_total)),
        }
        for label, count, amount in rows
        if count
    ]


def _structure(db: Session, start: date, end: date) -> dict[str, list[dict[str, Any]]]:
    """The projects signed in [start, end] by category, sector, size band and industry chain:
    counted and summed by the database, one grouped query per breakdown."""

    def group(column: Any, labels: dict[Any, str]) -> list[dict[str, Any]]:
        rows = db.execute(
            select(column, func.count(), func.sum(Project.contract_investment))
            .where(Project.signed_on >= start, Project.signed_on <= end)
            .group_by(column)
        ).all()
        return _shares(
            [
                (labels.get(key, str(key) or "未分类"), count, Decimal(amount or 0))
                for key, count, amount in sorted(rows, key=lambda row: str(row[0]))
            ]
        )

    return {
        "category": group(Project.category, {c: CATEGORY_LABELS[c] for c in Category}),
        "sector": group(Project.sector, {s: s.label for s in Sector}),
        "size_band": group(Project.size_band, {b: SIZE_BAND_LABELS[b] for b in SizeBand}),
        "chain": group(func.coalesce(func.nullif(Project.industry_chain, ""), "未分类"), {}),
    }


def build(db: Session, kind: str, year: int, number: int, today: date | None = None) -> dict[str, Any]:
    """The bulletin's content, all figures as strings as they are shown."""
    today = today or workdays.today()
    start, end = period_of(kind, year, number)
    as_of = min(end, today)
    year_start = date(year, 1, 1)
    last_year = (
        start.replace(year=year - 1),
        as_of.replace(year=year - 1) if not (as_of.month == 2 and as_of.day == 29) else date(year - 1, 2, 28),
    )
    last_year_ytd = (date(year - 1, 1, 1), last_year[1])
    quarter_periods: list[tuple[str, date, date]] = []
    for q in range(1, 5):
        q_start, q_end = period_of("quarterly", year, q)
        if q_start > as_of:
            break
        quarter_periods.append((f"{year}年{QUARTER_NAMES[q - 1]}", q_start, min(q_end, as_of)))
    if kind == "quarterly":
        ly_start, ly_end = period_of("quarterly", year - 1, number)
        quarter_periods.append((f"{year - 1}年{QUARTER_NAMES[number - 1]}（去年同期）", ly_start, ly_end))
    # every figure by unit in one pass per table: the totals are their sums, and the standings below
    # (year to date and the same days last year) read them instead of asking again
    per_unit = metrics.by_unit(
        db,
        [(c, a, b) for c in KEY_METRICS for a, b in ((start, as_of), (year_start, as_of), last_year_ytd)]
        + [(c, a, b) for c in QUARTER_METRICS for _l, a, b in quarter_periods],
    )
    figures = {pair: metrics.sum_of(values) for pair, values in per_unit.items()}
    totals = []
    for code in KEY_METRICS:
        m = metrics.METRICS[code]
        period_value = figures[(code, start, as_of)]
        ytd = figures[(code, year_start, as_of)]
        before = figures[(code, *last_year_ytd)]
        totals.append(
            {
                "code": code,
                "label": m.label,
                "unit": m.unit,
                "period": str(period_value),
                "ytd": str(ytd),
                "last_year_ytd": str(before),
                "growth": shown(pct(ytd - before, before)),
            }
        )
    shares = _structure(db, start, as_of)
    quarters = [
        {
            "label": label,
            "projects": str(figures[("projects_introduced", q_start, q_end)]),
            "contract": str(figures[("contract_investment", q_start, q_end)]),
            "funds": str(figures[("funds_domestic", q_start, q_end)]),
        }
        for label, q_start, q_end in quarter_periods
    ]
    with metrics.reusing(db, per_unit):
        standing = performance.standings(db, year, as_of)
    units = (
        db.execute(
            select(Unit)
            .where(Unit.is_active.is_(True), Unit.kind != UnitKind.jurisdiction)
            .order_by(Unit.sort_order, Unit.id)
        )
        .scalars()
        .all()
    )
    by_unit: dict[int, list[tuple[str, performance.Standing]]] = {}
    for (code, unit_id), st in standing.items():  # once over the standings, not once per unit
        by_unit.setdefault(unit_id, []).append((code, st))
    unit_rows: list[dict[str, Any]] = []
    for unit in units:
        cells = {}
        cards = []
        for code, st in by_unit.get(unit.id, []):
            cells[code] = {
                "actual": str(st.actual),
                "target": _s(st.target),
                "share": shown(st.share_of_target),
                "expected": shown(st.expected),
                "of_expected": shown(st.share_of_expected),
                "growth": shown(st.growth),
                "card": st.card,
            }
            if st.card:
                cards.append(f"{metrics.METRICS[code].label}{'红牌' if st.card == 'red' else '黄牌'}")
        if cells:
            unit_rows.append(
                {"unit_id": unit.id, "name": unit.short_name or unit.name, "metrics": cells, "warnings": cards}
            )
    year_review = None
    if kind in bulletin_year.KINDS:  # the half-year's and the year's: the ranking or assessment, targets, red cards
        with metrics.reusing(db, per_unit):
            year_review = bulletin_year.review(
                db,
                kind,
                year,
                as_of,
                units,
                standing,
                {code: per_unit[(code, year_start, as_of)] for code in bulletin_year.RESULT_METRICS},
            )
    rates = performance.rates(db, year_start, as_of, details=False)
    t = projects.thresholds(db, today)
    stalled = db.execute(
        select(Project, Unit.name)
        .join(Unit, Unit.id == Project.responsible_unit_id)
        .where(projects.flag_condition("stalled", t))
        .order_by(Project.stage_since)
        .limit(30)
    ).all()
    overdue = db.execute(
        select(Ticket, Unit.name)
        .join(Unit, Unit.id == Ticket.handling_unit_id)
        .where(Ticket.status.in_(tickets.CLOCK_STATUSES), Ticket.due_on < today)
        .order_by(Ticket.due_on)
        .limit(30)
    ).all()
    # a bulletin goes to every unit: a ticket's title as one who sees no confidential project's identity
    everyone = Principal(role=Role.supervisor, unit_id=None, label="通报")
    ticket_views = tickets.project_views(db, everyone, [tk for tk, _u in overdue])
    if kind == "monthly":
        title = f"{year}年{start.month}月招商引资工作调度情况"
    elif kind == "yearly":
        title = f"{year}年度招商引资工作结账通报"
    else:
        title = f"{period_label(kind, year, number)}招商引资工作情况通报"
    content: dict[str, Any] = {
        "title": title,
        "kind": kind,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "as_of": as_of.isoformat(),
        "totals": totals,
        "shares": shares,
        "quarters": quarters,
        "units": unit_rows,
        "metric_labels": {c: metrics.METRICS[c].label for c in {k for u in unit_rows for k in u["metrics"]}},
        "rates": {
            k: {
                "name": r.name,
                "numerator": str(r.numerator),
                "denominator": str(r.denominator),
                "value": shown(r.value),
            }
            for k, r in rates.items()
        },
        "stalled": [
            {
                "id": p.id,
                "name": projects.masked_name(p) if p.is_confidential else p.name,  # a bulletin goes to every unit
                "unit": u,
                "since": (p.last_progress_on or p.stage_since).isoformat(),
            }
            for p, u in stalled
        ],
        "overdue_tickets": [
            {
                "id": tk.id,
                "title": ticket_views[tk.id].redact(tk.title) if tk.id in ticket_views else tk.title,
                "unit": u,
                "due_on": tk.due_on.isoformat() if tk.due_on else "",
            }
            for tk, u in overdue
        ],
    }
    if year_review is not None:
        content["year_review"] = year_review
    return content


def digest(content: dict[str, Any]) -> str:
    return hashlib.sha256(
        json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    ).hexdigest()


def published(db: Session, kind: str, start: date) -> Bulletin | None:
    return db.execute(
        select(Bulletin).where(Bulletin.kind == kind, Bulletin.period_start == start)
    ).scalar_one_or_none()


def early_message(left: int) -> str:
    return f"本期尚余 {left} 天，确认提前发布？"


def publish(
    db: Session,
    principal: Principal,
    kind: str,
    year: int,
    number: int,
    *,
    confirm_early: bool = False,
    today: date | None = None,
) -> Bulletin:
    """Freeze a period's bulletin. A period that has not ended is published only when the
    coordinator confirms it knowing how many days are left."""
    policy.ensure_coordinator(principal)
    today = today or workdays.today()
    start, end = check_period(kind, year, number, today)
    existing = published(db, kind, start)
    if existing is not None:
        raise Invalid({"__all__": f"该期已于 {existing.published_at:%Y-%m-%d} 发布，发布后不再改动"})
    left = days_left(end, today)
    if left and not confirm_early:
        raise Invalid({"confirm_early": early_message(left)})
    content = build(db, kind, year, number, today=today)
    row = Bulletin(
        kind=kind,
        period_start=start,
        period_end=end,
        title=content["title"],
        content=content,
        digest=digest(content),
        published_at=utcnow(),
        published_by_id=principal.user_id,
    )
    db.add(row)
    db.flush()
    events.bulletin_published(db, row)
    return row


def corrections(frozen: dict[str, Any], current: dict[str, Any]) -> dict[str, tuple[str, str, str]]:
    """Totals that changed since publication: {label: (as published, as corrected, unit)}."""
    now = {t["code"]: t for t in current["totals"]}
    changed = {}
    for item in frozen["totals"]:
        later = now.get(item["code"])
        if later is None:
            continue
        for field in ("period", "ytd"):
            if item[field] != later[field]:
                label = f"{item['label']}（{'本期' if field == 'period' else '累计'}）"
                changed[label] = (item[field], later[field], item.get("unit", ""))
    for key, rate in frozen["rates"].items():
        if current["rates"].get(key, {}).get("value") != rate["value"]:
            changed[rate["name"]] = (rate["value"], current["rates"][key]["value"], "%")
    return changed


# --- the leaders' dashboard ------------------------------------------------------------------


def dashboard(db: Session, principal: Principal, today: date | None = None) -> dict[str, Any]:
    if not principal.reads_everything:
        raise policy.DeniedForbidden()
    today = today or workdays.today()
    year_start, month_start = date(today.year, 1, 1), today.replace(day=1)
    keys = [
        "projects_introduced",
        "contract_investment",
        "funds_domestic",
        "foreign_capital",
        "new_starts",
        "in_production",
    ]
    figures = [
        {
            "label": metrics.METRICS[c].label,
            "unit": metrics.METRICS[c].unit,
            "year": metrics.total(db, c, year_start, today),
            "month": metrics.total(db, c, month_start, today),
        }
        for c in keys
    ]
    counts = dict(
        db.execute(
            select(Project.stage, func.count())
            .where(Project.status != ProjectStatus.terminated)
            .group_by(Project.stage)
        )
        .tuples()
        .all()
    )
    # the funnel: projects that reached at least each stage
    funnel = []
    for index, stage in enumerate(STAGE_ORDER):
        reached = sum(counts.get(s, 0) for s in STAGE_ORDER[index:])
        funnel.append({"label": stage.label, "count": reached})
    trend = []
    for first in last_months(today, 12):  # 12 consecutive calendar months, this one last
        last = min(month_end(first), today)
        trend.append(
            {
                "first": first,
                "last": last,
                "label": month_label(first),
                "funds": metrics.total(db, "funds_domestic", first, last),
                "signed": metrics.total(db, "projects_introduced", first, last),
            }
        )
    campaigns = (
        db.execute(select(Campaign).where(Campaign.starts_on <= today, Campaign.ends_on >= today).order_by(Campaign.id))
        .scalars()
        .all()
    )
    t = projects.thresholds(db, today)
    return {
        "as_of": today,
        "figures": figures,
        "funnel": funnel,
        "trend": trend,
        "ranking": performance.rank_units(db, None, today.year, today)[:10],
        "campaigns": [
            {"campaign": c, "days_left": performance.days_left(c, today), "groups": performance.judge(db, c, today)}
            for c in campaigns
        ],
        "flags": projects.flag_counts(db, None, t),
        "overdue": tickets.list_tickets(db, principal, tickets.TicketFilter(box="overdue"), limit=10, today=today)[0],
        "lights": performance.unit_lights(db, today.year, today),
    }
