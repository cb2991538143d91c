"""What each role sees first: the unit's status board, or the coordinator's overview.

Both are read in few statements: the board in two built once besides its two project lists (the
unit with its settings, targets, counts and figures; what falls due this month), the overview in
three (the thresholds; every count, in one pass over the projects; the lead quota of every unit).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    Date,
    Integer,
    Select,
    and_,
    bindparam,
    func,
    literal_column,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session

from app.errors import NotFound
from app.models.lead import DisputeStatus, DuplicatePair, DuplicateStatus, RegistryClaim
from app.models.performance import ExpectedShare, Target
from app.models.project import FundsArrival, FundsSource, FundsStatus, Project, ProjectStatus, Stage
from app.models.setting import AppSetting
from app.models.ticket import Notification, Ticket, TicketStatus
from app.models.unit import Unit
from app.models.user import User
from app.principal import Principal
from app.services import (
    app_settings,
    approval_service_report,
    leads,
    metrics,
    performance,
    project_pages,
    projects,
    workdays,
)


def overview(db: Session, principal: Principal, today: date | None = None) -> dict[str, Any]:
    if principal.reads_everything:
        return _overview(db, principal, today)
    assert principal.unit_id is not None
    return _board(db, principal, principal.unit_id, today or workdays.today())


# --- the unit's board ------------------------------------------------------------------------

_UNIT = bindparam("unit_id", type_=Integer)
_YEAR_START = bindparam("year_start", type_=Date)
_TODAY = bindparam("today", type_=Date)
_MONTH_START = bindparam("month_start", type_=Date)
_NEXT_MONTH = bindparam("next_month", type_=Date)

# the unit's projects (introduced or responsible): by stage (but the terminated ones), and the active
# ones, as the list of active projects counts them
_PROJECT_COUNTS = [
    *(
        func.count()
        .filter(and_(Project.status != ProjectStatus.terminated, Project.stage == stage))
        .label(f"stage_{stage.value}")
        for stage in Stage
    ),
    func.count().filter(Project.status == ProjectStatus.active).label("active_total"),
]
# funds entries of the projects the unit is responsible for, waiting for the coordinator
_PENDING_FUNDS = func.count().filter(FundsArrival.status == FundsStatus.pending).label("pending_funds")
_FIGURES = metrics.unit_figures(
    _UNIT, _YEAR_START, _TODAY, project_columns=_PROJECT_COUNTS, funds_columns=[_PENDING_FUNDS]
).subquery("figures")
_LEADS = leads.monthly_lead_counts(_UNIT, "quota_counts")
# One row per target of the year that may apply to the unit (by its id, kind or tier; one row with
# empty target columns when none does), each with the unit, its settings and all its figures.
_BOARD = (
    select(
        Unit.id,
        Unit.name,
        Unit.short_name,
        Unit.kind,
        Unit.tier,
        Unit.is_active,
        app_settings.value_of("stalled_days").label("stalled_days"),
        app_settings.value_of("land_idle_days").label("land_idle_days"),
        leads.quota_value(bindparam("quota_key")).label("quota"),
        Target.metric.label("target_metric"),
        Target.tier.label("target_tier"),
        Target.unit_kind.label("target_unit_kind"),
        Target.unit_id.label("target_unit_id"),
        Target.amount.label("target_amount"),
        select(ExpectedShare.share)
        .where(ExpectedShare.year == bindparam("year"), ExpectedShare.month == bindparam("month"))
        .scalar_subquery()
        .label("edited_share"),
        select(AppSetting.value).where(AppSetting.key == "yellow_card_percent").scalar_subquery().label("yellow"),
        _FIGURES,
        _LEADS,
    )
    .select_from(Unit)
    .outerjoin(
        Target,
        and_(
            Target.year == bindparam("year"),
            or_(Target.unit_id == Unit.id, Target.unit_kind == Unit.kind, Target.tier == Unit.tier),
        ),
    )
    .join(_FIGURES, true())
    .join(_LEADS, true())
    .where(Unit.id == _UNIT)
)

# The board's three lists, read in one statement (UNION ALL of a part per list, each row with its
# part and its position in it): what the unit owes this month (progress updates not yet made on its
# active building projects, contract start and production dates falling due this month; by name),
# and its projects as projects.list_projects and projects.flagged would read them for the unit's own
# staff, whose scope is the unit itself: the 8 active ones last updated, the 10 flagged ones longest
# in their stage. Every part reads a list row's columns (projects.LIST_ROW) and the three due
# conditions; neither the investor's name nor the unit's is shown, so neither is joined. Built once
# per day and thresholds (the warnings' conditions hold the days), not per request.
_PROGRESS_DUE = and_(
    Project.stage.in_(projects.BUILDING_STAGES),
    or_(Project.last_progress_on.is_(None), Project.last_progress_on < _MONTH_START),
)
_START_DUE = and_(Project.started_on.is_(None), Project.start_by >= _MONTH_START, Project.start_by < _NEXT_MONTH)
_PRODUCTION_DUE = and_(
    Project.production_on.is_(None), Project.production_by >= _MONTH_START, Project.production_by < _NEXT_MONTH
)
_LIST_ROW = (
    *projects.LIST_ROW.exprs,
    _PROGRESS_DUE.label("progress_due"),
    _START_DUE.label("start_due"),
    _PRODUCTION_DUE.label("production_due"),
)
_OWN = or_(Project.responsible_unit_id == _UNIT, Project.introducing_unit_id == _UNIT)
DUE, ACTIVE, FLAGGED = 0, 1, 2
"""The lists' parts, in the order they come."""


