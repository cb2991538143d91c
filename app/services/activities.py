"""Activities units record: outbound trips, investors received, promotion events, monthly foreign trade;
and the persons who worked each (app.services.cadre_credits): those named with their shares, or the person
who recorded it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import policy
from app.errors import Conflict, Invalid
from app.models.cadence import TripSection
from app.models.people import Section
from app.models.performance import EventProject, PromotionEvent, Reception, TradeEntry, Trip
from app.models.project import Project
from app.principal import Principal
from app.services import cadre_credits, workdays
from app.services import projects as project_service
from app.services.common import check_version

People = Sequence[tuple[int, Decimal]]
"""The persons who worked an activity and their shares (cadre id, percent), summing to 100."""


def _unit(principal: Principal) -> int:
    if principal.unit_id is None:
        raise Invalid({"__all__": "请以单位身份登记"})
    policy.ensure_write(principal, principal.unit_id)
    return principal.unit_id


FIRST_DAY = date(2000, 1, 1)

KINDS = {"trip": "外出招商", "reception": "接待客商", "event": "推介活动", "trade": "外贸进出口"}
"""The activities a unit records (the page's forms and the API's POST /activities/{kind})."""


def _past(day: date, field: str) -> None:
    if day > workdays.today():
        raise Invalid({field: "日期不能晚于今天"})
    if day < FIRST_DAY:
        raise Invalid({field: "日期不能早于 2000 年"})


def add_trip(
    db: Session,
    principal: Principal,
    *,
    started_on: date,
    ended_on: date,
    destination: str,
    people: str,
    companies_visited: str,
    leads_obtained: int,
    cadres: People = (),
    section_ids: Sequence[int] = (),
) -> Trip:
    """外出招商 of the principal's unit. `people` is the trip's persons in words (filled from the persons
    credited when left empty: those named in `cadres`, else the one who recorded it); `section_ids` the
    unit's sections (条线) that went on it, what the monthly trip list counts for the unit and for each
    section (app.services.trip_compliance)."""
    unit_id = _unit(principal)
    _past(started_on, "started_on")
    if ended_on < started_on:
        raise Invalid({"ended_on": "结束日期不能早于出发日期"})
    if not destination.strip():
        raise Invalid({"destination": "请填写目的地"})
    if not people.strip() and not cadres and (principal.user_id is None or principal.token_id is not None):
        raise Invalid({"people": "请填写外出人员，或在下方选择经办人员"})  # a system has no default person
    if not 0 <= leads_obtained <= 1000:
        raise Invalid({"leads_obtained": "线索数 0–1000"})
    row = Trip(
        unit_id=unit_id,
        started_on=started_on,
        ended_on=ended_on,
        destination=destination[:100],
        people=people[:200],
        companies_visited=companies_visited[:4000],
        leads_obtained=leads_obtained,
    )
    chosen = list(dict.fromkeys(section_ids))
    if len(chosen) > 50:
        raise Invalid({"section_ids": "最多选择 50 个条线"})
    if chosen:
        own = set(
            db.execute(
                select(Section.id).where(
                    Section.id.in_(chosen), Section.unit_id == unit_id, Section.is_active.is_(True)
                )
            ).scalars()
        )
        if own != set(chosen):
            raise Invalid({"section_ids": "只能选择本单位在用的条线（科室、所、站、社区、分队）"})
    db.add(row)
    db.flush()
    credited = cadre_credits.record_activity_people(db, principal, "trip", row.id, unit_id, cadres)
    if not row.people.strip():
        row.people = "、".join(p.name for p in credited)[:200]
        db.flush()
    for section_id in chosen:
        db.add(TripSection(trip_id=row.id, section_id=section_id))
    db.flush()
    return row


def trip_sections(db: Session, trip_ids: Sequence[int]) -> dict[int, list[int]]:
    """The sections that went on each trip, by trip (one statement)."""
    linked: dict[int, list[int]] = {trip_id: [] for trip_id in trip_ids}
    if trip_ids:
        for trip_id, section_id in db.execute(
            select(TripSection.trip_id, TripSection.section_id)
            .where(TripSection.trip_id.in_(list(trip_ids)))
            .order_by(TripSection.id)
        ):
            linked[trip_id].append(section_id)
    return linked


def section_choices(db: Session, principal: Principal) -> list[tuple[int, str]]:
    """The sections of the principal's unit a trip may name (its active ones), for the trip form."""
    if principal.unit_id is None:
        return []
    return [
        (s.id, f"{s.name}（{s.kind.label}）")
        for s in db.execute(
            select(Section)
            .where(Section.unit_id == principal.unit_id, Section.is_active.is_(True))
            .order_by(Section.sort_order, Section.id)
        ).scalars()
    ]


def add_reception(
    db: Session,
    principal: Principal,
    *,
    received_on: date,
    visitors: str,
    persons: int,
    note: str,
    cadres: People = (),
) -> Reception:
    unit_id = _unit(principal)
    _past(received_on, "received_on")
    if not visitors.strip():
        raise Invalid({"visitors": "请填写来访客商"})
    if not 1 <= persons <= 10000:
        raise Invalid({"persons": "人数 1–10000"})
    row = Reception(unit_id=unit_id, received_on=received_on, visitors=visitors[:200], persons=persons, note=note)
    db.add(row)
    db.flush()
    cadre_credits.record_activity_people(db, principal, "reception", row.id, unit_id, cadres)
    return row


