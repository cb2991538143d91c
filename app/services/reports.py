"""Periodic reports (定期报告): the cadences the coordinator schedules, their periods, each unit's
report with its figures pre-filled from the records, and who has reported on time, late or not at all."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import policy
from app.errors import Invalid
from app.models.base import utcnow
from app.models.cadence import ReportApplicability
from app.models.performance import ReportCadence, UnitReport
from app.models.unit import Unit, UnitKind
from app.principal import Principal
from app.services import events, metrics, workdays

ZERO = Decimal(0)

CADENCE_LABELS = {
    "weekly": "周报",
    "ten_day": "旬报",
    "monthly": "月报",
    "quarterly": "季报",
    "halfyearly": "半年小结",
}
"""The cadences of periodic report, shortest first: 周报告, 旬汇报, 月报, 季报, 半年小结 (DOMAIN.md)."""

WORKING_DAY_CADENCES = frozenset({"weekly", "halfyearly"})
"""A new schedule of these counts its deadline in working days unless the coordinator says otherwise (a
weekly report due the first working day after its Sunday); the others count calendar days, as they did."""

QUARTER_NAMES = ("一季度", "二季度", "三季度", "四季度")
TEN_DAY_NAMES = {1: "上旬", 11: "中旬", 21: "下旬"}


def _month_end(year: int, month: int) -> date:
    return date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)


def weeks_in(year: int) -> int:
    """How many ISO weeks the ISO year has: 52, or 53 when 28 December falls in week 53 (2026, 2032 …)."""
    return date(year, 12, 28).isocalendar().week


def periods(cadence: str, year: int, until: date) -> list[tuple[date, date]]:
    """The periods of a year of one cadence that have ended by `until` (their last day on or before it), in
    order. Weeks run Monday to Sunday and belong to their ISO year: week 1 holds the year's first Thursday,
    so it may begin in late December, and the last week (52 or 53) may end in early January. Half-years are
    1 January – 30 June and 1 July – 31 December; ten-day periods 1–10, 11–20 and 21 to the month's end."""
    result: list[tuple[date, date]] = []
    if cadence == "weekly":
        first = date.fromisocalendar(year, 1, 1)
        result = [(first + timedelta(weeks=w), first + timedelta(weeks=w, days=6)) for w in range(weeks_in(year))]
    elif cadence == "ten_day":
        for month in range(1, 13):
            last = _month_end(year, month).day
            for a, b in ((1, 10), (11, 20), (21, last)):
                result.append((date(year, month, a), date(year, month, b)))
    elif cadence == "monthly":
        result = [(date(year, month, 1), _month_end(year, month)) for month in range(1, 13)]
    elif cadence == "halfyearly":
        result = [(date(year, 1, 1), date(year, 6, 30)), (date(year, 7, 1), date(year, 12, 31))]
    else:
        result = [(date(year, 3 * q + 1, 1), _month_end(year, 3 * q + 3)) for q in range(4)]
    return [p for p in result if p[1] <= until]


def period_of(cadence: str, start: date) -> tuple[date, date] | None:
    """The period of a cadence that begins on `start` (None when no period begins that day): a week begins
    on a Monday, whichever year it belongs to."""
    if cadence == "weekly":
        return (start, start + timedelta(days=6)) if start.weekday() == 0 else None
    match = [p for p in periods(cadence, start.year, date(start.year, 12, 31)) if p[0] == start]
    return match[0] if match else None


def year_of(cadence: str, start: date) -> int:
    """The year a period belongs to: a week's ISO year (the week of 29 December 2025 is 2026's first), else
    the calendar year it lies in."""
    return start.isocalendar().year if cadence == "weekly" else start.year


def period_name(cadence: str, start: date, end: date) -> str:
    """How a period is called: 2026年第53周（12月28日至1月3日）, 2026年11月中旬, 2026年11月, 2026年三季度,
    2026年上半年."""
    if cadence == "weekly":
        iso = start.isocalendar()
        return f"{iso.year}年第{iso.week}周（{start.month}月{start.day}日至{end.month}月{end.day}日）"
    if cadence == "ten_day":
        return f"{start.year}年{start.month}月{TEN_DAY_NAMES.get(start.day, f'{start.day}日起')}"
    if cadence == "monthly":
        return f"{start.year}年{start.month}月"
    if cadence == "halfyearly":
        return f"{start.year}年{'上半年' if start.month < 7 else '下半年'}"
    return f"{start.year}年{QUARTER_NAMES[(start.month - 1) // 3]}"


