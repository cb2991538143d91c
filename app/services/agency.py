"""The 代办 window (外来投资企业服务代办窗口): the 代办员 who carries a project's approvals for the investor, the
代办员's queue, the departments' queue, and the hand-overs of an approval's papers.

Rules:
- The coordinator assigns a project's 代办员 (an active person of a unit, typically the 代办窗口's staff),
  changes or removes it; the assignment is versioned (a stale version answers 409) and audited.
- The 代办员 may read the projects assigned to them even when they belong to another unit (`is_agent`, the one
  per-object rule, called by `app.services.projects.get`); a confidential project is still shown by its code
  name unless the 代办员 sees its identity (`projects.view`). The 代办员 carries for the investor and sees the
  investor's contact (behind the same identity rule).
- The 代办员's queue (`agent_queue`): every approval of their projects, overdue first (submitted and past
  `due_on`, or a 容缺 document past its deadline), then the open ones by due date, then the finished ones.
- "客商不与部门见面": a department's staff see the approvals assigned to their department (`department_queue`)
  with the 代办员's name and phone as the contact, never the investor's (no investor column is even selected).
- Hand-overs (递交部门 / 部门返回) are recorded by the project's 代办员 or the coordinator, dated no later than
  today (the server's clock, `workdays.today()`); read by whoever may read the approval (`approval_access`).
The service-quality report is in app.services.approval_service_report."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, false, func, or_, select, true
from sqlalchemy.orm import Session, aliased

from app import policy
from app.errors import Conflict, Invalid, NotFound
from app.models.approval import (
    ApprovalDeferredDocument,
    ApprovalHandover,
    ApprovalKind,
    ApprovalStatus,
    HandoverDirection,
    ProjectAgent,
    ProjectApproval,
)
from app.models.base import utcnow
from app.models.investor import Investor
from app.models.project import Project
from app.models.unit import Unit
from app.models.user import Role, User
from app.principal import Principal
from app.schemas.agency import AgentSet, HandoverCreate
from app.services import projects, workdays
from app.services.common import check_version

OPEN_STATUSES = (ApprovalStatus.waiting, ApprovalStatus.ready, ApprovalStatus.submitted)
AGENT_ROLES = (Role.unit_staff, Role.coordinator)

# --- who may read what ------------------------------------------------------------------------------


def is_agent(db: Session, principal: Principal, project_id: int) -> bool:
    """Whether the principal carries the project as its 代办员: the person assigned, or a token of the 代办员's
    unit (the 代办窗口's own system)."""
    return bool(db.execute(select(_carries(principal, project_id))).scalar_one())


def _carries(principal: Principal, project_id: Any) -> ColumnElement[bool]:
    if principal.user_id is not None:
        return (
            select(ProjectAgent.id)
            .where(ProjectAgent.project_id == project_id, ProjectAgent.user_id == principal.user_id)
            .exists()
        )
    if principal.token_id is not None and principal.unit_id is not None:
        return (
            select(ProjectAgent.id)
            .join(User, User.id == ProjectAgent.user_id)
            .where(ProjectAgent.project_id == project_id, User.unit_id == principal.unit_id)
            .exists()
        )
    return false()


def may_read(db: Session, principal: Principal, project: Project) -> bool:
    """The project's readers (app.services.projects.can_read) and its 代办员."""
    return projects.can_read(principal, project) or is_agent(db, principal, project.id)


# --- a project's 代办员 -----------------------------------------------------------------------------


@dataclass
class AgentView:
    project: Project
    row: ProjectAgent | None
    user: User | None
    unit: Unit | None

    @property
    def version(self) -> int:
        return self.row.version if self.row is not None else 0


def agent_of(db: Session, principal: Principal, project_id: int) -> AgentView:
    project = projects.get(db, principal, project_id)
    found = db.execute(
        select(ProjectAgent, User, Unit)
        .join(User, User.id == ProjectAgent.user_id)
        .join(Unit, Unit.id == User.unit_id)
        .where(ProjectAgent.project_id == project.id)
    ).first()
    if found is None:
        return AgentView(project, None, None, None)
    return AgentView(project, found[0], found[1], found[2])


def can_assign(principal: Principal) -> bool:
    return principal.is_coordinator


def agent_options(db: Session, current: int | None = None, limit: int = 300) -> list[tuple[int, str]]:
    """People who may be assigned: active staff, the 代办窗口's units (name with 代办) first."""
    rows = db.execute(
        select(User.id, User.display_name, Unit.name)
        .join(Unit, Unit.id == User.unit_id)
        .where(or_(and_(User.is_active.is_(True), User.role.in_(AGENT_ROLES)), User.id == (current or 0)))
        .order_by(case((Unit.name.contains("代办"), 0), else_=1), Unit.sort_order, Unit.name, User.display_name)
        .limit(limit)
    ).all()
    return [(i, f"{name}（{unit}）") for i, name, unit in rows]


def _existing_row(db: Session, project_id: int) -> ProjectAgent | None:
    return db.execute(select(ProjectAgent).where(ProjectAgent.project_id == project_id)).scalar_one_or_none()


def _stale(expected: int, current: int) -> Conflict:
    return Conflict(details={"current_version": current, "your_version": expected, "changes": []})


def set_agent(db: Session, principal: Principal, project_id: int, data: AgentSet) -> AgentView:
    """Assign (or change) the project's 代办员. `data.version`: the assignment's, 0 when there is none."""
    project = projects.get(db, principal, project_id)
    policy.ensure_coordinator(principal)
    row = _existing_row(db, project.id)
    if row is None and data.version != 0:
        raise _stale(data.version, 0)
    if row is not None:
        check_version(db, row, data.version)
    user = db.get(User, data.user_id)
    if user is None or not user.is_active or user.role not in AGENT_ROLES:
        raise Invalid({"user_id": "找不到该人员，或其账号已停用"})
    if row is None:
        db.add(
            ProjectAgent(
                project_id=project.id,
                user_id=user.id,
                assigned_on=workdays.today(),
                assigned_by_id=principal.user_id,
            )
        )
    elif row.user_id != user.id:
        row.user_id = user.id
        row.assigned_on = workdays.today()
        row.assigned_by_id = principal.user_id
        row.updated_at = utcnow()
    db.flush()
    return agent_of(db, principal, project_id)


def remove_agent(db: Session, principal: Principal, project_id: int, version: int) -> AgentView:
    project = projects.get(db, principal, project_id)
    policy.ensure_coordinator(principal)
    row = _existing_row(db, project.id)
    if row is None:
        if version != 0:
            raise _stale(version, 0)
        return agent_of(db, principal, project_id)
    check_version(db, row, version)
    db.delete(row)
    db.flush()
    return agent_of(db, principal, project_id)


# --- the queues -------------------------------------------------------------------------------------

Department = aliased(Unit, name="department")
Recorder = aliased(User, name="recorder")


def _overdue_documents(today: date) -> Any:
    return (
        select(func.count())
        .select_from(ApprovalDeferredDocument)
        .where(
            ApprovalDeferredDocument.approval_id == ProjectApproval.id,
            ApprovalDeferredDocument.received_on.is_(None),
            ApprovalDeferredDocument.deadline < today,
        )
        .scalar_subquery()
    )


def _overdue(today: date) -> ColumnElement[bool]:
    late_documents = and_(
        ProjectApproval.status.in_((ApprovalStatus.submitted, ApprovalStatus.granted)), _overdue_documents(today) > 0
    )
    return or_(and_(ProjectApproval.status == ApprovalStatus.submitted, ProjectApproval.due_on < today), late_documents)


def _order(today: date) -> tuple[Any, ...]:
    rank = case((_overdue(today), 0), (ProjectApproval.status.in_(OPEN_STATUSES), 1), else_=2)
    return (rank, case((ProjectApproval.due_on.is_(None), 1), else_=0), ProjectApproval.due_on, ProjectApproval.id)


def _base(today: date) -> Select[Any]:
    columns: tuple[Any, ...] = (
        ProjectApproval.id.label("approval_id"),
        ProjectApproval.project_id,
        ProjectApproval.kind_id,
        ProjectApproval.department_unit_id,
        ProjectApproval.status,
        ProjectApproval.submitted_on,
        ProjectApproval.due_on,
        ProjectApproval.granted_on,
        ApprovalKind.name.label("kind_name"),
        Department.name.label("department_name"),
        Project.name,
        Project.code_name,
        Project.is_confidential,
        Project.responsible_unit_id,
        Project.introducing_unit_id,
        _overdue(today).label("overdue"),
        _overdue_documents(today).label("overdue_documents"),
    )
    stmt = (
        select(*columns)
        .select_from(ProjectApproval)
        .join(Project, Project.id == ProjectApproval.project_id)
        .join(ApprovalKind, ApprovalKind.id == ProjectApproval.kind_id)
        .outerjoin(Department, Department.id == ProjectApproval.department_unit_id)
    )
    return stmt


@dataclass
class Handover:
    id: int
    approval_id: int
    direction: HandoverDirection
    department_unit_id: int | None
    department_name: str
    happened_on: date
    documents: str
    recorded_by: str

    @property
    def direction_label(self) -> str:
        return self.direction.label


def _handovers(db: Session, approval_ids: Sequence[int]) -> dict[int, list[Handover]]:
    """The hand-overs of these approvals, newest first, in one statement."""
    if not approval_ids:
        return {}
    rows = db.execute(
        select(ApprovalHandover, Department.name, Recorder.display_name)
        .outerjoin(Department, Department.id == ApprovalHandover.department_unit_id)
        .outerjoin(Recorder, Recorder.id == ApprovalHandover.recorded_by_id)
        .where(ApprovalHandover.approval_id.in_(list(approval_ids)))
        .order_by(ApprovalHandover.approval_id, ApprovalHandover.happened_on.desc(), ApprovalHandover.id.desc())
    ).all()
    out: dict[int, list[Handover]] = {}
    for h, department_name, recorder in rows:
        out.setdefault(h.approval_id, []).append(
            Handover(
                h.id, h.approval_id, h.direction, h.department_unit_id, department_name or "", h.happened_on,
                h.documents, recorder or "",
            )
        )  # fmt: skip
    return out


def _first(rows: list[Handover] | None) -> Handover | None:
    return rows[0] if rows else None


@dataclass
class QueueItem:
    approval_id: int
    project_id: int
    project_name: str
    kind_id: int
    kind_name: str
    department_unit_id: int | None
    department_name: str
    status: ApprovalStatus
    submitted_on: date | None
    due_on: date | None
    granted_on: date | None
    days_left: int | None
    overdue: bool
    overdue_documents: int
    investor_name: str = ""
    investor_contact_name: str = ""
    investor_contact_phone: str = ""
    agent_name: str = ""
    agent_phone: str = ""
    last_handover: Handover | None = None

    @property
    def status_label(self) -> str:
        return self.status.label


def _days_left(r: Any, today: date, calendar: workdays.Calendar) -> int | None:
    if r.status != ApprovalStatus.submitted or r.due_on is None:
        return None
    return workdays.working_days_between(today, r.due_on, calendar)


def _item(principal: Principal, r: Any, today: date, calendar: workdays.Calendar) -> QueueItem:
    return QueueItem(
        approval_id=r.approval_id,
        project_id=r.project_id,
        project_name=projects.display_name(principal, r),
        kind_id=r.kind_id,
        kind_name=r.kind_name,
        department_unit_id=r.department_unit_id,
        department_name=r.department_name or "",
        status=ApprovalStatus(r.status),
        submitted_on=r.submitted_on,
        due_on=r.due_on,
        granted_on=r.granted_on,
        days_left=_days_left(r, today, calendar),
        overdue=bool(r.overdue),
        overdue_documents=int(r.overdue_documents or 0),
    )


def _agents(db: Session, principal: Principal, user_id: int | None) -> ColumnElement[bool]:
    """Which 代办员's projects a queue shows: a person their own; another 代办员's (`user_id`) to those who read
    everything and to the 代办员's own unit; a unit's token its unit's 代办员; a reader of everything every one."""
    if user_id is None or user_id == principal.user_id:
        if principal.user_id is not None:
            return ProjectAgent.user_id == principal.user_id
        if principal.reads_everything:
            return true()
        if principal.unit_id is None:
            return false()
        return ProjectAgent.user_id.in_(select(User.id).where(User.unit_id == principal.unit_id))
    agent = db.get(User, user_id)
    if agent is None or not (principal.reads_everything or agent.unit_id == principal.unit_id):
        raise policy.DeniedNotFound("找不到该代办员")
    return ProjectAgent.user_id == user_id


def agent_queue(
    db: Session,
    principal: Principal,
    *,
    user_id: int | None = None,
    limit: int = 20,
    offset: int = 0,
    today: date | None = None,
) -> tuple[list[QueueItem], int]:
    """Every approval of the projects a 代办员 carries (the principal, or `user_id`: see `_agents`), overdue
    first, then the open ones by due date, then the finished ones."""
    today = today or workdays.today()
    mine = select(ProjectAgent.project_id).where(_agents(db, principal, user_id))
    where = [ProjectApproval.project_id.in_(mine), ProjectApproval.status != ApprovalStatus.not_needed]
    stmt = (
        _base(today)
        .add_columns(
            Investor.name.label("investor_name"),
            Investor.contact_name.label("contact_name"),
            Investor.contact_phone.label("contact_phone"),
        )
        .join(Investor, Investor.id == Project.investor_id)
        .where(*where)
    )
    rows = db.execute(stmt.order_by(*_order(today)).limit(limit).offset(offset)).all()
    total = db.execute(select(func.count()).select_from(ProjectApproval).where(*where)).scalar_one()
    calendar = workdays.load_calendar(db) if rows else {}
    handovers = _handovers(db, [r.approval_id for r in rows])
    out = []
    for r in rows:
        item = _item(principal, r, today, calendar)
        shown = projects.view(principal, r)
        item.investor_name = shown.reveal(r.investor_name)
        item.investor_contact_name = shown.reveal(r.contact_name)
        item.investor_contact_phone = shown.reveal(r.contact_phone)
        item.last_handover = _first(handovers.get(r.approval_id))
        out.append(item)
    return out, int(total)


def department_of(principal: Principal, unit_id: int | None) -> int | None:
    """The department whose queue the principal reads: a unit's staff (or token) their own; those who read
    everything the one asked for (None: every department)."""
    if principal.reads_everything:
        return unit_id
    if principal.unit_id is None:
        raise policy.DeniedForbidden()
    return principal.unit_id


def department_queue(
    db: Session,
    principal: Principal,
    *,
    unit_id: int | None = None,
    limit: int = 20,
    offset: int = 0,
    today: date | None = None,
) -> tuple[list[QueueItem], int]:
    """The approvals assigned to the principal's department, with the 代办员 as the contact. No column of the
    investor is selected ("客商不与部门见面")."""
    today = today or workdays.today()
    department = department_of(principal, unit_id)
    where: list[ColumnElement[bool]] = [
        ProjectApproval.status.notin_((ApprovalStatus.not_needed, ApprovalStatus.waiting))
    ]
    if department is not None:
        where.append(ProjectApproval.department_unit_id == department)
    else:
        where.append(ProjectApproval.department_unit_id.is_not(None))
    agent_user = aliased(User, name="agent_user")
    stmt = (
        _base(today)
        .add_columns(agent_user.display_name.label("agent_name"), agent_user.phone.label("agent_phone"))
        .outerjoin(ProjectAgent, ProjectAgent.project_id == ProjectApproval.project_id)
        .outerjoin(agent_user, agent_user.id == ProjectAgent.user_id)
        .where(*where)
    )
    rows = db.execute(stmt.order_by(*_order(today)).limit(limit).offset(offset)).all()
    total = db.execute(select(func.count()).select_from(ProjectApproval).where(*where)).scalar_one()
    calendar = workdays.load_calendar(db) if rows else {}
    handovers = _handovers(db, [r.approval_id for r in rows])
    out = []
    for r in rows:
        item = _item(principal, r, today, calendar)
        item.agent_name, item.agent_phone = r.agent_name or "", r.agent_phone or ""
        item.last_handover = _first(handovers.get(r.approval_id))
        out.append(item)
    return out, int(total)


def department_options(db: Session) -> list[tuple[int, str]]:
    from app.models.unit import UnitKind

    rows = db.execute(
        select(Unit.id, Unit.name)
        .where(Unit.kind == UnitKind.department, Unit.is_active.is_(True))
        .order_by(Unit.sort_order, Unit.name)
    ).all()
    return [(i, n) for i, n in rows]


# --- one approval and its hand-overs ----------------------------------------------------------------


@dataclass
class ApprovalAccess:
    approval: ProjectApproval
    project: Project
    reads_project: bool  # one of the project's readers, or its 代办员: the investor's side may be shown
    is_agent: bool
    may_record: bool


def approval_access(db: Session, principal: Principal, approval_id: int) -> ApprovalAccess:
    """The approval, if the principal may read it: the project's readers, its 代办员, and the staff of the
    department it is assigned to (who do not thereby read the project nor the investor)."""
    found = db.execute(
        select(ProjectApproval, Project)
        .join(Project, Project.id == ProjectApproval.project_id)
        .where(ProjectApproval.id == approval_id)
    ).first()
    if found is None:
        raise NotFound("找不到该审批事项")
    approval, project = found
    agent = is_agent(db, principal, project.id)
    reads_project = agent or projects.can_read(principal, project)
    department = principal.unit_id is not None and principal.unit_id == approval.department_unit_id
    if not (reads_project or department):
        raise policy.DeniedNotFound("找不到该审批事项")
    may_record = principal.can_write and (principal.is_coordinator or agent)
    return ApprovalAccess(approval, project, reads_project, agent, may_record)


@dataclass
class ApprovalPage:
    access: ApprovalAccess
    item: QueueItem
    handovers: list[Handover] = field(default_factory=list)
    deferred: list[ApprovalDeferredDocument] = field(default_factory=list)


def approval_page(db: Session, principal: Principal, approval_id: int, today: date | None = None) -> ApprovalPage:
    """One approval as its reader may see it, with every hand-over. The investor's contact only to the
    project's readers and its 代办员 (behind the identity rule); a department's staff see the 代办员's."""
    today = today or workdays.today()
    access = approval_access(db, principal, approval_id)
    agent_user = aliased(User, name="agent_user")
    r = db.execute(
        _base(today)
        .add_columns(
            agent_user.display_name.label("agent_name"),
            agent_user.phone.label("agent_phone"),
            Project.investor_id,
        )
        .outerjoin(ProjectAgent, ProjectAgent.project_id == ProjectApproval.project_id)
        .outerjoin(agent_user, agent_user.id == ProjectAgent.user_id)
        .where(ProjectApproval.id == approval_id)
    ).one()
    item = _item(principal, r, today, workdays.load_calendar(db))
    item.agent_name, item.agent_phone = r.agent_name or "", r.agent_phone or ""
    if access.reads_project:
        investor = db.get(Investor, r.investor_id)
        shown = projects.view(principal, access.project)
        if investor is not None:
            item.investor_name = shown.reveal(investor.name)
            item.investor_contact_name = shown.reveal(investor.contact_name)
            item.investor_contact_phone = shown.reveal(investor.contact_phone)
    deferred = list(
        db.execute(
            select(ApprovalDeferredDocument)
            .where(ApprovalDeferredDocument.approval_id == approval_id)
            .order_by(ApprovalDeferredDocument.deadline, ApprovalDeferredDocument.id)
        ).scalars()
    )
    return ApprovalPage(access, item, _handovers(db, [approval_id]).get(approval_id, []), deferred)


def handovers_of(db: Session, principal: Principal, approval_id: int) -> list[Handover]:
    approval_access(db, principal, approval_id)
    return _handovers(db, [approval_id]).get(approval_id, [])


def add_handover(db: Session, principal: Principal, approval_id: int, data: HandoverCreate) -> Handover:
    """Record a hand-over of the approval's papers: by the project's 代办员 or the coordinator."""
    access = approval_access(db, principal, approval_id)
    if not access.may_record:
        raise policy.DeniedForbidden("只有该项目的代办员和招商局可以登记交接")
    errors: dict[str, str] = {}
    if data.happened_on > workdays.today():
        errors["happened_on"] = "交接日期不能晚于今天"
    elif data.happened_on < workdays.FIRST_DAY:
        errors["happened_on"] = "日期须在 2000 年以后"
    department_id = data.department_unit_id or access.approval.department_unit_id
    if data.department_unit_id is not None:
        from app.models.unit import UnitKind

        unit = db.get(Unit, data.department_unit_id)
        if unit is None or unit.kind is not UnitKind.department:
            errors["department_unit_id"] = "请选择县直部门"
    elif department_id is None:
        errors["department_unit_id"] = "该审批事项未指定承办部门，请选择部门"
    if errors:
        raise Invalid(errors)
    row = ApprovalHandover(
        approval_id=approval_id,
        direction=data.direction,
        department_unit_id=department_id,
        happened_on=data.happened_on,
        documents=data.documents,
        recorded_by_id=principal.user_id,
        recorded_at=utcnow(),
    )
    db.add(row)
    db.flush()
    return next(h for h in _handovers(db, [approval_id])[approval_id] if h.id == row.id)