def add_event(
    db: Session,
    principal: Principal,
    *,
    held_on: date,
    name: str,
    place: str,
    project_ids: Sequence[int],
    cadres: People = (),
) -> PromotionEvent:
    unit_id = _unit(principal)
    _past(held_on, "held_on")
    if not name.strip() or not place.strip():
        raise Invalid({"name": "请填写活动名称和地点"})
    row = PromotionEvent(unit_id=unit_id, held_on=held_on, name=name[:200], place=place[:100])
    db.add(row)
    db.flush()
    for project_id in dict.fromkeys(project_ids):
        project = db.get(Project, project_id)
        if project is None or not (
            principal.is_coordinator or unit_id in (project.introducing_unit_id, project.responsible_unit_id)
        ):
            raise Invalid({"project_ids": "只能关联本单位的项目"})
        db.add(EventProject(event_id=row.id, project_id=project_id))
    db.flush()
    cadre_credits.record_activity_people(db, principal, "event", row.id, unit_id, cadres)
    return row


def project_choices(db: Session, principal: Principal, q: str, limit: int = 8) -> list[tuple[int, str]]:
    """The unit's projects whose name contains q, to pick for an event's 现场签约 list (by name, never id)."""
    unit_id = _unit(principal)
    rows, _ = project_service.list_projects(
        db, principal, project_service.ProjectFilter(unit_id=unit_id, q=q.strip()), limit=limit, with_total=False
    )
    return [(r["project"].id, r["name"]) for r in rows]


def chosen_projects(db: Session, principal: Principal, ids: Sequence[int]) -> list[tuple[int, str]]:
    """The projects a form already holds (shown again after a refusal), by the names the principal sees."""
    wanted = list(dict.fromkeys(ids))[:50]
    rows = db.execute(select(Project).where(Project.id.in_(wanted))).scalars().all() if wanted else []
    return [(p.id, project_service.display_name(principal, p)) for p in rows if project_service.can_read(principal, p)]


def set_trade(
    db: Session,
    principal: Principal,
    month: date,
    amount_usd: Decimal,
    *,
    version: int | None = None,
    cadres: People = (),
) -> TradeEntry:
    """The unit's foreign trade of a month (万美元), replacing what the month held. `version`, when given,
    is the month's entry as read (0: none yet); another's change since is a 409. `cadres` replaces the
    month's people; none named keeps them (a new month: the person who filled it in)."""
    unit_id = _unit(principal)
    month = month.replace(day=1)
    if month > workdays.today():
        raise Invalid({"month": "月份不能晚于本月"})
    if month < FIRST_DAY:
        raise Invalid({"month": "月份不能早于 2000 年"})
    if amount_usd < 0 or amount_usd > Decimal("1e10"):
        raise Invalid({"amount_usd": "金额超出范围"})
    row = db.execute(
        select(TradeEntry).where(TradeEntry.unit_id == unit_id, TradeEntry.month == month)
    ).scalar_one_or_none()
    if version is not None and (row.version if row is not None else 0) != version:
        if row is None:
            raise Conflict(details={"current_version": 0, "your_version": version, "changes": []})
        check_version(db, row, version)
    new = row is None
    if row is None:
        row = TradeEntry(unit_id=unit_id, month=month, amount_usd=amount_usd)
        db.add(row)
    else:
        row.amount_usd = amount_usd
    db.flush()
    if new or cadres:
        cadre_credits.record_activity_people(db, principal, "trade", row.id, unit_id, cadres)
    return row


def recent(db: Session, principal: Principal, limit: int = 30, unit_id: int | None = None) -> dict[str, list[Any]]:
    """The latest of each kind of activity: the principal's unit's, or (for whoever reads every unit)
    all units' or the given unit's."""
    scope = policy.unit_filter(principal)
    if unit_id is not None and scope is not None and unit_id != scope:
        raise policy.DeniedForbidden("只能查看本单位的活动")
    scope = unit_id if unit_id is not None else scope

    def rows(model: Any, order: Any) -> list[Any]:
        stmt = select(model)
        if scope is not None:
            stmt = stmt.where(model.unit_id == scope)
        return list(db.execute(stmt.order_by(order.desc(), model.id.desc()).limit(limit)).scalars())

    return {
        "trips": rows(Trip, Trip.started_on),
        "receptions": rows(Reception, Reception.received_on),
        "events": rows(PromotionEvent, PromotionEvent.held_on),
        "trade": rows(TradeEntry, TradeEntry.month),
    }


def event_projects(db: Session, event_ids: Sequence[int]) -> dict[int, list[int]]:
    """The projects signed at each event, by event."""
    linked: dict[int, list[int]] = {event_id: [] for event_id in event_ids}
    if event_ids:
        for event_id, project_id in db.execute(
            select(EventProject.event_id, EventProject.project_id)
            .where(EventProject.event_id.in_(list(event_ids)))
            .order_by(EventProject.id)
        ):
            linked[event_id].append(project_id)
    return linked
