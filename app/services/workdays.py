"""Working days: weekends off, public holidays off, make-up working days on weekends on (调休)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import policy
from app.errors import Invalid
from app.models.ticket import CalendarDay
from app.principal import Principal

Calendar = Mapping[date, bool]  # day → is it a working day (only the exceptions are listed)
LOCAL_TZ = ZoneInfo("Asia/Shanghai")
DUE_SOON_DAYS = 2


def today() -> date:
    """The county's calendar date (servers often run on UTC, eight hours behind)."""
    return datetime.now(LOCAL_TZ).date()


def local_date(moment: datetime) -> date:
    """The county's calendar date of a stored (UTC) moment."""
    return moment.astimezone(LOCAL_TZ).date() if moment.tzinfo else moment.date()


def load_calendar(db: Session) -> dict[date, bool]:
    return {row.day: row.is_workday for row in db.execute(select(CalendarDay)).scalars()}


def is_workday(day: date, calendar: Calendar) -> bool:
    if day in calendar:
        return calendar[day]
    return day.weekday() < 5


def add_working_days(start: date, days: int, calendar: Calendar) -> date:
    """The `days`-th working day after `start` (the start day itself is not counted)."""
    if days < 0:
        raise ValueError("days must not be negative")
    current = start
    remaining = days
    guard = 0
    while remaining > 0:
        current += timedelta(days=1)
        guard += 1
        if is_workday(current, calendar):
            remaining -= 1
        if guard > 3660:
            raise ValueError("calendar has no working days")
    return current


def working_days_between(start: date, end: date, calendar: Calendar) -> int:
    """Working days in (start, end]; negative when end is before start."""
    if end == start:
        return 0
    sign = 1
    if end < start:
        start, end, sign = end, start, -1
    count = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        if is_workday(current, calendar):
            count += 1
    return sign * count


def light(
    today: date, due_on: date | None, calendar: Calendar, *, paused: bool = False, soon: int = DUE_SOON_DAYS
) -> str:
    """green (on time), yellow (due within `soon` working days), red (overdue), grey (paused or no deadline)."""
    if due_on is None or paused:
        return "grey"
    if today > due_on:
        return "red"
    return "yellow" if working_days_between(today, due_on, calendar) <= soon else "green"


# The State Council's 2026 schedule, loaded as demo data; the coordinator keeps the real calendar.
DEMO_2026 = {
    date(2026, 1, 1): (False, "元旦"),
    date(2026, 1, 2): (False, "元旦"),
    date(2026, 1, 3): (False, "元旦"),
    date(2026, 1, 4): (True, "元旦调休上班"),
    **{date(2026, 2, d): (False, "春节") for d in range(15, 24)},
    date(2026, 2, 14): (True, "春节调休上班"),
    date(2026, 2, 28): (True, "春节调休上班"),
    date(2026, 4, 4): (False, "清明节"),
    date(2026, 4, 5): (False, "清明节"),
    date(2026, 4, 6): (False, "清明节"),
    **{date(2026, 5, d): (False, "劳动节") for d in range(1, 6)},
    date(2026, 5, 9): (True, "劳动节调休上班"),
    date(2026, 6, 19): (False, "端午节"),
    date(2026, 6, 20): (False, "端午节"),
    date(2026, 6, 21): (False, "端午节"),
    date(2026, 9, 25): (False, "中秋节"),
    date(2026, 9, 26): (False, "中秋节"),
    date(2026, 9, 27): (False, "中秋节"),
    **{date(2026, 10, d): (False, "国庆节") for d in range(1, 8)},
    date(2026, 9, 20): (True, "国庆节调休上班"),
    date(2026, 10, 10): (True, "国庆节调休上班"),
}


# --- the calendar the coordinator keeps ----------------------------------------------------------

FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)


def calendar_days(db: Session, year: int) -> list[CalendarDay]:
    """A year's exceptions: public holidays (off) and make-up working days (on), by date."""
    return list(
        db.execute(
            select(CalendarDay)
            .where(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
            .order_by(CalendarDay.day)
        ).scalars()
    )


def _calendar_day(principal: Principal, day: date) -> None:
    policy.ensure_coordinator(principal)
    if not FIRST_DAY <= day <= LAST_DAY:
        raise Invalid({"day": "日期须在 2000–2100 年之间"})


def set_calendar_day(db: Session, principal: Principal, day: date, *, is_workday: bool, name: str) -> CalendarDay:
    """Mark a day a public holiday (is_workday False) or a make-up working day (True), replacing what it was."""
    _calendar_day(principal, day)
    name = name.strip()
    if len(name) > 40:
        raise Invalid({"name": "不能超过 40 个字符"})
    row = db.get(CalendarDay, day)
    if row is None:
        row = CalendarDay(day=day, is_workday=is_workday, name=name)
        db.add(row)
    else:
        row.is_workday, row.name = is_workday, name
    db.flush()
    return row


def remove_calendar_day(db: Session, principal: Principal, day: date) -> bool:
    """The day back to its weekday's rule; False when it was no exception."""
    _calendar_day(principal, day)
    row = db.get(CalendarDay, day)
    if row is None:
        return False
    db.delete(row)
    db.flush()
    return True