def _part(part: int, where: Any, order: tuple[Any, ...], limit: int | None) -> Select[Any]:
    rows = (
        select(
            *_LIST_ROW,
            literal_column(str(part), Integer).label("part"),
            func.row_number().over(order_by=order).label("position"),
        )
        .where(where)
        .order_by(*order)
        .limit(limit)
    )
    return select(rows.subquery(f"part_{part}"))


@lru_cache(maxsize=8)
def _lists_statement(today: date, stalled_days: int, land_idle_days: int) -> CompoundSelect:
    t = projects.Thresholds(today=today, stalled_days=stalled_days, land_idle_days=land_idle_days)
    due = and_(
        Project.responsible_unit_id == _UNIT,
        Project.status == ProjectStatus.active,
        or_(_PROGRESS_DUE, _START_DUE, _PRODUCTION_DUE),
    )
    active = Project.status == ProjectStatus.active
    flagged = and_(_OWN, or_(*(projects.flag_condition(flag, t) for flag in projects.FLAG_LABELS)))
    lists = union_all(
        _part(DUE, due, (Project.name, Project.id), None),
        _part(ACTIVE, and_(_OWN, active), (projects.SORTS["updated"], Project.id.desc()), 8),
        _part(FLAGGED, flagged, (projects.SORTS["stage_age"], Project.id.desc()), 10),
    )
    return lists.order_by(lists.selected_columns.part, lists.selected_columns.position)


def _listed(principal: Principal, rows: Any, t: projects.Thresholds) -> list[dict[str, Any]]:
    """The board's rows: what its template reads of projects._row's."""
    result = []
    for project in rows:
        result.append(
            {
                "project": project,
                "name": projects.view(principal, project).name,
                "flags": projects.flags(project, t),
                "days_in_stage": projects.days_in_stage(project, t.today),
            }
        )
    return result


