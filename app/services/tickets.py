"""Follow-up service tickets: reported, routed with a working-day deadline, worked, resolved, closed.

Who may do what:
- the reporting unit (the project's responsible unit) reports, closes with the investor's verdict, reopens;
- the coordinator, or the project's linked leader, routes to a handling unit (and helpers) with a deadline;
- the handling unit accepts, comments, pauses/resumes the clock, sends it back for re-routing, resolves;
- helpers comment; everyone involved and every reader of everything sees it.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace
from typing import Any

from sqlalchemy import (
    ARRAY,
    Boolean,
    ColumnElement,
    CompoundSelect,
    Date,
    Integer,
    and_,
    any_,
    bindparam,
    cast,
    func,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session, aliased

from app import policy
from app.errors import Invalid, NotFound
from app.models.base import utcnow
from app.models.investor import Investor
from app.models.lead import Lead
from app.models.project import Project
from app.models.ticket import (
    CalendarDay,
    Priority,
    Ticket,
    TicketCategory,
    TicketEvent,
    TicketPhoto,
    TicketStatus,
    TicketUnit,
    Verdict,
)
from app.models.unit import Unit
from app.models.user import Role, User
from app.principal import Principal
from app.schemas.tickets import TicketAction, TicketCreate, TicketRoute
from app.services import app_settings, events, notify, projects, workdays
from app.services.common import check_version
from app.services.files import StoredFile

app_settings.DEFAULTS.update({"escalate_to_leader_days": "3", "due_soon_days": "2"})
app_settings.LABELS.update(
    {
        "escalate_to_leader_days": "逾期升级到单位负责人后，再过多少个工作日升级到挂钩领导",
        "due_soon_days": "剩余多少个工作日内显示黄灯",
    }
)

CATEGORIES = [
    ("land", "征地拆迁", 15),
    ("utilities", "供水供电、杆线搬迁", 10),
    ("permits", "证照审批", 5),
    ("disputes", "阻工、强买强卖等矛盾纠纷", 5),
    ("hiring", "招工用工", 10),
    ("financing", "融资", 15),
    ("facilities", "配套设施", 20),
    ("incentives", "政策兑现", 15),
    ("other", "其他", 10),
]
OPEN_STATUSES = (
    TicketStatus.reported,
    TicketStatus.routed,
    TicketStatus.in_progress,
    TicketStatus.paused,
    TicketStatus.resolved,
)
CLOCK_STATUSES = (TicketStatus.routed, TicketStatus.in_progress)
WITH_HANDLER = (TicketStatus.routed, TicketStatus.in_progress, TicketStatus.paused)  # not yet resolved
ACTION_LABELS = {
    "report": "报告问题",
    "route": "交办",
    "accept": "受理",
    "comment": "办理情况",
    "return": "退回重新交办",
    "pause": "暂停计时",
    "resume": "恢复计时",
    "resolve": "办结",
    "close": "评价并关闭",
    "reopen": "重新办理",
    "escalate_head": "逾期：升级到办理单位负责人",
    "escalate_leader": "逾期：升级到挂钩领导",
}


# event types (app/services/events.py): ticket.<one of these> (and ticket.reported, ticket.routed, ticket.escalated)
EVENT_NAMES = {
    "accept": "accepted",
    "comment": "commented",
    "return": "returned",
    "pause": "paused",
    "resume": "resumed",
    "resolve": "resolved",
    "close": "closed",
    "reopen": "reopened",
}


def ensure_categories(db: Session) -> None:
    existing = set(db.execute(select(TicketCategory.code)).scalars())
    for code, name, days in CATEGORIES:
        if code not in existing:
            db.add(TicketCategory(code=code, name=name, default_days=days))
    db.flush()


def categories(db: Session) -> Sequence[TicketCategory]:
    return (
        db.execute(select(TicketCategory).where(TicketCategory.is_active.is_(True)).order_by(TicketCategory.id))
        .scalars()
        .all()
    )


# --- access ----------------------------------------------------------------------------------


def units_of(db: Session, ticket: Ticket) -> set[int]:
    ids = {ticket.reporter_unit_id}
    ids.update(db.execute(select(TicketUnit.unit_id).where(TicketUnit.ticket_id == ticket.id)).scalars())
    if ticket.handling_unit_id:
        ids.add(ticket.handling_unit_id)
    return ids


def _linked_leader(db: Session, ticket: Ticket) -> int | None:
    if ticket.project_id is None:
        return None
    project = db.get(Project, ticket.project_id)
    return project.linked_leader_id if project else None


def get(db: Session, principal: Principal, ticket_id: int) -> Ticket:
    ticket = db.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound("找不到该问题")
    if not (principal.reads_everything or principal.unit_id in units_of(db, ticket)):
        raise policy.DeniedNotFound()
    return ticket


def _event(db: Session, principal: Principal, ticket: Ticket, action: str, note: str = "", **data: Any) -> TicketEvent:
    event = TicketEvent(
        ticket_id=ticket.id,
        action=action,
        actor_label=principal.label,
        actor_unit_id=principal.unit_id,
        note=note,
        data=data,
    )
    db.add(event)
    return event


def _attach(
    db: Session,
    principal: Principal,
    ticket: Ticket,
    event: TicketEvent,
    files: Sequence[StoredFile],
    names: Sequence[str] = (),
) -> list[TicketPhoto]:
    """Keep the photos with the ticket (not the project): the handling units, who may not read the
    project, must see them, and a not-yet-landed investor's ticket has no project."""
    if not files:
        return []
    db.flush()  # the event's id
    padded = list(names) + [""] * (len(files) - len(names))
    rows = []
    for stored, name in zip(files, padded, strict=False):
        if stored.kind != "photo":
            raise Invalid({"photos": "这里只接受照片（JPEG、PNG、WebP）"})
        row = TicketPhoto(
            ticket_id=ticket.id,
            event_id=event.id,
            content_type=stored.content_type,
            size=stored.size,
            sha256=stored.sha256,
            storage_key=stored.storage_key,
            width=stored.width,
            height=stored.height,
            taken_at=stored.taken_at,
            original_name=name[:200],
            uploaded_by_id=principal.user_id,
        )
        db.add(row)
        rows.append(row)
    db.flush()
    return rows


