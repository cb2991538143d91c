"""Periodic reports (定期报告): the cadences the coordinator schedules, their periods, each unit's
report with its figures pre-filled from the records, and who has reported on time, late or not at all."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import policy
from app.errors import Invalid
from app.models.base import utcnow
from app.models.performance import ReportCadence, UnitReport
from app.models.unit import Unit, UnitKind
from app.principal import Principal
from app.services import events, metrics

ZERO = Decimal(0)

CADENCE_LABELS = {"ten_day": "旬报", "monthly": "月报", "quarterly": "季报"}


def periods(cadence: str, year: int, until: date) -> list[tuple[date, date]]:
    result = []
    if cadence == "ten_day":
        for month in range(1, 13):
            last = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)).day
            for a, b in ((1, 10), (11, 20), (21, last)):
                result.append((date(year, month, a), date(year, month, b)))
    elif cadence == "monthly":
        for month in range(1, 13):
            result.append((date(year, month, 1), date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)))
    else:
        for q in range(4):
            result.append(
                (date(year, 3 * q + 1, 1), date(year + (q == 3), (3 * q + 3) % 12 + 1, 1) - timedelta(days=1))
            )
    return [p for p in result if p[1] <= until]


def report_figures(db: Session, unit_id: int, start: date, end: date) -> dict[str, str]:
    codes = [
        "projects_introduced",
        "contract_investment",
        "funds_domestic",
        "funds_out_of_province",
        "foreign_capital",
        "new_starts",
        "in_production",
        "valid_leads",
        "trips",
        "receptions",
        "events",
    ]
    return {code: str(metrics.compute(db, code, start, end, [unit_id]).get(unit_id, ZERO)) for code in codes}


FIRST_REPORT_DAY = date(2000, 1, 1)
"""Report periods start no earlier than this (long before the platform's first records) and
no later than the end of next year by the server's clock: `period_start: 0` (1970-01-01 to a
JSON parser) or year 2999 is a client's mistake, not a period."""


def check_report_period(start: date, today: date) -> None:
    last = date(today.year + 1, 12, 31)
    if not FIRST_REPORT_DAY <= start <= last:
        raise Invalid({"period_start": f"报告期应在 {FIRST_REPORT_DAY.year} 年至 {last.year} 年之间"})


def submit_report(
    db: Session,
    principal: Principal,
    cadence: str,
    start: date,
    narrative: str,
    problems: str,
    today: date | None = None,
) -> UnitReport:
    if principal.unit_id is None:
        raise Invalid({"__all__": "请以单位身份报送"})
    policy.ensure_write(principal, principal.unit_id)
    schedule = db.execute(
        select(ReportCadence).where(ReportCadence.cadence == cadence, ReportCadence.is_active.is_(True))
    ).scalar_one_or_none()
    if schedule is None:
        raise Invalid({"cadence": "招商局未安排该类报告"})
    today = today or date.today()
    check_report_period(start, today)
    match = [p for p in periods(cadence, start.year, date(start.year, 12, 31)) if p[0] == start]
    if not match:
        raise Invalid({"period_start": "不是该类报告的期初日期"})
    end = match[0][1]
    if not narrative.strip():
        raise Invalid({"narrative": "请填写工作进展"})
    row = db.execute(
        select(UnitReport).where(
            UnitReport.unit_id == principal.unit_id, UnitReport.cadence == cadence, UnitReport.period_start == start
        )
    ).scalar_one_or_none()
    figures = report_figures(db, principal.unit_id, start, end)
    if row is None:
        row = UnitReport(
            unit_id=principal.unit_id,
            cadence=cadence,
            period_start=start,
            period_end=end,
            due_on=end + timedelta(days=schedule.due_days),
            figures=figures,
        )
        db.add(row)
    row.figures = figures
    row.narrative, row.problems = narrative[:8000], problems[:8000]
    row.submitted_at = utcnow()
    db.flush()
    events.report_submitted(db, row)
    return row


def cadences(db: Session) -> list[ReportCadence]:
    """The reports the coordinator has scheduled, in the order of CADENCE_LABELS."""
    rows = {r.cadence: r for r in db.execute(select(ReportCadence)).scalars()}
    return [rows[c] for c in CADENCE_LABELS if c in rows]


def set_cadence(db: Session, principal: Principal, cadence: str, due_days: int, is_active: bool) -> ReportCadence:
    """The coordinator schedules (or stops) a kind of report: due `due_days` days after its period."""
    policy.ensure_coordinator(principal)
    if cadence not in CADENCE_LABELS:
        raise Invalid({"cadence": "未知的报告类型"})
    if not 1 <= due_days <= 60:
        raise Invalid({"due_days": "须为 1–60 天"})
    row = db.execute(select(ReportCadence).where(ReportCadence.cadence == cadence)).scalar_one_or_none()
    if row is None:
        row = ReportCadence(cadence=cadence, due_days=due_days, is_active=is_active)
        db.add(row)
    else:
        row.due_days, row.is_active = due_days, is_active
    db.flush()
    return row


def report_status(db: Session, cadence: str, start: date, today: date | None = None) -> list[dict[str, Any]]:
    """Every reporting unit's report for one period: on time, late, or missing."""
    today = today or date.today()
    check_report_period(start, today)
    schedule = db.execute(select(ReportCadence).where(ReportCadence.cadence == cadence)).scalar_one_or_none()
    due_days = schedule.due_days if schedule else 5
    match = [p for p in periods(cadence, start.year, date(start.year, 12, 31)) if p[0] == start]
    if not match:
        raise Invalid({"period_start": "不是该类报告的期初日期"})
    due = match[0][1] + timedelta(days=due_days)
    units = (
        db.execute(
            select(Unit)
            .where(Unit.is_active.is_(True), Unit.kind != UnitKind.jurisdiction)
            .order_by(Unit.sort_order, Unit.id)
        )
        .scalars()
        .all()
    )
    reports = {
        r.unit_id: r
        for r in db.execute(
            select(UnitReport).where(UnitReport.cadence == cadence, UnitReport.period_start == start)
        ).scalars()
    }
    rows = []
    for unit in units:
        report = reports.get(unit.id)
        if report is None or report.submitted_at is None:
            state = "missing" if today > due else "pending"
        else:
            state = "late" if report.submitted_at.date() > due else "on_time"
        rows.append({"unit": unit, "report": report, "state": state, "due": due})
    return rows
