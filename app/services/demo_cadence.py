"""Demo cadences (issue 19, item 7): weekly reports for the towns, subdistricts, zone bureaus and resident
offices (and the commerce bureau besides), half-year summaries for every unit, the bureau and the offices
that oversee exempt from all reports; the last weeks' reports sent on time, late or not at all; trips that
name the sections (条线) that went, some sections missing some months, the offices that lead or oversee
exempt from the monthly trip; the half-year bulletin published.

The demo county's units and schedules are dated from the start of last year (they are made the moment the
demo loads): the year's late reports and missed trip months count only from when a unit and a schedule
existed (app.services.reports.late_report_counts, app.services.trip_compliance).
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.models.base import utcnow
from app.models.cadence import ReportApplicability
from app.models.people import Section
from app.models.performance import ReportCadence, UnitReport
from app.models.unit import Unit
from app.models.user import Role, User
from app.principal import Principal
from app.services import activities, bulletins, reports, trip_compliance, workdays

WEEKLY_KINDS = {"town": True, "subdistrict": True, "zone_bureau": True, "resident_office": True}
NO_WEEKLY_KINDS = {"department": False, "industry_team": False, "zone": False}
WEEKLY_BESIDES = "县商务局"  # a department that reports weekly all the same (its own rule)
EXEMPT = ("县招商局", "县政府办", "县督查室")  # the bureau and the offices that lead or oversee: no reports


def load(db: Session, today: date | None = None) -> bool:
    if db.execute(select(ReportApplicability.id).limit(1)).first():
        return False
    users = {u.username: u for u in db.execute(select(User)).scalars()}
    admin = users.get("zsj_admin")
    if admin is None:
        return False
    today = today or workdays.today()
    rng = random.Random(19)
    since = datetime(today.year - 1, 1, 1, tzinfo=UTC)
    db.execute(update(Unit).values(created_at=since))  # the county existed before the demo loaded
    coordinator = Principal(role=Role.coordinator, unit_id=admin.unit_id, label=admin.display_name, user_id=admin.id)
    units = {u.short_name: u for u in db.execute(select(Unit)).scalars()}

    reports.set_cadence(db, coordinator, "weekly", 1, True)  # the first working day after the week
    reports.set_cadence(db, coordinator, "halfyearly", 10, True)  # ten working days after 30 June
    db.execute(update(ReportCadence).values(created_at=since))
    reports.set_kind_rules(db, coordinator, {"weekly": WEEKLY_KINDS | NO_WEEKLY_KINDS})
    reports.set_unit_rule(db, coordinator, "weekly", units[WEEKLY_BESIDES].id, True)
    for short in EXEMPT:
        for cadence in reports.CADENCE_LABELS:
            reports.set_unit_rule(db, coordinator, cadence, units[short].id, False)

    staff = {u.unit_id: u for u in users.values() if u.role is Role.unit_staff}
    schedules = {s.cadence: s for s in reports.cadences(db)}
    calendar = workdays.load_calendar(db)
    weekly = {u.id for u in reports.reporting_units(db, "weekly")}
    # the last eight weeks' reports: most on time, some a day or two late, a few not sent
    weeks = [p for p in reports.recent_periods("weekly", today, 9) if p[1] < today][-8:]
    for unit_id in sorted(set(staff) & weekly):
        for start, end in weeks:
            roll = rng.random()
            if roll < 0.1:
                continue
            due = reports.due_on(schedules["weekly"], end, calendar)
            sent = due - timedelta(days=1) if roll > 0.3 else due + timedelta(days=rng.randint(1, 3))
            _report(db, unit_id, "weekly", start, end, due, sent, "本周走访客商、对接在谈项目，按计划推进。")
    # the first half-year's summary, from every unit that has staff (one late), when June is over
    if today >= date(today.year, 7, 15):
        start, end = date(today.year, 1, 1), date(today.year, 6, 30)
        due = reports.due_on(schedules["halfyearly"], end, calendar)
        exempt = {units[short].id for short in EXEMPT}
        for n, unit_id in enumerate(sorted(u for u in staff if u not in exempt)):
            sent = due + timedelta(days=4) if n == 3 else due - timedelta(days=2)
            _report(db, unit_id, "halfyearly", start, end, due, sent, "上半年招商引资工作小结：目标完成过半。")

    # the offices that lead or oversee owe no trips (as they owe no leads); the bureau does
    for short in EXEMPT[1:]:
        trip_compliance.set_unit_minimum(db, coordinator, units[short].id, 0)
    # trips that name the sections that went: each section out most months, some months missed
    for short in ("城关镇", "县招商局", "经开区招商局", "驻沪分队"):
        unit = units.get(short)
        clerk = admin if short == "县招商局" else staff.get(unit.id) if unit is not None else None
        if unit is None or clerk is None:
            continue
        own = Principal(role=clerk.role, unit_id=unit.id, label=clerk.display_name, user_id=clerk.id)
        sections = db.execute(
            select(Section).where(Section.unit_id == unit.id, Section.is_active.is_(True)).order_by(Section.id)
        ).scalars()
        section_ids = [s.id for s in sections]
        for month in range(1, today.month + 1):
            went = [s for s in section_ids if rng.random() > 0.25]
            if not went:
                continue
            day = date(today.year, month, min(rng.randint(3, 24), today.day if month == today.month else 28))
            activities.add_trip(
                db,
                own,
                started_on=day,
                ended_on=day + timedelta(days=2),
                destination=rng.choice(["上海", "苏州", "宁波", "深圳"]),
                people=f"{clerk.display_name}等 {len(went) + 1} 人",
                companies_visited="拜访企业 3 家",
                leads_obtained=rng.randint(0, 2),
                section_ids=went,
            )
    db.flush()

    if today >= date(today.year, 7, 10) and bulletins.published(db, "halfyearly", date(today.year, 1, 1)) is None:
        bulletins.publish(db, coordinator, "halfyearly", today.year, 1, today=today)
    return True


def _report(
    db: Session, unit_id: int, cadence: str, start: date, end: date, due: date, sent: date, narrative: str
) -> None:
    sent = min(sent, workdays.today())  # never after today
    moment = utcnow().replace(year=sent.year, month=sent.month, day=sent.day, hour=2)
    db.add(
        UnitReport(
            unit_id=unit_id,
            cadence=cadence,
            period_start=start,
            period_end=end,
            due_on=due,
            figures=reports.report_figures(db, unit_id, start, end),
            narrative=narrative,
            submitted_at=moment,
        )
    )