def _lists(
    db: Session, principal: Principal, unit_id: int, t: projects.Thresholds
) -> tuple[list[Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """The board's lists: what falls due this month (plain rows), the active projects (the 8 last
    updated) and the flagged ones (the 10 longest in their stage)."""
    assert principal.unit_id == unit_id  # the lists' scope: the unit's own projects
    month_start = t.today.replace(day=1)
    params = {
        "unit_id": unit_id,
        "month_start": month_start,
        "next_month": (month_start + timedelta(days=32)).replace(day=1),
    }
    parts: tuple[list[Any], list[Any], list[Any]] = ([], [], [])
    statement = _lists_statement(t.today, t.stalled_days, t.land_idle_days)
    for row in project_pages.plain(db.connection().execute(statement, params)):
        parts[row.part].append(row)
    due, active, flagged = parts
    return due, _listed(principal, active, t), _listed(principal, flagged, t)


def _board(db: Session, principal: Principal, unit_id: int, today: date) -> dict[str, Any]:
    year_start = today.replace(month=1, day=1)
    rows = db.execute(
        _BOARD,
        {
            "unit_id": unit_id,
            "quota_key": leads.quota_key(unit_id),
            "year": today.year,
            "month": today.month,
            "year_start": year_start,
            "today": today,
            **leads.month_starts(today.year),
        },
    ).all()
    if not rows:
        raise NotFound("找不到该单位")
    unit = rows[0]
    t = projects.Thresholds(
        today=today,
        stalled_days=int(Decimal(unit.stalled_days)),
        land_idle_days=int(Decimal(unit.land_idle_days)),
    )
    owed, active, flagged = _lists(db, principal, unit_id, t)
    due = {
        "progress": [row for row in owed if row.progress_due],
        "start": [row for row in owed if row.start_due],
        "production": [row for row in owed if row.production_due],
    }
    warnings = []
    if unit.is_active:  # targets apply to active units only
        targets = [
            (
                r.target_metric,
                r.target_tier,
                r.target_unit_kind,
                r.target_unit_id,
                r.target_amount,
                r.edited_share,
                r.yellow,
            )
            for r in rows
            if r.target_metric is not None
        ]
        warnings = performance.judge_pace(
            unit_id,
            unit.kind,
            unit.tier,
            today,
            targets,
            lambda codes: metrics.of_unit(db, unit_id, codes, year_start, today, row=unit),
        )
    return {
        "role": principal.role.value,
        "today": today,
        "stages": [(s.value, s.label) for s in Stage],
        "unit": unit,
        "quota": leads.standing_of(
            today, int(Decimal(unit.quota)), [unit._mapping[f"leads_month_{m}"] for m in range(1, 13)]
        ),
        "stage_counts": {s.value: n for s in Stage if (n := unit._mapping[f"stage_{s.value}"])},
        "due": due,
        "flagged": flagged,
        "active": active,
        "active_total": unit.active_total,
        "pending_funds": unit.pending_funds,
        "pace_warnings": [
            {
                "label": metrics.METRICS[st.metric].label,
                "share": performance.shown(st.share_of_expected),
                "card": st.card,
                "heading_below": st.heading_below,
            }
            for st in warnings
        ],
    }


# --- the coordinator's and leaders' overview -------------------------------------------------


@lru_cache(maxsize=4)
def _overview_figures(dialect: str, today: date, stalled_days: int, land_idle_days: int) -> Select[Any]:
    """The overview's counts as one row: one pass over the projects (by stage, by warning), the funds
    confirmed this year, and the small counts. The same statement all day: built once for the day and
    the thresholds (`dialect` keys the cache: the engines' statements differ).

    The pass over the projects counts by stage and status first, then adds the groups up: fewer
    conditions to test on each project than a filtered count per stage. It reads every project, and
    what it costs is reading each one's warning columns (late in a wide row); the counts an index
    answers alone are asked apart: the "stalled" warning (its partial index), signed and started this
    year (the indexes on those days). The funds confirmed this year (about half the table) are summed
    from ix_funds_arrival_status_date_amount alone, on both engines; the valid leads of the quota table
    likewise come from ix_lead_status_date_unit (`leads.quota_table`)."""
    t = projects.Thresholds(today=today, stalled_days=stalled_days, land_idle_days=land_idle_days)
    year_start = today.replace(month=1, day=1)
    in_the_pass = [flag for flag in projects.FLAG_LABELS if flag != "stalled"]
    groups = (
        select(
            Project.stage,
            Project.status,
            func.count().label("projects"),
            *(func.count().filter(projects.flag_condition(flag, t)).label(f"flag_{flag}") for flag in in_the_pass),
        )
        .group_by(Project.stage, Project.status)
        .subquery("project_groups")
    )
    on_projects = select(
        *(
            func.sum(groups.c.projects)
            .filter(and_(groups.c.status != ProjectStatus.terminated, groups.c.stage == stage))
            .label(f"stage_{stage.value}")
            for stage in Stage
        ),
        *(func.sum(groups.c[f"flag_{flag}"]).label(f"flag_{flag}") for flag in in_the_pass),
    ).subquery("on_projects")

    def projects_where(condition: Any, name: str) -> Any:
        return select(func.count()).select_from(Project).where(condition).scalar_subquery().label(name)

    f = FundsArrival
    return select(
        on_projects,
        projects_where(projects.flag_condition("stalled", t), "flag_stalled"),
        projects_where(Project.signed_on >= year_start, "signed_year"),
        projects_where(Project.started_on >= year_start, "started_year"),
        select(func.coalesce(func.sum(f.amount), 0))
        .where(f.status == FundsStatus.confirmed, f.source != FundsSource.foreign, f.arrived_on >= year_start)
        .scalar_subquery()
        .label("funds_year"),
        select(func.count())
        .select_from(f)
        .where(f.status == FundsStatus.pending)
        .scalar_subquery()
        .label("pending_funds"),
        select(func.count())  # the queue's "待交办" box (tickets._box_condition("new") for the coordinator)
        .select_from(Ticket)
        .where(Ticket.status == TicketStatus.reported)
        .scalar_subquery()
        .label("tickets_to_route"),
        select(func.count())
        .select_from(DuplicatePair)
        .where(DuplicatePair.status == DuplicateStatus.open)
        .scalar_subquery()
        .label("open_pairs"),
        select(func.count())  # as `registry.open_disputes`
        .select_from(RegistryClaim)
        .where(RegistryClaim.status == DisputeStatus.open)
        .scalar_subquery()
        .label("open_disputes"),
        select(func.count()).select_from(Unit).where(Unit.is_active.is_(True)).scalar_subquery().label("unit_count"),
        select(func.count()).select_from(User).where(User.is_active.is_(True)).scalar_subquery().label("user_count"),
        *approval_service_report.card_columns(today),  # the 代办 window's service quality (issue 22)
    ).select_from(on_projects)


def _overview(db: Session, principal: Principal, today: date | None) -> dict[str, Any]:
    t = projects.thresholds(db, today)
    statement = _overview_figures(db.get_bind().dialect.name, t.today, t.stalled_days, t.land_idle_days)
    figures = db.execute(statement).one()._mapping
    return {
        "role": principal.role.value,
        "today": t.today,
        "stages": [(s.value, s.label) for s in Stage],
        # sums of counts: numeric on PostgreSQL, NULL over no projects
        "stage_counts": {s.value: int(n) for s in Stage if (n := figures[f"stage_{s.value}"])},
        "flag_counts": {flag: int(figures[f"flag_{flag}"] or 0) for flag in projects.FLAG_LABELS},
        "funds_year": figures["funds_year"],
        "pending_funds": figures["pending_funds"],
        "open_pairs": figures["open_pairs"],
        "tickets_to_route": int(figures["tickets_to_route"] or 0),
        "open_disputes": int(figures["open_disputes"]),
        "signed_year": int(figures["signed_year"] or 0),
        "started_year": int(figures["started_year"] or 0),
        "unit_count": figures["unit_count"],
        "user_count": figures["user_count"],
        "quota_table": [r for r in leads.quota_table(db, principal, t.today) if r["missed"]][:12],
        # the 代办 window's service quality (issue 22): the year's on-time rate and today's overdue count
        "approval_service": approval_service_report.card_from(figures, t.today),
    }


# --- the menu's counts -----------------------------------------------------------------------


_UNREAD = (
    select(func.count())
    .select_from(Notification)
    .where(Notification.user_id == bindparam("user_id", type_=Integer), Notification.read_at.is_(None))
    .scalar_subquery()
    .label("unread")
)
_TICKETS_TO_ROUTE = (
    select(func.count())
    .select_from(Ticket)
    .where(Ticket.status == TicketStatus.reported)
    .scalar_subquery()
    .label("tickets_to_route")
)
# built once, one for the coordinator and one for everyone else
_MENU_COUNTS = {False: select(_UNREAD), True: select(_UNREAD, _TICKETS_TO_ROUTE)}


def menu_counts(db: Session, principal: Principal) -> dict[str, int]:
    """The counts the menu shows beside its entries, in one statement: the person's unread
    notifications, and for the coordinator the tickets waiting to be routed (the queue's 待交办)."""
    if principal.user_id is None:
        return {}
    statement = _MENU_COUNTS[principal.is_coordinator]
    if db.autoflush:  # as db.execute would: what the request wrote is counted (nothing pending: no cost)
        db.flush()
    row = db.connection().execute(statement, {"user_id": principal.user_id}).one()
    return {key: int(value or 0) for key, value in zip(row._fields, row, strict=True)}
