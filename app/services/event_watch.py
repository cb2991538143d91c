"""Events no request makes: a unit falling under the yellow line, a report coming due or going late.

The worker calls `watch` every few minutes (`python -m app worker`, with the ticket escalation). Each
condition is remembered in an EventMark, so that it is announced once per crossing: a unit under the
yellow line on a metric is announced when it falls under it, and again only after it has been back above
(`target:<year>:<unit>:<metric>`); a report is announced due once and late once (`report.due:…`,
`report.late:…`). Everything is written in the worker's one transaction: a failing round announces nothing.

The yellow line is judged as the targets page judges it at a month's end (performance.standings: a yellow
card below `yellow_card_percent` of the time-sequenced share, a red card with no result at all): as of the
last month end on or before today, so a unit is not announced every morning of a month it has only begun.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.base import utcnow
from app.models.performance import ReportCadence, UnitReport
from app.models.ticket import EventMark
from app.models.unit import Unit
from app.schemas.events import ReportEvent, TargetBelowYellow, UnitRef
from app.services import app_settings, events, metrics, performance, reports, workdays

BELOW = ("yellow", "red")


def judged_day(today: date) -> date:
    """The last month end on or before `today`: the day the yellow line is judged as of."""
    if (today + timedelta(days=1)).day == 1:
        return today
    return today.replace(day=1) - timedelta(days=1)


def watch(db: Session, today: date | None = None) -> int:
    """Announce what has newly crossed; returns how many events were emitted."""
    today = today or workdays.today()
    return watch_targets(db, today) + watch_reports(db, today)


def _marks(db: Session, prefix: str) -> dict[str, EventMark]:
    return {m.key: m for m in db.execute(select(EventMark).where(EventMark.key.startswith(prefix))).scalars()}


def watch_targets(db: Session, today: date) -> int:
    as_of = judged_day(today)
    year = as_of.year
    prefix = f"target:{year}:"
    marks = _marks(db, prefix)
    yellow = app_settings.get_decimal(db, "yellow_card_percent")
    units = {u.id: u for u in db.execute(select(Unit).where(Unit.is_active.is_(True))).scalars()}
    count = 0
    for (code, unit_id), st in sorted(performance.standings(db, year, as_of).items()):
        if not st.target or unit_id not in units:
            continue
        key = f"{prefix}{unit_id}:{code}"
        below = st.card in BELOW
        mark = marks.get(key)
        if below and (mark is None or not mark.active):
            metric = metrics.METRICS.get(code)
            events.below_yellow(
                db,
                TargetBelowYellow(
                    unit=UnitRef(id=unit_id, name=units[unit_id].name),
                    year=year,
                    as_of=as_of,
                    metric=code,
                    metric_label=metric.label if metric else code,
                    measure=metric.unit if metric else "",
                    actual=st.actual,
                    target=st.target,
                    share_of_target=_rounded(st.share_of_target),
                    expected_share=st.expected.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
                    share_of_expected=_rounded(st.share_of_expected),
                    yellow_line=yellow,
                    card=st.card,
                    link="/targets",
                ),
            )
            if mark is None:
                db.add(EventMark(key=key, active=True))
            else:
                mark.active, mark.changed_at = True, utcnow()
            count += 1
        elif not below and mark is not None and mark.active:
            mark.active, mark.changed_at = False, utcnow()
    db.flush()
    return count


def _rounded(value: Decimal | None) -> Decimal | None:
    """A percentage to two places (exact figures stay in the standings)."""
    return None if value is None else value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def watch_reports(db: Session, today: date) -> int:
    """Of each scheduled report: the last period that has ended is due (until its deadline) for the units
    it applies to that have not sent it; the last period whose deadline has passed is late for those that
    still have not. A deadline in working days is counted by the calendar (app.services.reports.due_on)."""
    schedules = db.execute(select(ReportCadence).where(ReportCadence.is_active.is_(True))).scalars().all()
    if not schedules:
        return 0
    calendar = workdays.load_calendar(db) if any(s.working_days for s in schedules) else {}
    count = 0
    for schedule in schedules:
        ended = [
            (start, end, reports.due_on(schedule, end, calendar))
            for year in (today.year - 1, today.year)
            for start, end in reports.periods(schedule.cadence, year, today - timedelta(days=1))
        ]
        open_periods = [p for p in ended if today <= p[2]]
        closed = [p for p in ended if p[2] < today]
        if not open_periods and not closed:
            continue
        units = reports.reporting_units(db, schedule.cadence)
        if open_periods:
            count += _announce(db, schedule.cadence, open_periods[-1], units, "report.due", late=False)
        if closed:
            count += _announce(db, schedule.cadence, closed[-1], units, "report.late", late=True)
    db.flush()
    return count


def _announce(
    db: Session,
    cadence: str,
    period: tuple[date, date, date],
    units: Sequence[Unit],
    event_type: str,
    *,
    late: bool,
) -> int:
    start, end, due = period
    prefix = f"{event_type}:{cadence}:{start.isoformat()}:"
    marks = _marks(db, prefix)
    sent = {
        unit_id
        for unit_id, submitted in db.execute(
            select(UnitReport.unit_id, UnitReport.submitted_at).where(
                UnitReport.cadence == cadence, UnitReport.period_start == start
            )
        ).all()
        if submitted is not None
    }
    count = 0
    for unit in units:
        key = f"{prefix}{unit.id}"
        if unit.id in sent or key in marks:
            continue
        events.report(
            db,
            event_type,
            ReportEvent(
                unit=UnitRef(id=unit.id, name=unit.name),
                cadence=cadence,
                cadence_label=reports.CADENCE_LABELS.get(cadence, cadence),
                period_start=start,
                period_end=end,
                due_on=due,
                submitted_at=None,
                late=late,
                link="/reports",
            ),
        )
        db.add(EventMark(key=key, active=True))
        count += 1
    return count
