"""One "today": the county's calendar date (UTC+8), in every service, page and test.

Between 16:00 and 24:00 UTC the county is already a day ahead of a server on UTC. A rule that read the
server's date there refused a trip started "today" and broke the demo county; these tests pin the clock
on both sides of that hour."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Invalid
from app.models.unit import Unit
from app.models.user import Role, User
from app.principal import Principal
from app.services import activities, demo, workdays

ROOT = Path(__file__).resolve().parents[2]
EVENING_UTC = "2026-12-07 17:00:00+00:00"  # 01:00 on 8 December in the county
MORNING_UTC = "2026-12-07 03:00:00+00:00"  # 11:00 on 7 December in the county


def test_nothing_reads_the_servers_own_date() -> None:
    """`date.today()` is the server's date; every rule and every test helper asks workdays.today()."""
    pattern = re.compile(r"\bdate\.today\(|datetime\.now\(\)|datetime\.today\(|datetime\.utcnow\(")
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in ("app", "tests", "bench")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path.name != "test_county_date.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []


@pytest.mark.parametrize(("moment", "county_day"), [(EVENING_UTC, date(2026, 12, 8)), (MORNING_UTC, date(2026, 12, 7))])
def test_the_county_date_is_eight_hours_ahead_of_utc(moment: str, county_day: date) -> None:
    with time_machine.travel(moment, tick=False):
        assert workdays.today() == county_day


@pytest.mark.parametrize("moment", [EVENING_UTC, MORNING_UTC])
def test_the_demo_county_loads_and_a_trip_started_today_is_taken_at_any_hour(db: Session, moment: str) -> None:
    with time_machine.travel(moment, tick=False):
        demo.load(db)  # its trips, awards and stages are dated by the county's calendar
        town = db.execute(select(Unit).where(Unit.short_name == "城关镇")).scalar_one()
        clerk = db.execute(select(User).where(User.unit_id == town.id, User.role == Role.unit_staff)).scalars().first()
        assert clerk is not None
        principal = Principal(role=clerk.role, unit_id=clerk.unit_id, label=clerk.display_name, user_id=clerk.id)
        today = workdays.today()
        trip = activities.add_trip(
            db,
            principal,
            started_on=today,
            ended_on=today,
            destination="江苏省苏州市",
            people="",
            companies_visited="某电子公司",
            leads_obtained=1,
        )
        assert trip.started_on == today
        with pytest.raises(Invalid) as refused:
            activities.add_trip(
                db,
                principal,
                started_on=today + timedelta(days=1),
                ended_on=today + timedelta(days=1),
                destination="江苏省苏州市",
                people="",
                companies_visited="某电子公司",
                leads_obtained=1,
            )
        assert refused.value.errors == {"started_on": "日期不能晚于今天"}