def photos(db: Session, ticket: Ticket) -> Sequence[TicketPhoto]:
    return (
        db.execute(select(TicketPhoto).where(TicketPhoto.ticket_id == ticket.id).order_by(TicketPhoto.id))
        .scalars()
        .all()
    )


def get_photo(db: Session, principal: Principal, ticket_id: int, photo_id: int) -> TicketPhoto:
    """A ticket's photo, under the ticket's own rule (another unit's ticket: 404)."""
    ticket = get(db, principal, ticket_id)
    row = db.get(TicketPhoto, photo_id)
    if row is None or row.ticket_id != ticket.id:
        raise NotFound("找不到该照片")
    return row


def _unit_user_ids(db: Session, unit_ids: Sequence[int | None]) -> list[int]:
    ids = [u for u in unit_ids if u]
    if not ids:
        return []
    return list(
        db.execute(
            select(User.id).where(User.unit_id.in_(ids), User.is_active.is_(True), User.role == Role.unit_staff)
        ).scalars()
    )


def _coordinator_ids(db: Session) -> list[int]:
    return list(db.execute(select(User.id).where(User.role == Role.coordinator, User.is_active.is_(True))).scalars())


def project_view(db: Session, principal: Principal, ticket: Ticket) -> projects.ProjectView | None:
    """What the principal may see of the ticket's project (None: the ticket names no project)."""
    project = db.get(Project, ticket.project_id) if ticket.project_id else None
    if project is None:
        return None
    investor = db.get(Investor, project.investor_id)
    lead = db.get(Lead, project.lead_id) if project.lead_id else None
    return projects.view(
        principal,
        project,
        investor.name if investor else None,
        project.introducer_name,
        investor.contact_name if investor else None,
        lead.contact_name if lead else None,
        lead.introducer_name if lead else None,
    )


def shown_text(db: Session, principal: Principal, ticket: Ticket, text: str) -> str:
    """A ticket's free text (its title, description) with a confidential project's names removed for
    those who may not see them."""
    shown = project_view(db, principal, ticket)
    return shown.redact(text) if shown is not None else text


def redactor(db: Session, principal: Principal, ticket: Ticket) -> Callable[[str], str]:
    """`shown_text` for every free text of one ticket (its notes on the timeline, pause reason, remarks)."""
    shown = project_view(db, principal, ticket)
    return shown.redact if shown is not None else _as_is


def _as_is(text: str) -> str:
    return text


def project_views(db: Session, principal: Principal, rows: Sequence[Ticket]) -> dict[int, projects.ProjectView]:
    """What the principal may see of each listed ticket's project, by ticket id, in one statement (a
    ticket naming no project has none)."""
    project_ids = sorted({t.project_id for t in rows if t.project_id})
    if not project_ids:
        return {}
    found = db.execute(
        select(
            Project.id,
            Project.name,
            Project.code_name,
            Project.is_confidential,
            Project.responsible_unit_id,
            Project.introducing_unit_id,
            Project.introducer_name,
            Investor.name.label("investor_name"),
            Investor.contact_name.label("investor_contact"),
            Lead.contact_name.label("lead_contact"),
            Lead.introducer_name.label("lead_introducer"),
        )
        .outerjoin(Investor, Investor.id == Project.investor_id)
        .outerjoin(Lead, Lead.id == Project.lead_id)
        .where(Project.id.in_(project_ids))
    ).all()
    views = {
        r.id: projects.view(
            principal, r, r.investor_name, r.introducer_name, r.investor_contact, r.lead_contact, r.lead_introducer
        )
        for r in found
    }
    return {t.id: views[t.project_id] for t in rows if t.project_id in views}


def _row_title(principal: Principal, r: Any) -> str:
    if not r.p_confidential:
        return str(r.title)
    project = SimpleNamespace(
        name=r.p_name,
        code_name=r.p_code_name,
        is_confidential=True,
        responsible_unit_id=r.p_responsible,
        introducing_unit_id=r.p_introducing,
    )
    return projects.view(principal, project, r.p_investor).redact(r.title)


def _reader(db: Session, user_id: int) -> Principal:
    user = db.get(User, user_id)
    assert user is not None
    return Principal(role=user.role, unit_id=user.unit_id, label="", user_id=user.id)