def recent_periods(cadence: str, today: date, count: int = 12) -> list[tuple[date, date]]:
    """The last `count` periods that have begun by today, oldest first (the current one last): across the
    turn of the year, so early January still offers December's and the last week of the old year."""
    found = [
        p
        for year in (today.year - 1, today.year, today.year + 1)
        for p in periods(cadence, year, date(year + 1, 12, 31))
        if p[0] <= today
    ]
    return sorted(set(found))[-count:]


def due_on(schedule: ReportCadence | None, end: date, calendar: workdays.Calendar) -> date:
    """A period's deadline: `due_days` days after its last day, or the `due_days`-th working day after it by
    the calendar (weekends, holidays and make-up working days) when the schedule counts working days. No
    schedule: 5 days, as the reports page has always shown."""
    if schedule is None:
        return end + timedelta(days=5)
    if schedule.working_days:
        return workdays.add_working_days(end, schedule.due_days, calendar)
    return end + timedelta(days=schedule.due_days)


def _calendar_for(schedules: Iterable[ReportCadence | None], db: Session) -> workdays.Calendar:
    return workdays.load_calendar(db) if any(s is not None and s.working_days for s in schedules) else {}


def schedule_of(db: Session, cadence: str) -> ReportCadence | None:
    return db.execute(select(ReportCadence).where(ReportCadence.cadence == cadence)).scalar_one_or_none()


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
    """A unit sends (or sends again) its report of one period: the figures are filled from the records, the
    deadline is the schedule's. Refused when the bureau has not scheduled the cadence, or it does not apply
    to the unit (`applies`)."""
    if principal.unit_id is None:
        raise Invalid({"__all__": "请以单位身份报送"})
    policy.ensure_write(principal, principal.unit_id)
    schedule = db.execute(
        select(ReportCadence).where(ReportCadence.cadence == cadence, ReportCadence.is_active.is_(True))
    ).scalar_one_or_none()
    if schedule is None:
        raise Invalid({"cadence": "招商局未安排该类报告"})
    unit = db.get(Unit, principal.unit_id)
    if unit is None or not applies(rules(db, cadence), cadence, unit):
        raise Invalid({"cadence": "本单位无需报送该类报告"})
    today = today or workdays.today()
    check_report_period(start, today)
    period = period_of(cadence, start)
    if period is None:
        raise Invalid({"period_start": "不是该类报告的期初日期"})
    end = period[1]
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
            due_on=due_on(schedule, end, _calendar_for([schedule], db)),
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


def set_cadence(
    db: Session,
    principal: Principal,
    cadence: str,
    due_days: int,
    is_active: bool,
    working_days: bool | None = None,
) -> ReportCadence:
    """The coordinator schedules (or stops) a kind of report: due `due_days` days after its period, or
    `due_days` working days when `working_days` (None: as it was; for a new schedule, working days for the
    weekly report and the half-year summary, calendar days for the others)."""
    policy.ensure_coordinator(principal)
    if cadence not in CADENCE_LABELS:
        raise Invalid({"cadence": "未知的报告类型"})
    if not 1 <= due_days <= 60:
        raise Invalid({"due_days": "须为 1–60 天"})
    row = schedule_of(db, cadence)
    if row is None:
        row = ReportCadence(
            cadence=cadence,
            due_days=due_days,
            is_active=is_active,
            working_days=cadence in WORKING_DAY_CADENCES if working_days is None else working_days,
        )
        db.add(row)
    else:
        row.due_days, row.is_active = due_days, is_active
        if working_days is not None:
            row.working_days = working_days
    db.flush()
    return row


def report_status(db: Session, cadence: str, start: date, today: date | None = None) -> list[dict[str, Any]]:
    """Every unit's report for one period, of the units the cadence applies to: on time, late, pending
    (not sent, the deadline still ahead) or missing. Sent late is judged by the county's date it was sent."""
    today = today or workdays.today()
    check_report_period(start, today)
    schedule = schedule_of(db, cadence)
    period = period_of(cadence, start)
    if period is None:
        raise Invalid({"period_start": "不是该类报告的期初日期"})
    due = due_on(schedule, period[1], _calendar_for([schedule], db))
    units = reporting_units(db, cadence)
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
            state = "late" if workdays.local_date(report.submitted_at) > due else "on_time"
        rows.append({"unit": unit, "report": report, "state": state, "due": due})
    return rows


# --- which units report which cadence (报送范围) ------------------------------------------------

REPORTING_KINDS = [kind for kind in UnitKind if kind is not UnitKind.jurisdiction]
"""The kinds of unit that report: every kind but the jurisdiction itself."""


@dataclass
class Rules:
    """The applicability rules of some cadences: by (cadence, unit kind) and by (cadence, unit id)."""

    by_kind: dict[tuple[str, str], ReportApplicability] = field(default_factory=dict)
    by_unit: dict[tuple[str, int], ReportApplicability] = field(default_factory=dict)


