"""The monthly outbound-trip list (外出招商达标): whether each unit made its outbound promotion trips of a
month ("每月一次外出招商"), and where the unit has sections (条线: 科室、所、站、社区、分队), whether each of
them went ("每个条线都要外出招商一次") — a per-unit monthly list like the lead quota's (app.services.leads).

A trip counts in the month it started (`Trip.started_on`), for its unit, and for each section it names
(app.services.activities.add_trip). The minimums are settings the coordinator keeps: a unit's
(`trip_monthly_minimum`, 0: no rule) and a section's (`trip_section_monthly_minimum`, 0: sections are not
judged); a unit may have its own minimum (`set_unit_minimum`, as a unit has its own lead quota: 0 exempts
it and its sections). Only a unit's active sections are judged. A month that ended before the unit was created is not
judged for it. A month is "open" until its last day has passed: below the minimum it is not yet missed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Numeric, String, and_, cast, exists, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from app import policy
from app.errors import Invalid
from app.models.cadence import TripSection
from app.models.people import Section
from app.models.performance import Trip
from app.models.setting import AppSetting
from app.models.unit import Unit, UnitKind
from app.principal import Principal
from app.services import app_settings, workdays

UNIT_MINIMUM = "trip_monthly_minimum"
SECTION_MINIMUM = "trip_section_monthly_minimum"
app_settings.DEFAULTS.update({UNIT_MINIMUM: "1", SECTION_MINIMUM: "1"})
app_settings.LABELS.update(
    {
        UNIT_MINIMUM: "每个单位每月至少外出招商次数（0 为不要求）",
        SECTION_MINIMUM: "每个条线（科室、所、站、社区、分队）每月至少外出招商次数（0 为不按条线考核）",
    }
)

STATES = {"met": "已达标", "open": "本月进行中", "missed": "未达标", "not_judged": "不计"}
"""A unit's (or a section's) month: met; below the minimum while the month runs; below it once the month
has ended; not judged (no rule, or the unit did not exist yet)."""
FILTERS = {"": "全部单位", "missed": "未达标（单位或任一条线）"}
PAGE = 50
FIRST_YEAR = 2000


@dataclass
class SectionMonth:
    section_id: int
    name: str
    kind: str  # SectionKind's label: 科室, 所 …
    trips: int
    state: str


@dataclass
class UnitMonth:
    unit_id: int
    name: str
    short_name: str
    trips: int
    state: str
    minimum: int  # the unit's own minimum, else the setting's
    sections: list[SectionMonth] = field(default_factory=list)
    missed_months: list[int] = field(default_factory=list)  # of the year's ended months, before this one too

    @property
    def sections_missed(self) -> list[SectionMonth]:
        return [s for s in self.sections if s.state in ("missed", "open")]


@dataclass
class TripMonth:
    """One month's list: the rule, a page of units (in the units' order) and how many units it holds."""

    year: int
    month: int
    first: date
    last: date
    ended: bool
    unit_minimum: int
    section_minimum: int
    rows: list[UnitMonth]
    total: int
    offset: int
    limit: int
    own_minimums: dict[int, int] = field(default_factory=dict)  # the units with a minimum of their own


def _month_end(first: date) -> date:
    return date(first.year + (first.month == 12), first.month % 12 + 1, 1) - timedelta(days=1)


def check_month(year: int, month: int, today: date) -> tuple[date, date]:
    """A month the list can be shown for: from 2000 to the current month (by the server's clock)."""
    if not FIRST_YEAR <= year <= today.year:
        raise Invalid({"year": f"年份应在 {FIRST_YEAR} 年至 {today.year} 年之间"})
    if not 1 <= month <= 12:
        raise Invalid({"month": "月份为 1–12"})
    first = date(year, month, 1)
    if first > today:
        raise Invalid({"month": f"{year}年{month}月尚未开始"})
    return first, _month_end(first)


def _minimum(value: str) -> int:
    try:
        return max(0, int(float(value)))
    except ValueError:
        return 0


def _trips_between(unit_id: Any, first: Any, last: Any) -> Any:
    return (
        select(func.count())
        .select_from(Trip)
        .where(Trip.unit_id == unit_id, Trip.started_on >= first, Trip.started_on <= last)
        .scalar_subquery()
    )


def _section_trips(section_id: Any, first: date, last: date) -> Any:
    return (
        select(func.count())
        .select_from(TripSection)
        .join(Trip, Trip.id == TripSection.trip_id)
        .where(TripSection.section_id == section_id, Trip.started_on >= first, Trip.started_on <= last)
        .scalar_subquery()
    )


_OWN = aliased(AppSetting, name="own_minimum")


def _unit_minimum(default: int) -> ColumnElement[Any]:
    """A unit's minimum in SQL: its own (the outer-joined `_OWN` row), else the setting's."""
    return func.coalesce(cast(_OWN.value, Numeric(12, 2)), default)


def _missed_condition(first: date, last: date, unit_minimum: int, section_minimum: int) -> ColumnElement[bool]:
    """A unit below its minimum in the month, or (unless its own minimum is 0) with an active section below
    the sections' minimum."""
    own = _unit_minimum(unit_minimum)
    below: list[ColumnElement[bool]] = [_trips_between(Unit.id, first, last) < own]
    if section_minimum:
        below.append(
            and_(
                own > 0,
                exists().where(
                    Section.unit_id == Unit.id,
                    Section.is_active.is_(True),
                    _section_trips(Section.id, first, last) < section_minimum,
                ),
            )
        )
    return or_(*below)


def own_minimums(db: Session) -> dict[int, int]:
    """{unit_id: minimum} of the units with a minimum of their own (one statement)."""
    return {unit_id: _minimum(value) for unit_id, value in app_settings.unit_overrides(db, UNIT_MINIMUM).items()}


def set_unit_minimum(db: Session, principal: Principal, unit_id: int, minimum: int | None) -> int:
    """The coordinator gives one unit its own monthly minimum of trips (0: exempt, its sections too), or
    (None) makes it follow the setting again. Returns the unit's minimum now."""
    policy.ensure_coordinator(principal)
    unit = db.get(Unit, unit_id)
    if unit is None or not unit.is_active or unit.kind is UnitKind.jurisdiction:
        raise Invalid({"unit_id": "找不到该单位"})
    if minimum is None:
        row = db.get(AppSetting, f"{UNIT_MINIMUM}.unit.{unit_id}")
        if row is not None:
            db.delete(row)
            db.flush()
        return _minimum(app_settings.get(db, UNIT_MINIMUM))
    if not 0 <= minimum <= 100:
        raise Invalid({"minimum": "每月外出次数应为 0–100"})
    app_settings.put(db, principal, UNIT_MINIMUM, str(minimum), unit_id)
    return minimum


def _state(trips: int, minimum: int, ended: bool, judged: bool) -> str:
    if not judged or not minimum:
        return "not_judged"
    if trips >= minimum:
        return "met"
    return "missed" if ended else "open"


def monthly_list(
    db: Session,
    principal: Principal,
    year: int,
    month: int,
    *,
    only: str = "",
    offset: int = 0,
    limit: int = PAGE,
    today: date | None = None,
) -> TripMonth:
    """The month's outbound trips of every active unit (those who read every unit) or of the principal's
    own unit: each unit's count against the minimum, its sections' counts, and the year's months it
    missed before. `only="missed"` lists the units below their minimum or with a section below the
    sections' minimum. Six statements whatever the number of units: the settings, the page of units (with
    their own minimums), their total, their trips by month of the year, their active sections, and the
    sections' trips of the month."""
    today = today or workdays.today()
    first, last = check_month(year, month, today)
    if only not in FILTERS:
        raise Invalid({"only": "筛选条件为 missed 或不填"})
    if not 0 <= offset <= 10_000_000 or not 1 <= limit <= 200:
        raise Invalid({"offset": "分页参数超出范围"})
    settings = app_settings.get_many(db, [UNIT_MINIMUM, SECTION_MINIMUM])
    unit_minimum, section_minimum = _minimum(settings[UNIT_MINIMUM]), _minimum(settings[SECTION_MINIMUM])
    ended = last < today

    conditions: list[ColumnElement[bool]] = [Unit.is_active.is_(True), Unit.kind != UnitKind.jurisdiction]
    scope = policy.unit_filter(principal)
    if not principal.reads_everything:
        conditions.append(Unit.id == (scope if scope is not None else -1))
    if only == "missed":  # judged only for a month it existed in (as the rows below: `judged`)
        month_end = datetime.combine(last + timedelta(days=1), time(0), workdays.LOCAL_TZ)
        conditions += [Unit.created_at < month_end, _missed_condition(first, last, unit_minimum, section_minimum)]
    own_key = _OWN.key == literal(f"{UNIT_MINIMUM}.unit.", String) + cast(Unit.id, String)
    total = int(
        db.execute(
            select(func.count()).select_from(Unit).outerjoin(_OWN, own_key).where(and_(*conditions))
        ).scalar_one()
    )
    units = db.execute(
        select(Unit.id, Unit.name, Unit.short_name, Unit.created_at, _OWN.value.label("own_minimum"))
        .outerjoin(_OWN, own_key)
        .where(and_(*conditions))
        .order_by(Unit.sort_order, Unit.id)
        .offset(offset)
        .limit(limit)
    ).all()
    ids = [u.id for u in units]
    year_first, year_last = date(year, 1, 1), date(year, 12, 31)
    by_month: dict[tuple[int, int], int] = {}
    sections: dict[int, list[Any]] = {}
    section_trips: dict[int, int] = {}
    if ids:
        month_of = func.extract("month", Trip.started_on)
        for unit_id, number, trips in db.execute(
            select(Trip.unit_id, month_of, func.count())
            .where(Trip.unit_id.in_(ids), Trip.started_on >= year_first, Trip.started_on <= year_last)
            .group_by(Trip.unit_id, month_of)
        ).all():
            by_month[(int(unit_id), int(number))] = int(trips)
        for section in db.execute(
            select(Section)
            .where(Section.unit_id.in_(ids), Section.is_active.is_(True))
            .order_by(Section.sort_order, Section.id)
        ).scalars():
            sections.setdefault(section.unit_id, []).append(section)
        section_ids = [s.id for rows in sections.values() for s in rows]
        if section_ids:
            section_trips = dict(
                db.execute(
                    select(TripSection.section_id, func.count())
                    .join(Trip, Trip.id == TripSection.trip_id)
                    .where(
                        TripSection.section_id.in_(section_ids),
                        Trip.started_on >= first,
                        Trip.started_on <= last,
                    )
                    .group_by(TripSection.section_id)
                )
                .tuples()
                .all()
            )
    rows = []
    own: dict[int, int] = {}
    for unit in units:
        created = workdays.local_date(unit.created_at)
        judged = last >= created
        minimum = unit_minimum if unit.own_minimum is None else _minimum(unit.own_minimum)
        if unit.own_minimum is not None:
            own[unit.id] = minimum
        sections_rule = section_minimum if minimum else 0  # an exempt unit's sections are exempt too
        trips = by_month.get((unit.id, month), 0)
        own_sections = [
            SectionMonth(
                s.id,
                s.name,
                s.kind.label,
                section_trips.get(s.id, 0),
                _state(section_trips.get(s.id, 0), sections_rule, ended, judged),
            )
            for s in sections.get(unit.id, [])
        ]
        missed = [
            m
            for m in range(1, 13)
            if _month_end(date(year, m, 1)) < today
            and _month_end(date(year, m, 1)) >= created
            and minimum
            and by_month.get((unit.id, m), 0) < minimum
        ]
        rows.append(
            UnitMonth(
                unit.id,
                unit.name,
                unit.short_name,
                trips,
                _state(trips, minimum, ended, judged),
                minimum,
                own_sections,
                missed,
            )
        )
    return TripMonth(year, month, first, last, ended, unit_minimum, section_minimum, rows, total, offset, limit, own)