def _announce(
    db: Session, ticket: Ticket, action: str, users: Sequence[int], title: str | Callable[[str], str]
) -> None:
    """Tell `users` (each only what they may see of the ticket's project) and the subscribers (events.ticket:
    each subscriber only of a ticket it may read, and what it may see of the project).
    `title`: the notification's title, or a function of the ticket's title as the reader may see it (a
    title cut short is cut after the project's names are removed, so that no part of one is left)."""
    link = f"/tickets/{ticket.id}"

    def titled(shown_title: str) -> str:
        return title(shown_title) if callable(title) else title

    project = db.get(Project, ticket.project_id) if ticket.project_id else None
    if project is None or not project.is_confidential:
        notify.to_users(db, users, titled(ticket.title), body=ticket.title, link=link)
        users = []
    for user_id in dict.fromkeys(u for u in users if u):  # each told only what they may see of the project
        redact = redactor(db, _reader(db, user_id), ticket)
        notify.to_users(db, [user_id], redact(titled(redact(ticket.title))), body=redact(ticket.title), link=link)
    events.ticket(db, ticket, action)


# --- the path --------------------------------------------------------------------------------


def report(
    db: Session, principal: Principal, data: TicketCreate, files: Sequence[StoredFile] = (), names: Sequence[str] = ()
) -> Ticket:
    if not principal.can_write:
        raise policy.DeniedForbidden("只读身份不能报告问题")
    if principal.unit_id is None:
        raise Invalid({"__all__": "请以单位身份报告问题"})
    policy.ensure_write(principal, principal.unit_id)
    category = db.get(TicketCategory, data.category_id)
    if category is None or not category.is_active:
        raise Invalid({"category_id": "请选择有效的问题类别"})
    project = None
    if data.project_id is not None:
        project = db.get(Project, data.project_id)
        if project is None or not (
            principal.is_coordinator or principal.unit_id in (project.responsible_unit_id, project.introducing_unit_id)
        ):
            raise Invalid({"project_id": "只能为本单位负责的项目报告问题"})
    elif data.investor_id is not None and db.get(Investor, data.investor_id) is None:
        raise Invalid({"investor_id": "客商不存在"})
    ticket = Ticket(
        **data.model_dump(exclude={"reporter_label", "investor_id"}),
        reporter_unit_id=principal.unit_id,
        reported_by_id=principal.user_id,
        reporter_label=data.reporter_label or principal.label,
        investor_id=project.investor_id if project else data.investor_id,
        status=TicketStatus.reported,
    )
    db.add(ticket)
    db.flush()
    event = _event(db, principal, ticket, "report", data.proposed_handling)
    _attach(db, principal, ticket, event, files, names)
    users = _coordinator_ids(db) + ([project.linked_leader_id] if project and project.linked_leader_id else [])
    _announce(db, ticket, "reported", users, "新的跟踪服务问题待交办")
    db.flush()
    return ticket


def ensure_may_route(db: Session, principal: Principal, ticket: Ticket) -> None:
    """Only the coordinator, or the linked leader of the ticket's project, routes a ticket."""
    if not (
        principal.is_coordinator
        or (
            principal.role is Role.leader
            and principal.user_id is not None
            and principal.user_id == _linked_leader(db, ticket)
        )
    ):
        raise policy.DeniedForbidden("只有招商局或项目的挂钩领导可以交办")


def route(db: Session, principal: Principal, ticket_id: int, data: TicketRoute, today: date | None = None) -> Ticket:
    ticket = get(db, principal, ticket_id)
    ensure_may_route(db, principal, ticket)
    check_version(db, ticket, data.version)
    if ticket.status is not TicketStatus.reported:
        raise Invalid({"__all__": "该问题已交办"})
    helpers = [u for u in dict.fromkeys(data.helper_unit_ids) if u != data.handling_unit_id]
    for field, unit_id in [("handling_unit_id", data.handling_unit_id), *(("helper_unit_ids", u) for u in helpers)]:
        unit = db.get(Unit, unit_id)
        if unit is None or not unit.is_active:
            raise Invalid({field: "单位不存在或已停用"})
    today = today or workdays.today()
    calendar = workdays.load_calendar(db)
    category = db.get(TicketCategory, ticket.category_id)
    days = data.due_days or (category.default_days if category else 10)
    ticket.status = TicketStatus.routed
    ticket.handling_unit_id = data.handling_unit_id
    ticket.routed_on = today
    ticket.due_on = workdays.add_working_days(today, days, calendar)
    ticket.escalation_level = 0
    ticket.escalated_on = None
    for row in db.execute(select(TicketUnit).where(TicketUnit.ticket_id == ticket.id)).scalars():
        db.delete(row)
    db.flush()
    db.add(TicketUnit(ticket_id=ticket.id, unit_id=data.handling_unit_id, is_lead=True))
    for unit_id in helpers:
        db.add(TicketUnit(ticket_id=ticket.id, unit_id=unit_id, is_lead=False))
    _event(
        db,
        principal,
        ticket,
        "route",
        data.note,
        handling_unit_id=data.handling_unit_id,
        helpers=helpers,
        due_on=ticket.due_on.isoformat(),
        working_days=days,
    )
    _announce(
        db, ticket, "routed", _unit_user_ids(db, [data.handling_unit_id, *helpers]), f"交办：限 {ticket.due_on} 前办结"
    )
    db.flush()
    return ticket