def rules(db: Session, cadence: str | None = None) -> Rules:
    """The rules kept (of one cadence when given), in one statement."""
    stmt = select(ReportApplicability)
    if cadence is not None:
        stmt = stmt.where(ReportApplicability.cadence == cadence)
    found = Rules()
    for row in db.execute(stmt).scalars():
        if row.unit_id is not None:
            found.by_unit[(row.cadence, row.unit_id)] = row
        elif row.unit_kind is not None:
            found.by_kind[(row.cadence, row.unit_kind)] = row
    return found


def applies(found: Rules, cadence: str, unit: Any) -> bool:
    """Whether a cadence applies to a unit (anything with `id` and `kind`): the unit's own rule, else its
    kind's, else yes (the jurisdiction itself never reports)."""
    if unit.kind is UnitKind.jurisdiction:
        return False
    own = found.by_unit.get((cadence, unit.id))
    if own is not None:
        return own.applies
    by_kind = found.by_kind.get((cadence, unit.kind.value))
    return by_kind.applies if by_kind is not None else True


_REPORTING = (
    select(Unit).where(Unit.is_active.is_(True), Unit.kind != UnitKind.jurisdiction).order_by(Unit.sort_order, Unit.id)
)


def reporting_units(db: Session, cadence: str) -> list[Unit]:
    """The active units a cadence applies to, in the units' order."""
    found = rules(db, cadence)
    return [u for u in db.execute(_REPORTING).scalars() if applies(found, cadence, u)]


def cadences_of_unit(db: Session, unit_id: int) -> list[str]:
    """The scheduled (active) cadences that apply to one unit, shortest first."""
    unit = db.get(Unit, unit_id)
    if unit is None:
        return []
    found = rules(db)
    active = {r.cadence for r in cadences(db) if r.is_active}
    return [c for c in CADENCE_LABELS if c in active and applies(found, c, unit)]


def _check_cadence(cadence: str) -> None:
    if cadence not in CADENCE_LABELS:
        raise Invalid({"cadence": "未知的报告类型"})


def set_kind_rules(db: Session, principal: Principal, changes: Mapping[str, Mapping[str, bool]]) -> None:
    """The coordinator says which kinds of unit report which cadence: {cadence: {unit kind: applies}};
    cadences and kinds not named stay as they are. A kind's rule is kept even when it says yes (the
    default), so that the audit trail shows who decided it. An unknown kind is refused on its cadence."""
    policy.ensure_coordinator(principal)
    allowed = {k.value for k in REPORTING_KINDS}
    for cadence, kinds in changes.items():
        _check_cadence(cadence)
        unknown = [k for k in kinds if k not in allowed]
        if unknown:
            raise Invalid({cadence: f"未知的单位类别：{unknown[0][:32]}"})
    found = rules(db)
    for cadence, kinds in changes.items():
        for kind, value in kinds.items():
            row = found.by_kind.get((cadence, kind))
            if row is None:
                db.add(ReportApplicability(cadence=cadence, unit_kind=kind, applies=value))
            elif row.applies != value:
                row.applies = value
    db.flush()


def _reporting_unit(db: Session, unit_id: int) -> Unit:
    unit = db.get(Unit, unit_id)
    if unit is None or not unit.is_active or unit.kind is UnitKind.jurisdiction:
        raise Invalid({"unit_id": "找不到该单位"})
    return unit


def set_unit_rule(
    db: Session, principal: Principal, cadence: str, unit_id: int, value: bool | None
) -> ReportApplicability | None:
    """The coordinator says whether one unit reports a cadence whatever its kind's rule says (True or
    False), or that it follows its kind's rule again (None: its own rule is removed)."""
    policy.ensure_coordinator(principal)
    _check_cadence(cadence)
    _reporting_unit(db, unit_id)
    row = rules(db, cadence).by_unit.get((cadence, unit_id))
    if value is None:
        if row is not None:
            db.delete(row)
            db.flush()
        return None
    if row is None:
        row = ReportApplicability(cadence=cadence, unit_id=unit_id, applies=value)
        db.add(row)
    elif row.applies != value:
        row.applies = value
    db.flush()
    return row


@dataclass
class UnitRule:
    cadence: str
    unit_id: int
    unit_name: str
    applies: bool
    version: int


@dataclass
class Applicability:
    """What the applicability page and the API show: each cadence's answer for each kind of unit (True when
    no rule is kept), and the units with a rule of their own."""

    kinds: dict[str, dict[str, bool]]
    units: list[UnitRule]


