"""The queue's shortcuts give the figures the plain rules give: working days counted by whole weeks,
and the settings, calendar and shared tickets asked once for the list and its box counts."""

from __future__ import annotations

import random
from datetime import date, timedelta

from app.services import tickets, workdays

CAL = {day: is_workday for day, (is_workday, _name) in workdays.DEMO_2026.items()}


def test_working_days_by_whole_weeks_match_counting_day_by_day() -> None:
    rng = random.Random(8)
    odd = {date(2026, 1, 1) + timedelta(days=rng.randrange(730)): rng.random() < 0.5 for _ in range(60)}
    for calendar in ({}, CAL, odd):
        for _ in range(400):
            start = date(2025, 6, 1) + timedelta(days=rng.randrange(900))
            end = start + timedelta(days=rng.randrange(-500, 500))
            assert tickets.working_days_between(start, end, calendar) == workdays.working_days_between(
                start, end, calendar
            ), (start, end)
    for span in range(15):  # every weekday start and short span, around a make-up Saturday and a holiday week
        for first in (date(2026, 9, 28), date(2026, 10, 5), date(2026, 2, 12)):
            end = first + timedelta(days=span)
            assert tickets.working_days_between(first, end, CAL) == workdays.working_days_between(first, end, CAL)
            assert tickets.working_days_between(end, first, CAL) == workdays.working_days_between(end, first, CAL)
