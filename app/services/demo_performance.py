"""Demo targets, a running hundred-day campaign, activities, reports (submitted, late, missing), a spot-check."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.base import utcnow
from app.models.performance import ReportCadence, Target, UnitReport
from app.models.project import Project
from app.models.unit import Unit, UnitKind
from app.models.user import Role, User
from app.principal import Principal
from app.services import activities, months, performance, reports, spot_checks, workdays

TIER_TARGETS = {  # metric: (tier1, tier2, tier3, tier4)
    "projects_introduced": (6, 4, 2, 1),
    "contract_investment": (30000, 15000, 6000, 2000),
    "funds_domestic": (15000, 8000, 3000, 1000),
    "new_starts": (4, 2, 1, 1),
    "valid_leads": (12, 12, 12, 12),
}
KIND_TARGETS = {  # towns, subdistricts, zone bureaus, teams, resident offices
    "projects_introduced": {"town": 3, "subdistrict": 2, "zone_bureau": 10, "industry_team": 4, "resident_office": 3},
    "contract_investment": {
        "town": 10000,
        "subdistrict": 6000,
        "zone_bureau": 80000,
        "industry_team": 20000,
        "resident_office": 15000,
    },
    "funds_domestic": {
        "town": 5000,
        "subdistrict": 3000,
        "zone_bureau": 40000,
        "industry_team": 8000,
        "resident_office": 5000,
    },
    "valid_leads": {"town": 12, "subdistrict": 12, "zone_bureau": 12, "industry_team": 12, "resident_office": 12},
}


def load(db: Session, today: date | None = None) -> bool:
    if db.execute(select(Target.id).limit(1)).first():
        return False
    today = today or workdays.today()
    rng = random.Random(99)
    bureau = db.execute(select(Unit.id).where(Unit.short_name == "县招商局")).scalar_one_or_none()
    coordinator = Principal(role=Role.coordinator, unit_id=bureau, label="演示数据")
    for metric, values in TIER_TARGETS.items():
        for tier, amount in enumerate(values, start=1):
            performance.set_target(db, coordinator, year=today.year, metric=metric, amount=Decimal(amount), tier=tier)
    for metric, by_kind in KIND_TARGETS.items():
        for kind, amount in by_kind.items():
            performance.set_target(
                db, coordinator, year=today.year, metric=metric, amount=Decimal(amount), unit_kind=kind
            )
    # the bureau's own time-sequenced schedule: 75% by the end of September
    for month, share in {9: 75, 10: 84, 11: 92}.items():
        performance.set_expected_share(db, coordinator, today.year, month, Decimal(share))
    performance.create_campaign(
        db,
        coordinator,
        f"{today.year}年招商引资“百日竞赛”",
        today - timedelta(days=60),
        today + timedelta(days=40),
        performance.HUNDRED_DAY_RULES,
    )
    for cadence, days in (("monthly", 5), ("quarterly", 10), ("ten_day", 3)):
        db.add(ReportCadence(cadence=cadence, due_days=days, is_active=cadence != "ten_day"))
    db.flush()
    staff = {u.unit_id: u for u in db.execute(select(User).where(User.role == Role.unit_staff)).scalars()}
    reporting = db.execute(select(Unit).where(Unit.id.in_(list(staff)))).scalars().all()
    for unit in reporting:
        clerk = staff[unit.id]
        unit_principal = Principal(role=Role.unit_staff, unit_id=unit.id, label=clerk.display_name, user_id=clerk.id)
        for n in range(rng.randint(2, 6)):
            start = today - timedelta(days=rng.randint(5, 300))
            activities.add_trip(
                db,
                unit_principal,
                started_on=start,
                ended_on=start + timedelta(days=2),
                destination=rng.choice(["上海", "深圳", "苏州", "广州", "杭州", "长沙"]),
                people=clerk.display_name + "等 3 人",
                companies_visited="拜访企业 4 家",
                leads_obtained=rng.randint(0, 3),
            )
            if n % 2 == 0:
                activities.add_reception(
                    db,
                    unit_principal,
                    received_on=start + timedelta(days=10),
                    visitors=rng.choice(["深圳客商考察团", "浙江商会", "台商协会"]),
                    persons=rng.randint(2, 12),
                    note="",
                )
        # monthly reports: most submitted on time, some late, a few missing
        for month in range(1, today.month):
            first = date(today.year, month, 1)
            end = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
            roll = rng.random()
            if roll < 0.12:
                continue  # missing
            submitted = end + timedelta(days=rng.randint(1, 4) if roll > 0.25 else rng.randint(7, 15))
            db.add(
                UnitReport(
                    unit_id=unit.id,
                    cadence="monthly",
                    period_start=first,
                    period_end=end,
                    due_on=end + timedelta(days=5),
                    figures=reports.report_figures(db, unit.id, first, end),
                    narrative="本月外出招商、接待客商按计划开展，重点项目推进顺利。",
                    problems="个别项目用地指标紧张。" if roll > 0.8 else "",
                    submitted_at=utcnow().replace(year=submitted.year, month=submitted.month, day=submitted.day),
                )
            )
    zone = next((u for u in reporting if u.kind is UnitKind.zone_bureau), None)
    if zone is not None:
        clerk = staff[zone.id]
        zone_principal = Principal(role=Role.unit_staff, unit_id=zone.id, label=clerk.display_name, user_id=clerk.id)
        signed = (
            db.execute(
                select(Project.id)
                .where(Project.introducing_unit_id == zone.id, Project.signed_on.is_not(None))
                .limit(2)
            )
            .scalars()
            .all()
        )
        activities.add_event(
            db,
            zone_principal,
            held_on=today - timedelta(days=45),
            name="青山县（深圳）招商推介会",
            place="深圳",
            project_ids=list(signed),
        )
        for month in range(1, today.month):
            activities.set_trade(db, zone_principal, date(today.year, month, 1), Decimal(rng.randint(300, 900)))
    supervisor = db.execute(select(User).where(User.role == Role.supervisor)).scalars().first()
    if supervisor is not None:
        checker = Principal(
            role=Role.supervisor, unit_id=supervisor.unit_id, label=supervisor.display_name, user_id=supervisor.id
        )
        last_quarter = months.add_months(months.quarter_start(today), -3)
        check = spot_checks.draw(
            db,
            checker,
            last_quarter,
            months.add_months(last_quarter, 3) - timedelta(days=1),
            Decimal(30),
            seed=20260930,
        )
        for index, item in enumerate(check.items[:6]):
            ok = index != 2
            spot_checks.record_finding(
                db,
                checker,
                check.id,
                item["kind"],
                item["id"],
                ok,
                None if ok else Decimal("120.00"),
                "" if ok else "银行回单金额与登记金额不一致，多报 120 万元",
            )
    db.flush()
    return True