def act(
    db: Session,
    principal: Principal,
    ticket_id: int,
    data: TicketAction,
    files: Sequence[StoredFile] = (),
    names: Sequence[str] = (),
    today: date | None = None,
) -> Ticket:
    ticket = get(db, principal, ticket_id)
    check_version(db, ticket, data.version)
    today = today or workdays.today()
    handling = principal.unit_id is not None and principal.unit_id == ticket.handling_unit_id
    reporter = principal.unit_id == ticket.reporter_unit_id
    involved = principal.unit_id in units_of(db, ticket)
    writer = principal.can_write and principal.role in (Role.unit_staff, Role.coordinator)
    s = ticket.status
    action = data.action

    def need(condition: bool, message: str = "您不能对该问题执行此操作") -> None:
        if not condition:
            raise policy.DeniedForbidden(message)

    def state(*allowed: TicketStatus) -> None:
        if s not in allowed:
            raise Invalid({"action": f"问题当前为“{s.label}”，不能{ACTION_LABELS[action]}"})

    need(writer)
    notify_users: list[int] = []
    extra: dict[str, Any] = {}
    if action == "accept":
        need(handling, "只有牵头办理单位可以受理")
        state(TicketStatus.routed)
        ticket.status = TicketStatus.in_progress
        notify_users = _unit_user_ids(db, [ticket.reporter_unit_id])
    elif action == "comment":
        need(involved or principal.is_coordinator)
        state(*OPEN_STATUSES)
    elif action == "return":
        need(handling, "只有牵头办理单位可以退回")
        state(TicketStatus.routed, TicketStatus.in_progress)
        ticket.status = TicketStatus.reported
        ticket.handling_unit_id = None
        ticket.due_on = None
        ticket.routed_on = None
        for row in db.execute(select(TicketUnit).where(TicketUnit.ticket_id == ticket.id)).scalars():
            db.delete(row)
        leader = _linked_leader(db, ticket)
        notify_users = _coordinator_ids(db) + ([leader] if leader else [])
    elif action == "pause":
        need(handling or principal.is_coordinator, "只有办理单位可以暂停计时")
        state(TicketStatus.routed, TicketStatus.in_progress)
        extra["paused_from"] = s.value
        ticket.status = TicketStatus.paused
        ticket.paused_on = today
        ticket.pause_reason = data.note
    elif action == "resume":
        need(handling or principal.is_coordinator, "只有办理单位可以恢复计时")
        state(TicketStatus.paused)
        calendar = workdays.load_calendar(db)
        if ticket.due_on and ticket.paused_on:
            stopped = max(0, workdays.working_days_between(ticket.paused_on, today, calendar))
            ticket.due_on = workdays.add_working_days(ticket.due_on, stopped, calendar)
        ticket.status = _status_before_pause(db, ticket)
        ticket.paused_on = None
        ticket.pause_reason = ""
    elif action == "resolve":
        need(handling, "只有牵头办理单位可以办结")
        state(TicketStatus.routed, TicketStatus.in_progress)
        ticket.status = TicketStatus.resolved
        ticket.resolution = data.note
        ticket.resolved_at = utcnow()
        notify_users = _unit_user_ids(db, [ticket.reporter_unit_id])
    elif action == "close":
        need(reporter, "由报告问题的单位记录客商评价并关闭")
        state(TicketStatus.resolved)
        assert data.verdict is not None
        ticket.status = TicketStatus.closed
        ticket.verdict = data.verdict
        ticket.verdict_remark = data.note
        ticket.closed_at = utcnow()
        notify_users = _unit_user_ids(db, [ticket.handling_unit_id]) + _coordinator_ids(db)
    elif action == "reopen":
        need(reporter, "由报告问题的单位提出重新办理")
        state(TicketStatus.resolved)
        category = db.get(TicketCategory, ticket.category_id)
        calendar = workdays.load_calendar(db)
        ticket.status = TicketStatus.in_progress
        ticket.reopened_count += 1
        ticket.resolved_at = None
        ticket.due_on = workdays.add_working_days(today, category.default_days if category else 10, calendar)
        ticket.escalation_level = 0
        ticket.escalated_on = None
        notify_users = _unit_user_ids(db, [ticket.handling_unit_id])
    event = _event(
        db,
        principal,
        ticket,
        action,
        data.note,
        **extra,
        **({"verdict": data.verdict.value} if data.verdict and action == "close" else {}),
        **({"due_on": ticket.due_on.isoformat()} if action in ("resume", "reopen") and ticket.due_on else {}),
    )
    _attach(db, principal, ticket, event, files, names)
    _announce(db, ticket, EVENT_NAMES[action], notify_users, lambda t: f"问题“{t[:30]}”：{ACTION_LABELS[action]}")
    db.flush()
    return ticket


