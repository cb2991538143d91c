"""The demo county shows every cadence: weekly reports for the towns and a department besides, the bureau
exempt from reports, late and missing reports counted, trips naming the sections that went, the month's
trip list, and the half-year bulletin published with the year's figures."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.unit import Unit
from app.services import bulletins, demo, reports, trip_compliance, workdays
from tests.performance.test_performance import coordinator


def test_the_demo_has_every_cadence(db: Session) -> None:
    demo.load(db)
    today = workdays.today()
    units = {u.short_name: u for u in db.execute(select(Unit)).scalars()}
    weekly = {u.short_name for u in reports.reporting_units(db, "weekly")}
    assert {"城关镇", "东城街道", "经开区招商局", "驻沪分队", "县商务局"} <= weekly
    assert not {"县发改局", "新材料组", "县招商局"} & weekly
    assert "县招商局" not in {u.short_name for u in reports.reporting_units(db, "monthly")}
    active = [c.cadence for c in reports.cadences(db) if c.is_active]
    assert active == ["weekly", "monthly", "quarterly", "halfyearly"]  # the ten-day report stopped
    late = reports.late_report_counts(db, today.year, today=today)
    assert late and any(c.missing for c in late.values()) and any(c.late for c in late.values())
    assert units["县招商局"].id not in late

    month = trip_compliance.monthly_list(db, coordinator(), today.year, max(1, today.month - 1), today=today)
    town = next(r for r in month.rows if r.unit_id == units["城关镇"].id)
    assert [s.name for s in town.sections] == ["经济发展办", "财政所", "农业综合服务站", "城西社区"]
    assert any(s.trips for s in town.sections)
    if today >= date(today.year, 7, 10):
        half = bulletins.published(db, "halfyearly", date(today.year, 1, 1))
        assert half is not None and half.content["year_review"]["ranking"]
