"""The leaders' dashboard: a year's month axis has twelve consecutive calendar months (November too), every
chart says what it shows (title, unit, period) and has its values as text, and each unit's light against
its targets is listed red before yellow before green, linking to that unit's projects."""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from app.models.project import FundsArrival, FundsSource, FundsStatus, Project, Stage
from app.models.unit import Unit
from app.models.user import Role
from app.principal import Principal
from app.services import bulletins, months, performance, workdays
from tests.conftest import login
from tests.factories import PASSWORD, make_unit, make_user
from tests.performance.test_performance import coordinator, investor

TODAY = workdays.today()
YEAR = TODAY.year
LEADER = Principal(role=Role.leader, unit_id=None, label="测试领导", user_id=None)


# --- the month helper ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "step", "expected"),
    [
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 10, 31), 1, date(2026, 11, 30)),
        (date(2026, 12, 1), -1, date(2026, 11, 1)),
        (date(2026, 12, 31), -1, date(2026, 11, 30)),
        (date(2027, 3, 31), -1, date(2027, 2, 28)),
        (date(2026, 1, 15), -1, date(2025, 12, 15)),
        (date(2026, 5, 31), -11, date(2025, 6, 30)),
        (date(2026, 11, 30), 14, date(2028, 1, 30)),
    ],
)
def test_adding_months_counts_calendar_months(day, step, expected):
    assert months.add_months(day, step) == expected


@pytest.mark.parametrize(
    "day", [date(2026, 1, 31), date(2026, 10, 31), date(2026, 12, 1), date(2026, 12, 7), date(2027, 3, 31)]
)
def test_twelve_months_back_from_any_day_are_twelve_consecutive_months(day):
    firsts = months.last_months(day, 12)
    assert len(firsts) == 12 and firsts[-1] == day.replace(day=1)
    assert all(f.day == 1 for f in firsts)
    for before, after in itertools.pairwise(firsts):
        assert (after.year * 12 + after.month) - (before.year * 12 + before.month) == 1
    assert any(f.month == 11 for f in firsts)


def test_every_day_of_a_year_gives_twelve_distinct_months():
    day = date(2026, 1, 1)
    while day.year == 2026:
        firsts = months.last_months(day, 12)
        assert len({(f.year, f.month) for f in firsts}) == 12, day
        day += timedelta(days=1)


# --- the dashboard's data --------------------------------------------------------------------


def _signed(db: Session, unit: Unit, on: date, contract: int = 100) -> Project:
    p = Project(
        name=f"驾驶舱项目{unit.id}-{on}",
        investor_id=investor(db).id,
        stage=Stage.signed,
        stage_since=on,
        signed_on=on,
        contract_investment=Decimal(contract),
        introducing_unit_id=unit.id,
        responsible_unit_id=unit.id,
        category="industrial",
    )
    db.add(p)
    db.flush()
    return p


def test_the_trend_of_early_december_has_november_with_its_figures(db):
    unit = make_unit(db)
    november = _signed(db, unit, date(2026, 11, 20), contract=500)
    db.add(
        FundsArrival(
            project_id=november.id,
            arrived_on=date(2026, 11, 25),
            amount=Decimal(300),
            source=FundsSource.in_province,
            status=FundsStatus.confirmed,
        )
    )
    db.flush()
    data = bulletins.dashboard(db, LEADER, today=date(2026, 12, 7))
    labels = [t["label"] for t in data["trend"]]
    assert labels == [f"{m}月" for m in range(1, 13)]
    nov = data["trend"][10]
    assert nov["label"] == "11月" and nov["signed"] == 1 and nov["funds"] == Decimal(300)
    assert data["trend"][9]["signed"] == 0  # October does not take November's figures


def test_a_trend_ending_in_march_runs_from_april_across_the_year_end(db):
    data = bulletins.dashboard(db, LEADER, today=date(2027, 3, 31))
    firsts = [t["first"] for t in data["trend"]]
    assert firsts == [date(2026, m, 1) for m in range(4, 13)] + [date(2027, m, 1) for m in range(1, 4)]


def _lit_units(db: Session) -> tuple[Unit, Unit, Unit]:
    """Three units with a target of 10 projects this year: none signed (red), one (yellow: far behind the
    pace), ten (green); made in the order green, yellow, red so that the order shown is the light's."""
    green, yellow, red = (
        make_unit(db, name="绿灯测试镇"),
        make_unit(db, name="黄灯测试镇"),
        make_unit(db, name="红灯测试镇"),
    )
    for unit in (green, yellow, red):
        performance.set_target(
            db, coordinator(), year=YEAR, metric="projects_introduced", amount=Decimal(10), unit_id=unit.id
        )
    first = date(YEAR, 1, 1)
    _signed(db, yellow, first)
    for _ in range(10):
        _signed(db, green, first)
    db.flush()
    return red, yellow, green


def test_units_behind_come_first_red_then_yellow_then_green(db):
    red, yellow, green = _lit_units(db)
    lights = performance.unit_lights(db, YEAR, TODAY)
    assert [(lit.unit.id, lit.light) for lit in lights] == [(red.id, "red"), (yellow.id, "yellow"), (green.id, "green")]
    assert lights[0].worst.metric == "projects_introduced" and lights[0].worst.target == Decimal(10)


# --- the page --------------------------------------------------------------------------------


def test_the_dashboard_shows_each_chart_with_title_unit_period_and_its_values(client, db):
    leader = make_user(db, role=Role.leader)
    db.commit()
    login(client, leader.username, PASSWORD)
    page = client.get("/dashboard")
    assert page.status_code == 200
    figures = re.findall(r'<figure class="chart-fig".*?</figure>', page.text, re.S)
    assert len(figures) == 3
    for figure in figures:
        title = re.search(r'<h3 class="chart-title">([^<]+)</h3>', figure)
        unit = re.search(r'<span class="chart-unit">([^<]+)</span>', figure)
        period = re.search(r'<span class="chart-period">([^<]+)</span>', figure)
        assert title and unit and period, figure[:300]
        assert re.search(r"\d{4}年\d{1,2}", period.group(1)), period.group(1)
        assert re.search(r'<svg [^>]*role="img"[^>]*aria-label="[^"]*' + re.escape(title.group(1)), figure)
        assert "<table" in figure  # the values as text
    funds, signed = figures[1], figures[2]
    for figure in (funds, signed):
        months_shown = re.findall(r"<tr><td>(?:\d{4}年)?(\d{1,2})月</td>", figure)
        assert len(months_shown) == 12 and "11" in months_shown
        firsts = months.last_months(TODAY, 12)
        assert months_shown == [str(f.month) for f in firsts]
    assert "万元" in funds and "个" in signed


def test_the_dashboard_lists_units_behind_first_with_links_to_their_projects(client, db):
    red, yellow, green = _lit_units(db)
    leader = make_user(db, role=Role.leader)
    db.commit()
    login(client, leader.username, PASSWORD)
    page = client.get("/dashboard")
    assert page.status_code == 200
    rows = re.findall(r'<li class="unit-light light-(\w+)".*?href="/projects\?unit_id=(\d+)"', page.text, re.S)
    assert rows == [("red", str(red.id)), ("yellow", str(yellow.id)), ("green", str(green.id))]
    assert "红灯" in page.text and "黄灯" in page.text and "绿灯" in page.text
    assert "0 / 10 个" in page.text  # the red unit's metric: actual against target, with its unit
    assert "引进项目" in page.text