def _status_before_pause(db: Session, ticket: Ticket) -> TicketStatus:
    """A ticket paused before it was accepted goes back to waiting for acceptance, not to work."""
    last = db.execute(
        select(TicketEvent.data)
        .where(TicketEvent.ticket_id == ticket.id, TicketEvent.action == "pause")
        .order_by(TicketEvent.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if last and last.get("paused_from") == TicketStatus.routed.value:
        return TicketStatus.routed
    return TicketStatus.in_progress


def escalate_overdue(db: Session, today: date | None = None) -> int:
    """Overdue tickets go up by themselves: first the handling unit's head, later the linked leader."""
    today = today or workdays.today()
    calendar = workdays.load_calendar(db)
    leader_after = int(app_settings.get_decimal(db, "escalate_to_leader_days"))
    system = Principal(role=Role.coordinator, unit_id=None, label="系统（自动升级）")
    count = 0
    stmt = (
        select(Ticket)
        .where(Ticket.status.in_(CLOCK_STATUSES), Ticket.due_on < today, Ticket.escalation_level < 2)
        .order_by(Ticket.id)
    )
    if db.get_bind().dialect.name == "postgresql":
        # several workers: each ticket is escalated by one of them, the others skip it
        stmt = stmt.with_for_update(skip_locked=True)
    due = db.execute(stmt).scalars().all()
    for ticket in due:
        if ticket.escalation_level == 0:
            unit = db.get(Unit, ticket.handling_unit_id) if ticket.handling_unit_id else None
            head = unit.head_user_id if unit else None
            targets = [head] if head else _unit_user_ids(db, [ticket.handling_unit_id])
            ticket.escalation_level = 1
            ticket.escalated_on = today
            _event(
                db,
                system,
                ticket,
                "escalate_head",
                f"已逾期（限 {ticket.due_on}），提请办理单位负责人督办",
                users=targets,
            )
            _announce(db, ticket, "escalated", targets, lambda t: f"逾期督办：{t[:40]}")
            count += 1
        elif (
            ticket.escalated_on and workdays.working_days_between(ticket.escalated_on, today, calendar) >= leader_after
        ):
            leader = _linked_leader(db, ticket)
            targets = [leader] if leader else _coordinator_ids(db)
            ticket.escalation_level = 2
            ticket.escalated_on = today
            _event(db, system, ticket, "escalate_leader", "逾期未办结，已升级到挂钩领导", users=targets)
            _announce(db, ticket, "escalated", targets, lambda t: f"逾期升级：{t[:40]}")
            count += 1
    db.flush()
    return count


# --- reading ---------------------------------------------------------------------------------


@dataclass
class TicketFilter:
    box: str = ""  # new, in_progress, due_soon, overdue, reported_by_me, open, closed, all
    unit_id: int | None = None
    category_id: int | None = None
    category_ids: frozenset[int] = frozenset()  # any of these (Open311: service_code=a,b)
    status: TicketStatus | None = None
    ids: frozenset[int] = frozenset()
    created_from: datetime | None = None
    created_to: datetime | None = None
    updated_since: datetime | None = None  # changed at or after this moment (API sync)


# built once: an alias builds a proxy of every column of the table, which costs more than the query
_HANDLER = aliased(Unit, name="handler")
_REPORTER = aliased(Unit, name="reporter")

# What the queue asks before its tickets, in one round trip: the due-soon setting (one row, its
# default when unset), the working-day calendar (a row per exception) and the tickets the unit
# shares as lead or helper (a row each; none for `unit` NULL). The shared tickets are asked first,
# so that the conditions below are plain column tests the database can answer from indexes (an
# EXISTS under OR makes it test every ticket of the status in turn).
_CONTEXT: CompoundSelect[str | None, date | None, bool | None, int | None] = union_all(
    select(
        app_settings.value_of("due_soon_days").label("soon_days"),
        cast(null(), Date).label("day"),
        cast(null(), Boolean).label("is_workday"),
        cast(null(), Integer).label("shared_id"),
    ),
    select(null(), CalendarDay.day, CalendarDay.is_workday, null()),
    select(null(), null(), null(), TicketUnit.ticket_id).where(TicketUnit.unit_id == bindparam("unit")),
)


@dataclass
class QueueContext:
    """What a box's tickets and counts need, asked once per page: the day, the working-day
    calendar, the due-soon window and the tickets the unit shares."""

    today: date
    calendar: dict[date, bool]
    soon_days: int
    soon: date
    shared: list[int]


def queue_context(db: Session, principal: Principal, today: date | None = None) -> QueueContext:
    today = today or workdays.today()
    unit = None if principal.reads_everything else principal.unit_id
    soon_days = 0
    calendar: dict[date, bool] = {}
    shared: list[int] = []
    for setting, day, is_workday, shared_id in db.execute(_CONTEXT, {"unit": unit}):
        if setting is not None:
            soon_days = max(0, int(Decimal(setting)))
        elif day is not None:
            calendar[day] = bool(is_workday)
        elif shared_id is not None:
            shared.append(shared_id)
    return QueueContext(
        today=today,
        calendar=calendar,
        soon_days=soon_days,
        soon=workdays.add_working_days(today, soon_days, calendar),
        shared=shared,
    )


def working_days_between(start: date, end: date, calendar: workdays.Calendar) -> int:
    """`workdays.working_days_between` without walking day by day (a ticket overdue for a year
    would take 365 steps per row): whole weeks count five, then the calendar's exceptions in the
    range are applied. Same result: working days in (start, end], negative when end is before start."""
    if end == start:
        return 0
    sign = 1
    if end < start:
        start, end, sign = end, start, -1
    weeks, rest = divmod((end - start).days, 7)
    first = start.weekday()
    count = weeks * 5 + sum(1 for i in range(1, rest + 1) if (first + i) % 7 < 5)
    for day, is_workday in calendar.items():
        if start < day <= end and is_workday != (day.weekday() < 5):
            count += 1 if is_workday else -1
    return sign * count


def _deadline(today: date, status: TicketStatus, due_on: date | None, ctx: QueueContext) -> tuple[str, int | None]:
    """A ticket's light and its working days left (negative: overdue), counted once for both; the
    same figures as `workdays.light` and `workdays.working_days_between`."""
    if due_on is None or status not in CLOCK_STATUSES:
        return "grey", None
    remaining = working_days_between(today, due_on, ctx.calendar)
    if today > due_on:
        return "red", remaining
    return ("yellow" if remaining <= ctx.soon_days else "green"), remaining


def _among(postgresql: bool, ids: list[int] | None = None) -> ColumnElement[bool]:
    """Ticket.id among the shared tickets: `ids`, or the parameter `shared_ids` when the statement is
    built once. On PostgreSQL one array parameter (`= ANY`, which is what the planner makes of an IN
    list anyway), so that neither SQLAlchemy nor the driver handles a parameter per id in each of
    the places a statement tests it."""
    value: dict[str, Any] = {} if ids is None else {"value": ids}
    if postgresql:
        return Ticket.id == any_(bindparam("shared_ids", type_=ARRAY(Integer), **value))
    return Ticket.id.in_(bindparam("shared_ids", expanding=True, **value))


def _visible(everything: bool, mine: Any, shared: ColumnElement[bool]) -> Any:
    """Who sees a ticket: everyone who reads everything; else its reporting unit, its handling unit
    and the units that share it. `mine` is the unit (a value or a parameter)."""
    if everything:
        return None
    return or_(Ticket.reporter_unit_id == mine, Ticket.handling_unit_id == mine, shared)


def _box_condition(box: str, everything: bool, mine: Any, today: Any, soon: Any, shared: ColumnElement[bool]) -> Any:
    """A box as a condition (None: every ticket). `mine` is the principal's unit or None; `today`
    and `soon` are dates or parameters."""
    own = mine is not None and not everything  # a unit's boxes: what it handles or shares
    clock = Ticket.status.in_(CLOCK_STATUSES)
    condition: Any = None
    if box == "new":
        condition = (
            and_(Ticket.status == TicketStatus.routed, Ticket.handling_unit_id == mine)
            if own
            else Ticket.status == TicketStatus.reported
        )
    elif box == "in_progress":
        condition = Ticket.status.in_([TicketStatus.in_progress, TicketStatus.paused])
    elif box == "due_soon":
        condition = and_(clock, Ticket.due_on >= today, Ticket.due_on <= soon)
    elif box == "overdue":
        condition = and_(clock, Ticket.due_on < today)
    elif box == "reported_by_me" and mine is not None:
        condition = Ticket.reporter_unit_id == mine
    elif box == "open":
        condition = Ticket.status.in_(OPEN_STATUSES)
    elif box == "closed":
        condition = Ticket.status == TicketStatus.closed
    if box in ("in_progress", "due_soon", "overdue") and own:
        condition = and_(condition, or_(Ticket.handling_unit_id == mine, shared))
    return condition


# The nearest deadline first, none last, the newest first among equals. Written as NULLS LAST (not a
# sort on `due_on IS NULL`) so that the index ix_ticket_due_order (due_on, id DESC), or
# ix_ticket_status_due (status, due_on, id DESC) for a box of one status, gives the rows in this order
# and the page is read alone, on PostgreSQL (an ascending index keeps NULLs last) and on SQLite (which
# reads the index's NULLs after the rest).
_ORDER = (Ticket.due_on.asc().nulls_last(), Ticket.id.desc())


def list_tickets(
    db: Session,
    principal: Principal,
    f: TicketFilter,
    *,
    limit: int = 50,
    offset: int = 0,
    today: date | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """One page of tickets by any filter (the API, the bulletin); the queue page has `queue_page`."""
    ctx = queue_context(db, principal, today)
    today, soon = ctx.today, ctx.soon
    everything, mine = principal.reads_everything, principal.unit_id
    shared = _among(db.get_bind().dialect.name == "postgresql", ctx.shared)
    handler, reporter = _HANDLER, _REPORTER
    where: list[Any] = []
    visible = _visible(everything, mine, shared)
    if visible is not None:
        where.append(visible)
    box = _box_condition(f.box, everything, mine, today, soon, shared)
    if box is not None:
        where.append(box)
    if f.unit_id:
        where.append(Ticket.handling_unit_id == f.unit_id)
    if f.category_id:
        where.append(Ticket.category_id == f.category_id)
    if f.category_ids:
        where.append(Ticket.category_id.in_(sorted(f.category_ids)))
    if f.status:
        where.append(Ticket.status == f.status)
    if f.ids:
        where.append(Ticket.id.in_(sorted(f.ids)))
    if f.created_from is not None:
        where.append(Ticket.created_at >= f.created_from)
    if f.created_to is not None:
        where.append(Ticket.created_at <= f.created_to)
    if f.updated_since is not None:
        where.append(Ticket.updated_at >= f.updated_since)
    stmt = (
        select(Ticket, TicketCategory.name, handler.name, reporter.name)
        .join(TicketCategory, TicketCategory.id == Ticket.category_id)
        .join(reporter, reporter.id == Ticket.reporter_unit_id)
        .outerjoin(handler, handler.id == Ticket.handling_unit_id)
        .where(*where)
    )
    rows = db.execute(stmt.order_by(*_ORDER).limit(limit).offset(offset)).all()
    if offset == 0 and len(rows) < limit:
        total = len(rows)
    else:  # every ticket has its category and reporter: the count needs no joins
        total = db.execute(select(func.count()).select_from(Ticket).where(*where)).scalar_one()
    views = project_views(db, principal, [r[0] for r in rows])
    result = []
    for ticket, category_name, handler_name, reporter_name in rows:
        light, remaining = _deadline(today, ticket.status, ticket.due_on, ctx)
        shown = views.get(ticket.id)
        result.append(
            {
                "ticket": ticket,
                "title": shown.redact(ticket.title) if shown else ticket.title,
                "project": shown,
                "category": category_name,
                "handler": handler_name or "—",
                "reporter": reporter_name,
                "light": light,
                "remaining": remaining,
            }
        )
    return result, total


# --- the queue page ----------------------------------------------------------------------------

COUNTED_BOXES = ("new", "in_progress", "due_soon", "overdue")  # their counts show on every tab


@dataclass(slots=True)
class QueueRow:
    """A ticket as the queue shows it: a few columns, not the entity."""

    id: int
    title: str
    status: TicketStatus
    due_on: date | None
    escalation_level: int
    priority: Priority
    category: str
    reporter: str
    handler: str
    light: str
    remaining: int | None


@dataclass
class QueuePage:
    """What the queue page shows: a box's page of tickets, how many there are and the boxes' counts."""

    rows: list[QueueRow]
    total: int
    counts: dict[str, int]  # the COUNTED_BOXES
    soon_days: int


@functools.cache
def _queue_statement(box: str, everything: bool, has_unit: bool, postgresql: bool) -> CompoundSelect[Any]:
    """One page of a box and the counts of the boxes in one statement, built once per kind of
    principal (parameters: unit, shared_ids, today, soon, limit, offset): the page's rows, then one
    row of counts (id NULL), the box's own count being the page's total. A union rather than a join
    of the two: SQLite would run the counts twice."""
    mine = bindparam("unit", type_=Integer) if has_unit else None
    today, soon = bindparam("today", type_=Date), bindparam("soon", type_=Date)
    shared = _among(postgresql)
    visible = _visible(everything, mine, shared)
    conditions = {name: _box_condition(name, everything, mine, today, soon, shared) for name in (*COUNTED_BOXES, box)}
    conditions = {name: true() if condition is None else condition for name, condition in conditions.items()}
    counts = select(*(func.count().filter(c).label(f"n_{name}") for name, c in conditions.items())).select_from(Ticket)
    page = (
        select(
            Ticket.id,
            Ticket.title,
            Ticket.status,
            Ticket.due_on,
            Ticket.escalation_level,
            Ticket.priority,
            TicketCategory.name.label("category"),
            _REPORTER.name.label("reporter"),
            _HANDLER.name.label("handler"),
            # the ticket's project, so that its title is shown as projects.view allows
            Project.name.label("p_name"),
            Project.code_name.label("p_code_name"),
            Project.is_confidential.label("p_confidential"),
            Project.responsible_unit_id.label("p_responsible"),
            Project.introducing_unit_id.label("p_introducing"),
            Investor.name.label("p_investor"),
        )
        .join(TicketCategory, TicketCategory.id == Ticket.category_id)
        .join(_REPORTER, _REPORTER.id == Ticket.reporter_unit_id)
        .outerjoin(_HANDLER, _HANDLER.id == Ticket.handling_unit_id)
        .outerjoin(Project, Project.id == Ticket.project_id)
        .outerjoin(Investor, Investor.id == Ticket.investor_id)
    )
    if visible is None:  # everything: count only the tickets in the boxes (indexes by status)
        counts = counts.where(or_(*conditions.values()))
    else:  # a unit's tickets are few: count them all, each box by its filter
        counts, page = counts.where(visible), page.where(visible)
    counts_sq = counts.subquery("counts")
    page_sq = (
        page.where(conditions[box])
        .order_by(*_ORDER)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
        .subquery("page")
    )
    both: CompoundSelect[Any] = union_all(
        select(page_sq, *(cast(null(), Integer).label(c.name) for c in counts_sq.c)),
        select(*(null() for _ in page_sq.c), counts_sq),
    )
    shown = both.selected_columns
    return both.order_by(shown.due_on.nulls_last(), shown.id.desc())  # as _ORDER; the counts come last


def queue_page(
    db: Session, principal: Principal, box: str, *, limit: int = 50, offset: int = 0, today: date | None = None
) -> QueuePage:
    """The queue page: a box's tickets, its total and the counts of the COUNTED_BOXES, in two
    statements (what the queue needs to know first, then the page with the counts)."""
    ctx = queue_context(db, principal, today)
    today = ctx.today
    postgresql = db.get_bind().dialect.name == "postgresql"
    stmt = _queue_statement(box, principal.reads_everything, principal.unit_id is not None, postgresql)
    params = {
        "unit": principal.unit_id,
        "shared_ids": ctx.shared,
        "today": today,
        "soon": ctx.soon,
        "limit": limit,
        "offset": offset,
    }
    # a Core statement on the session's connection: plain rows, none of the ORM's work per row
    # (queue_context has flushed whatever was pending)
    rows: list[QueueRow] = []
    counts: RowMapping | None = None
    for r in db.connection().execute(stmt, params):
        if r.id is None:
            counts = r._mapping
            continue
        light, remaining = _deadline(today, r.status, r.due_on, ctx)
        rows.append(
            QueueRow(
                id=r.id,
                title=_row_title(principal, r),
                status=r.status,
                due_on=r.due_on,
                escalation_level=r.escalation_level,
                priority=r.priority,
                category=r.category,
                reporter=r.reporter,
                handler=r.handler or "—",
                light=light,
                remaining=remaining,
            )
        )
    assert counts is not None  # an aggregate without GROUP BY always gives its row
    return QueuePage(
        rows=rows,
        total=counts[f"n_{box}"],
        counts={name: counts[f"n_{name}"] for name in COUNTED_BOXES},
        soon_days=ctx.soon_days,
    )


def due_soon_days(db: Session) -> int:
    return max(0, int(app_settings.get_decimal(db, "due_soon_days")))


def light_of(db: Session, ticket: Ticket, today: date | None = None, calendar: workdays.Calendar | None = None) -> str:
    return workdays.light(
        today or workdays.today(),
        ticket.due_on,
        workdays.load_calendar(db) if calendar is None else calendar,
        paused=ticket.status not in CLOCK_STATUSES,
        soon=due_soon_days(db),
    )


def timeline(db: Session, ticket: Ticket) -> Sequence[TicketEvent]:
    return (
        db.execute(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id))
        .scalars()
        .all()
    )


def latest_notes(db: Session, ticket_ids: Sequence[int]) -> dict[int, str]:
    """Each ticket's most recent note on its timeline (one query for all of them)."""
    if not ticket_ids:
        return {}
    last = (
        select(func.max(TicketEvent.id))
        .where(TicketEvent.ticket_id.in_(ticket_ids), TicketEvent.note != "")
        .group_by(TicketEvent.ticket_id)
    )
    rows = db.execute(select(TicketEvent.ticket_id, TicketEvent.note).where(TicketEvent.id.in_(last))).tuples().all()
    return dict(rows)


def helper_units(db: Session, ticket: Ticket) -> list[tuple[int, str, bool]]:
    rows = db.execute(
        select(TicketUnit.unit_id, Unit.name, TicketUnit.is_lead)
        .join(Unit, Unit.id == TicketUnit.unit_id)
        .where(TicketUnit.ticket_id == ticket.id)
        .order_by(TicketUnit.is_lead.desc())
    ).all()
    return [(r[0], r[1], r[2]) for r in rows]


def _percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (stated: the smallest value with at least `fraction` of values at or below)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def _rate(verdicts: Sequence[Verdict]) -> Decimal | None:
    """Satisfaction rate in %: (满意 + 基本满意) over all verdicts, one decimal; None without verdicts."""
    if not verdicts:
        return None
    good = sum(1 for v in verdicts if v in (Verdict.satisfied, Verdict.basically))
    return (Decimal(good) * 100 / len(verdicts)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def overview(db: Session, principal: Principal, today: date | None = None) -> dict[str, Any]:
    """Open and overdue by handling unit; time to resolve (calendar days from routing to resolution:
    mean and nearest-rank 90th percentile) and the investors' satisfaction, by category and by month."""
    if not principal.reads_everything:
        raise policy.DeniedForbidden("仅招商局、领导和督查室可查看总览")
    today = today or workdays.today()
    by_unit = db.execute(
        select(
            Unit.name,
            func.count(),
            func.sum(and_(Ticket.status.in_(CLOCK_STATUSES), Ticket.due_on < today).cast(Integer)),
        )
        .join(Unit, Unit.id == Ticket.handling_unit_id)
        .where(Ticket.status.in_(WITH_HANDLER))
        .group_by(Unit.name)
        .order_by(func.count().desc(), Unit.name)
    ).all()
    done = db.execute(
        select(Ticket, TicketCategory.name)
        .join(TicketCategory, TicketCategory.id == Ticket.category_id)
        .where(Ticket.resolved_at.is_not(None), Ticket.routed_on.is_not(None))
    ).all()
    groups: dict[str, dict[str, dict[str, list[Any]]]] = {"category": {}, "month": {}}
    all_days: list[float] = []
    all_verdicts: list[Verdict] = []
    for ticket, category_name in done:
        assert ticket.resolved_at is not None and ticket.routed_on is not None
        resolved_on = workdays.local_date(ticket.resolved_at)
        days = float(max(0, (resolved_on - ticket.routed_on).days))
        all_days.append(days)
        if ticket.verdict is not None:
            all_verdicts.append(ticket.verdict)
        for kind, key in (("category", category_name), ("month", resolved_on.strftime("%Y-%m"))):
            group = groups[kind].setdefault(key, {"days": [], "verdicts": []})
            group["days"].append(days)
            if ticket.verdict is not None:
                group["verdicts"].append(ticket.verdict)

    def stats(values: list[float], verdicts: list[Verdict]) -> dict[str, Any]:
        mean = (Decimal(str(sum(values))) / len(values)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        return {
            "count": len(values),
            "mean": mean,
            "p90": int(_percentile(values, 0.9)),
            "verdicts": len(verdicts),
            "satisfaction_rate": _rate(verdicts),
        }

    counts = dict(
        db.execute(select(Ticket.verdict, func.count()).where(Ticket.verdict.is_not(None)).group_by(Ticket.verdict))
        .tuples()
        .all()
    )
    every_verdict = [v for v in Verdict for _ in range(counts.get(v, 0))]
    return {
        "by_unit": [{"unit": r[0], "open": r[1], "overdue": int(r[2] or 0)} for r in by_unit],
        "by_category": {k: stats(g["days"], g["verdicts"]) for k, g in sorted(groups["category"].items())},
        "by_month": {k: stats(g["days"], g["verdicts"]) for k, g in sorted(groups["month"].items())},
        "satisfaction": {v.label: counts.get(v, 0) for v in Verdict},
        "satisfaction_rate": _rate(every_verdict),
        "verdict_total": len(every_verdict),
        "overall": stats(all_days, all_verdicts) if all_days else None,
    }
