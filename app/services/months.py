"""Calendar-month arithmetic: a month is counted in months, never in a number of days (31 days back from
1 December is 31 October, and a chart stepping by 31 days skips November)."""

from __future__ import annotations

import calendar
from datetime import date


def add_months(day: date, months: int) -> date:
    """The same day `months` calendar months later (earlier when negative), on the month's last day when the
    month is shorter: 31 January + 1 month is 28 (or 29) February."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def last_months(day: date, count: int) -> list[date]:
    """The first days of the `count` consecutive months ending with `day`'s month, oldest first."""
    first = month_start(day)
    return [add_months(first, -back) for back in range(count - 1, -1, -1)]


def quarter_start(day: date) -> date:
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def month_label(first: date) -> str:
    """How an axis names a month: 「11月」."""
    return f"{first.month}月"


def span_label(start: date, end: date) -> str:
    """A period in words: 「2025年12月—2026年11月」, 「2026年1—11月」, 「2026年11月」."""
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.year}年{start.month}月"
    if start.year == end.year:
        return f"{start.year}年{start.month}—{end.month}月"
    return f"{start.year}年{start.month}月—{end.year}年{end.month}月"