def applicability(db: Session, principal: Principal) -> Applicability:
    """The rules as they stand (the coordinator's, and whoever reads every unit)."""
    if not principal.reads_everything:
        raise policy.DeniedForbidden("报送范围由招商局设定")
    found = rules(db)
    kinds = {
        c: {
            k.value: found.by_kind[(c, k.value)].applies if (c, k.value) in found.by_kind else True
            for k in REPORTING_KINDS
        }
        for c in CADENCE_LABELS
    }
    unit_ids = {unit_id for (_c, unit_id) in found.by_unit}
    names = dict(db.execute(select(Unit.id, Unit.name).where(Unit.id.in_(unit_ids))).tuples().all()) if unit_ids else {}
    order = list(CADENCE_LABELS)
    units = sorted(
        (
            UnitRule(c, unit_id, names.get(unit_id, ""), row.applies, row.version)
            for (c, unit_id), row in found.by_unit.items()
        ),
        key=lambda r: (order.index(r.cadence) if r.cadence in order else 99, r.unit_name, r.unit_id),
    )
    return Applicability(kinds, units)


# --- late and missing reports, for the assessment --------------------------------------------------


@dataclass(frozen=True)
class LateItem:
    cadence: str
    period_start: date
    period_end: date
    due_on: date
    state: str  # "late" (sent after the deadline) or "missing" (not sent, the deadline passed)


@dataclass(frozen=True)
class LateReports:
    """One unit's late and missing reports of a year, each with its period (the assessment's source)."""

    late: int
    missing: int
    items: tuple[LateItem, ...]

    @property
    def total(self) -> int:
        return self.late + self.missing


def late_report_counts(
    db: Session, year: int, unit_ids: Sequence[int] | None = None, today: date | None = None
) -> dict[int, LateReports]:
    """{unit_id: LateReports} of the year's periodic reports each unit sent late or not at all: what the
    year's assessment deducts points for (issue 19, items 7 and 8). Units without one are left out.

    Counted: every period of each active schedule that belongs to the year (a week to its ISO year: the
    week of 28 December 2026 – 3 January 2027 is 2026's 53rd) whose deadline (`due_on`, in working days
    when the schedule says so) has passed by today, for each active unit the cadence applies to now
    (`applies`); only periods that ended on or after the schedule was made and the unit was created (a
    schedule made in June does not count January against anyone). Late: sent on a county date after
    the deadline; missing: not sent. Three statements whatever the number of units and periods."""
    today = today or workdays.today()
    schedules = [s for s in cadences(db) if s.is_active]
    if not schedules:
        return {}
    calendar = _calendar_for(schedules, db)
    stmt = _REPORTING
    if unit_ids is not None:
        stmt = stmt.where(Unit.id.in_(list(unit_ids)))
    units = db.execute(stmt).scalars().all()
    found = rules(db)
    due: dict[str, list[tuple[date, date, date]]] = {}
    for schedule in schedules:
        made = workdays.local_date(schedule.created_at)
        due[schedule.cadence] = [
            (start, end, deadline)
            for start, end in periods(schedule.cadence, year, date(year + 1, 12, 31))
            if end >= made and (deadline := due_on(schedule, end, calendar)) < today
        ]
    starts = [start for rows in due.values() for start, _e, _d in rows]
    if not starts or not units:
        return {}
    sent: dict[tuple[int, str, date], Any] = {
        (unit_id, cadence, start): submitted
        for unit_id, cadence, start, submitted in db.execute(
            select(UnitReport.unit_id, UnitReport.cadence, UnitReport.period_start, UnitReport.submitted_at).where(
                UnitReport.cadence.in_(list(due)),
                UnitReport.period_start >= min(starts),
                UnitReport.period_start <= max(starts),
                *([UnitReport.unit_id.in_(list(unit_ids))] if unit_ids is not None else []),
            )
        ).all()
    }
    result: dict[int, LateReports] = {}
    for unit in units:
        created = workdays.local_date(unit.created_at)
        items: list[LateItem] = []
        for cadence, rows in due.items():
            if not applies(found, cadence, unit):
                continue
            for start, end, deadline in rows:
                if end < created:
                    continue
                submitted = sent.get((unit.id, cadence, start))
                if submitted is None:
                    items.append(LateItem(cadence, start, end, deadline, "missing"))
                elif workdays.local_date(submitted) > deadline:
                    items.append(LateItem(cadence, start, end, deadline, "late"))
        if items:
            late = sum(1 for item in items if item.state == "late")
            result[unit.id] = LateReports(late, len(items) - late, tuple(items))
    return result


def unit_names(db: Session, unit_ids: Iterable[int]) -> dict[int, str]:
    """The names of some units, in one statement."""
    wanted = list(unit_ids)
    if not wanted:
        return {}
    return dict(db.execute(select(Unit.id, Unit.name).where(Unit.id.in_(wanted))).tuples().all())
